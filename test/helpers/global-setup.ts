import {readdir, rm} from 'node:fs/promises'
import path from 'node:path'

import {stopSandbox} from '../../src/sandbox/sandbox.js'

/** Stops any sandbox a killed or crashed test file left behind, then removes this run's root. */
async function sweepSandboxes(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [])
  for (const entry of entries) {
    await stopSandbox(path.join(root, entry)).catch(() => undefined)
  }

  await rm(root, {recursive: true, force: true})
}

// vitest calls the returned function once every integration file has finished.
export default async function setup(): Promise<() => Promise<void>> {
  process.env.OVN_VIF_CTL_TEST_RUN = `run-${process.pid}`
  const {TEST_SANDBOX_ROOT} = await import('./sandbox.js')
  return () => sweepSandboxes(TEST_SANDBOX_ROOT)
}
