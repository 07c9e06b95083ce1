// Vite builds the client into web/dist; in dev it proxies the API paths to the router so the browser
// sees one origin, exactly as scripts/launcher/web-server.ts does for the built client.
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const routerOrigin = process.env.ROUTER_ORIGIN ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: {
      '/graphql': { target: routerOrigin, ws: true, changeOrigin: true },
      // /auth/complete is the client's own route (Microsoft sign-in lands there); the rest is identity's.
      '^/auth/(?!complete$)': { target: routerOrigin, changeOrigin: true },
      '/.well-known': { target: routerOrigin, changeOrigin: true },
      '/files': { target: routerOrigin, changeOrigin: true },
    },
  },
  // No source maps in the published build (they would publish the source); hashed file names, cached forever.
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 2000 },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    testTimeout: 20_000,
  },
});
