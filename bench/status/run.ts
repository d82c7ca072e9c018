/**
 * `status` at scale: one sandbox chassis with 10,000 requested and reconciled lports, spread over
 * logical switches of 100 ports; once the chassis has settled, times `ovn-vif-ctl status`
 * against `ovs-vsctl show` and `ovn-sbctl show` on the same data, and `ovn-vif-ctl --version`
 * against `node -e 0`. Targets: status <= 1 s; --version <= 2x node.
 * Run after `npm run build`: npx tsx bench/status/run.ts [lports]
 */
import {execFile} from 'node:child_process'
import {mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {readPid, run} from '../../src/sandbox/daemon.js'
import {type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(root, 'bin', 'run.cjs')
const LPORTS = Number(process.argv[2] ?? 10_000)
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
const RUNS = 9

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
 * The median wall time of RUNS runs of each command, in milliseconds. The commands take turns,
 * one run each per round, so that whatever else the machine does weighs on all of them alike.
 */
async function timeInTurns<K extends string>(commands: Record<K, Timed>): Promise<Record<K, number>> {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < RUNS; round++) {
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
  const pid = await readPid(sandbox.daemons.find((candidate) => candidate.name === daemon)!.pidfile)
  if (pid === undefined) throw new Error(`${daemon} has no pid: did it stop?`)
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Waits until ovn-controller has set every binding up and has gone quiet; returns how long that
 * took, or undefined if it did not happen within SETTLE_TIMEOUT_MS.
 */
async function settle(sandbox: Sandbox, controller: string): Promise<number | undefined> {
  const started = performance.now()
  let used = await cpuSeconds(sandbox, controller)
  while (performance.now() - started < SETTLE_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS))
    const now = await cpuSeconds(sandbox, controller)
    const share = (now - used) / (SETTLE_POLL_MS / 1000)
    used = now
    const up = (await run('ovn-sbctl', [`--db=${sandbox.sbDb}`, '--bare', '--columns=up', 'find', 'Port_Binding', 'up=true'])).split('\n').filter(Boolean).length
    if (up >= LPORTS && share < IDLE_SHARE) return performance.now() - started
  }

  return undefined
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-status-'))
const sandbox = await startSandbox({dir, chassis: ['hv1']})
try {
  const [hv1] = sandbox.chassis
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox.nbDb}`, ...args])
  for (let start = 0; start < LPORTS; start += BATCH) {
    const commands = Array.from({length: Math.min(BATCH, LPORTS - start)}, (_, offset) => start + offset).flatMap((index) => {
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
  await execute(process.execPath, [cli, 'reconcile', '--db', hv1!.db])
  console.log(`${LPORTS} lports on ${Math.ceil(LPORTS / PORTS_PER_SWITCH)} logical switches requested and reconciled (reconcile: ${(performance.now() - started).toFixed(0)} ms)`)
  const settledAfter = await settle(sandbox, `${hv1!.name}/ovn-controller`)
  console.log(settledAfter === undefined
    ? `not settled within ${SETTLE_TIMEOUT_MS / 60_000} minutes: timing anyway, on a busy chassis`
    : `settled ${(settledAfter / 1000).toFixed(0)} s later: every binding up, ovn-controller idle`)

  const env = {OVN_NB_DB: sandbox.nbDb, OVN_SB_DB: sandbox.sbDb}
  const {status, statusJson, allChassis, vsctl, sbctl, version, node} = await timeInTurns({
    status: {args: [process.execPath, cli, 'status', '--db', hv1!.db, '--provider', 'dummy'], env},
    statusJson: {args: [process.execPath, cli, 'status', '--db', hv1!.db, '--provider', 'dummy', '-f', 'json'], env},
    allChassis: {args: [process.execPath, cli, 'status', '--all-chassis'], env},
    vsctl: {args: ['ovs-vsctl', `--db=${hv1!.db}`, 'show']},
    sbctl: {args: ['ovn-sbctl', `--db=${sandbox.sbDb}`, 'show']},
    version: {args: [process.execPath, cli, '--version']},
    node: {args: [process.execPath, '-e', '0']},
  })

  const row = (name: string, ms: number, against?: [string, number]) =>
    console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms${against ? `   ${(ms / against[1]).toFixed(2)}x ${against[0]}` : ''}`)
  console.log(`\nmedian of ${RUNS} runs each, taking turns, ${LPORTS} lports on one chassis${settledAfter === undefined ? ' (not settled)' : ''}`)
  row('ovs-vsctl show', vsctl)
  row('ovn-sbctl show', sbctl)
  row('ovn-vif-ctl status (table)', status, ['ovs-vsctl show', vsctl])
  row('ovn-vif-ctl status (table)', status, ['ovn-sbctl show', sbctl])
  row('ovn-vif-ctl status -f json', statusJson, ['ovn-sbctl show', sbctl])
  row('ovn-vif-ctl status --all-chassis', allChassis, ['ovn-sbctl show', sbctl])
  row('node -e 0', node)
  row('ovn-vif-ctl --version', version, ['node -e 0', node])
  console.log(`\ntargets: status <= 1000 ms (${status <= 1000 ? 'met' : 'missed'}); --version <= 2x node (${version <= 2 * node ? 'met' : 'missed'})`)
} finally {
  await stopSandbox(dir)
}
