/**
 * Benchmark: what the metrics endpoint of `reconcile --watch --metrics-address` costs the
 * watcher, in one sandbox (chassis hv1, the dummy provider):
 *   (a) hostile clients: the time from one NB transaction requesting a port to its interface
 *       existing in the local OVS DB, K times without clients and K times while clients keep
 *       attacking the endpoint from another process (attack.mjs: slowloris, 1 MB headers, garbage bytes, bursts of 1,000
 *       connections); the watcher's own pass durations (ovn_vif_ctl_pass_duration_seconds) over
 *       each phase, and its event-loop delay (prom-client's nodejs_eventloop_lag_*); its RSS
 *       before and after the attack;
 *   (b) churn: N lports flapping between pending and plugged (options:vif-plug-type switched
 *       between dummy and a type no provider serves) for a while: the watcher's RSS and the
 *       number of ovn_vif_ctl_lport_problem series after each flip, and once all are plugged.
 * Prints what it measured; nothing asserts it (bench/RESULTS.md keeps the figures).
 *
 *   npm run build && npx tsx bench/metrics/run.ts [--trials K] [--ports N] [--churn-seconds S]
 *   (defaults: 20 trials, 1,000 ports, 300 s)
 */
import {spawn} from 'node:child_process'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {run} from '../../src/sandbox/daemon.js'
import {startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {metricsPortOf, parseSamples, sampleValue, scrape} from '../../test/helpers/metrics.js'
import {eventually, listRows, pluggedInterfaceNames} from '../../test/helpers/ovs.js'
import {CliProcess} from '../../test/helpers/process.js'
import {SHIPPED_WATCHER_ENV} from '../shipped-watcher.js'

const {values} = parseArgs({options: {trials: {type: 'string', default: '20'}, ports: {type: 'string', default: '1000'}, 'churn-seconds': {type: 'string', default: '300'}}})
const TRIALS = Number(values.trials)
const PORTS = Number(values.ports)
const CHURN_MS = Number(values['churn-seconds']) * 1000

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`

async function rssKb(pid: number): Promise<{rss: number; peak: number}> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1])
  return {rss: field('VmRSS'), peak: field('VmHWM')}
}

/** Starts the attacker (attack.mjs) on the endpoint; the returned function stops it. */
function attack(port: number): () => Promise<void> {
  const attacker = spawn(process.execPath, [fileURLToPath(new URL('attack.mjs', import.meta.url)), String(port)], {stdio: 'ignore'})
  const exited = new Promise((resolve) => attacker.on('exit', resolve))
  return async () => {
    attacker.kill('SIGKILL')
    await exited
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-metrics-'))
const sandbox = await startSandbox({dir, chassis: ['hv1']})
const db = sandbox.chassis[0]!.db
const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox.nbDb}`, ...args])
const watcher = new CliProcess(['reconcile', '--watch', '--db', db, '--log-format', 'json', '--metrics-address', '0'], SHIPPED_WATCHER_ENV)
try {
  const port = await metricsPortOf(watcher)
  await nbctl('ls-add', 'bench')
  // prom-client restarts its event-loop delay histogram at each scrape: each phase's figures are its own.
  const passTimes = async () => {
    const samples = parseSamples((await scrape(port)).body)
    return {
      sum: sampleValue(samples, 'ovn_vif_ctl_pass_duration_seconds_sum')!,
      count: sampleValue(samples, 'ovn_vif_ctl_pass_duration_seconds_count')!,
      lagP99: sampleValue(samples, 'nodejs_eventloop_lag_p99_seconds')!,
      lagMax: sampleValue(samples, 'nodejs_eventloop_lag_max_seconds')!,
    }
  }

  /** Request one port, time until it is plugged, then delete it and wait until it is gone. */
  async function plugTimes(prefix: string): Promise<number[]> {
    const times: number[] = []
    for (let trial = 0; trial < TRIALS; trial++) {
      const lport = `${prefix}${trial}`
      const started = performance.now()
      await nbctl('lsp-add', 'bench', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
      await eventually(`${lport} plugged`, async () => ((await pluggedInterfaceNames(db, lport)).includes(lport) ? true : undefined), 60_000)
      times.push(performance.now() - started)
      await nbctl('lsp-del', lport)
      await eventually(`${lport} unplugged`, async () => ((await pluggedInterfaceNames(db, lport)).length === 0 ? true : undefined), 60_000)
    }

    return times
  }

  const quietBefore = await passTimes()
  const quiet = await plugTimes('q')
  const quietAfter = await passTimes()
  const memoryBefore = await rssKb(watcher.pid)
  const stop = attack(port)
  const attacked = await plugTimes('a')
  await stop()
  const attackedAfter = await passTimes()
  const memoryAfter = await rssKb(watcher.pid)
  const meanPass = (from: {sum: number; count: number}, to: {sum: number; count: number}) => `${(((to.sum - from.sum) / (to.count - from.count)) * 1000).toFixed(1)} ms over ${to.count - from.count} passes`
  console.log(`(a) plug time, ${TRIALS} trials: median ${median(quiet).toFixed(0)} ms, max ${Math.max(...quiet).toFixed(0)} ms quiet; median ${median(attacked).toFixed(0)} ms, max ${Math.max(...attacked).toFixed(0)} ms under attack`)
  console.log(`    mean pass: ${meanPass(quietBefore, quietAfter)} quiet; ${meanPass(quietAfter, attackedAfter)} under attack`)
  const lag = (phase: {lagP99: number; lagMax: number}) => `p99 ${(phase.lagP99 * 1000).toFixed(1)} ms, max ${(phase.lagMax * 1000).toFixed(1)} ms`
  console.log(`    the watcher's event-loop delay: ${lag(quietAfter)} quiet; ${lag(attackedAfter)} under attack`)
  console.log(`    watcher RSS: ${mb(memoryBefore.rss)} before the attack, ${mb(memoryAfter.rss)} after (peak ${mb(memoryAfter.peak)})`)

  // (b) churn.
  const names = Array.from({length: PORTS}, (_, index) => `c${index}`)
  const setType = (type: string) => nbctl(...names.flatMap((lport) => ['--', 'set', 'Logical_Switch_Port', lport, `options:vif-plug-type=${type}`]))
  await nbctl(...names.flatMap((lport) => ['--', 'lsp-add', 'bench', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy']))
  const lportsIn = async (state: string) => sampleValue(parseSamples((await scrape(port)).body), 'ovn_vif_ctl_lports', {state})
  await eventually('every churn port plugged', async () => ((await lportsIn('plugged')) === PORTS ? true : undefined), 600_000)
  const churnStart = await rssKb(watcher.pid)
  const deadline = Date.now() + CHURN_MS
  let flips = 0
  const rssSeries: number[] = []
  const problemSeries: number[] = []
  while (Date.now() < deadline) {
    const pending = flips % 2 === 0
    await setType(pending ? 'not-served' : 'dummy')
    await eventually(`flip ${flips}`, async () => ((await lportsIn(pending ? 'pending' : 'plugged')) === PORTS ? true : undefined), 120_000)
    const samples = parseSamples((await scrape(port)).body)
    problemSeries.push(samples.filter((sample) => sample.name === 'ovn_vif_ctl_lport_problem').length)
    rssSeries.push((await rssKb(watcher.pid)).rss)
    flips++
  }

  if (flips % 2 === 1) {
    await setType('dummy')
    await eventually('all plugged after the churn', async () => ((await lportsIn('plugged')) === PORTS ? true : undefined), 120_000)
  }

  const end = parseSamples((await scrape(port)).body)
  const churnEnd = await rssKb(watcher.pid)
  const quarter = Math.max(1, Math.floor(rssSeries.length / 4))
  console.log(`(b) churn: ${PORTS} ports, ${flips} flips in ${CHURN_MS / 1000} s`)
  console.log(`    lport_problem series after each flip: ${[...new Set(problemSeries)].join(', ')}; after the last (all plugged): ${end.filter((sample) => sample.name === 'ovn_vif_ctl_lport_problem').length}`)
  console.log(`    watcher RSS: ${mb(churnStart.rss)} at the start; median of the first quarter of flips ${mb(median(rssSeries.slice(0, quarter)))}, of the last quarter ${mb(median(rssSeries.slice(-quarter)))}; ${mb(churnEnd.rss)} at the end (peak ${mb(churnEnd.peak)})`)
  console.log(`    interfaces on br-int at the end: ${(await listRows('ovs-vsctl', db, 'Interface', ['name'])).length - 1}`)
} finally {
  await watcher.stop()
  await stopSandbox(dir)
}
