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
 * words them ("from the SB change"); and how long the SB server took to send that change to a
 * bare client of hv1's bindings connected right after the watcher (epoch ms, on the same clock).
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
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {commitRatioOf, GIVE_UP_MS, type Measured, measure, measureServerFloor, medianRow, ratioOf, type Row, UNPLUG_GIVE_UP_MS} from './measure.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function ms(value: number | null, giveUpMs = GIVE_UP_MS): string {
  return value === null ? `> ${giveUpMs / 1000} s` : `${(value / 1000).toFixed(3)} s`
}

/** A split at commit times: null when a database file did not have the commit (say, it was compacted). */
function found(value: number | null): string {
  return value === null ? 'n/a' : ms(value)
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
  {header: 'SB update beside ours', cell: (r) => found(r.plugSbDeliveredMs)},
  {header: 'SB->OVS: ours', cell: (r) => found(r.plugWatcherAfterSbMs)},
  {header: 'ovn-controller', cell: (r) => found(r.plugOvnControllerAfterSbMs)},
  {header: 'ratio', cell: (r) => twoDecimals(r.commitRatio)},
  {header: '(d) northd: NB->SB', cell: (r) => found(r.northdUnplugMs)},
  {header: 'SB update beside ours', cell: (r) => found(r.unplugSbDeliveredMs)},
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
