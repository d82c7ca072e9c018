import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'

import {OvsdbClient, type RestoreFailure, RpcError, type RowChange} from '../../../src/ovsdb/index.js'
import {errorReply, type Message, reply, startFakeServer} from './fake-server.js'
import {TEST_SCHEMA_FILE} from './fixtures.js'

const SCHEMA = JSON.parse(readFileSync(TEST_SCHEMA_FILE, 'utf8')) as unknown
const P1 = '11111111-1111-4111-8111-111111111111'
const P2 = '22222222-2222-4222-8222-222222222222'

/**
 * A server without _Server (like OVS before 2.9) that knows only the given monitor methods and
 * answers them with one Parent row; `afterReply` is written right behind the monitor reply.
 */
async function oldServer(methods: string[], afterReply = '') {
  return startFakeServer((message: Message, send) => {
    const {id, method, params} = message as {id: unknown; method: string; params: unknown[]}
    if (method === 'get_schema') send(params[0] === 'Test' ? reply(id, SCHEMA) : errorReply(id, 'unknown database'))
    else if (!methods.includes(method)) send(errorReply(id, 'unknown method'))
    else if (params[0] !== 'Test') send(errorReply(id, 'unknown database'))
    else if (method === 'monitor') send(reply(id, {Parent: {[P1]: {new: {name: 'v1', i: 1}}}}) + afterReply)
    else send(reply(id, {Parent: {[P1]: {initial: {name: 'v2', i: 1}}}}) + afterReply)
  })
}

describe('OvsdbClient.monitor against older servers', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function connect(methods: string[], afterReply?: string) {
    const server = await oldServer(methods, afterReply)
    cleanups.push(() => server.close())
    const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0})
    cleanups.push(() => client.close())
    return {client, server}
  }

  it('falls back from monitor_cond_since to monitor_cond on "unknown method"', async () => {
    const {client, server} = await connect(['monitor_cond'])
    const monitor = await client.monitor({Parent: {columns: ['name', 'i'], where: [['i', '>', 0]]}})
    expect(monitor.method).toBe('monitor_cond')
    expect(monitor.replica.table('Parent').get(P1)).toEqual({_uuid: P1, name: 'v2', i: 1})
    const testMonitors = server.received.filter((m) => String(m.method).startsWith('monitor') && (m.params as unknown[])[0] === 'Test')
    expect(testMonitors.map((m) => m.method)).toEqual(['monitor_cond_since', 'monitor_cond'])
  })

  it('falls back to plain monitor, and refuses where clauses it cannot send', async () => {
    const {client} = await connect(['monitor'])
    const monitor = await client.monitor({Parent: {columns: ['name', 'i']}})
    expect(monitor.method).toBe('monitor')
    expect(monitor.replica.table('Parent').get(P1)).toEqual({_uuid: P1, name: 'v1', i: 1})
    await expect(client.monitor({Parent: {where: [['i', '>', 0]]}})).rejects.toThrow('drop its where clause')
  })

  it('applies an update that arrives right behind the monitor reply after the reply, not before', async () => {
    const update = JSON.stringify({method: 'update2', params: ['m1', {Parent: {[P1]: {modify: {i: 2}}}}], id: null})
    const {client} = await connect(['monitor_cond'], update)
    const monitor = await client.monitor({Parent: {columns: ['name', 'i']}})
    // Both arrived in one chunk; applied in arrival order the modify would hit an empty replica and be lost.
    expect(monitor.replica.table('Parent').get(P1)).toMatchObject({i: 2})
  })
})

describe('monitor_cond_since resume', () => {
  it('tracks the transaction id of update3 and resumes from it after a reconnect, applying only the changes', async () => {
    let monitorRequests = 0
    const update3 = JSON.stringify({method: 'update3', params: ['m1', 'txn-2', {Parent: {[P2]: {insert: {name: 'b'}}}}], id: null})
    const server = await startFakeServer((message, send) => {
      const {id, method, params} = message as {id: unknown; method: string; params: unknown[]}
      if (method === 'get_schema') send(params[0] === 'Test' ? reply(id, SCHEMA) : errorReply(id, 'unknown database'))
      else if (params[0] === '_Server') send(errorReply(id, 'unknown database'))
      else if (method === 'monitor_cond_since' && ++monitorRequests === 1) send(reply(id, [false, 'txn-1', {Parent: {[P1]: {initial: {name: 'a'}}}}]) + update3)
      else if (method === 'monitor_cond_since') send(reply(id, [true, 'txn-3', {Parent: {[P1]: {modify: {name: 'a2'}}}}]))
      else send(errorReply(id, 'unknown method'))
    })
    const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0, reconnect: {minBackoffMs: 10, maxBackoffMs: 20}})
    try {
      const monitor = await client.monitor({Parent: {columns: ['name']}})
      const changes: RowChange[] = []
      const completions: boolean[] = []
      monitor.on('change', (change) => changes.push(change))
      monitor.on('complete', ({resumed}) => completions.push(resumed))
      // The update3 came right behind the reply: applied before monitor() resolved.
      expect(monitor.replica.table('Parent').get(P2)).toEqual({_uuid: P2, name: 'b'})

      server.dropConnections()
      await expect.poll(() => completions).toEqual([true])
      const resumeRequest = server.received.filter((m) => m.method === 'monitor_cond_since' && (m.params as unknown[])[0] === 'Test')[1]!
      expect((resumeRequest.params as unknown[])[3]).toBe('txn-2')
      expect(changes.map(({kind, uuid}) => [kind, uuid])).toEqual([['modify', P1]])
      expect(monitor.replica.table('Parent').get(P1)).toEqual({_uuid: P1, name: 'a2'})
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe('restoring a session after a reconnect', () => {
  it('reports a lock it could not take again as a restoreFailed event, and still restores the monitors after it', async () => {
    let sessions = 0
    let lockRequests = 0
    const server = await startFakeServer((message, send) => {
      const {id, method, params} = message as {id: unknown; method: string; params: unknown[]}
      if (method === 'get_schema') send(params[0] === 'Test' ? reply(id, SCHEMA) : errorReply(id, 'unknown database'))
      else if (params[0] === '_Server') {
        // Every session starts by monitoring _Server (the schema is fetched only once).
        sessions++
        send(errorReply(id, 'unknown database'))
      }
      else if (method === 'lock') send(++lockRequests === 1 ? reply(id, {locked: true}) : errorReply(id, 'lock refused'))
      else if (method === 'monitor_cond_since') send(reply(id, [false, 'txn-1', {Parent: {[P1]: {initial: {name: `session ${sessions}`}}}}]))
      else send(errorReply(id, 'unknown method'))
    })
    const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0, reconnect: {minBackoffMs: 10, maxBackoffMs: 20}})
    try {
      expect(await client.lock('writer')).toBe(true)
      const monitor = await client.monitor({Parent: {columns: ['name']}})
      const failures: RestoreFailure[] = []
      client.on('restoreFailed', (failure) => failures.push(failure))
      const restored = new Promise<void>((resolve) => monitor.once('complete', () => resolve()))

      server.dropConnections()
      await restored
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({step: 'lock', name: 'writer'})
      expect(failures[0]!.error).toBeInstanceOf(RpcError)
      expect(failures[0]!.error.message).toContain('lock refused')
      expect(client.holdsLock('writer')).toBe(false)
      expect(monitor.replica.table('Parent').get(P1)).toEqual({_uuid: P1, name: 'session 2'})
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe('snapshots decoded as they stream in', () => {
  const uuid = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`
  /** Parent rows with a map, a set and an optional value each, some of their names not ASCII. */
  const parents = (count: number) =>
    Object.fromEntries(Array.from({length: count}, (_, n) => [uuid(n), {initial: {name: `p${n} ✓`, i: n, options: ['map', [['k', `v${n}`]]], numbers: ['set', [n, n + 1]], ...(n % 2 ? {color: 'red'} : {})}}]))

  /** A server that answers monitor_cond_since with `snapshot(session)`, written by `write` as its reply. */
  async function snapshotServer(snapshot: (session: number) => unknown, write: (id: unknown, result: unknown) => string) {
    let sessions = 0
    return startFakeServer((message, send) => {
      const {id, method, params} = message as {id: unknown; method: string; params: unknown[]}
      if (method === 'get_schema') send(reply(id, SCHEMA))
      else if (params[0] === '_Server') send(errorReply(id, 'unknown database'))
      else if (method === 'monitor_cond_since') send(write(id, [false, 'txn', snapshot(++sessions)]))
      else send(errorReply(id, 'unknown method'))
    })
  }

  it('builds the same replica from a reply written id first (streamed) as from one written otherwise (parsed whole)', async () => {
    const replicas: [string, unknown[]][][] = []
    const writers = [reply, (id: unknown, result: unknown) => JSON.stringify({result, error: null, id})]
    for (const write of writers) {
      const server = await snapshotServer(() => ({Parent: parents(2000), Child: {[uuid(9999)]: {initial: {name: 'c'}}}, Unmonitored: {[uuid(1)]: {initial: {}}}}), write)
      const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0})
      try {
        const monitor = await client.monitor({Parent: {columns: ['name', 'i', 'options', 'numbers', 'color']}, Child: {columns: ['name', 'count']}})
        replicas.push([...monitor.replica.tables()].map((table): [string, unknown[]] => [table.name, [...table.rows()]]))
      } finally {
        await client.close()
        await server.close()
      }
    }
    expect(replicas[0]).toEqual(replicas[1])
    const tables = new Map(replicas[0])
    const parentRows = tables.get('Parent')!
    const childRows = tables.get('Child')
    expect([...tables.keys()]).toEqual(['Parent', 'Child'])
    expect(parentRows).toHaveLength(2000)
    expect(parentRows[1]).toEqual({_uuid: uuid(1), name: 'p1 ✓', i: 1, options: {k: 'v1'}, numbers: [1, 2], color: 'red'})
    expect(parentRows[2]).toEqual({_uuid: uuid(2), name: 'p2 ✓', i: 2, options: {k: 'v2'}, numbers: [2, 3], color: undefined})
    expect(childRows).toEqual([{_uuid: uuid(9999), name: 'c', count: 0}])
  })

  it('leaves the replica as it was when a resync holds a row it cannot decode, and says why', async () => {
    // A map whose pair is null: decoding it fails after the rows before it were decoded.
    const broken = {...parents(500), [uuid(500)]: {initial: {name: 'bad', options: ['map', [null]]}}, ...{[uuid(501)]: {initial: {name: 'after'}}}}
    const server = await snapshotServer((session) => ({Parent: session === 1 ? parents(3) : broken}), reply)
    const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0, reconnect: {minBackoffMs: 10, maxBackoffMs: 20}})
    try {
      const monitor = await client.monitor({Parent: {columns: ['name', 'options']}})
      const failures: RestoreFailure[] = []
      const failed = new Promise<void>((resolve) =>
        client.on('restoreFailed', (failure) => {
          failures.push(failure)
          resolve()
        }),
      )
      server.dropConnections()
      await failed
      expect(failures).toMatchObject([{step: 'monitor', monitor}])
      expect(failures[0]!.error).toBeInstanceOf(TypeError)
      expect([...monitor.replica.table('Parent').rows()].map((row) => row.name)).toEqual(['p0 ✓', 'p1 ✓', 'p2 ✓'])
      expect(monitor.isComplete).toBe(false)
    } finally {
      await client.close()
      await server.close()
    }
  })
})
