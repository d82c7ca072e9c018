/**
 * SF density (issue 22): one sandbox chassis asked for 4,000 SF representors, from a generated
 * `devlink -j port show` dump of 2 PFs x 2,000 host SFs (test/helpers/sf-dump.ts). In one run,
 * side by side:
 *   - `providers inventory representor` wall time, from the recorded dump;
 *   - the representor table from the dump, in this process: provider init (parse, build,
 *     comparison with the last), the first as a one-shot CLI pays it and the later ones, and the parse and
 *     the build on their own;
 *   - one-shot `reconcile` wall time (4,000 to plug, none plugged) against the local
 *     ovsdb-server's own time for the same transaction, sent by a client already connected,
 *     and against the process start (`ovn-vif-ctl --version`); the one-shot's plugging all in
 *     one transaction is checked from the local DB's own records;
 *   - `status` against `ovs-vsctl show`, with the 4,000 plugged.
 * ovs-vswitchd and ovn-controller are stopped throughout (adding 4,000 dummy ports takes
 * ovs-vswitchd minutes per round on two shared cores): status reads the 4,000 unclaimed.
 *   - the watcher's RSS once it has plugged all 4,000 from none (and its peak), and again
 *     SETTLE_MS later, once V8 has collected what the burst left (its memory reducer waits for a
 *     quiet spell, 8 s after the last full collection on Node 22, 30 s on Node 26).
 * Targets: table build <= 50 ms; one-shot <= 1.5x the server's time plus process start;
 * watcher RSS <= 100 MB. Each figure is the median of --runs runs (default 3). Prints a table
 * and writes bench/results/density.json. Numbers only; nothing asserts them.
 *
 *   npm run build && npx tsx bench/density/run.ts [--runs K]
 */
import {execFile, spawn} from 'node:child_process'
import {mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OvsdbClient} from '../../src/ovsdb/index.js'
import {parseDevlinkPortDump} from '../../src/providers/representor/devlink.js'
import {createRepresentorProvider} from '../../src/providers/representor/index.js'
import {buildRepresentorTable} from '../../src/providers/representor/table.js'
import {loadProviders} from '../../src/providers/registry.js'
import {addPlanToTransaction} from '../../src/reconcile/apply.js'
import {IFACE_ID, OVN_PLUGGED} from '../../src/ovn/keys.js'
import type {PlanAction} from '../../src/reconcile/plan.js'
import {Reconciler} from '../../src/reconcile/reconciler.js'
import {run} from '../../src/sandbox/daemon.js'
import {killSandboxDaemon, type Sandbox, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {generateSfDump} from '../../test/helpers/sf-dump.js'
import {readCommits} from '../reconcile/commit-log.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(root, 'bin', 'run.cjs')
const runsFlag = process.argv.indexOf('--runs')
const RUNS = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 3
if (!(Number.isInteger(RUNS) && RUNS > 0)) throw new Error('--runs takes a positive integer')
/** ovn-controller 23.03 settles far sooner with the ports spread over switches of 100 (bench/RESULTS.md, status). */
const PORTS_PER_SWITCH = 100
const WAIT_MS = 600_000
const SETTLE_MS = 40_000
const DATAPATH_DAEMONS = ['ovs-vswitchd', 'ovn-controller'] as const

const dump = generateSfDump()
const LPORTS = dump.sfs.length

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Wall time of one run of a program to its end (a non-zero exit, say status with pending ports, still counts). */
function timeProgram(file: string, args: readonly string[]): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(file, args, {maxBuffer: 256 * 1024 * 1024}, (error) => {
      if (error && typeof error.code !== 'number') reject(error)
      else resolve(performance.now() - started)
    })
  })
}

async function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)
  return match ? Number(match[1]) : undefined
}

/** Polls until done() holds; fails after WAIT_MS naming what was awaited. */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await sleep(200)
  }
}

/** The 4,000 lports, each asking for its SF, on switches of 100, in one NB transaction. */
async function requestSfs(nb: OvsdbClient, nbDb: string): Promise<void> {
  const tx = nb.transaction()
  for (let start = 0; start < LPORTS; start += PORTS_PER_SWITCH) {
    const ports = dump.sfs.slice(start, start + PORTS_PER_SWITCH).map((sf) =>
      tx.insert('Logical_Switch_Port', {
        name: `sf-${sf.pf}-${sf.sfnum}`,
        options: {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': sf.pfMac, 'vif-plug:representor:sf-num': String(sf.sfnum)},
      }),
    )
    tx.insert('Logical_Switch', {name: `ls-${start / PORTS_PER_SWITCH}`, ports})
  }

  await tx.commit()
  await run('ovn-nbctl', [`--db=${nbDb}`, '--timeout=600', '--wait=sb', 'sync'], {timeoutMs: WAIT_MS})
}

interface Bench {
  sandbox: Sandbox
  ovs: OvsdbClient
  dumpFile: string
  sysfsRoot: string
}

const representorSource = (bench: Bench) => ['--devlink-json', bench.dumpFile, '--sysfs-root', bench.sysfsRoot]

/** A dry-run Reconciler of hv1, as the CLI opens it, with the representor provider reading the dump; closed after `use`. */
async function withDryRunReconciler<T>(bench: Bench, use: (reconciler: Reconciler) => Promise<T>): Promise<T> {
  const providers = await loadProviders({only: ['representor'], representor: {devlinkJson: dump.json, sysfsRoot: bench.sysfsRoot}})
  const settings = {nbDb: bench.sandbox.nbDb, sbDbFlag: bench.sandbox.sbDb, ovsDb: bench.sandbox.chassis[0]!.db, timeoutMs: WAIT_MS, leaderOnly: false}
  const reconciler = await Reconciler.open({settings, providers, replace: true, dryRun: true, watch: false})
  try {
    await reconciler.whenComplete(settings.timeoutMs)
    return await use(reconciler)
  } finally {
    await Promise.all([reconciler.close(), providers.destroy()])
  }
}

/** What a one-shot reconcile would do now, planned in this process as the CLI plans it (a dry-run pass). */
function planNow(bench: Bench): Promise<{actions: PlanAction[]; bridgeUuid: string}> {
  return withDryRunReconciler(bench, async (planner) => ({actions: (await planner.pass()).plan.actions, bridgeUuid: planner.view().bridgeUuid}))
}

/** Unplugs every plugged interface in one transaction, as a pass would. */
function unplugAll(bench: Bench): Promise<void> {
  return withDryRunReconciler(bench, async (reader) => {
    const view = reader.view()
    const removals: PlanAction[] = view.interfaces
      .filter((iface) => iface.externalIds[OVN_PLUGGED] !== undefined)
      .map((current) => ({kind: 'remove', lport: current.externalIds[IFACE_ID]!, current}))
    const tx = bench.ovs.transaction()
    addPlanToTransaction(tx, removals, {bridgeUuid: view.bridgeUuid})
    await tx.commit()
  })
}

async function pluggedCount(db: string): Promise<number> {
  const out = await run('ovs-vsctl', [`--db=${db}`, '--bare', '--columns=name', 'find', 'Interface', 'external_ids:ovn-plugged=representor'], {timeoutMs: WAIT_MS})
  return out.split('\n').filter(Boolean).length
}

/** The local server alone: the one-shot's transaction (planned the same way) sent by a connected client. */
async function serverTimeMs(bench: Bench): Promise<number> {
  const {actions, bridgeUuid} = await planNow(bench)
  if (actions.length !== LPORTS) throw new Error(`the plan has ${actions.length} actions, expected ${LPORTS} creations`)
  const tx = bench.ovs.transaction()
  addPlanToTransaction(tx, actions, {bridgeUuid})
  const started = performance.now()
  await tx.commit()
  return performance.now() - started
}

/** One-shot reconcile from a cold start; checks from the local DB's records that it plugged all in one transaction. */
async function oneShotMs(bench: Bench): Promise<number> {
  const hv1 = bench.sandbox.chassis[0]!
  const since = Date.now()
  const wallMs = await timeProgram(process.execPath, [cli, 'reconcile', '--db', hv1.db, ...representorSource(bench)])
  const inserting = (await readCommits(path.join(hv1.dir, 'conf.db'), since)).filter((commit) => (commit.inserted.get('Interface') ?? 0) > 0)
  const counts = inserting.map((commit) => commit.inserted.get('Interface'))
  if (counts.length !== 1 || counts[0] !== LPORTS) throw new Error(`the one-shot's Interface inserts by commit: [${counts.join(', ')}], expected [${LPORTS}]`)
  return wallMs
}

/** Starts a watcher with nothing plugged; its RSS once all are plugged and its passes are done, its peak, and its RSS settled. */
async function watcherRssMb(bench: Bench): Promise<{rssMb: number; peakMb: number; settledMb: number}> {
  const hv1 = bench.sandbox.chassis[0]!
  const child = spawn(process.execPath, [cli, 'reconcile', '--watch', '--db', hv1.db, ...representorSource(bench)], {stdio: 'ignore'})
  try {
    await until('the watcher to plug every SF', async () => (await pluggedCount(hv1.db)) === LPORTS)
    // Its pass is over once the commit is in; a little longer for the follow-up pass it runs on its own update.
    await sleep(2000)
    const rssKb = await procStatusKb(child.pid!, 'VmRSS')
    const peakKb = await procStatusKb(child.pid!, 'VmHWM')
    await sleep(SETTLE_MS)
    const settledKb = await procStatusKb(child.pid!, 'VmRSS')
    if (rssKb === undefined || peakKb === undefined || settledKb === undefined) throw new Error('the watcher exited')
    return {rssMb: rssKb / 1024, peakMb: peakKb / 1024, settledMb: settledKb / 1024}
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}

interface BuildTimes {
  /** Provider init from the dump text (parse, sysfs, build, comparison with the last): the first in this process, as a one-shot CLI pays it. */
  initFirstMs: number
  initFirstCpuMs: number
  /** The median of the later inits, once the code is warm (a watcher's re-reads). */
  initLaterMs: number
  /** buildRepresentorTable alone, from the parsed ports, after the first init. */
  buildMs: number
  parseMs: number
}

const cpuMs = () => {
  const {user, system} = process.cpuUsage()
  return (user + system) / 1000
}

/** In this process: provider init from the dump text, first and later, and the parse and the build on their own. */
async function tableBuildTimes(sysfsRoot: string): Promise<BuildTimes> {
  const wall: number[] = []
  let initFirstCpuMs = 0
  for (let build = 0; build < 1 + RUNS; build++) {
    const provider = createRepresentorProvider({devlinkJson: dump.json, sysfsRoot})
    const [started, startedCpu] = [performance.now(), cpuMs()]
    await provider.init?.()
    wall.push(performance.now() - started)
    if (build === 0) initFirstCpuMs = cpuMs() - startedCpu
    await provider.destroy?.()
  }

  const parse: number[] = []
  const build: number[] = []
  for (let round = 0; round < RUNS; round++) {
    let started = performance.now()
    const {ports} = parseDevlinkPortDump(dump.json)
    parse.push(performance.now() - started)
    started = performance.now()
    await buildRepresentorTable(ports, {netdevs: new Map(), hostPfMac: async () => undefined}, () => {})
    build.push(performance.now() - started)
  }

  return {initFirstMs: wall[0]!, initFirstCpuMs, initLaterMs: median(wall.slice(1)), parseMs: median(parse), buildMs: median(build)}
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-density-'))
const dumpFile = path.join(dir, 'devlink.json')
const sysfsRoot = path.join(dir, 'sys')
await writeFile(dumpFile, dump.json)
// The netdevs do not exist here: an empty sysfs, so this machine's /sys is not read.
await mkdir(sysfsRoot)
const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
process.stderr.write(`load average before: ${load}\n`)

const tableBuild = await tableBuildTimes(sysfsRoot)
const inventory: number[] = []
const processStart: number[] = []
for (let round = 0; round < RUNS; round++) {
  inventory.push(await timeProgram(process.execPath, [cli, 'providers', 'inventory', 'representor', '--devlink-json', dumpFile, '--sysfs-root', sysfsRoot]))
  processStart.push(await timeProgram(process.execPath, [cli, '--version']))
}

const sandbox = await startSandbox({dir: path.join(dir, 'sandbox'), chassis: ['hv1']})
const server: number[] = []
const oneShot: number[] = []
const status: number[] = []
const vsctlShow: number[] = []
const watcherRss: number[] = []
const watcherPeak: number[] = []
const watcherSettled: number[] = []
let ovs: OvsdbClient | undefined
let nb: OvsdbClient | undefined
try {
  const hv1 = sandbox.chassis[0]!
  ovs = await OvsdbClient.connect(hv1.db, {database: 'Open_vSwitch', timeoutMs: WAIT_MS})
  nb = await OvsdbClient.connect(sandbox.nbDb, {database: 'OVN_Northbound', timeoutMs: WAIT_MS})
  const bench: Bench = {sandbox, ovs, dumpFile, sysfsRoot}
  // ovs-vswitchd adds the 4,000 dummy ports one by one, minutes on two shared cores, and ovn-controller
  // then claims them: both are stopped, so the local server only stores the rows, for the one-shot
  // and for the server alone. (Started again with 4,000 ports, ovs-vswitchd did not finish its
  // start within 10 minutes here, so status is timed on the unclaimed chassis.)
  for (const daemon of DATAPATH_DAEMONS) await killSandboxDaemon(sandbox, `${hv1.name}/${daemon}`)
  await requestSfs(nb, sandbox.nbDb)
  for (let round = 1; round <= RUNS; round++) {
    process.stderr.write(`round ${round} of ${RUNS}: the server alone, the one-shot, the watcher\n`)
    server.push(await serverTimeMs(bench))
    await unplugAll(bench)
    oneShot.push(await oneShotMs(bench))
    await unplugAll(bench)
    const watcher = await watcherRssMb(bench)
    watcherRss.push(watcher.rssMb)
    watcherPeak.push(watcher.peakMb)
    watcherSettled.push(watcher.settledMb)
    // The last round leaves all 4,000 plugged, for status.
    if (round < RUNS) await unplugAll(bench)
  }

  // The watcher left all 4,000 plugged: status on that chassis (not claimed: ovn-controller is stopped).
  for (let round = 0; round < RUNS; round++) {
    status.push(await timeProgram(process.execPath, [cli, 'status', '--db', hv1.db, ...representorSource(bench)]))
    vsctlShow.push(await timeProgram('ovs-vsctl', [`--db=${hv1.db}`, 'show']))
  }
} finally {
  await Promise.allSettled([ovs?.close(), nb?.close()])
  await stopSandbox(path.join(dir, 'sandbox'))
}

const results = {
  date: new Date().toISOString(),
  lports: LPORTS,
  runs: RUNS,
  loadAverageBefore: load,
  inventoryMs: median(inventory),
  tableBuild,
  oneShotMs: median(oneShot),
  serverMs: median(server),
  processStartMs: median(processStart),
  statusMs: median(status),
  ovsVsctlShowMs: median(vsctlShow),
  watcherRssMb: median(watcherRss),
  watcherPeakRssMb: median(watcherPeak),
  watcherSettledRssMb: median(watcherSettled),
  samples: {inventory, oneShot, server, processStart, status, vsctlShow, watcherRss, watcherPeak, watcherSettled},
}

const ms = (value: number) => `${value.toFixed(0)} ms`
const lines: Array<[string, string, string]> = [
  ['providers inventory representor', ms(results.inventoryMs), ''],
  [
    'representor table from the dump: provider init, first (CPU) / later',
    `${ms(tableBuild.initFirstMs)} (${ms(tableBuild.initFirstCpuMs)}) / ${ms(tableBuild.initLaterMs)}`,
    `parse ${ms(tableBuild.parseMs)} + build ${ms(tableBuild.buildMs)} once warm; target <= 50 ms`,
  ],
  ['one-shot reconcile', ms(results.oneShotMs), `server alone ${ms(results.serverMs)}, process start ${ms(results.processStartMs)}: target <= ${ms(1.5 * results.serverMs + results.processStartMs)}`],
  ['status', ms(results.statusMs), `ovs-vsctl show ${ms(results.ovsVsctlShowMs)} (${(results.statusMs / results.ovsVsctlShowMs).toFixed(2)}x)`],
  ['watcher RSS (peak)', `${results.watcherRssMb.toFixed(0)} MB (${results.watcherPeakRssMb.toFixed(0)} MB)`, 'target <= 100 MB'],
  [`watcher RSS ${SETTLE_MS / 1000} s later`, `${results.watcherSettledRssMb.toFixed(0)} MB`, ''],
]
console.log(`${LPORTS} SF lports (2 PFs x ${LPORTS / 2} host SFs), median of ${RUNS}; load average before: ${load}`)
const widths = [0, 1].map((column) => Math.max(...lines.map((line) => line[column]!.length)))
for (const [what, value, against] of lines) console.log(`${what.padEnd(widths[0]!)}  ${value.padStart(widths[1]!)}  ${against}`)
await mkdir(path.join(root, 'bench', 'results'), {recursive: true})
await writeFile(path.join(root, 'bench', 'results', 'density.json'), JSON.stringify(results, null, 2) + '\n')
