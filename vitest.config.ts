import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // Bundles the node entry first: the real-process tests run what the installed app ships.
    globalSetup: ['test/global-setup.ts'],
    // Real-process and browser tests start OS processes; keep them from starving each other on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: 'node',
  },
});
