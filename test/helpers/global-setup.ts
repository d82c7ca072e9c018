import {readdir, rm} from 'node:fs/promises'
import path from 'node:path'

import {stopSandbox} from '../../src/sandbox/sandbox.js'
import {TEST_SANDBOX_ROOT} from './sandbox.js'

/** Stops any sandbox a killed or crashed test file left behind, then removes the test root. */
async function sweepSandboxes(): Promise<void> {
  const entries = await readdir(TEST_SANDBOX_ROOT).catch(() => [])
  for (const entry of entries) {
    await stopSandbox(path.join(TEST_SANDBOX_ROOT, entry)).catch(() => undefined)
  }

  await rm(TEST_SANDBOX_ROOT, {recursive: true, force: true})
}

// vitest calls the returned function once every integration file has finished.
export default function setup(): () => Promise<void> {
  return sweepSandboxes
}
