/**
 * Issue #23's targets a-g, measured in one run, side by side, each ratio next to its target and
 * the floor it is measured against (the local ovsdb-server alone, ovn-northd alone, the runtime's
 * bare start, a one-command oclif CLI's start), all on one runtime (by default the one the packages embed):
 *   (a) SB commit -> local commit, ours / ovn-controller, per size (bench/reconcile, by the commit records);
 *   (b) unplug, NB delete -> none left by the commit records, ours / (northd NB -> SB + the local
 *       server alone), per size;
 *   (c) one lport, NB commit -> interface committed, ours / ovn-controller, median of --plugs single
 *       plugs with --background plugged per chassis; and delete -> gone, counting missed unplugs
 *       (single-lport.ts);
 *   (d) one-shot `reconcile` from cold, wall / (`node -e 0` + the local server alone), per size,
 *       beside its measured floor (this CLI loaded with nothing done + the one-shot's reads by
 *       connected clients + the server alone, bench/oneshot/floor.ts);
 *   (e) status, plug, unplug, doctor and chassis show on a small chassis / `node -e 0` (bench/everyday),
 *       with a bare oclif CLI running a command that does nothing beside them, also printed as a
 *       floor of (d) (with the server alone);
 *   (f) the watcher's RSS idle with --idle lports (after a minute idle, and 5 s after settling), and its peak at each size;
 *   (g) status at the largest size / `ovs-vsctl show` on the same data, with its floor measured
 *       beside it: a bare oclif CLI's run + the reads status makes by connected clients (bench/status).
 * (a), (b), (d) and (f) at each size are the median of --runs runs, each in fresh sandboxes.
 * Prints one table and writes bench/results/speed.json. Numbers only; nothing asserts them.
 *
 * With --cpu-prof DIR, our side runs once more under `node --cpu-prof` wherever it is a process of
 * its own (the one-shot at each size, the everyday commands, status at the largest size), its
 * profile under DIR, and the top self-time entries of each are printed.
 *
 * Run after `npm run build`:
 *   npx tsx bench/speed/run.ts [--sizes 1000,10000] [--runs 3] [--cpu-prof DIR] [--node PATH]
 */
import {execFileSync} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {ensureRuntime} from '../../scripts/runtimes.js'
import {printProfile, type ProfileSummary, summariseProfile} from '../cpu-profile.js'
import {BARE_OCLIF, BASE, measureEveryday} from '../everyday/measure.js'
import {cliLoadedMs} from '../oneshot/floor.js'
import {commitRatioOf, type Measured, measure, measureServerFloor, median, medianRow, ratio} from '../reconcile/measure.js'
import {measureStatusAtScale} from '../status/measure.js'
import {bareRssMb, bareStartMs} from '../timing.js'
import {measureSingleLports, type SingleChange} from './single-lport.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const {values} = parseArgs({
  options: {
    sizes: {type: 'string', default: '1000,10000'},
    runs: {type: 'string', default: '3'},
    'cpu-prof': {type: 'string'},
    node: {type: 'string'},
    plugs: {type: 'string', default: '15'},
    background: {type: 'string', default: '200'},
    idle: {type: 'string', default: '10'},
    'everyday-runs': {type: 'string', default: '11'},
  },
})
const positive = (flag: keyof typeof values) => {
  const value = Number(values[flag])
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`--${flag} takes a positive integer`)
  return value
}

const sizes = values.sizes!.split(',').map(Number)
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--sizes takes a comma-separated list of positive integers')
const RUNS = positive('runs')
const cpuProf = values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof'])
const node = values.node ?? (await ensureRuntime('embedded')).node
const runtime = execFileSync(node, ['--version'], {encoding: 'utf8'}).trim()
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: root, encoding: 'utf8'}).trim()
const startedAt = new Date()
const loads: number[] = [os.loadavg()[0]!]
const progress = (line: string) => {
  loads.push(os.loadavg()[0]!)
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
}

const profiles: {title: string; summary: ProfileSummary}[] = []
const file = path.join(root, 'bench', 'results', 'speed.json')
await mkdir(path.dirname(file), {recursive: true})
const loadAverages = () => ({start: loads[0]!, end: os.loadavg()[0]!, max: Math.max(...loads, os.loadavg()[0]!)})
const measured: Record<string, unknown> = {}
/** Writes what is measured so far: a run stopped part-way leaves the targets it finished. */
const save = (complete: boolean) =>
  writeFile(file, `${JSON.stringify({date: startedAt.toISOString(), commit, runtime, cpus: os.cpus().length, load: loadAverages(), sizes, runs: RUNS, complete, targets, ...measured, profiles}, (key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value), 2)}\n`)

const profile = async (title: string, dir: string) => profiles.push({title, summary: await summariseProfile(dir)})

/** One line of the table: a target as the issue words it, ours against the other side or floor. */
interface Target {
  id: string
  what: string
  ours: string
  against: string
  ratio: number | null
  /** The target, as a ratio or an absolute figure. */
  target: string
  met: boolean | null
  /** The floors measured beside it. */
  floors: string
}

const targets: Target[] = []
const s = (ms: number | null) => (ms === null ? 'n/a' : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`)
const mb = (value: number) => `${value.toFixed(1)} MB`
const upTo = (value: number | null, limit: number) => (value === null ? false : value <= limit)

// The small ones first: (e), then (c) and (f) idle.
progress('(e) everyday commands on a small chassis')
const everyday = await measureEveryday({node, runs: positive('everyday-runs'), lports: 8, cpuProfDir: cpuProf && path.join(cpuProf, 'everyday')})
const base = everyday.rows.find((row) => row.name === BASE)!
// What any oclif CLI takes to run a command that does nothing: a floor of (d) and (e).
const bareOclif = everyday.rows.find((row) => row.name === BARE_OCLIF)!
const bareOclifFloor = `bare oclif CLI ${s(bareOclif.medianMs)}`
const EVERYDAY = ['status', 'plug one port', 'unplug one port', 'doctor', 'chassis show']
for (const row of everyday.rows.filter((candidate) => EVERYDAY.includes(candidate.name))) {
  targets.push({id: 'e', what: row.name, ours: s(row.medianMs), against: `node -e 0 ${s(base.medianMs)}`, ratio: row.ratio, target: '<= 1.5', met: row.ratio <= 1.5, floors: `CPU ${row.cpuMs.toFixed(0)} / ${base.cpuMs.toFixed(0)} ms = ${row.cpuRatio.toFixed(2)}x; ${bareOclifFloor} = ${bareOclif.ratio.toFixed(2)}x (CPU ${bareOclif.cpuRatio.toFixed(2)}x)`})
}

for (const [name, dir] of everyday.profiles) if (EVERYDAY.includes(name)) await profile(`(e) ${name}`, dir)
measured.everyday = everyday
await save(false)

// (c) and (f) idle.
progress(`(c) ${values.plugs} single plugs and unplugs with ${values.background} in the background; (f) idle with ${values.idle}`)
const single = await measureSingleLports({node, plugs: positive('plugs'), background: positive('background'), idle: positive('idle')})
const medianOf = (changes: SingleChange[], pick: (change: SingleChange) => number | null) => median(changes.map(pick))
const singleRatio = (changes: SingleChange[]) => median(changes.map((change) => ratio(change.oursMs, change.ovnControllerMs)))
const plugRatio = singleRatio(single.plugs)
targets.push({
  id: 'c',
  what: `one lport: NB commit -> interface (${single.plugs.length} plugs, ${values.background} plugged)`,
  ours: s(medianOf(single.plugs, (change) => change.oursMs)),
  against: `ovn-controller ${s(medianOf(single.plugs, (change) => change.ovnControllerMs))}`,
  ratio: plugRatio,
  target: '<= 0.5',
  met: upTo(plugRatio, 0.5),
  floors: `northd NB->SB ${s(medianOf(single.plugs, (change) => change.northdMs))}; as a client saw them: ${s(medianOf(single.plugs, (change) => change.observed.oursMs))} vs ${s(medianOf(single.plugs, (change) => change.observed.ovnControllerMs))}`,
})
targets.push({
  id: 'c',
  what: `one lport: NB delete -> interface gone; missed unplugs`,
  ours: `${s(medianOf(single.unplugs, (change) => change.oursMs))}; ${single.missedUnplugs.ours} missed`,
  against: `ovn-controller ${s(medianOf(single.unplugs, (change) => change.ovnControllerMs))}; ${single.missedUnplugs.ovnController} missed`,
  ratio: singleRatio(single.unplugs),
  target: '0 missed',
  met: single.missedUnplugs.ours === 0,
  floors: `northd NB->SB ${s(medianOf(single.unplugs, (change) => change.northdMs))}`,
})
const bareRss = await bareRssMb(node)
targets.push({
  id: 'f',
  what: `watcher RSS, idle with ${single.idle.lports} lports, after 1 min idle`,
  ours: mb(single.idle.steady.watcherRssMb),
  against: `ovn-controller ${mb(single.idle.steady.ovnControllerRssMb)}`,
  ratio: single.idle.steady.watcherRssMb / single.idle.steady.ovnControllerRssMb,
  target: '<= 60 MB',
  met: single.idle.steady.watcherRssMb <= 60,
  floors: `5 s after settling: ${mb(single.idle.watcherRssMb)} (ovn-controller ${mb(single.idle.ovnControllerRssMb)}); node -e: ${mb(bareRss)}`,
})
measured.single = single
await save(false)

// (a), (b), (d), (f) at each size.
interface Sized {
  n: number
  runs: (Measured & {bareStartMs: number; cliLoadedMs: number})[]
}
const sized: Sized[] = []
for (const n of sizes) {
  const runs: Sized['runs'] = []
  for (let run = 1; run <= RUNS; run++) {
    progress(`(a) (b) (d) (f) at ${n}: run ${run} of ${RUNS}`)
    const oneShotProfile = cpuProf !== undefined && run === 1 ? path.join(cpuProf, `one-shot-${n}`) : undefined
    const measured = {
      ...(await measure(n, {node, cpuProfDir: oneShotProfile})),
      ...(await measureServerFloor(n)),
      bareStartMs: await bareStartMs(node),
      cliLoadedMs: await cliLoadedMs(node, path.join(root, 'bin', 'run.cjs')),
    }
    runs.push(measured)
    progress(JSON.stringify(measured))
    if (oneShotProfile !== undefined) await profile(`(d) one-shot reconcile at ${n}`, oneShotProfile)
  }

  sized.push({n, runs})
  measured.sized = sized
  const mid = medianRow(runs)
  const of = (pick: (r: Sized['runs'][0]) => number | null) => median(runs.map(pick))
  const unplugFloor = (r: Measured) => (r.northdUnplugMs === null ? null : r.northdUnplugMs + r.serverRemoveMs)
  const oneShotFloor = (r: Sized['runs'][0]) => r.bareStartMs + r.serverCreateMs
  const label = `at ${n.toLocaleString('en')}${RUNS > 1 ? `, median of ${RUNS}` : ''}`
  const commitRatio = of(commitRatioOf)
  targets.push({
    id: 'a',
    what: `SB commit -> local commit ${label}`,
    ours: s(mid.plugWatcherAfterSbMs),
    against: `ovn-controller ${s(mid.plugOvnControllerAfterSbMs)}`,
    ratio: commitRatio,
    target: '<= 0.5',
    met: upTo(commitRatio, 0.5),
    floors: `server alone ${s(mid.serverCreateMs)}; SB update beside ours ${s(mid.plugSbDeliveredMs)}; NB->all in OVS: ${s(mid.plugWatcherMs)} vs ${s(mid.plugOvnControllerMs)}`,
  })
  // By the commit records, as the floor is: NB's commit of the delete to hv1's commit of the last removal.
  const unplugByCommits = (r: Measured) => (r.northdUnplugMs === null || r.unplugWatcherAfterSbMs === null ? null : r.northdUnplugMs + r.unplugWatcherAfterSbMs)
  const unplugRatio = of((r) => ratio(unplugByCommits(r), unplugFloor(r)))
  // The SB server's own time to send the removal to the watcher, which the target's floor leaves out.
  const withDelivery = (r: Measured) => {
    const floor = unplugFloor(r)
    return floor === null || r.unplugSbDeliveredMs === null ? null : floor + r.unplugSbDeliveredMs
  }
  const unplugDeliveredRatio = of((r) => ratio(unplugByCommits(r), withDelivery(r)))
  targets.push({
    id: 'b',
    what: `unplug, NB delete -> none left ${label}`,
    ours: s(of(unplugByCommits)),
    against: `northd + server ${s(of(unplugFloor))}`,
    ratio: unplugRatio,
    target: '<= 2.0',
    met: upTo(unplugRatio, 2),
    floors: `northd NB->SB ${s(mid.northdUnplugMs)}; server alone ${s(mid.serverRemoveMs)}; SB update beside ours ${s(mid.unplugSbDeliveredMs)} (with it in the floor: ${unplugDeliveredRatio?.toFixed(2) ?? 'n/a'}); as a client saw it ${s(mid.unplugWatcherMs)}; ovn-controller ${s(mid.unplugOvnControllerMs)}`,
  })
  const oneShotRatio = of((r) => r.oneShotMs / oneShotFloor(r))
  // What the one-shot cannot go below, measured piece by piece: this CLI loaded, its reads by connected clients, the server's transaction.
  const measuredFloor = (r: Sized['runs'][0]) => r.cliLoadedMs + r.oneShotReadsMs + r.serverCreateMs
  targets.push({
    id: 'd',
    what: `one-shot reconcile, cold ${label}`,
    ours: s(mid.oneShotMs),
    against: `start + server ${s(of(oneShotFloor))}`,
    ratio: oneShotRatio,
    target: '<= 1.5',
    met: upTo(oneShotRatio, 1.5),
    floors: `node -e 0 ${s(of((r) => r.bareStartMs))}; server alone ${s(mid.serverCreateMs)}; ${bareOclifFloor} + server = ${of((r) => (bareOclif.medianMs + r.serverCreateMs) / oneShotFloor(r))?.toFixed(2)}; floor: CLI loaded ${s(of((r) => r.cliLoadedMs))} + reads ${s(mid.oneShotReadsMs)} + server = ${s(of(measuredFloor))} (floor / (start + server) = ${of((r) => measuredFloor(r) / oneShotFloor(r))?.toFixed(2)}, ours / floor = ${of((r) => r.oneShotMs / measuredFloor(r))?.toFixed(2)}); peak RSS ${mb(mid.oneShotPeakRssMb)}`,
  })
  targets.push({
    id: 'f',
    what: `watcher peak RSS, plugging and unplugging ${label}`,
    ours: mb(mid.watcherPeakRssMb),
    against: '',
    ratio: null,
    target: n === 10_000 ? '<= 120 MB' : '(<= 120 MB at 10,000)',
    met: n === 10_000 ? mid.watcherPeakRssMb <= 120 : null,
    floors: `node -e: ${mb(bareRss)}`,
  })
  await save(false)
}

// (g) at the largest size.
const largest = Math.max(...sizes)
progress(`(g) status at ${largest}`)
const status = await measureStatusAtScale({lports: largest, node, cpuProfDir: cpuProf, log: progress})
targets.push({
  id: 'g',
  what: `status at ${largest.toLocaleString('en')}${status.settledAfterMs === undefined ? ' (chassis not settled)' : ''}`,
  ours: s(status.status),
  against: `ovs-vsctl show ${s(status.vsctl)}`,
  ratio: status.status / status.vsctl,
  target: '<= 1.2',
  met: status.status / status.vsctl <= 1.2,
  floors: `bare oclif CLI ${s(status.bareOclif)} + the reads by connected clients ${s(status.reads.readsMs)} (JSON.parse ${s(status.reads.parseMs)}) = ${s(status.bareOclif + status.reads.readsMs)} = ${((status.bareOclif + status.reads.readsMs) / status.vsctl).toFixed(2)}; CPU ${s(status.statusTiming.cpuMs)}; node -e 0 ${s(status.node)}; ovn-sbctl show ${s(status.sbctl)}`,
})
if (status.profile !== undefined) await profile(`(g) status at ${largest}`, status.profile)
measured.status = status

targets.sort((x, y) => x.id.localeCompare(y.id))
const header: Target = {id: '#', what: 'what', ours: 'ours', against: 'against (other side / floor)', ratio: null, target: 'target', met: null, floors: 'floors measured beside it'}
const cells = (t: Target, isHeader = false) => [t.id, t.what, t.ours, t.against, isHeader ? 'ratio' : t.ratio === null ? '' : t.ratio.toFixed(2), t.target, isHeader ? 'met' : t.met === null ? '-' : t.met ? 'yes' : 'NO', t.floors]
const table = [cells(header, true), ...targets.map((t) => cells(t))]
const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)))
const load = loadAverages()
console.log(`ovn-vif-ctl ${commit} on Node.js ${runtime}; ${os.cpus().length} CPUs; load average ${load.start.toFixed(1)} at the start, ${load.end.toFixed(1)} at the end (${load.max.toFixed(1)} at most); ${startedAt.toISOString()}`)
for (const line of table) console.log(line.map((cell, column) => (column === 4 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd())
for (const {title, summary} of profiles) printProfile(title, summary)

await save(true)
console.log(`\nwritten: ${path.relative(process.cwd(), file)}`)
