/**
 * `status` at scale: one sandbox chassis with `lports` requested and reconciled lports, spread
 * over logical switches of 100 ports; once the chassis has settled, times `ovn-vif-ctl status`
 * (wall and CPU time, also by other trees' builds) against `ovs-vsctl show` and `ovn-sbctl show`
 * on the same data, and `ovn-vif-ctl --version` against `node -e 0`. Beside them, the floor of
 * status on that data: a bare oclif CLI running a command that does nothing, and the reads status
 * makes, by clients already connected (reads.ts). bench/status/run.ts and bench/speed/run.ts print
 * them.
 */
import {execFile} from 'node:child_process'
import {mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OvsdbClient} from '../../src/ovsdb/index.js'
import {run} from '../../src/sandbox/daemon.js'
import {type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {cpuSeconds, daemonPid} from '../proc.js'
import {buildBareOclifCli} from '../startup/bare-oclif.js'
import {childrenCpuSeconds, median} from '../timing.js'
import {measureStatusReads, type StatusReads} from './reads.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(root, 'bin', 'run.cjs')
const BATCH = 1000
/**
 * Ports per logical switch. The commands are timed on a settled chassis, and with every port on
 * one switch ovn-controller 23.03 keeps a core busy long after the set-up; spread out, the
 * chassis settles within SETTLE_TIMEOUT_MS (bench/RESULTS.md).
 */
const PORTS_PER_SWITCH = 100
/** Settled: every binding up, and ovn-controller below this share of a core over SETTLE_POLL_MS. */
const IDLE_SHARE = 0.1
const SETTLE_POLL_MS = 10_000
const SETTLE_TIMEOUT_MS = 30 * 60_000
export const RUNS = 9

const WAIT_MS = 60_000

function execute(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {env: {...process.env, ...env}, maxBuffer: 256 * 1024 * 1024}, (error) => {
      // status exits 1 while a port is pending: still a complete run.
      if (error && typeof error.code !== 'number') reject(error)
      else resolve()
    })
  })
}

/** Wall and CPU time (user + sys) of one run, in milliseconds. */
interface Sample {
  wallMs: number
  cpuMs: number
}

/** One timed run: a command, or something this process does (CPU time then 0). */
type Timed = () => Promise<Sample>

function command(args: readonly [string, ...string[]], env?: NodeJS.ProcessEnv): Timed {
  return async () => {
    const cpuBefore = await childrenCpuSeconds()
    const started = performance.now()
    await execute(args[0], args.slice(1), env)
    const wallMs = performance.now() - started
    return {wallMs, cpuMs: ((await childrenCpuSeconds()) - cpuBefore) * 1000}
  }
}

/** Medians of the runs of one command. */
export interface Timing {
  wallMs: number
  cpuMs: number
}

/**
 * The medians of `runs` runs of each, in milliseconds. They take turns, one run each per round,
 * the order rotating from round to round, so that whatever else the machine does weighs on all
 * of them alike.
 */
async function timeInTurns<K extends string>(timed: Record<K, Timed>, runs: number): Promise<Record<K, Timing>> {
  const names = Object.keys(timed) as K[]
  const samples = new Map<K, Sample[]>(names.map((name) => [name, []]))
  for (let round = 0; round < runs; round++) {
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length]!
      samples.get(name)!.push(await timed[name]())
    }
  }

  return Object.fromEntries(names.map((name) => {
    const of = samples.get(name)!
    return [name, {wallMs: median(of.map((sample) => sample.wallMs)), cpuMs: median(of.map((sample) => sample.cpuMs))}]
  })) as Record<K, Timing>
}

/**
 * Waits until ovn-controller has set every binding up and has gone quiet; returns how long that
 * took, or undefined if it did not happen within SETTLE_TIMEOUT_MS.
 */
async function settle(sandbox: Sandbox, controller: string, lports: number): Promise<number | undefined> {
  const started = performance.now()
  const pid = await daemonPid(sandbox, controller)
  let used = await cpuSeconds(pid)
  while (performance.now() - started < SETTLE_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
    const now = await cpuSeconds(pid)
    const share = (now - used) / (SETTLE_POLL_MS / 1000)
    used = now
    const up = (await run('ovn-sbctl', [`--db=${sandbox.sbDb}`, '--bare', '--columns=up', 'find', 'Port_Binding', 'up=true'])).split('\n').filter(Boolean).length
    if (up >= lports && share < IDLE_SHARE) return performance.now() - started
  }

  return undefined
}

export interface StatusAtScaleOptions {
  lports: number
  /** The runtime that runs ovn-vif-ctl and `node -e 0`. */
  node: string
  /** Other trees (their directory) whose build's `status` takes turns with this one's. */
  against?: readonly string[]
  runs?: number
  /** Then runs `status` once more under --cpu-prof, its profile in <cpuProfDir>/status/. */
  cpuProfDir?: string
  /** Where progress goes. */
  log?: (line: string) => void
}

/** Median wall times in ms of each command, on one settled chassis with `lports` plugged. */
export interface StatusAtScale {
  lports: number
  runs: number
  /** How long the chassis took to settle after the set-up; undefined if it did not (then timed anyway). */
  settledAfterMs: number | undefined
  reconcileMs: number
  status: number
  /** This tree's `status`: wall and CPU time. */
  statusTiming: Timing
  /** Each --against tree's `status`, by its directory. */
  statusAgainst: Record<string, Timing>
  statusJson: number
  allChassis: number
  vsctl: number
  sbctl: number
  version: number
  node: number
  /** The floor: a bare oclif CLI running a command that does nothing. */
  bareOclif: number
  /** The floor: the reads status makes, by clients already connected (medians). */
  reads: StatusReads
  /** The directory of status's profile, with cpuProfDir. */
  profile: string | undefined
}

export async function measureStatusAtScale({lports, node, against = [], runs = RUNS, cpuProfDir, log = console.log}: StatusAtScaleOptions): Promise<StatusAtScale> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-status-'))
  const sandbox = await startSandbox({dir, chassis: ['hv1']})
  try {
    const [hv1] = sandbox.chassis
    const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox.nbDb}`, ...args])
    for (let start = 0; start < lports; start += BATCH) {
      const commands = Array.from({length: Math.min(BATCH, lports - start)}, (_, offset) => start + offset).flatMap((index) => {
        const logicalSwitch = `sw${Math.floor(index / PORTS_PER_SWITCH)}`
        return [
          ...(index % PORTS_PER_SWITCH === 0 ? ['--', 'ls-add', logicalSwitch] : []),
          '--', 'lsp-add', logicalSwitch, `p${index}`,
          '--', 'set', 'Logical_Switch_Port', `p${index}`, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy',
        ]
      })
      await nbctl(...commands)
    }

    await nbctl('--wait=sb', 'sync')
    const started = performance.now()
    await execute(node, [cli, 'reconcile', '--db', hv1!.db])
    const reconcileMs = performance.now() - started
    log(`${lports} lports on ${Math.ceil(lports / PORTS_PER_SWITCH)} logical switches requested and reconciled (reconcile: ${reconcileMs.toFixed(0)} ms)`)
    const settledAfter = await settle(sandbox, `${hv1!.name}/ovn-controller`, lports)
    log(settledAfter === undefined
      ? `not settled within ${SETTLE_TIMEOUT_MS / 60_000} minutes: timing anyway, on a busy chassis`
      : `settled ${(settledAfter / 1000).toFixed(0)} s later: every binding up, ovn-controller idle`)

    const timed = await timeStatus({chassis: hv1!.name, ovsDb: hv1!.db, sbDb: sandbox.sbDb, nbDb: sandbox.nbDb, dir}, {lports, node, against, runs, cpuProfDir})
    return {lports, runs, settledAfterMs: settledAfter, reconcileMs, ...timed}
  } finally {
    await stopSandbox(dir)
  }
}

/** Where status is timed: one chassis's local DB and the central ones; `dir` takes the bare oclif CLI. */
export interface StatusChassis {
  chassis: string
  ovsDb: string
  sbDb: string
  nbDb: string
  dir: string
}

export type StatusTimes = Omit<StatusAtScale, 'lports' | 'runs' | 'settledAfterMs' | 'reconcileMs'>

/** The commands and the floor timed on a chassis with `lports` requested and plugged (exported for a chassis set up by hand). */
export async function timeStatus(
  {chassis, ovsDb, sbDb, nbDb, dir}: StatusChassis,
  {lports, node, against = [], runs = RUNS, cpuProfDir}: Omit<StatusAtScaleOptions, 'log'>,
): Promise<StatusTimes> {
  const clients: OvsdbClient[] = []
  try {
    const env = {OVN_NB_DB: nbDb, OVN_SB_DB: sbDb}
    const bareOclif = await buildBareOclifCli(await mkdtemp(path.join(dir, 'bare-oclif-')), root)
    const connect = async (remote: string, database: string) => {
      const client = await OvsdbClient.connect(remote, {database, timeoutMs: WAIT_MS})
      clients.push(client)
      return client
    }
    const readClients = {ovs: await connect(ovsDb, 'Open_vSwitch'), sb: await connect(sbDb, 'OVN_Southbound'), nb: await connect(nbDb, 'OVN_Northbound')}
    const reads: StatusReads[] = []
    const statusOf = (tree: string) => command([node, path.join(tree, 'bin', 'run.cjs'), 'status', '--db', ovsDb, '--provider', 'dummy'], env)
    const againstDirs = against.map((tree) => path.resolve(tree))
    const timings = await timeInTurns<string>({
      status: statusOf(root),
      ...Object.fromEntries(againstDirs.map((tree) => [tree, statusOf(tree)])),
      statusJson: command([node, cli, 'status', '--db', ovsDb, '--provider', 'dummy', '-f', 'json'], env),
      allChassis: command([node, cli, 'status', '--all-chassis'], env),
      vsctl: command(['ovs-vsctl', `--db=${ovsDb}`, 'show']),
      sbctl: command(['ovn-sbctl', `--db=${sbDb}`, 'show']),
      version: command([node, cli, '--version']),
      node: command([node, '-e', '0']),
      bareOclif: command([node, bareOclif, 'hello'], {NODE_COMPILE_CACHE: path.join(dir, 'bare-oclif-compile-cache')}),
      reads: async () => {
        const measured = await measureStatusReads(readClients, chassis, lports)
        reads.push(measured)
        return {wallMs: measured.readsMs, cpuMs: 0}
      },
    }, runs)

    let profile: string | undefined
    if (cpuProfDir !== undefined) {
      profile = path.resolve(cpuProfDir, 'status')
      await execute(node, ['--cpu-prof', '--cpu-prof-dir', profile, cli, 'status', '--db', ovsDb, '--provider', 'dummy'], env)
    }

    const medianOf = (pick: (measured: StatusReads) => number) => median(reads.map(pick))
    return {
      status: timings.status!.wallMs,
      statusTiming: timings.status!,
      statusAgainst: Object.fromEntries(againstDirs.map((tree) => [tree, timings[tree]!])),
      statusJson: timings.statusJson!.wallMs,
      allChassis: timings.allChassis!.wallMs,
      vsctl: timings.vsctl!.wallMs,
      sbctl: timings.sbctl!.wallMs,
      version: timings.version!.wallMs,
      node: timings.node!.wallMs,
      bareOclif: timings.bareOclif!.wallMs,
      reads: {readsMs: medianOf((measured) => measured.readsMs), parseMs: medianOf((measured) => measured.parseMs), bytes: medianOf((measured) => measured.bytes)},
      profile,
    }
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
  }
}
