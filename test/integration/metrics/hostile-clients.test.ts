import {connect, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {metricsPortOf, parseSamples, sampleValue, scrape} from '../../helpers/metrics.js'
import {waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {seededRandom} from '../../helpers/prng.js'
import {useSandbox} from '../../helpers/sandbox.js'

/** What a raw client got before the server closed its connection. */
interface Closed {
  received: string
}

function rawClient(port: number, send?: string | Buffer): {socket: Socket; closed: Promise<Closed>} {
  const socket = connect({host: '127.0.0.1', port})
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (received += chunk))
  // A connection the server drops at once may be reset rather than closed: both are a close.
  socket.on('error', () => {})
  if (send !== undefined) socket.write(send)
  return {socket, closed: new Promise((resolve) => socket.on('close', () => resolve({received})))}
}

describe('the metrics endpoint under hostile clients, against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const watchers: CliProcess[] = []
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()))
  })

  const requestPort = (lport: string) =>
    nbctl('--may-exist', 'ls-add', 'hsw', '--', 'lsp-add', 'hsw', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
  const okPasses = async (port: number) => sampleValue(parseSamples((await scrape(port)).body), 'ovn_vif_ctl_passes_total', {result: 'ok'})!

  it('closes slowloris, oversized-header, garbage and surplus connections, and keeps serving and reconciling', async () => {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--log-format', 'json', '--metrics-address', '0', '--metrics-headers-timeout-ms', '500'])
    watchers.push(watcher)
    const port = await metricsPortOf(watcher)
    await requestPort('h1')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h1'])

    // Slowloris: headers begun and never finished.
    const slow = rawClient(port, 'GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    // A 1 MB header.
    const big = rawClient(port, `GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`)
    // Bytes that are no HTTP at all.
    const random = seededRandom(21)
    const garbage = rawClient(port, Buffer.from(Array.from({length: 4096}, () => Math.floor(random() * 256))))
    // A thousand connections that say nothing.
    const flood = Array.from({length: 1000}, () => rawClient(port))

    // While they hang on, passes go on: a port requested now is plugged.
    await requestPort('h2')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h1', 'h2'])

    expect((await big.closed).received).toMatch(/^HTTP\/1\.1 431 /)
    expect((await garbage.closed).received).toMatch(/^HTTP\/1\.1 400 /)
    expect((await slow.closed).received).not.toMatch(/^HTTP\/1\.1 200 /)
    const flooded = await Promise.all(flood.map((client) => client.closed))
    expect(flooded.filter(({received}) => /^HTTP\/1\.1 200 /.test(received))).toEqual([])

    // Every hostile connection is gone; the server still answers, and passes still happen.
    const before = await okPasses(port)
    expect((await scrape(port, '/healthz')).status).toBe(200)
    await nbctl('lsp-del', 'h1')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h2'])
    expect(await okPasses(port)).toBeGreaterThan(before)
    await nbctl('ls-del', 'hsw')
    await waitForPluggedInterfaces(hv1().db, 'h', [])
  })
})
