/**
 * electron-vite builds the desktop app into out/: main (src-main/electron/main.ts),
 * preload (CommonJS, as a sandboxed preload must be), the renderer (src-renderer), and the
 * node process entry (src-main/node/main.ts → out/node/main.mjs, see nodeEntry below).
 */
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { nodeEntry } from './scripts/node-entry-build.mjs';

const r = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    // The node entry is built with the main process: `electron-vite build` makes all four.
    plugins: [nodeEntry()],
    build: {
      outDir: r('./out/main'),
      rollupOptions: {
        input: {
          index: r('./src-main/electron/main.ts'),
          // The live checker's worker thread, as its own file (no tsx at run time):
          // out/main/live-check-worker.mjs, where lab/live-check.ts, bundled into
          // out/main/index.js, looks for it (beside itself).
          'live-check-worker': r('./src-main/lab/live-check-worker.ts'),
        },
        output: { entryFileNames: (c) => (c.name === 'live-check-worker' ? '[name].mjs' : '[name].js') },
      },
    },
  },
  preload: {
    build: {
      outDir: r('./out/preload'),
      rollupOptions: {
        input: { preload: r('./src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('./src-renderer'),
    plugins: [vue()],
    build: {
      outDir: r('./out/renderer'),
      chunkSizeWarningLimit: 2000,
      rollupOptions: { input: { index: r('./src-renderer/index.html') } },
    },
  },
});
