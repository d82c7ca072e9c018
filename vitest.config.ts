import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          sequence: {groupOrder: 0},
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          // Each file starts its own real OVN servers: on two cores, two files at a time.
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // After the unit tests, so a broken library fails fast before any server starts.
          sequence: {groupOrder: 1},
        },
      },
    ],
  },
})
