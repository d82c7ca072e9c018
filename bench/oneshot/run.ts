/**
 * The one-shot `reconcile` at SF density (issue 22; issue 23 target d) against its measured
 * floor, in one run, side by side: one sandbox chassis asked for N SF lports (default 4,000:
 * 2 PFs x 2,000 host SFs, test/helpers/sf-dump.ts), none plugged, ovs-vswitchd and
 * ovn-controller stopped (bench/density/sf-chassis.ts). Each round, taking turns:
 *   - one-shot `reconcile` wall time and CPU time (user + sys: what the process itself did,
 *     which the load on a shared machine moves less than the wall time), by this tree's CLI
 *     and by each --against tree's (another checkout's build, say main's: DIR/bin/run.cjs),
 *     the trees' order rotating from round to round; each checked by the local DB's records to
 *     plug all in one transaction;
 *   - the floor under it, measured piece by piece:
 *       - the CLI loaded and nothing done: `reconcile --log-format json`, which oclif parses
 *         and the command refuses (exit 2) before it opens anything;
 *       - the reads the one-shot must make, by clients already connected: the Open_vSwitch
 *         root row and the bridge's rows, and beside them the Chassis row and then this
 *         chassis's Port_Bindings (their condition needs the Chassis row);
 *       - the local server alone: the one-shot's own transaction, sent by a connected client;
 *   - process start as the issues define it (`ovn-vif-ctl --version`), and `node -e 0`.
 * Target: one-shot <= 1.5 x (server alone + process start). Medians of --runs rounds (default
 * 3). Prints a table and writes bench/results/oneshot.json. Numbers only; nothing asserts them.
 *
 *   npm run build && npx tsx bench/oneshot/run.ts [--runs K] [--lports N] [--against DIR ...]
 */
import {mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OvsdbClient} from '../../src/ovsdb/index.js'
import {stopSandbox} from '../../src/sandbox/sandbox.js'
import {generateSfDump} from '../../test/helpers/sf-dump.js'
import {childrenCpuSeconds} from '../timing.js'
import {median, oneShotMs, serverTimeMs, type SfChassis, startSfChassis, timeProgram, unplugAll, WAIT_MS, writeSfSource} from '../density/sf-chassis.js'
import {cliLoadedMs, readsMs} from './floor.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function flagValues(name: string): string[] {
  return process.argv.flatMap((arg, index) => (arg === name && process.argv[index + 1] !== undefined ? [process.argv[index + 1]!] : []))
}

const RUNS = Number(flagValues('--runs')[0] ?? 3)
const LPORTS = Number(flagValues('--lports')[0] ?? 4000)
if (!(Number.isInteger(RUNS) && RUNS > 0)) throw new Error('--runs takes a positive integer')
if (!(Number.isInteger(LPORTS) && LPORTS > 0 && LPORTS % 2 === 0)) throw new Error('--lports takes a positive even integer (two PFs share them)')

interface Tree {
  label: string
  cli: string
}

const trees: Tree[] = [
  {label: 'this tree', cli: path.join(root, 'bin', 'run.cjs')},
  ...flagValues('--against').map((dir) => ({label: path.basename(path.resolve(dir)), cli: path.join(path.resolve(dir), 'bin', 'run.cjs')})),
]

const dump = generateSfDump({sfsPerPf: LPORTS / 2})
const HV1 = 'hv1'

const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-oneshot-'))
const source = await writeSfSource(dir, dump)
const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
process.stderr.write(`load average before: ${load}\n`)

const samples = {
  server: [] as number[],
  reads: [] as number[],
  nodeBare: [] as number[],
  oneShot: trees.map(() => [] as number[]),
  oneShotCpu: trees.map(() => [] as number[]),
  cliLoaded: trees.map(() => [] as number[]),
  processStart: trees.map(() => [] as number[]),
}
let chassis: SfChassis | undefined
let sb: OvsdbClient | undefined
try {
  chassis = await startSfChassis(dir, dump, source)
  sb = await OvsdbClient.connect(chassis.sandbox.sbDb, {database: 'OVN_Southbound', timeoutMs: WAIT_MS})
  for (let round = 0; round < RUNS; round++) {
    process.stderr.write(`round ${round + 1} of ${RUNS}\n`)
    samples.server.push(await serverTimeMs(chassis))
    await unplugAll(chassis)
    samples.reads.push(await readsMs(chassis.ovs, sb, HV1, LPORTS))
    for (let turn = 0; turn < trees.length; turn++) {
      const index = (round + turn) % trees.length
      const cpuBefore = await childrenCpuSeconds()
      samples.oneShot[index]!.push(await oneShotMs(chassis, trees[index]!.cli))
      samples.oneShotCpu[index]!.push(((await childrenCpuSeconds()) - cpuBefore) * 1000)
      await unplugAll(chassis)
    }

    for (let turn = 0; turn < trees.length; turn++) {
      const index = (round + turn) % trees.length
      samples.cliLoaded[index]!.push(await cliLoadedMs(process.execPath, trees[index]!.cli))
      samples.processStart[index]!.push(await timeProgram(process.execPath, [trees[index]!.cli, '--version']))
    }

    samples.nodeBare.push(await timeProgram(process.execPath, ['-e', '0']))
  }
} finally {
  await Promise.allSettled([sb?.close(), chassis?.ovs.close()])
  await stopSandbox(path.join(dir, 'sandbox'))
}

const serverMs = median(samples.server)
const readsMedianMs = median(samples.reads)
const perTree = trees.map((tree, index) => {
  const oneShot = median(samples.oneShot[index]!)
  const cliLoaded = median(samples.cliLoaded[index]!)
  const processStart = median(samples.processStart[index]!)
  const floor = cliLoaded + readsMedianMs + serverMs
  return {
    ...tree,
    oneShotMs: oneShot,
    oneShotCpuMs: median(samples.oneShotCpu[index]!),
    cliLoadedMs: cliLoaded,
    processStartMs: processStart,
    floorMs: floor,
    targetMs: 1.5 * (serverMs + processStart),
    ratioToTarget: oneShot / (serverMs + processStart),
    ratioToFloor: oneShot / floor,
  }
})
const results = {
  date: new Date().toISOString(),
  lports: LPORTS,
  runs: RUNS,
  loadAverageBefore: load,
  serverMs,
  readsMs: readsMedianMs,
  nodeBareMs: median(samples.nodeBare),
  trees: perTree,
  samples: {...samples, trees: trees.map((tree) => tree.label)},
}

const ms = (value: number) => `${value.toFixed(0)} ms`
const spread = (values: readonly number[]) => `${ms(median(values))} (${values.map((value) => value.toFixed(0)).join(', ')})`
const rows: string[][] = [
  ['', ...trees.map((tree) => tree.label)],
  ['one-shot reconcile (rounds)', ...trees.map((_, index) => spread(samples.oneShot[index]!))],
  ['  its CPU time, user + sys (rounds)', ...trees.map((_, index) => spread(samples.oneShotCpu[index]!))],
  ['  / (server alone + process start): target <= 1.5', ...perTree.map((tree) => tree.ratioToTarget.toFixed(2))],
  ['  / floor', ...perTree.map((tree) => tree.ratioToFloor.toFixed(2))],
  ['floor: CLI loaded + reads + server alone', ...perTree.map((tree) => ms(tree.floorMs))],
  ['  CLI loaded, nothing done (reconcile --log-format json)', ...trees.map((_, index) => spread(samples.cliLoaded[index]!))],
  ['  reads, by connected clients (rounds)', ...trees.map(() => spread(samples.reads))],
  ['  server alone: the one-shot\'s transaction (rounds)', ...trees.map(() => spread(samples.server))],
  ['process start (--version)', ...trees.map((_, index) => spread(samples.processStart[index]!))],
  ['node -e 0', ...trees.map(() => spread(samples.nodeBare))],
  ['target: 1.5 x (server alone + process start)', ...perTree.map((tree) => ms(tree.targetMs))],
]
console.log(`one-shot reconcile, ${LPORTS} SF lports, medians of ${RUNS} rounds taking turns; load average before: ${load}`)
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
await mkdir(path.join(root, 'bench', 'results'), {recursive: true})
await writeFile(path.join(root, 'bench', 'results', 'oneshot.json'), JSON.stringify(results, null, 2) + '\n')
