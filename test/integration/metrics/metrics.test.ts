import {afterEach, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon, restartSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {metricsPortOf, parseSamples, promtool, rawConnection, type Sample, sampleValue, scrape} from '../../helpers/metrics.js'
import {eventually, waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {OVN_VIF_CTL_FAMILIES} from '../../helpers/prometheus.js'
import {CliProcess} from '../../helpers/process.js'
import {seededRandom} from '../../helpers/prng.js'
import {useSandbox} from '../../helpers/sandbox.js'

const FAMILIES = [
  ...Object.keys(OVN_VIF_CTL_FAMILIES),
  // prom-client's default process metrics, a few of them.
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
]

describe('metrics of reconcile --watch and status -f prometheus, against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const watchers: CliProcess[] = []
  afterEach(async () => {
    // What a failed test left requested (a passing one unplugged its ports itself), unplugged by its watcher.
    await nbctl('--if-exists', 'ls-del', 'msw')
    if (watchers.length > 0) await waitForPluggedInterfaces(hv1().db, '', [])
    await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()))
  })

  async function startWatcher(extra: string[] = []): Promise<{watcher: CliProcess; port: number}> {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--log-format', 'json', '--metrics-address', '0', ...extra])
    watchers.push(watcher)
    return {watcher, port: await metricsPortOf(watcher)}
  }

  const samplesOf = async (port: number): Promise<Sample[]> => parseSamples((await scrape(port)).body)
  /** Scrapes until `check` holds of the samples; returns them. */
  const scrapeUntil = async (port: number, what: string, check: (samples: Sample[]) => boolean) => {
    let last: Sample[] = []
    try {
      return await eventually(what, async () => {
        last = await samplesOf(port)
        return check(last) ? last : undefined
      })
    } catch (error) {
      const shown = last.filter((sample) => sample.name.startsWith('ovn_vif_ctl_') && !sample.name.includes('duration'))
      throw new Error(`${(error as Error).message}; last scrape:\n${shown.map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`).join('\n')}`, {cause: error})
    }
  }
  const lports = (samples: Sample[], state: string) => sampleValue(samples, 'ovn_vif_ctl_lports', {state})
  const statusCounts = async () => {
    const result = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, '-f', 'json'])
    return (JSON.parse(result.stdout) as {counts: Record<string, number>}).counts
  }

  const requestPort = (lport: string) =>
    nbctl('--may-exist', 'ls-add', 'msw', '--', 'lsp-add', 'msw', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')

  it('serves every family, which promtool accepts, with the counts status prints', async () => {
    const {port} = await startWatcher()
    await requestPort('m1')
    const samples = await scrapeUntil(port, 'm1 plugged', (current) => lports(current, 'plugged') === 1)
    const text = (await scrape(port)).body
    for (const family of FAMILIES) expect(text, family).toMatch(new RegExp(`^# TYPE ${family} `, 'm'))
    expect(sampleValue(samples, 'ovn_vif_ctl_build_info', {runtime: process.version})).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_provider_ready', {type: 'dummy'})).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_lock_held')).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_views_complete')).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_actions_total', {action: 'created'})).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_last_pass_timestamp_seconds')).toBeGreaterThan(0)
    expect(sampleValue(samples, 'ovn_vif_ctl_pass_duration_seconds_count')).toBe(sampleValue(samples, 'ovn_vif_ctl_passes_total', {result: 'ok'}))

    const counts = await statusCounts()
    const settled = await samplesOf(port)
    for (const [state, count] of Object.entries(counts)) expect(lports(settled, state), state).toBe(count)

    // Exit 3 is lint only. Its complaints are about three of prom-client's default families
    // (nodejs_active_*_total, gauges named like counters), never about this project's.
    const checked = await promtool(['check', 'metrics'], text)
    expect([0, 3], checked.output).toContain(checked.exitCode)
    const complaints = checked.output.split('\n').filter((line) => line.trim() !== '')
    expect(complaints.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line))).toEqual([])
    expect(await scrape(port, '/healthz')).toEqual({status: 200, body: 'ok: views complete, lock held\n'})
    await nbctl('lsp-del', 'm1')
    await scrapeUntil(port, 'm1 gone', (current) => lports(current, 'plugged') === 0)
  })

  it('passes with nothing announced once per --resync-interval, changing nothing, and keeps the last pass time fresh', async () => {
    const {port} = await startWatcher(['--resync-interval', '1'])
    await requestPort('m1')
    const plugged = await scrapeUntil(port, 'm1 plugged', (current) => lports(current, 'plugged') === 1)
    const passes = (samples: Sample[]) => sampleValue(samples, 'ovn_vif_ctl_passes_total', {result: 'ok'}) ?? 0
    const lastPass = (samples: Sample[]) => sampleValue(samples, 'ovn_vif_ctl_last_pass_timestamp_seconds') ?? 0
    const later = await scrapeUntil(port, 'two more passes', (current) => passes(current) >= passes(plugged) + 2)
    expect(lastPass(later)).toBeGreaterThan(lastPass(plugged))
    for (const action of ['created', 'updated', 'replaced', 'removed']) {
      expect(sampleValue(later, 'ovn_vif_ctl_actions_total', {action}), action).toBe(sampleValue(plugged, 'ovn_vif_ctl_actions_total', {action}))
    }
    await nbctl('lsp-del', 'm1')
    await scrapeUntil(port, 'm1 gone', (current) => lports(current, 'plugged') === 0)
  })

  it('refuses --resync-interval without --watch, and one under a second (exit 2, no stack)', async () => {
    for (const args of [['--resync-interval', '5'], ['--watch', '--resync-interval', '0']]) {
      const result = await runCli(['reconcile', '--db', hv1().db, ...args])
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(/^ovn-vif-ctl: .*--resync-interval/)
      expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /)
    }
  })

  it('moves each gauge as ports are plugged, unplugged and in conflict, and as the Southbound DB stops', async () => {
    const {port} = await startWatcher()
    await requestPort('g1')
    await scrapeUntil(port, 'g1 plugged', (samples) => lports(samples, 'plugged') === 1)

    // Conflict: a port not maintained by OVN carries g2's iface-id.
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'add-port', 'br-int', 'g2-foreign', '--', 'set', 'Interface', 'g2-foreign', 'type=internal', 'external_ids:iface-id=g2'])
    await requestPort('g2')
    let samples = await scrapeUntil(port, 'g2 in conflict', (current) => lports(current, 'conflict') === 1)
    expect(samples.filter((sample) => sample.name === 'ovn_vif_ctl_lport_problem').map((sample) => sample.labels.lport)).toEqual(['g2'])
    expect(sampleValue(samples, 'ovn_vif_ctl_lport_problem', {lport: 'g2', state: 'conflict'})).toBe(1)
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'del-port', 'br-int', 'g2-foreign'])
    samples = await scrapeUntil(port, 'g2 plugged', (current) => lports(current, 'plugged') === 2 && lports(current, 'conflict') === 0)
    expect(samples.filter((sample) => sample.name === 'ovn_vif_ctl_lport_problem')).toEqual([])
    const created = sampleValue(samples, 'ovn_vif_ctl_actions_total', {action: 'created'})!

    // Unplug.
    await nbctl('lsp-del', 'g1')
    samples = await scrapeUntil(port, 'g1 unplugged', (current) => lports(current, 'plugged') === 1 && sampleValue(current, 'ovn_vif_ctl_actions_total', {action: 'removed'}) === 1)
    expect(sampleValue(samples, 'ovn_vif_ctl_actions_total', {action: 'created'})).toBe(created)

    // The Southbound DB stops: its connection, the views and /healthz say so; they come back with it.
    await killSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    samples = await scrapeUntil(port, 'southbound down', (current) => sampleValue(current, 'ovn_vif_ctl_db_connected', {db: 'southbound'}) === 0)
    expect(sampleValue(samples, 'ovn_vif_ctl_db_connected', {db: 'open_vswitch'})).toBe(1)
    expect(sampleValue(samples, 'ovn_vif_ctl_views_complete')).toBe(0)
    const health = await scrape(port, '/healthz')
    expect(health.status).toBe(503)
    expect(health.body).toMatch(/^lost the southbound database connection at \S+; reconnecting\n$/)
    await restartSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    await scrapeUntil(port, 'southbound back', (current) => sampleValue(current, 'ovn_vif_ctl_db_connected', {db: 'southbound'}) === 1 && sampleValue(current, 'ovn_vif_ctl_views_complete') === 1)
    expect((await scrape(port, '/healthz')).status).toBe(200)

    // A second watcher waits for the lock: healthy, without it.
    const second = await startWatcher()
    await scrapeUntil(second.port, 'the second watcher has passed', (current) => sampleValue(current, 'ovn_vif_ctl_views_complete') === 1)
    expect(sampleValue(await samplesOf(second.port), 'ovn_vif_ctl_lock_held')).toBe(0)
    expect(await scrape(second.port, '/healthz')).toEqual({status: 200, body: 'ok: views complete, waiting for the lock another reconciler holds\n'})
    await nbctl('lsp-del', 'g2')
    await scrapeUntil(port, 'g2 unplugged', (current) => lports(current, 'plugged') === 0)
  })

  it('status -f prometheus and --all-chassis -f prometheus: the same gauges, which promtool accepts', async () => {
    const {port} = await startWatcher()
    await requestPort('s1')
    await nbctl('lsp-add', 'msw', 's2', '--', 'set', 'Logical_Switch_Port', 's2', 'options:requested-chassis=elsewhere', 'options:vif-plug-type=dummy')
    await scrapeUntil(port, 's1 plugged', (samples) => lports(samples, 'plugged') === 1)

    const local = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, '-f', 'prometheus'])
    expect(local).toMatchObject({exitCode: 0, stderr: ''})
    const localSamples = parseSamples(local.stdout)
    for (const [state, count] of Object.entries(await statusCounts())) expect(lports(localSamples, state), state).toBe(count)
    expect(lports(localSamples, 'plugged')).toBe(1)
    expect((await promtool(['check', 'metrics'], local.stdout)).exitCode).toBe(0)

    const central = await runCli(['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb, '-f', 'prometheus'])
    // s2 is pending (its chassis is unknown): -f prometheus still exits 0.
    expect(central).toMatchObject({exitCode: 0, stderr: ''})
    const centralSamples = parseSamples(central.stdout)
    expect(sampleValue(centralSamples, 'ovn_vif_ctl_lports', {chassis: 'hv1', state: 'plugged'})).toBe(1)
    expect(sampleValue(centralSamples, 'ovn_vif_ctl_lports', {chassis: 'elsewhere', state: 'pending'})).toBe(1)
    expect(sampleValue(centralSamples, 'ovn_vif_ctl_lport_problem', {chassis: 'elsewhere', lport: 's2', state: 'pending'})).toBe(1)
    const checked = await promtool(['check', 'metrics'], central.stdout)
    expect(checked, checked.output).toMatchObject({exitCode: 0})

    expect(await runCli(['status', '--db', hv1().db, '-f', 'prometheus', '--state', 'pending'])).toMatchObject({exitCode: 2, stderr: expect.stringContaining('-f prometheus exports the counts of every port, once')})
    await nbctl('lsp-del', 's1', '--', 'lsp-del', 's2')
  })

  it('refuses a malformed address (exit 2), one without --watch (exit 2), and a port in use (exit 4, naming it)', async () => {
    const malformed = await runCli(['reconcile', '--watch', '--db', hv1().db, '--metrics-address', 'nonsense'])
    expect(malformed.exitCode).toBe(2)
    expect(malformed.stderr).toContain('--metrics-address "nonsense" is not [HOST:]PORT')
    expect((await runCli(['reconcile', '--db', hv1().db, '--metrics-address', '9476'])).exitCode).toBe(2)

    const {port} = await startWatcher()
    const busy = await runCli(['reconcile', '--watch', '--db', hv1().db, '--metrics-address', String(port)])
    expect(busy.exitCode).toBe(4)
    expect(busy.stderr.trim().split('\n')).toEqual([`ovn-vif-ctl: cannot serve metrics on 127.0.0.1:${port}: the address is already in use: stop what listens there, or choose another --metrics-address`])
    const ipv6 = await runCli(['reconcile', '--watch', '--db', hv1().db, '--metrics-address', '[2001:db8::1]:9476'])
    expect(ipv6.exitCode).toBe(4)
    expect(ipv6.stderr).toContain('cannot serve metrics on [2001:db8::1]:9476: no interface of this host has that address')
  })

  const okPasses = async (port: number) => sampleValue(await samplesOf(port), 'ovn_vif_ctl_passes_total', {result: 'ok'})!

  it('closes slowloris, oversized-header, garbage and surplus connections, and keeps serving and reconciling', async () => {
    const {port} = await startWatcher(['--metrics-headers-timeout-ms', '500'])
    await requestPort('h1')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h1'])

    // Slowloris: headers begun and never finished.
    const slow = rawConnection(port, {send: 'GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: '})
    // A 1 MB header, and bytes that are no HTTP at all: refused, and closed.
    const big = rawConnection(port, {send: `GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`})
    const random = seededRandom(21)
    const garbage = rawConnection(port, {send: Buffer.from(Array.from({length: 4096}, () => Math.floor(random() * 256)))})
    expect((await big.closed).received).toMatch(/^HTTP\/1\.1 431 /)
    expect((await garbage.closed).received).toMatch(/^HTTP\/1\.1 400 /)

    // A thousand connections that say nothing, more than the server keeps: it drops the surplus.
    const flood = Array.from({length: 1000}, () => rawConnection(port))
    // While they and the slowloris hang on, passes go on: a port requested now is plugged.
    await requestPort('h2')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h1', 'h2'])
    expect((await slow.closed).received).not.toMatch(/^HTTP\/1\.1 200 /)
    const flooded = await Promise.all(flood.map((client) => client.closed))
    expect(flooded.filter(({received}) => /^HTTP\/1\.1 200 /.test(received))).toEqual([])

    // Every hostile connection is gone; the server still answers, and passes still happen.
    const before = await okPasses(port)
    expect((await scrape(port, '/healthz')).status).toBe(200)
    await nbctl('lsp-del', 'h1')
    await waitForPluggedInterfaces(hv1().db, 'h', ['h2'])
    expect(await okPasses(port)).toBeGreaterThan(before)
    await nbctl('lsp-del', 'h2')
    await waitForPluggedInterfaces(hv1().db, 'h', [])
  })
})
