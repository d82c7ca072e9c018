import {request} from 'node:http'
import {createServer} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {UsageError, UserError} from '../../../src/lib/errors.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {formatListenAddress, MetricsServer, parseListenAddress} from '../../../src/metrics/server.js'
import type {Health} from '../../../src/metrics/watcher.js'

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
  async function start(): Promise<MetricsServer> {
    const server = await MetricsServer.start({host: '127.0.0.1', port: 0}, {metrics: async () => ({contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'up 1\n'}), health: () => health})
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
