// One jest setup for every workspace: TypeScript through SWC (fast, no type check; `npm run typecheck` does that).
const path = require('node:path');

module.exports = function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    },
    globalSetup: path.join(__dirname, 'packages/service-kit/src/testing/global-setup.js'),
    testTimeout: 30000,
    // Locally a leaked handle shows up as a jest that does not exit; in CI it must not hang the run.
    forceExit: process.env.CI === 'true',
    ...overrides,
  };
};
