/**
 * `status` at scale: one sandbox chassis with `lports` requested and reconciled lports, spread
 * over logical switches of 100 ports; once the chassis has settled, times `ovn-vif-ctl status`
 * against `ovs-vsctl show` and `ovn-sbctl show` on the same data, and `ovn-vif-ctl --version`
 * against `node -e 0`. bench/status/run.ts and bench/speed/run.ts print them.
 */
import {execFile} from 'node:child_process'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {run} from '../../src/sandbox/daemon.js'
import {type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {daemonPid} from '../proc.js'

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

function execute(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {env: {...process.env, ...env}, maxBuffer: 256 * 1024 * 1024}, (error) => {
      // status exits 1 while a port is pending: still a complete run.
      if (error && typeof error.code !== 'number') reject(error)
      else resolve()
    })
  })
}

interface Timed {
  args: readonly [string, ...string[]]
  env?: NodeJS.ProcessEnv
}

/**
 * The median wall time of `runs` runs of each command, in milliseconds. The commands take turns,
 * one run each per round, so that whatever else the machine does weighs on all of them alike.
 */
async function timeInTurns<K extends string>(commands: Record<K, Timed>, runs: number): Promise<Record<K, number>> {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < runs; round++) {
    for (const [name, {args, env}] of Object.entries(commands) as [K, Timed][]) {
      const started = performance.now()
      await execute(args[0], args.slice(1), env)
      samples[name].push(performance.now() - started)
    }
  }

  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values as number[])])) as Record<K, number>
}

/** CPU seconds the daemon has used so far (Linux: utime and stime in /proc, in 1/100 s). */
async function cpuSeconds(sandbox: Sandbox, daemon: string): Promise<number> {
  const fields = (await readFile(`/proc/${await daemonPid(sandbox, daemon)}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Waits until ovn-controller has set every binding up and has gone quiet; returns how long that
 * took, or undefined if it did not happen within SETTLE_TIMEOUT_MS.
 */
async function settle(sandbox: Sandbox, controller: string, lports: number): Promise<number | undefined> {
  const started = performance.now()
  let used = await cpuSeconds(sandbox, controller)
  while (performance.now() - started < SETTLE_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
    const now = await cpuSeconds(sandbox, controller)
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
  statusJson: number
  allChassis: number
  vsctl: number
  sbctl: number
  version: number
  node: number
  /** The directory of status's profile, with cpuProfDir. */
  profile: string | undefined
}

export async function measureStatusAtScale({lports, node, runs = RUNS, cpuProfDir, log = console.log}: StatusAtScaleOptions): Promise<StatusAtScale> {
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

    const env = {OVN_NB_DB: sandbox.nbDb, OVN_SB_DB: sandbox.sbDb}
    const {status, statusJson, allChassis, vsctl, sbctl, version, node: bareNode} = await timeInTurns({
      status: {args: [node, cli, 'status', '--db', hv1!.db, '--provider', 'dummy'], env},
      statusJson: {args: [node, cli, 'status', '--db', hv1!.db, '--provider', 'dummy', '-f', 'json'], env},
      allChassis: {args: [node, cli, 'status', '--all-chassis'], env},
      vsctl: {args: ['ovs-vsctl', `--db=${hv1!.db}`, 'show']},
      sbctl: {args: ['ovn-sbctl', `--db=${sandbox.sbDb}`, 'show']},
      version: {args: [node, cli, '--version']},
      node: {args: [node, '-e', '0']},
    }, runs)

    let profile: string | undefined
    if (cpuProfDir !== undefined) {
      profile = path.resolve(cpuProfDir, 'status')
      await execute(node, ['--cpu-prof', '--cpu-prof-dir', profile, cli, 'status', '--db', hv1!.db, '--provider', 'dummy'], env)
    }

    return {lports, runs, settledAfterMs: settledAfter, reconcileMs, status, statusJson, allChassis, vsctl, sbctl, version, node: bareNode, profile}
  } finally {
    await stopSandbox(dir)
  }
}
