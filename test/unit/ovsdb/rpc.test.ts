import {mkdtempSync, rmSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {ConnectionError, FramingError, RpcError, TimeoutError} from '../../../src/ovsdb/errors.js'
import {RpcConnection} from '../../../src/ovsdb/rpc.js'
import {type Handler, startFakeServer} from './fake-server.js'

describe('RpcConnection', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  async function connect(onMessage: Handler, options: {probeIntervalMs?: number; maxMessageBytes?: number} = {}) {
    const server = await startFakeServer(onMessage)
    const socket = await new Promise<net.Socket>((resolve) => {
      const connected = net.connect(server.socketPath, () => resolve(connected))
    })
    const rpc = new RpcConnection(socket, {remote: 'unix:test', ...options})
    cleanups.push(async () => {
      await rpc.close()
      await server.close()
    })
    return {rpc, received: server.received}
  }

  it('matches replies to requests by id, also out of order and split across writes', async () => {
    const {rpc} = await connect((message, reply) => {
      if (message.method === 'slow') setTimeout(() => reply(JSON.stringify({id: message.id, result: 'slow', error: null})), 20)
      else {
        const text = JSON.stringify({id: message.id, result: message.params, error: null})
        reply(text.slice(0, 5))
        reply(text.slice(5))
      }
    })
    const slow = rpc.call('slow', [], 1000)
    const fast = rpc.call('fast', [1, 'x'], 1000)
    expect(await fast).toEqual([1, 'x'])
    expect(await slow).toBe('slow')
  })

  it('says when a request has left whole for the server, before its reply', async () => {
    let answer: (() => void) | undefined
    const {rpc, received} = await connect((message, reply) => {
      answer = () => reply(JSON.stringify({id: message.id, result: 'done', error: null}))
    })
    const events: string[] = []
    // More than a socket's buffer takes at once: the request leaves in several writes.
    const large = 'x'.repeat(4 * 1024 * 1024)
    const {result} = rpc.request('transact', [large], 10_000, {onWritten: () => events.push('written')})
    void result.then(() => events.push('replied'))
    await expect.poll(() => answer).toBeDefined()
    await expect.poll(() => events).toEqual(['written'])
    expect((received.at(-1)?.params as string[])[0]).toHaveLength(large.length)
    answer!()
    expect(await result).toBe('done')
    expect(events).toEqual(['written', 'replied'])
  })

  it('turns an error reply into an RpcError with error and details', async () => {
    const {rpc} = await connect((message, reply) => reply(JSON.stringify({id: message.id, result: null, error: {error: 'unknown database', details: 'no db X'}})))
    const failure = await rpc.call('get_schema', ['X'], 1000).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(RpcError)
    expect(failure).toMatchObject({error: 'unknown database', details: 'no db X', message: 'get_schema: unknown database: no db X'})
  })

  it('answers the server echo with the same params and delivers notifications', async () => {
    let answer: ((text: string) => void) | undefined
    const {rpc, received} = await connect((_message, reply) => {
      answer = reply
    })
    rpc.notify('hello', [])
    await expect.poll(() => answer).toBeDefined()
    const notified = new Promise((resolve) => rpc.once('notification', (method, params) => resolve([method, params])))
    answer!(JSON.stringify({method: 'echo', params: ['ping', 1], id: 'echo'}) + JSON.stringify({method: 'update2', params: ['m1', {}], id: null}))
    expect(await notified).toEqual(['update2', ['m1', {}]])
    await expect.poll(() => received.find((m) => m.id === 'echo')).toEqual({id: 'echo', result: ['ping', 1], error: null})
  })

  it('closes only after the server has closed its side, so what the server still sends meets an open socket', async () => {
    // ovsdb-server may still send a monitor update after our end; into a closed socket it logs "send error: Broken pipe".
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ovsdb-half-open-'))
    const socketPath = path.join(dir, 's.sock')
    const serverSide = new Promise<{writeError: Error | null | undefined; received: string}>((resolve) => {
      const server = net.createServer({allowHalfOpen: true}, (socket) => {
        let received = ''
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
        socket.on('end', () => {
          setTimeout(() => {
            socket.write(JSON.stringify({method: 'update2', params: ['late', {}], id: null}), (writeError) => {
              socket.end()
              resolve({writeError, received})
            })
          }, 20)
        })
        socket.on('error', (error) => resolve({writeError: error, received}))
      })
      server.listen(socketPath)
      cleanups.push(async () => {
        server.close()
        rmSync(dir, {recursive: true, force: true})
      })
    })
    const socket = await new Promise<net.Socket>((resolve) => {
      const connected = net.connect(socketPath, () => resolve(connected))
    })
    const rpc = new RpcConnection(socket, {remote: 'unix:test'})
    const late = new Promise((resolve) => rpc.once('notification', (method) => resolve(method)))
    rpc.notify('last', [1])
    await rpc.close()
    const {writeError, received} = await serverSide
    expect(writeError ?? undefined).toBeUndefined()
    expect(JSON.parse(received)).toEqual({method: 'last', params: [1], id: null})
    expect(await late).toBe('update2')
    expect(rpc.closed).toBe(true)
  })

  it('fails a request that gets no reply within its timeout, with TimeoutError', async () => {
    const {rpc} = await connect(() => undefined)
    await expect(rpc.call('transact', [], 30)).rejects.toThrow(TimeoutError)
  })

  it('closes the connection and fails pending requests on a message over maxMessageBytes', async () => {
    const {rpc} = await connect((message, reply) => reply(JSON.stringify({id: message.id, result: 'x'.repeat(100), error: null})), {maxMessageBytes: 50})
    const closed = new Promise((resolve) => rpc.once('close', resolve))
    await expect(rpc.call('get_schema', [], 1000)).rejects.toThrow(FramingError)
    expect(await closed).toBeInstanceOf(FramingError)
    expect(rpc.closed).toBe(true)
  })

  it('probes an idle server with echo and gives up when it does not answer', async () => {
    const {rpc, received} = await connect(() => undefined, {probeIntervalMs: 20})
    const closed = new Promise((resolve) => rpc.once('close', resolve))
    const error = await closed
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toContain('inactivity probe')
    expect(received.some((m) => m.method === 'echo')).toBe(true)
  })

  it('counts anything the server sends as an answer to the probe, as OVS does: a server busy sending an update answers the echo late', async () => {
    const interval = 200
    let sends = 0
    let echoes = 0
    const {rpc} = await connect((message, reply) => {
      // The first echo only: the next goes unanswered.
      if (message.method !== 'echo' || ++echoes > 1) return
      // Busy for three probe intervals, sending the update that precedes the echo's reply.
      const busy = setInterval(() => {
        reply(JSON.stringify({method: 'update2', params: ['m1', {}], id: null}))
        if (++sends === 30) {
          clearInterval(busy)
          reply(JSON.stringify({id: message.id, result: message.params, error: null}))
        }
      }, interval / 10)
    }, {probeIntervalMs: interval})
    let updates = 0
    rpc.on('notification', () => updates++)
    const closed = new Promise((resolve) => rpc.once('close', resolve))
    // After the echo's reply the server falls silent: the next probe gets no answer and ends it.
    const error = await closed
    expect(updates).toBe(30)
    expect(echoes).toBe(2)
    expect((error as Error).message).toContain('inactivity probe')
  })

  it('fails pending requests with ConnectionError when the server goes away', async () => {
    const {rpc} = await connect((_message, _reply) => undefined)
    const pending = rpc.call('transact', [], 5000)
    rpc.destroy(new ConnectionError('unix:test: gone'))
    await expect(pending).rejects.toThrow('unix:test: gone')
    await expect(rpc.call('echo', [], 100)).rejects.toThrow(ConnectionError)
  })
})
