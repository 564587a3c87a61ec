/**
 * The renderer built for the browser (dist-web/), served by `quorum-lab serve`. Same
 * sources as the desktop renderer; the LabClient picks HTTP + WebSocket at run time.
 */
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./src-renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist-web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    // `vite --config vite.web.config.ts` for renderer work: API calls go to a running `quorum-lab serve --port 4400`;
    // open http://127.0.0.1:5173/?token=T with the token serve printed.
    proxy: { '/api': { target: 'http://127.0.0.1:4400', ws: true } },
  },
});
