import {mkdir, mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll} from 'vitest'

import {type Sandbox, type SandboxOptions, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'

/**
 * All sandboxes of one test run live below this root, so the run's global teardown can sweep
 * what a crash left, without touching the sandboxes of another run going on at the same time.
 * The global setup names the run; workers inherit it through the environment.
 */
export const TEST_SANDBOX_ROOT = path.join(os.tmpdir(), 'ovn-vif-ctl-tests', process.env.OVN_VIF_CTL_TEST_RUN ?? `pid-${process.pid}`)

/** A new directory of this test run's own (below TEST_SANDBOX_ROOT), named from prefix. */
export async function makeTestDir(prefix: string): Promise<string> {
  await mkdir(TEST_SANDBOX_ROOT, {recursive: true})
  return mkdtemp(path.join(TEST_SANDBOX_ROOT, prefix))
}

/**
 * Starts a sandbox of real OVN servers for the calling test file and always stops it, also
 * when a test fails or times out. Returns a getter, valid once beforeAll has run.
 */
export function useSandbox(options: Omit<SandboxOptions, 'dir'> = {}): () => Sandbox {
  let sandbox: Sandbox | undefined
  beforeAll(async () => {
    sandbox = await startSandbox({...options, dir: await makeTestDir('s-')})
  }, 60_000)
  afterAll(async () => {
    if (sandbox) await stopSandbox(sandbox.dir)
  }, 60_000)
  return () => {
    if (!sandbox) throw new Error('the sandbox is not started yet: call the getter inside a test or hook')
    return sandbox
  }
}
