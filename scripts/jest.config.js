module.exports = require('../jest.base')(__dirname, { testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] });
