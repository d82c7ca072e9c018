import {defineConfig} from 'vitest/config'

// The packages in out/ (`npm run package` first), installed into this system: root only, one file at a time.
export default defineConfig({
  test: {
    name: 'packages',
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
