/**
 * The everyday commands on a small chassis (issue #23, target e), each against `node -e 0` of the
 * same runtime (by default the one the packages embed). Target: each <= 1.5x. What is measured
 * and how: measure.ts. Prints the table and writes a JSON copy to bench/results/.
 *
 * With --cpu-prof DIR, each command's profile goes to DIR/<command>/ (open it in Chrome's DevTools).
 * With --against DIR (repeatable), the built checkout in DIR (e.g. a worktree of the base commit)
 * runs each command too, in the same rounds, and a table per DIR puts it beside this checkout.
 *
 * Run after `npm run build`: npx tsx bench/everyday/run.ts [--runs N] [--lports N] [--node PATH] [--cpu-prof DIR] [--against DIR]
 */
import {mkdir, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {ensureRuntime} from '../../scripts/runtimes.js'
import {printRows, printSideBySide} from '../timing.js'
import {againstName, measureEveryday} from './measure.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const {values} = parseArgs({options: {runs: {type: 'string', default: '11'}, lports: {type: 'string', default: '8'}, node: {type: 'string'}, 'cpu-prof': {type: 'string'}, against: {type: 'string', multiple: true}}})
const RUNS = Number(values.runs)
const LPORTS = Number(values.lports)
const node = values.node ?? (await ensureRuntime('embedded')).node

const {runtime, rows} = await measureEveryday({node, runs: RUNS, lports: LPORTS, cpuProfDir: values['cpu-prof'], against: values.against})
const load = os.loadavg()[0]!
console.log(`ovn-vif-ctl on Node.js ${runtime}; ${LPORTS} lports plugged on one chassis; ${RUNS} runs each, taking turns; ${os.cpus().length} CPUs, load ${load.toFixed(2)}`)
printRows(rows)
for (const other of values.against ?? []) {
  console.log(`\nthis checkout against ${other}:`)
  printSideBySide(rows, (name) => againstName(name, other))
}
console.log('target (e): status, plug, unplug, doctor and chassis show each <= 1.5x node -e 0')
const results = path.join(root, 'bench', 'results')
await mkdir(results, {recursive: true})
const file = path.join(results, `everyday-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
await writeFile(file, `${JSON.stringify({runtime, lports: LPORTS, runs: RUNS, cpus: os.cpus().length, load, against: values.against, rows}, null, 2)}\n`)
console.log(`written: ${path.relative(process.cwd(), file)}`)
