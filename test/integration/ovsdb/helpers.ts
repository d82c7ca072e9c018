import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {type OvsdbServer, type OvsdbServerOptions, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {TEST_SANDBOX_ROOT} from '../../helpers/sandbox.js'

export const TEST_SCHEMA_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovsdb/test.ovsschema')

export async function testDir(prefix: string): Promise<string> {
  await mkdir(TEST_SANDBOX_ROOT, {recursive: true})
  return mkdtemp(path.join(TEST_SANDBOX_ROOT, `ovsdb-${prefix}-`))
}

/** A standalone ovsdb-server for the calling file, stopped (and its dir removed) after the file. */
export function useOvsdbServer(options: Omit<OvsdbServerOptions, 'dir'> = {schemaFile: TEST_SCHEMA_FILE}): () => OvsdbServer {
  let server: OvsdbServer | undefined
  beforeAll(async () => {
    server = await startOvsdbServer({...options, dir: await testDir('server')})
  })
  afterAll(async () => {
    if (!server) return
    await stopOvsdbServer(server)
    await rm(server.dir, {recursive: true, force: true})
  })
  return () => {
    if (!server) throw new Error('the server is not started yet: call the getter inside a test or hook')
    return server
  }
}

/** Resolves with the first value of `read()` that passes `test`, polling the event loop. */
export async function until<T>(read: () => T, test: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (test(value)) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** One client of the test database for the calling file, connected in beforeAll and closed in afterAll. */
export function useTestClient(server: () => OvsdbServer): () => OvsdbClient {
  let client: OvsdbClient | undefined
  beforeAll(async () => {
    client = await OvsdbClient.connect(server().unixRemote, {database: 'Test'})
  })
  afterAll(async () => {
    await client?.close()
  })
  return () => {
    if (!client) throw new Error('the client is not connected yet: call the getter inside a test or hook')
    return client
  }
}
