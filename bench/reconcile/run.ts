/**
 * Benchmark: `ovn-vif-ctl reconcile` against ovn-controller's own vif-plug module, side by
 * side in one sandbox: chassis hv1 is plugged by ovn-vif-ctl (its ovn-controller runs without
 * vif-plug), chassis hv2 by ovn-controller --enable-dummy-vif-plug. For each N:
 *   (a) one NB transaction requests N lports on hv1 and N on hv2: the time until all N
 *       interfaces exist on each chassis (watcher vs ovn-controller), and their ratio;
 *   (b) one-shot `reconcile` wall time from a cold start, N lports requested, none plugged;
 *   (c) peak RSS of the watcher;
 *   (d) one NB transaction deletes every lport: the time until hv1 (and hv2) have none plugged.
 * Each time is also split where the databases' own commit records put it (commit-log.ts): how
 * long ovn-northd took from the NB commit to the SB commit, and how long each side took from the
 * SB commit to its own commit in the local Open_vSwitch DB, which is (a) and (d) as the issue
 * words them ("from the SB change").
 * And the floor under (b) and (d): in a sandbox of its own, set up as for (b), the local
 * ovsdb-server's time for the very transaction the one-shot sends and for the one that removes
 * those ports again, each sent by a client that is already connected and has read everything.
 * One run of a few seconds swings widely on a shared machine, so each N is measured several
 * times, each in a fresh sandbox (default: 3 runs up to 1,000 ports, 1 above, where a run takes
 * minutes), and the median of the runs is printed below them. Prints a table and writes
 * bench/results/reconcile.json. Numbers only; nothing asserts them.
 *
 *   npm run build && npx tsx bench/reconcile/run.ts [N ...] [--runs K]      (default: 1000 10000)
 */
import {spawn} from 'node:child_process'
import {mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Monitor, OvsdbClient} from '../../src/ovsdb/index.js'
import {loadProviders} from '../../src/providers/registry.js'
import {addPlanToTransaction} from '../../src/reconcile/apply.js'
import type {PlanAction} from '../../src/reconcile/plan.js'
import {Reconciler} from '../../src/reconcile/reconciler.js'
import {findBridge, interfacesOnBridge} from '../../src/ovn/local-view.js'
import {COLUMNS, type OvsTables} from '../../src/ovn/rows.js'
import {run} from '../../src/sandbox/daemon.js'
import {type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {type CommitRecord, dateWhenCounted, readCommits} from './commit-log.js'
import {IFACE_ID, OVN_PLUGGED} from '../../src/ovn/keys.js'
import {type OvsInterface} from '../../src/ovn/rows.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const runJs = path.join(root, 'bin', 'run.cjs')
/** How long to wait for a side to plug before reporting it as not done. */
const GIVE_UP_MS = 120_000
/** ovn-controller 23.03 may never unplug after a bulk delete (it waits for an unrelated change): stop waiting after this. */
const UNPLUG_GIVE_UP_MS = 10_000

interface Measured {
  n: number
  plugWatcherMs: number | null
  plugOvnControllerMs: number | null
  oneShotMs: number
  oneShotPeakRssMb: number
  watcherPeakRssMb: number
  unplugWatcherMs: number | null
  unplugOvnControllerMs: number | null
  /** ovn-northd: NB commit of the new lports to the SB commit of all their Port_Bindings. */
  northdPlugMs: number | null
  /** SB commit of the Port_Bindings to the local commit that made all N interfaces present. */
  plugWatcherAfterSbMs: number | null
  plugOvnControllerAfterSbMs: number | null
  /** ovn-northd: NB commit of the delete to the SB commit removing the Port_Bindings. */
  northdUnplugMs: number | null
  /** SB commit of the removal to the local commit that removed all N interfaces. */
  unplugWatcherAfterSbMs: number | null
  /** The local server alone: the one-shot's transaction creating the N interfaces, and one removing them. */
  serverCreateMs: number
  serverRemoveMs: number
}

type CommitSplit = Pick<Measured, 'northdPlugMs' | 'plugWatcherAfterSbMs' | 'plugOvnControllerAfterSbMs' | 'northdUnplugMs' | 'unplugWatcherAfterSbMs'>

/** The sandbox's standalone database files (its layout: sandbox.ts). */
function databaseFiles(sandbox: Sandbox): {nb: string; sb: string; chassis: string[]} {
  return {
    nb: path.join(sandbox.dir, 'nb', 'nb.db'),
    sb: path.join(sandbox.dir, 'sb', 'sb.db'),
    chassis: sandbox.chassis.map((chassis) => path.join(chassis.dir, 'conf.db')),
  }
}

/**
 * Splits the plug (from plugSince) and the unplug (from unplugSince, epoch ms) of n lports per
 * chassis at the commit times the four databases recorded.
 */
async function splitAtCommits(sandbox: Sandbox, n: number, plugSince: number, unplugSince: number): Promise<CommitSplit> {
  const files = databaseFiles(sandbox)
  const [nb, sb, ours, theirs] = await Promise.all([files.nb, files.sb, ...files.chassis].map((file) => readCommits(file, plugSince)))
  const after = (commits: CommitRecord[], since: number) => commits.filter((commit) => commit.date >= since)
  const between = (from: number | null, to: number | null) => (from === null || to === null ? null : to - from)
  const nbPlug = dateWhenCounted(nb!, 'Logical_Switch_Port', 'inserted', 2 * n)
  const sbPlug = dateWhenCounted(sb!, 'Port_Binding', 'inserted', 2 * n)
  const nbUnplug = dateWhenCounted(after(nb!, unplugSince), 'Logical_Switch_Port', 'deleted', 2 * n)
  const sbUnplug = dateWhenCounted(after(sb!, unplugSince), 'Port_Binding', 'deleted', 2 * n)
  return {
    northdPlugMs: between(nbPlug, sbPlug),
    plugWatcherAfterSbMs: between(sbPlug, dateWhenCounted(ours!, 'Interface', 'inserted', n)),
    plugOvnControllerAfterSbMs: between(sbPlug, dateWhenCounted(theirs!, 'Interface', 'inserted', n)),
    northdUnplugMs: between(nbUnplug, sbUnplug),
    unplugWatcherAfterSbMs: between(sbUnplug, dateWhenCounted(after(ours!, unplugSince), 'Interface', 'deleted', n)),
  }
}

/** A child process whose peak RSS (VmHWM, a high-water mark) is sampled until it exits. */
function runTracked(args: string[], env: NodeJS.ProcessEnv): {exited: Promise<{code: number | null; wallMs: number}>; peakKb: () => number; output: () => string; stop: () => void} {
  const started = performance.now()
  const child = spawn(process.execPath, [runJs, ...args], {env: {...process.env, ...env}})
  let peakKb = 0
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const sample = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((status) => {
        const match = /VmHWM:\s+(\d+) kB/.exec(status)
        if (match) peakKb = Math.max(peakKb, Number(match[1]))
      })
      .catch(() => undefined)
  }, 10)
  const exited = new Promise<{code: number | null; wallMs: number}>((resolve) =>
    child.on('exit', (code) => {
      clearInterval(sample)
      resolve({code, wallMs: performance.now() - started})
    }),
  )
  return {exited, peakKb: () => peakKb, output: () => output, stop: () => child.kill('SIGTERM')}
}

/** Resolves with the time (from `since`) at which `count()` first equals `target`, or null after giveUpMs. */
function whenCount(monitor: Monitor, count: () => number, target: number, since: number, giveUpMs = GIVE_UP_MS): Promise<number | null> {
  return new Promise((resolve) => {
    const check = () => {
      if (count() !== target) return false
      cleanup()
      resolve(performance.now() - since)
      return true
    }

    const timer = setTimeout(() => {
      cleanup()
      resolve(null)
    }, giveUpMs)
    const cleanup = () => {
      clearTimeout(timer)
      monitor.off('change', check)
    }

    monitor.on('change', check)
    check()
  })
}

async function pluggedCounter(db: string): Promise<{client: OvsdbClient; monitor: Monitor; count: () => number}> {
  const client = await OvsdbClient.connect(db, {database: 'Open_vSwitch', timeoutMs: 60_000})
  const monitor = await client.monitor({Interface: {columns: ['external_ids']}})
  const count = () => {
    let plugged = 0
    for (const row of monitor.replica.table('Interface').rows()) {
      if ((row.external_ids as Record<string, string>)['ovn-plugged'] !== undefined) plugged++
    }

    return plugged
  }

  return {client, monitor, count}
}

/** One NB transaction: a switch per chassis, with n lports each requested for that chassis. */
async function requestPorts(nb: OvsdbClient, n: number, chassis: string[], tag: string): Promise<void> {
  const tx = nb.transaction()
  for (const name of chassis) {
    const ports = Array.from({length: n}, (_, index) =>
      tx.insert('Logical_Switch_Port', {
        name: `${tag}-${name}-${index}`,
        options: {'requested-chassis': name, 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1500'},
      }),
    )
    tx.insert('Logical_Switch', {name: `${tag}-${name}`, ports})
  }

  await tx.commit()
}

async function deleteSwitches(nb: OvsdbClient, names: string[]): Promise<void> {
  const tx = nb.transaction()
  for (const name of names) tx.delete('Logical_Switch', [['name', '==', name]])
  await tx.commit()
}

async function waitForSb(sb: OvsdbClient, count: number): Promise<void> {
  const monitor = await sb.monitor({Port_Binding: {columns: ['logical_port', 'requested_chassis']}})
  const ready = () => [...monitor.replica.table('Port_Binding').rows()].filter((row) => row.requested_chassis !== undefined).length === count
  await new Promise<void>((resolve) => {
    if (ready()) resolve()
    monitor.on('change', () => ready() && resolve())
  })
  await monitor.cancel()
}

/**
 * Waits until every ovs-vswitchd has applied its database (a write without --no-wait returns
 * only once ovs-vswitchd has caught up) and every
 * ovn-controller has caught up with NB (ovn-nbctl --wait=hv sync), so one step's aftermath
 * does not load the next step's measurement.
 */
async function settle(sandbox: Sandbox): Promise<void> {
  try {
    for (const chassis of sandbox.chassis) {
      await run('ovs-vsctl', [`--db=${chassis.db}`, '--timeout=60', 'set', 'Open_vSwitch', '.', `external_ids:bench-settled=${Date.now()}`], {timeoutMs: 70_000})
    }

    await run('ovn-nbctl', [`--db=${sandbox.nbDb}`, '--timeout=60', '--wait=hv', 'sync'], {timeoutMs: 70_000})
  } catch {
    // At 10,000 ports ovs-vswitchd (dummy datapath, two cores) can take minutes to catch up: go on, and say so.
    process.stderr.write('note: the daemons had not settled within 60 s; this step is measured on a busy machine\n')
  }
}

interface BenchSandbox {
  sandbox: Sandbox
  nb: OvsdbClient
  sb: OvsdbClient
  /** Closes the client when the sandbox stops. */
  closeLater<T extends OvsdbClient>(client: T): T
}

/**
 * Runs `use` in a fresh sandbox as every measurement has it (hv1 plugged by ovn-vif-ctl, hv2 by
 * ovn-controller --enable-dummy-vif-plug), with NB and SB clients; then closes every client
 * and stops the sandbox, whatever happened.
 */
async function inSandbox<T>(use: (bench: BenchSandbox) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-bench-'))
  const clients: OvsdbClient[] = []
  const closeLater = <C extends OvsdbClient>(client: C): C => {
    clients.push(client)
    return client
  }

  // A start that fails stops what it started itself.
  const sandbox = await startSandbox({dir, chassis: ['hv1', 'hv2'], controllerVifPlug: ['hv2']})
  try {
    const nb = closeLater(await OvsdbClient.connect(sandbox.nbDb, {database: 'OVN_Northbound', timeoutMs: 120_000}))
    const sb = closeLater(await OvsdbClient.connect(sandbox.sbDb, {database: 'OVN_Southbound', timeoutMs: 120_000}))
    return await use({sandbox, nb, sb, closeLater})
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
    await stopSandbox(dir)
  }
}

/**
 * br-int and its interfaces, read once: the client stops following them before it commits, as a
 * one-shot pass does, so reading back the commit is not counted as the server's.
 */
async function readIntegrationBridge(ovs: OvsdbClient): Promise<{uuid: string; interfaces: OvsInterface[]}> {
  const monitor = await ovs.monitor<Pick<OvsTables, 'Bridge' | 'Port' | 'Interface'>>({Bridge: {columns: COLUMNS.Bridge}, Port: {columns: COLUMNS.Port}, Interface: {columns: COLUMNS.Interface}})
  const tables = {Port: monitor.replica.table('Port'), Interface: monitor.replica.table('Interface')}
  const bridge = findBridge(monitor.replica.table('Bridge'), 'br-int')!
  const interfaces = interfacesOnBridge(tables, bridge)
  await monitor.cancel()
  return {uuid: bridge._uuid, interfaces}
}

/** Sends the actions as a pass would (apply.ts) and times the transaction alone. */
async function timeTransaction(client: OvsdbClient, actions: PlanAction[], bridgeUuid: string): Promise<number> {
  const tx = client.transaction()
  addPlanToTransaction(tx, actions, {bridgeUuid})
  const started = performance.now()
  await tx.commit()
  return performance.now() - started
}

/**
 * The floor under (b) and (d), in a sandbox of its own set up as for (b): N lports requested on
 * hv1, nothing plugged. A dry-run reconciler plans the one-shot's transaction; a client that is
 * connected and has read the bridge sends it, and after the daemons settle, sends the removal.
 */
function measureServerFloor(n: number): Promise<Pick<Measured, 'serverCreateMs' | 'serverRemoveMs'>> {
  return inSandbox(async ({sandbox, nb, sb, closeLater}) => {
    const hv1 = sandbox.chassis[0]!
    const ovs = closeLater(await OvsdbClient.connect(hv1.db, {database: 'Open_vSwitch', timeoutMs: 120_000}))
    await requestPorts(nb, n, ['hv1'], 'floor')
    await waitForSb(sb, n)
    const providers = await loadProviders({only: ['dummy']})
    const settings = {nbDb: sandbox.nbDb, sbDbFlag: sandbox.sbDb, ovsDb: hv1.db, timeoutMs: 120_000, leaderOnly: false}
    const planner = await Reconciler.open({settings, providers, replace: true, dryRun: true, watch: false})
    await planner.whenComplete(settings.timeoutMs)
    const {plan} = await planner.pass()
    await Promise.all([planner.close(), providers.destroy()])
    const empty = await readIntegrationBridge(ovs)
    const serverCreateMs = await timeTransaction(ovs, plan.actions, empty.uuid)
    await settle(sandbox)
    const full = await readIntegrationBridge(ovs)
    const plugged = full.interfaces.filter((iface) => iface.externalIds[OVN_PLUGGED] !== undefined)
    if (plugged.length !== n) throw new Error(`the floor's transaction plugged ${plugged.length} of ${n}`)
    const serverRemoveMs = await timeTransaction(ovs, plugged.map((current) => ({kind: 'remove', lport: current.externalIds[IFACE_ID]!, current})), full.uuid)
    return {serverCreateMs, serverRemoveMs}
  })
}

function measure(n: number): Promise<Omit<Measured, 'serverCreateMs' | 'serverRemoveMs'>> {
  return inSandbox(async ({sandbox, nb, sb, closeLater}) => {
    const [hv1, hv2] = sandbox.chassis as [Sandbox['chassis'][0], Sandbox['chassis'][0]]
    const ours = await pluggedCounter(hv1.db)
    closeLater(ours.client)
    const theirs = await pluggedCounter(hv2.db)
    closeLater(theirs.client)
    const env = {OVS_RUNDIR: hv1.dir}
    // (b) one-shot from a cold start: N requested on hv1, nothing plugged yet.
    await requestPorts(nb, n, ['hv1'], 'cold')
    await waitForSb(sb, n)
    const oneShot = runTracked(['reconcile', '--json'], env)
    const {code, wallMs: oneShotMs} = await oneShot.exited
    // This observer learns of the commit from its own monitor, which the server may serve after the one-shot has exited.
    const seen = code === 0 && (await whenCount(ours.monitor, ours.count, n, performance.now(), 30_000)) !== null
    if (!seen) throw new Error(`one-shot reconcile exited ${code} with ${ours.count()} of ${n} plugged:\n${oneShot.output().slice(0, 2000)}`)
    const oneShotPeakKb = oneShot.peakKb()
    await deleteSwitches(nb, ['cold-hv1'])
    await waitForSb(sb, 0)
    const cleanup = runTracked(['reconcile'], env)
    await cleanup.exited
    await settle(sandbox)

    // (a) and (c): the watcher on hv1 against ovn-controller on hv2, fed by one NB transaction.
    const watcher = runTracked(['reconcile', '--watch', '--log-format', 'json'], env)
    while (!/acquired the/.test(watcher.output())) await new Promise((resolve) => setTimeout(resolve, 10))
    await settle(sandbox)
    const t0 = performance.now()
    const plugSince = Date.now()
    const plugWatcher = whenCount(ours.monitor, ours.count, n, t0)
    const plugOvnController = whenCount(theirs.monitor, theirs.count, n, t0)
    await requestPorts(nb, n, ['hv1', 'hv2'], 'hot')
    const [plugWatcherMs, plugOvnControllerMs] = await Promise.all([plugWatcher, plugOvnController])
    await settle(sandbox)

    // (d) one NB transaction deletes them all.
    const t1 = performance.now()
    const unplugSince = Date.now()
    const unplugWatcher = whenCount(ours.monitor, ours.count, 0, t1)
    const unplugOvnController = whenCount(theirs.monitor, theirs.count, 0, t1, UNPLUG_GIVE_UP_MS)
    await deleteSwitches(nb, ['hot-hv1', 'hot-hv2'])
    const [unplugWatcherMs, unplugOvnControllerMs] = await Promise.all([unplugWatcher, unplugOvnController])
    const watcherPeakKb = watcher.peakKb()
    watcher.stop()
    await watcher.exited
    return {
      n,
      plugWatcherMs,
      plugOvnControllerMs,
      oneShotMs,
      oneShotPeakRssMb: oneShotPeakKb / 1024,
      watcherPeakRssMb: watcherPeakKb / 1024,
      unplugWatcherMs,
      unplugOvnControllerMs,
      ...(await splitAtCommits(sandbox, n, plugSince, unplugSince)),
    }
  })
}

function ms(value: number | null, giveUpMs = GIVE_UP_MS): string {
  return value === null ? `> ${giveUpMs / 1000} s` : `${(value / 1000).toFixed(3)} s`
}

/** A split at commit times: null when a database file did not have the commit (say, it was compacted). */
function found(value: number | null): string {
  return value === null ? 'n/a' : ms(value)
}

/** The median, counting a side that gave up (null) as slower than any time. */
function median(values: readonly (number | null)[]): number | null {
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity))
  const middle = sorted.length / 2
  if (sorted.length % 2 === 1) return sorted[Math.floor(middle)] ?? null
  const [low, high] = [sorted[middle - 1], sorted[middle]]
  return low === null || high === null || low === undefined || high === undefined ? null : (low + high) / 2
}

function ratio(ours: number | null, theirs: number | null): number | null {
  return ours === null || theirs === null ? null : ours / theirs
}

const ratioOf = (r: Measured) => ratio(r.plugWatcherMs, r.plugOvnControllerMs)
const commitRatioOf = (r: Measured) => ratio(r.plugWatcherAfterSbMs, r.plugOvnControllerAfterSbMs)

interface Row extends Measured {
  label: string
  ratio: number | null
  commitRatio: number | null
}

function medianRow(runs: readonly Measured[]): Row {
  const of = (pick: (r: Measured) => number | null) => median(runs.map(pick))
  return {
    label: 'median',
    n: runs[0]!.n,
    plugWatcherMs: of((r) => r.plugWatcherMs),
    plugOvnControllerMs: of((r) => r.plugOvnControllerMs),
    ratio: of(ratioOf),
    oneShotMs: of((r) => r.oneShotMs)!,
    oneShotPeakRssMb: of((r) => r.oneShotPeakRssMb)!,
    watcherPeakRssMb: of((r) => r.watcherPeakRssMb)!,
    unplugWatcherMs: of((r) => r.unplugWatcherMs),
    unplugOvnControllerMs: of((r) => r.unplugOvnControllerMs),
    northdPlugMs: of((r) => r.northdPlugMs),
    plugWatcherAfterSbMs: of((r) => r.plugWatcherAfterSbMs),
    plugOvnControllerAfterSbMs: of((r) => r.plugOvnControllerAfterSbMs),
    commitRatio: of(commitRatioOf),
    northdUnplugMs: of((r) => r.northdUnplugMs),
    unplugWatcherAfterSbMs: of((r) => r.unplugWatcherAfterSbMs),
    serverCreateMs: of((r) => r.serverCreateMs)!,
    serverRemoveMs: of((r) => r.serverRemoveMs)!,
  }
}

const args = process.argv.slice(2)
const runsFlag = args.indexOf('--runs')
const runsAsked = runsFlag >= 0 ? Number(args[runsFlag + 1]) : undefined
if (runsAsked !== undefined && !(Number.isInteger(runsAsked) && runsAsked > 0)) throw new Error('--runs takes a positive integer')
const sizes = args.filter((_, index) => runsFlag < 0 || (index !== runsFlag && index !== runsFlag + 1)).map(Number).filter((n) => n > 0)
const rows: Row[] = []
const results: {n: number; runs: Measured[]; median: Row}[] = []
for (const n of sizes.length > 0 ? sizes : [1000, 10_000]) {
  const runs: Measured[] = []
  const count = runsAsked ?? (n <= 1000 ? 3 : 1)
  for (let run = 1; run <= count; run++) {
    process.stderr.write(`measuring N=${n}, run ${run} of ${count}...\n`)
    runs.push({...(await measure(n)), ...(await measureServerFloor(n))})
    process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`)
    rows.push({...runs.at(-1)!, label: `run ${run}`, ratio: ratioOf(runs.at(-1)!), commitRatio: commitRatioOf(runs.at(-1)!)})
  }

  results.push({n, runs, median: medianRow(runs)})
  if (count > 1) rows.push(results.at(-1)!.median)
}

interface Column {
  header: string
  cell(r: Row): string
}

/** One line per row under a header line: N and run to the left, the figures to the right of their column. */
function printTable(columns: readonly Column[]): void {
  const all: Column[] = [{header: 'N', cell: (r) => String(r.n)}, {header: 'run', cell: (r) => r.label}, ...columns]
  const cells = rows.map((r) => all.map((column) => column.cell(r)))
  const widths = all.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index]!.length)))
  const line = (fields: string[]) => fields.map((field, index) => (index < 2 ? field.padEnd(widths[index]!) : field.padStart(widths[index]!))).join('  ')
  console.log(line(all.map((column) => column.header)))
  for (const fields of cells) console.log(line(fields))
}

const twoDecimals = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2))

printTable([
  {header: '(a) plug: ours', cell: (r) => ms(r.plugWatcherMs)},
  {header: 'ovn-controller', cell: (r) => ms(r.plugOvnControllerMs)},
  {header: 'ratio', cell: (r) => twoDecimals(r.ratio)},
  {header: '(b) one-shot', cell: (r) => ms(r.oneShotMs)},
  {header: 'RSS', cell: (r) => `${r.oneShotPeakRssMb.toFixed(0)} MB`},
  {header: '(c) watcher RSS', cell: (r) => `${r.watcherPeakRssMb.toFixed(0)} MB`},
  {header: '(d) unplug: ours', cell: (r) => ms(r.unplugWatcherMs)},
  {header: 'ovn-controller', cell: (r) => ms(r.unplugOvnControllerMs, UNPLUG_GIVE_UP_MS)},
])
console.log()
console.log('split at the commit times the databases recorded:')
printTable([
  {header: '(a) northd: NB->SB', cell: (r) => found(r.northdPlugMs)},
  {header: 'SB->OVS: ours', cell: (r) => found(r.plugWatcherAfterSbMs)},
  {header: 'ovn-controller', cell: (r) => found(r.plugOvnControllerAfterSbMs)},
  {header: 'ratio', cell: (r) => twoDecimals(r.commitRatio)},
  {header: '(d) northd: NB->SB', cell: (r) => found(r.northdUnplugMs)},
  {header: 'SB->OVS: ours', cell: (r) => found(r.unplugWatcherAfterSbMs)},
])
console.log()
console.log('the floor: the local ovsdb-server alone, same transactions, client connected and done reading:')
printTable([
  {header: '(b) one-shot', cell: (r) => ms(r.oneShotMs)},
  {header: 'server alone: create', cell: (r) => ms(r.serverCreateMs)},
  {header: '(d) northd: NB->SB', cell: (r) => found(r.northdUnplugMs)},
  {header: '+ server alone: remove', cell: (r) => ms(r.serverRemoveMs)},
  {header: '= floor', cell: (r) => found(r.northdUnplugMs === null ? null : r.northdUnplugMs + r.serverRemoveMs)},
])
console.log('targets: (a) ratio <= 1.0; (b) <= 1.5 s at 10,000; (c) <= 150 MB at 10,000; (d) <= 2 s at 10,000')
await mkdir(path.join(root, 'bench', 'results'), {recursive: true})
await writeFile(path.join(root, 'bench', 'results', 'reconcile.json'), JSON.stringify({date: new Date().toISOString(), results}, null, 2) + '\n')
