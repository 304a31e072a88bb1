// Build of the web console: `npm run build:console` → console/dist, served by the API at /console/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { woff2OnlyPlugin } from './build/font-plugin.ts';
import { chinaOutlinePlugin } from './build/outline-plugin.ts';
import { precompressPlugin } from './build/precompress-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  plugins: [woff2OnlyPlugin(), chinaOutlinePlugin(), precompressPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev:console`: the API (npm run api, port 3000) answers /v1 and /health.
    proxy: { '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
  },
});
