/**
 * The reconcile measurements, side by side in one sandbox: chassis hv1 is plugged by ovn-vif-ctl
 * (its ovn-controller runs without vif-plug), chassis hv2 by ovn-controller
 * --enable-dummy-vif-plug. `measure` times a bulk plug and unplug of N lports per chassis, a cold
 * one-shot and the watcher's peak RSS, and splits the times at the databases' commit records;
 * `measureServerFloor` times the local ovsdb-server alone on the one-shot's transactions.
 * bench/reconcile/run.ts and bench/speed/run.ts print them.
 */
import {spawn} from 'node:child_process'
import {mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Monitor, OvsdbClient, type Tables} from '../../src/ovsdb/index.js'
import {loadProviders} from '../../src/providers/registry.js'
import {addPlanToTransaction} from '../../src/reconcile/apply.js'
import type {PlanAction} from '../../src/reconcile/plan.js'
import {Reconciler} from '../../src/reconcile/reconciler.js'
import {findBridge, interfacesOnBridge} from '../../src/ovn/local-view.js'
import {bindingsRequest} from '../../src/ovn/local-chassis.js'
import {COLUMNS, type OvsTables, type SouthboundTables} from '../../src/ovn/rows.js'
import {run} from '../../src/sandbox/daemon.js'
import {type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {readsMs} from '../oneshot/floor.js'
import {statusKb} from '../proc.js'
import {SHIPPED_WATCHER_ENV} from '../shipped-watcher.js'
import {type CommitRecord, dateWhenCounted, readCommits} from './commit-log.js'
import {IFACE_ID, OVN_PLUGGED} from '../../src/ovn/keys.js'
import {type OvsInterface} from '../../src/ovn/rows.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const runJs = path.join(root, 'bin', 'run.cjs')
/** How long to wait for a side to plug before reporting it as not done. */
export const GIVE_UP_MS = 120_000
/** ovn-controller 23.03 may never unplug after a bulk delete (it waits for an unrelated change): stop waiting after this. */
export const UNPLUG_GIVE_UP_MS = 10_000

export interface Measured {
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
  /**
   * SB commit of the Port_Bindings (plug) or of their removal (unplug) to the update reaching a
   * bare client of hv1's bindings connected right after the watcher: the SB server's own time to
   * serve the watcher, since it serves its clients in the order they connected (as seen in a
   * syscall trace of it), the ovn-controllers before the watcher.
   */
  plugSbDeliveredMs: number | null
  unplugSbDeliveredMs: number | null
  /** The local server alone: the one-shot's transaction creating the N interfaces, and one removing them. */
  serverCreateMs: number
  serverRemoveMs: number
  /** The reads the one-shot makes before it plans (N bindings, nothing plugged), by clients already connected. */
  oneShotReadsMs: number
}

type CommitSplit = Pick<Measured, 'northdPlugMs' | 'plugWatcherAfterSbMs' | 'plugOvnControllerAfterSbMs' | 'northdUnplugMs' | 'unplugWatcherAfterSbMs' | 'plugSbDeliveredMs' | 'unplugSbDeliveredMs'>

/** The sandbox's standalone database files (its layout: sandbox.ts). */
function databaseFiles(sandbox: Sandbox): {nb: string; sb: string; chassis: string[]} {
  return {
    nb: path.join(sandbox.dir, 'nb', 'nb.db'),
    sb: path.join(sandbox.dir, 'sb', 'sb.db'),
    chassis: sandbox.chassis.map((chassis) => path.join(chassis.dir, 'conf.db')),
  }
}

/** The commit records of the four databases (NB, SB, hv1's and hv2's), from sinceMs (epoch) on. */
export interface SandboxCommits {
  nb: CommitRecord[]
  sb: CommitRecord[]
  ours: CommitRecord[]
  theirs: CommitRecord[]
}

export async function readSandboxCommits(sandbox: Sandbox, sinceMs: number): Promise<SandboxCommits> {
  const files = databaseFiles(sandbox)
  const [nb, sb, ours, theirs] = await Promise.all([files.nb, files.sb, ...files.chassis].map((file) => readCommits(file, sinceMs)))
  return {nb: nb!, sb: sb!, ours: ours!, theirs: theirs!}
}

/** When each database had committed a change of n lports per chassis made from sinceMs on; null where a record is missing. */
export interface ChangeDates {
  /** All 2n Logical_Switch_Ports. */
  nb: number | null
  /** All 2n Port_Bindings (ovn-northd). */
  sb: number | null
  /** hv1's n interfaces (ovn-vif-ctl). */
  ours: number | null
  /** hv2's n interfaces (ovn-controller). */
  theirs: number | null
}

export function changeDates(commits: SandboxCommits, change: 'inserted' | 'deleted', n: number, sinceMs: number): ChangeDates {
  const after = (records: CommitRecord[]) => records.filter((commit) => commit.date >= sinceMs)
  return {
    nb: dateWhenCounted(after(commits.nb), 'Logical_Switch_Port', change, 2 * n),
    sb: dateWhenCounted(after(commits.sb), 'Port_Binding', change, 2 * n),
    ours: dateWhenCounted(after(commits.ours), 'Interface', change, n),
    theirs: dateWhenCounted(after(commits.theirs), 'Interface', change, n),
  }
}

/** to - from, or null where either is. */
export function between(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : to - from
}

/** When (epoch ms) the client beside the watcher had the plug's and the unplug's SB updates; null where it did not. */
interface Delivered {
  plug: number | null
  unplug: number | null
}

/**
 * Splits the plug (from plugSince) and the unplug (from unplugSince, epoch ms) of n lports per
 * chassis at the commit times the four databases recorded, and at the SB updates' delivery beside the watcher.
 */
async function splitAtCommits(sandbox: Sandbox, n: number, plugSince: number, unplugSince: number, delivered: Delivered): Promise<CommitSplit> {
  const commits = await readSandboxCommits(sandbox, plugSince)
  const plug = changeDates(commits, 'inserted', n, plugSince)
  const unplug = changeDates(commits, 'deleted', n, unplugSince)
  return {
    northdPlugMs: between(plug.nb, plug.sb),
    plugWatcherAfterSbMs: between(plug.sb, plug.ours),
    plugOvnControllerAfterSbMs: between(plug.sb, plug.theirs),
    northdUnplugMs: between(unplug.nb, unplug.sb),
    unplugWatcherAfterSbMs: between(unplug.sb, unplug.ours),
    plugSbDeliveredMs: between(plug.sb, delivered.plug),
    unplugSbDeliveredMs: between(unplug.sb, delivered.unplug),
  }
}

export interface Tracked {
  exited: Promise<{code: number | null; wallMs: number}>
  /** Its peak RSS (VmHWM, a high-water mark) as last sampled, in kB. */
  peakKb(): number
  /** Its RSS now, in kB. */
  rssKb(): Promise<number | undefined>
  output(): string
  stop(): void
}

/** Options of runTracked: the runtime that runs bin/run.cjs, and its own flags (say --cpu-prof). */
export interface RunOptions {
  node?: string
  nodeArgs?: readonly string[]
}

/** `ovn-vif-ctl <args>` as a child process whose peak RSS is sampled until it exits. */
export function runTracked(args: string[], env: NodeJS.ProcessEnv, {node = process.execPath, nodeArgs = []}: RunOptions = {}): Tracked {
  const started = performance.now()
  const child = spawn(node, [...nodeArgs, runJs, ...args], {env: {...process.env, ...env}})
  let peakKb = 0
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const sample = setInterval(() => {
    void statusKb(child.pid!, 'VmHWM').then((kb) => (peakKb = Math.max(peakKb, kb ?? 0)))
  }, 10)
  const exited = new Promise<{code: number | null; wallMs: number}>((resolve) =>
    child.on('exit', (code) => {
      clearInterval(sample)
      resolve({code, wallMs: performance.now() - started})
    }),
  )
  return {exited, peakKb: () => peakKb, rssKb: () => statusKb(child.pid!, 'VmRSS'), output: () => output, stop: () => child.kill('SIGTERM')}
}

/** Resolves with the time (from `since`) at which `holds()` is first true, or null after giveUpMs. */
export function whenTrue<T extends Tables<T>>(monitor: Monitor<T>, holds: () => boolean, since: number, giveUpMs = GIVE_UP_MS): Promise<number | null> {
  return new Promise((resolve) => {
    const check = () => {
      if (!holds()) return false
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

/** Resolves with the time (from `since`) at which `count()` first equals `target`, or null after giveUpMs. */
export function whenCount<T extends Tables<T>>(monitor: Monitor<T>, count: () => number, target: number, since: number, giveUpMs = GIVE_UP_MS): Promise<number | null> {
  return whenTrue(monitor, () => count() === target, since, giveUpMs)
}

export interface PluggedCounter {
  client: OvsdbClient
  monitor: Monitor
  /** How many interfaces carry ovn-plugged. */
  count(): number
  /** Whether an interface plugged for this lport (its iface-id) is there. */
  has(lport: string): boolean
}

/**
 * How the bench's own clients connect: no inactivity probe, since a server that ovs-vswitchd or
 * the bench keeps busy at 10,000 ports can leave a probe unanswered for longer than its interval,
 * and an observer that lost its monitor would count nothing; and a reconnect if it drops anyway.
 */
const BENCH_CLIENT = {timeoutMs: 120_000, probeIntervalMs: 0} as const
const OBSERVER = {...BENCH_CLIENT, reconnect: true} as const

/** A client following a local Open_vSwitch DB's interfaces, counting those plugged. */
export async function pluggedCounter(db: string): Promise<PluggedCounter> {
  const client = await OvsdbClient.connect(db, {database: 'Open_vSwitch', ...OBSERVER})
  client.on('disconnected', () => process.stderr.write(`note: the observer of ${db} lost its connection; it reconnects and reads the interfaces again\n`))
  const monitor = await client.monitor({Interface: {columns: ['external_ids']}})
  const plugged = () => [...monitor.replica.table('Interface').rows()].map((row) => row.external_ids as Record<string, string>).filter((ids) => ids[OVN_PLUGGED] !== undefined)
  return {client, monitor, count: () => plugged().length, has: (lport) => plugged().some((ids) => ids[IFACE_ID] === lport)}
}

/** A Logical_Switch_Port row requesting a dummy VIF for lport on chassis. */
export function lportRow(lport: string, chassis: string): Record<string, unknown> {
  return {name: lport, options: {'requested-chassis': chassis, 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1500'}}
}

/**
 * One NB transaction: a switch per chassis (`<tag>-<chassis>`), with n lports each requested for
 * that chassis, named `<tag>-<chassis>-<index>`: keep the tag short, the dummy provider's netdev is
 * the lport's name cut to 15 characters.
 */
export async function requestPorts(nb: OvsdbClient, n: number, chassis: string[], tag: string): Promise<void> {
  const tx = nb.transaction()
  for (const name of chassis) {
    const ports = Array.from({length: n}, (_, index) => tx.insert('Logical_Switch_Port', lportRow(`${tag}-${name}-${index}`, name)))
    tx.insert('Logical_Switch', {name: `${tag}-${name}`, ports})
  }

  await tx.commit()
}

export async function deleteSwitches(nb: OvsdbClient, names: string[]): Promise<void> {
  const tx = nb.transaction()
  for (const name of names) tx.delete('Logical_Switch', [['name', '==', name]])
  await tx.commit()
}

/**
 * A client following the Port_Bindings requested for one chassis with the watcher's own monitor
 * request (same columns, same clauses). Connected right after the watcher, the SB server serves
 * it right after the watcher: when it hears of a commit is the floor of the watcher's reaction.
 */
export interface BindingsObserver {
  client: OvsdbClient
  /** Resolves with the time (epoch ms, the clock the databases' commit records use) at which n bindings are followed, or null after giveUpMs. */
  whenFollowing(n: number, giveUpMs?: number): Promise<number | null>
  /** When (epoch ms) the binding of this logical port first arrived, if it has. */
  arrivedAt(logicalPort: string): number | undefined
}

export async function bindingsObserver(sbDb: string, chassis: string): Promise<BindingsObserver> {
  const client = await OvsdbClient.connect(sbDb, {database: 'OVN_Southbound', ...BENCH_CLIENT})
  const chassisMonitor = await client.monitor<Pick<SouthboundTables, 'Chassis'>>({Chassis: {columns: COLUMNS.Chassis}})
  const chassisRows = chassisMonitor.replica.table('Chassis')
  if (![...chassisRows.rows()].some((row) => row.name === chassis)) throw new Error(`chassis ${chassis} is not registered in the Southbound DB`)
  const monitor = await client.monitor<Pick<SouthboundTables, 'Port_Binding'>>({Port_Binding: bindingsRequest(chassisRows, chassis, false)})
  const arrivals = new Map<string, number>()
  monitor.on('change', (change) => {
    if (change.kind === 'insert' && !arrivals.has(change.new!.logical_port)) arrivals.set(change.new!.logical_port, Date.now())
  })
  const count = () => monitor.replica.table('Port_Binding').size
  return {
    client,
    async whenFollowing(n, giveUpMs) {
      const [started, epoch] = [performance.now(), Date.now()]
      const after = await whenCount(monitor, count, n, started, giveUpMs)
      return after === null ? null : epoch + after
    },
    arrivedAt: (logicalPort) => arrivals.get(logicalPort),
  }
}

export async function waitForSb(sb: OvsdbClient, count: number): Promise<void> {
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
export async function settle(sandbox: Sandbox): Promise<void> {
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

export interface BenchSandbox {
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
export async function inSandbox<T>(use: (bench: BenchSandbox) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-bench-'))
  const clients: OvsdbClient[] = []
  const closeLater = <C extends OvsdbClient>(client: C): C => {
    clients.push(client)
    return client
  }

  // A start that fails stops what it started itself.
  const sandbox = await startSandbox({dir, chassis: ['hv1', 'hv2'], controllerVifPlug: ['hv2']})
  try {
    const nb = closeLater(await OvsdbClient.connect(sandbox.nbDb, {database: 'OVN_Northbound', ...BENCH_CLIENT}))
    const sb = closeLater(await OvsdbClient.connect(sandbox.sbDb, {database: 'OVN_Southbound', ...BENCH_CLIENT}))
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
export function measureServerFloor(n: number): Promise<Pick<Measured, 'serverCreateMs' | 'serverRemoveMs' | 'oneShotReadsMs'>> {
  return inSandbox(async ({sandbox, nb, sb, closeLater}) => {
    const hv1 = sandbox.chassis[0]!
    const ovs = closeLater(await OvsdbClient.connect(hv1.db, {database: 'Open_vSwitch', ...BENCH_CLIENT}))
    await requestPorts(nb, n, ['hv1'], 'floor')
    await waitForSb(sb, n)
    const providers = await loadProviders({only: ['dummy']})
    const settings = {nbDb: sandbox.nbDb, sbDbFlag: sandbox.sbDb, ovsDb: hv1.db, timeoutMs: 120_000, leaderOnly: false}
    const planner = await Reconciler.open({settings, providers, replace: true, dryRun: true, watch: false})
    await planner.whenComplete(settings.timeoutMs)
    const {plan} = await planner.pass()
    await Promise.all([planner.close(), providers.destroy()])
    const oneShotReadsMs = await readsMs(ovs, sb, 'hv1', n)
    const empty = await readIntegrationBridge(ovs)
    const serverCreateMs = await timeTransaction(ovs, plan.actions, empty.uuid)
    await settle(sandbox)
    const full = await readIntegrationBridge(ovs)
    const plugged = full.interfaces.filter((iface) => iface.externalIds[OVN_PLUGGED] !== undefined)
    if (plugged.length !== n) throw new Error(`the floor's transaction plugged ${plugged.length} of ${n}`)
    const serverRemoveMs = await timeTransaction(ovs, plugged.map((current) => ({kind: 'remove', lport: current.externalIds[IFACE_ID]!, current})), full.uuid)
    return {serverCreateMs, serverRemoveMs, oneShotReadsMs}
  })
}

/**
 * One one-shot `reconcile` from a cold start on hv1: n lports requested, none plugged; then they
 * are deleted and unplugged again. Resolves with its wall time and peak RSS.
 */
async function coldOneShot({sandbox, nb, sb}: BenchSandbox, ours: PluggedCounter, n: number, tag: string, run: RunOptions): Promise<{wallMs: number; peakKb: number}> {
  const env = {OVS_RUNDIR: sandbox.chassis[0]!.dir}
  await requestPorts(nb, n, ['hv1'], tag)
  await waitForSb(sb, n)
  const oneShot = runTracked(['reconcile', '--json'], env, run)
  const {code, wallMs} = await oneShot.exited
  // This observer learns of the commit from its own monitor, which the server may serve after the one-shot has exited.
  const seen = code === 0 && (await whenCount(ours.monitor, ours.count, n, performance.now(), 30_000)) !== null
  if (!seen) throw new Error(`one-shot reconcile exited ${code} with ${ours.count()} of ${n} plugged:\n${oneShot.output().slice(0, 2000)}`)
  await deleteSwitches(nb, [`${tag}-hv1`])
  await waitForSb(sb, 0)
  await runTracked(['reconcile'], env, run).exited
  await settle(sandbox)
  return {wallMs, peakKb: oneShot.peakKb()}
}

export interface MeasureOptions {
  /** The runtime that runs ovn-vif-ctl (default: this one). */
  node?: string
  /** Also run one more cold one-shot under --cpu-prof, its profile written here. */
  cpuProfDir?: string
}

export function measure(n: number, {node, cpuProfDir}: MeasureOptions = {}): Promise<Omit<Measured, 'serverCreateMs' | 'serverRemoveMs' | 'oneShotReadsMs'>> {
  return inSandbox(async (bench) => {
    const {sandbox, nb, closeLater} = bench
    const [hv1, hv2] = sandbox.chassis as [Sandbox['chassis'][0], Sandbox['chassis'][0]]
    const ours = await pluggedCounter(hv1.db)
    closeLater(ours.client)
    const theirs = await pluggedCounter(hv2.db)
    closeLater(theirs.client)
    const env = {OVS_RUNDIR: hv1.dir}
    // (b) one-shot from a cold start: N requested on hv1, nothing plugged yet.
    const {wallMs: oneShotMs, peakKb: oneShotPeakKb} = await coldOneShot(bench, ours, n, 'cold', {node})
    if (cpuProfDir !== undefined) await coldOneShot(bench, ours, n, 'prof', {node, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', cpuProfDir]})

    // (a) and (c): the watcher on hv1 against ovn-controller on hv2, fed by one NB transaction.
    const watcher = runTracked(['reconcile', '--watch', '--log-format', 'json'], {...SHIPPED_WATCHER_ENV, ...env}, {node})
    while (!/acquired the/.test(watcher.output())) await new Promise((resolve) => setTimeout(resolve, 10))
    // Connected after the watcher, so that the SB server serves it right after the watcher.
    const besideWatcher = await bindingsObserver(sandbox.sbDb, 'hv1')
    closeLater(besideWatcher.client)
    await settle(sandbox)
    const t0 = performance.now()
    const plugSince = Date.now()
    const plugDelivered = besideWatcher.whenFollowing(n)
    const plugWatcher = whenCount(ours.monitor, ours.count, n, t0)
    const plugOvnController = whenCount(theirs.monitor, theirs.count, n, t0)
    await requestPorts(nb, n, ['hv1', 'hv2'], 'hot')
    const [plugWatcherMs, plugOvnControllerMs, plugDeliveredAt] = await Promise.all([plugWatcher, plugOvnController, plugDelivered])
    await settle(sandbox)

    // (d) one NB transaction deletes them all.
    const t1 = performance.now()
    const unplugSince = Date.now()
    const unplugWatcher = whenCount(ours.monitor, ours.count, 0, t1)
    const unplugOvnController = whenCount(theirs.monitor, theirs.count, 0, t1, UNPLUG_GIVE_UP_MS)
    const unplugDelivered = besideWatcher.whenFollowing(0)
    await deleteSwitches(nb, ['hot-hv1', 'hot-hv2'])
    const [unplugWatcherMs, unplugOvnControllerMs, unplugDeliveredAt] = await Promise.all([unplugWatcher, unplugOvnController, unplugDelivered])
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
      ...(await splitAtCommits(sandbox, n, plugSince, unplugSince, {plug: plugDeliveredAt, unplug: unplugDeliveredAt})),
    }
  })
}

/** The median, counting a side that gave up (null) as slower than any time. */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity))
  const middle = sorted.length / 2
  if (sorted.length % 2 === 1) return sorted[Math.floor(middle)] ?? null
  const [low, high] = [sorted[middle - 1], sorted[middle]]
  return low === null || high === null || low === undefined || high === undefined ? null : (low + high) / 2
}

export function ratio(ours: number | null, theirs: number | null): number | null {
  return ours === null || theirs === null ? null : ours / theirs
}

export const ratioOf = (r: Measured) => ratio(r.plugWatcherMs, r.plugOvnControllerMs)
export const commitRatioOf = (r: Measured) => ratio(r.plugWatcherAfterSbMs, r.plugOvnControllerAfterSbMs)

export interface Row extends Measured {
  label: string
  ratio: number | null
  commitRatio: number | null
}

export function medianRow(runs: readonly Measured[]): Row {
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
    plugSbDeliveredMs: of((r) => r.plugSbDeliveredMs),
    unplugSbDeliveredMs: of((r) => r.unplugSbDeliveredMs),
    serverCreateMs: of((r) => r.serverCreateMs)!,
    serverRemoveMs: of((r) => r.serverRemoveMs)!,
    oneShotReadsMs: of((r) => r.oneShotReadsMs)!,
  }
}
