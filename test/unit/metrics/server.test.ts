import {request} from 'node:http'
import {createServer} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {UsageError, UserError} from '../../../src/lib/errors.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {DEFAULT_LIMITS, formatListenAddress, MetricsServer, parseListenAddress} from '../../../src/metrics/server.js'
import type {Health} from '../../../src/metrics/watcher.js'
import {type RawConnection, rawConnection} from '../../helpers/metrics.js'

describe('parseListenAddress', () => {
  it('reads a bare port as loopback, HOST:PORT, and [IPv6]:PORT', () => {
    expect(parseListenAddress('9476')).toEqual({host: '127.0.0.1', port: 9476})
    expect(parseListenAddress('0.0.0.0:9476')).toEqual({host: '0.0.0.0', port: 9476})
    expect(parseListenAddress('localhost:80')).toEqual({host: 'localhost', port: 80})
    expect(parseListenAddress('[::1]:9476')).toEqual({host: '::1', port: 9476})
    expect(parseListenAddress('[fe80::1%eth0]:1')).toEqual({host: 'fe80::1%eth0', port: 1})
  })

  it.each(['', ':9476', 'host:', '65536', '::1:9476', '[::1]', '[nonsense]:9476', 'a:b:9476', '9476x', '-1', 'host:port'])('refuses %j as a usage error', (text) => {
    expect(() => parseListenAddress(text)).toThrow(UsageError)
  })

  it('writes an IPv6 host in brackets', () => {
    expect(formatListenAddress({host: '::1', port: 9})).toBe('[::1]:9')
    expect(formatListenAddress({host: '127.0.0.1', port: 9})).toBe('127.0.0.1:9')
  })
})

describe('MetricsServer', () => {
  const servers: MetricsServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()))
  })

  let health: Health = {healthy: true, reason: 'ok: views complete, lock held'}
  async function start(limits = DEFAULT_LIMITS): Promise<MetricsServer> {
    const server = await MetricsServer.start({host: '127.0.0.1', port: 0}, {metrics: async () => ({contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'up 1\n'}), health: () => health}, limits)
    servers.push(server)
    return server
  }

  function fetchFrom(server: MetricsServer, path: string, method = 'GET'): Promise<{status: number; body: string; headers: Record<string, unknown>}> {
    return new Promise((resolve, reject) => {
      const req = request({host: '127.0.0.1', port: server.address.port, path, method}, (response) => {
        let body = ''
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({status: response.statusCode!, body, headers: response.headers}))
      })
      req.on('error', reject).end()
    })
  }

  it('serves /metrics and /healthz, HEAD without a body, 405 for other methods and 404 for other paths', async () => {
    const server = await start()
    expect(await fetchFrom(server, '/metrics')).toMatchObject({status: 200, body: 'up 1\n', headers: {'content-type': 'text/plain; version=0.0.4; charset=utf-8'}})
    expect(await fetchFrom(server, '/metrics', 'HEAD')).toMatchObject({status: 200, body: ''})
    expect(await fetchFrom(server, '/healthz')).toMatchObject({status: 200, body: 'ok: views complete, lock held\n'})
    health = {healthy: false, reason: 'lost the southbound database connection'}
    expect(await fetchFrom(server, '/healthz')).toMatchObject({status: 503, body: 'lost the southbound database connection\n'})
    expect(await fetchFrom(server, '/metrics', 'POST')).toMatchObject({status: 405, headers: {allow: 'GET, HEAD'}})
    expect(await fetchFrom(server, '/healthz', 'DELETE')).toMatchObject({status: 405})
    expect(await fetchFrom(server, '/')).toMatchObject({status: 404})
    expect(await fetchFrom(server, '/metrics/x')).toMatchObject({status: 404})
  })

  /** A raw connection that keeps its side open when the server closes its own. */
  const rawConnectionTo = (server: MetricsServer) => rawConnection(server.address.port, {allowHalfOpen: true})

  /** A byte every 20 ms until the connection closes: how a client learns that the server has cut it off. */
  async function trickleUntilClosed({socket, closed}: RawConnection) {
    const trickle = setInterval(() => socket.write('x'), 20)
    return closed.finally(() => clearInterval(trickle))
  }

  it('refuses an oversized header with 431 and reads the rest of it until the client closes, so that no reset destroys the answer', async () => {
    const server = await start()
    const client = rawConnectionTo(server)
    // More than the sockets' buffers hold: most of it is still on its way when the server answers.
    client.socket.end(`GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(8 * 1024 * 1024)}\r\n\r\n`)
    const {received, ended, failure} = await client.closed
    expect(failure).toBeUndefined()
    expect(ended).toBe(true)
    expect(received).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
  })

  it('refuses bytes that are no HTTP with 400, and headers too late with 408', async () => {
    const server = await start({...DEFAULT_LIMITS, headersTimeoutMs: 200})
    const garbage = rawConnectionTo(server)
    garbage.socket.end('\u0000\u0001 not HTTP\r\n\r\n')
    expect((await garbage.closed).received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    const slow = rawConnectionTo(server)
    slow.socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    await slow.until(/\r\n\r\n/)
    slow.socket.end()
    expect(await slow.closed).toMatchObject({received: expect.stringMatching(/^HTTP\/1\.1 408 Request Timeout\r\n/), ended: true, failure: undefined})
  })

  it('cuts off a refused client that goes on sending and never closes its side, and close() does not wait for one', async () => {
    const lingering = await start({...DEFAULT_LIMITS, headersTimeoutMs: 300})
    const trickling = rawConnectionTo(lingering)
    trickling.socket.write('\u0000 not HTTP\r\n\r\n')
    await trickling.until(/\r\n\r\n/)
    // Never idle, so only the linger's deadline can end it.
    expect(await trickleUntilClosed(trickling)).toMatchObject({received: expect.stringMatching(/^HTTP\/1\.1 400 /), ended: true, failure: {code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/)}})

    // A linger of a minute, far past this test's timeout: close() ends it at once.
    const closing = await start({...DEFAULT_LIMITS, headersTimeoutMs: 60_000})
    const refused = rawConnectionTo(closing)
    refused.socket.write('\u0000 not HTTP\r\n\r\n')
    await refused.until(/\r\n\r\n/)
    await closing.close()
    expect(await trickleUntilClosed(refused)).toMatchObject({failure: {code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/)}})
  })

  it('fails with exit 4, naming the address, when the port is in use', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen({host: '127.0.0.1', port: 0}, resolve))
    const {port} = holder.address() as {port: number}
    try {
      const error = await MetricsServer.start({host: '127.0.0.1', port}, {metrics: async () => ({contentType: '', body: ''}), health: () => health}).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(UserError)
      expect((error as UserError).exitCode).toBe(ExitCode.Connection)
      expect((error as Error).message).toBe(`cannot serve metrics on 127.0.0.1:${port}: the address is already in use: stop what listens there, or choose another --metrics-address`)
    } finally {
      holder.close()
    }
  })
})
