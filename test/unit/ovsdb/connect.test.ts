import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {type FakeServer, type Message, reply, startFakeServer} from './fake-server.js'
import {TEST_SCHEMA_FILE} from './fixtures.js'

const SCHEMA = JSON.parse(readFileSync(TEST_SCHEMA_FILE, 'utf8')) as unknown
const DATABASE_ROW = '33333333-3333-4333-8333-333333333333'

describe('OvsdbClient.connect', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('asks for the schema and the server state in one round trip', async () => {
    // Answers nothing until both requests are in: a client that waits for one reply before
    // sending the next request never connects.
    const held: Message[] = []
    const server = await startFakeServer((message, send) => {
      held.push(message)
      if (held.length < 2) return
      for (const {id, method} of held.splice(0)) {
        if (method === 'get_schema') send(reply(id, SCHEMA))
        else send(reply(id, [false, 'txn-1', {Database: {[DATABASE_ROW]: {initial: {name: 'Test', model: 'standalone', connected: true, leader: true}}}}]))
      }
    })
    cleanups.push(() => server.close())

    const client = await OvsdbClient.connect(server.remote, {database: 'Test', probeIntervalMs: 0, timeoutMs: 2000})
    cleanups.push(() => client.close())
    expect(client.schema.name).toBe('Test')
    expect(server.received.map(({method, params}) => [method, (params as unknown[])[0]])).toEqual([
      ['get_schema', 'Test'],
      ['monitor_cond_since', '_Server'],
    ])
  })

  /** Answers what a client asks on connect: the schema, and the _Server row of a standalone database. */
  const answerConnect = (message: Message, send: (text: string) => void) => {
    if (message.method === 'get_schema') send(reply(message.id, SCHEMA))
    else if (message.method === 'monitor_cond_since') send(reply(message.id, [false, 'txn-1', {Database: {[DATABASE_ROW]: {initial: {name: 'Test', model: 'standalone', connected: true, leader: true}}}}]))
  }

  it('probes a server on a unix socket only when asked, as OVS\'s own clients do, and one over tcp by default', async () => {
    const local = await startFakeServer(answerConnect)
    cleanups.push(() => local.close())
    const remote = await startFakeServer(answerConnect, {tcp: true})
    cleanups.push(() => remote.close())
    const connect = async (server: FakeServer, options: {probeIntervalMs?: number} = {}) => {
      const client = await OvsdbClient.connect(server.remote, {database: 'Test', timeoutMs: 2000, ...options})
      cleanups.push(() => client.close())
      return client
    }

    expect((await connect(local)).probeIntervalMs).toBe(0)
    expect((await connect(local, {probeIntervalMs: 1000})).probeIntervalMs).toBe(1000)
    expect((await connect(remote)).probeIntervalMs).toBe(5000)
    expect((await connect(remote, {probeIntervalMs: 0})).probeIntervalMs).toBe(0)
  })
})
