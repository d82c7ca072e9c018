/**
 * The everyday commands on a small chassis (issue #23, target e): `status`, `plug` of one port,
 * `unplug` of one port, `doctor` and `chassis show`, each against `node -e 0` of the same
 * runtime (by default the one the packages embed). Target: each <= 1.5x.
 *
 * A sandbox of real servers with one chassis and LPORTS requested and reconciled ports; `plug`
 * and `unplug` take turns on one more port. Each command runs RUNS times, the commands taking
 * turns, after WARMUP unmeasured rounds; per command it prints the median wall time (min-max),
 * the ratio to `node -e 0`, and the mean CPU time (user + sys, from the kernel's count of this
 * process's finished children), the steadier figure on a shared machine. `status --help` and
 * `--version` are timed too, for the start-up alone. A JSON copy goes to bench/results/.
 *
 * With --cpu-prof DIR, then runs each command once more under `node --cpu-prof`, its profile in
 * DIR/<command>/ (open it in Chrome's DevTools), to see where the time goes.
 *
 * Run after `npm run build`: npx tsx bench/everyday/run.ts [--runs N] [--lports N] [--node PATH] [--cpu-prof DIR]
 */
import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {ensureRuntime} from '../../scripts/runtimes.js'
import {run} from '../../src/sandbox/daemon.js'
import {startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {childrenCpuSeconds, type Measured, printRows, summarise} from '../timing.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(root, 'bin', 'run.cjs')
const machine = path.join(root, 'test', 'fixtures', 'dpu', 'bluefield')
const {values} = parseArgs({options: {runs: {type: 'string', default: '11'}, lports: {type: 'string', default: '8'}, node: {type: 'string'}, 'cpu-prof': {type: 'string'}}})
const RUNS = Number(values.runs)
const LPORTS = Number(values.lports)
const WARMUP = 2
const node = values.node ?? (await ensureRuntime('embedded')).node

function execute(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {env: {...process.env, NO_COLOR: '1', ...env}}, (error, _stdout, stderr) => {
      // Only a start that failed: status and doctor exit non-zero for what they find.
      if (error && typeof error.code !== 'number') reject(error)
      else if (error && error.code !== 1) reject(new Error(`${path.basename(file)} ${args.join(' ')}: exit ${error.code}: ${stderr}`))
      else resolve()
    })
  })
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-everyday-'))
const sandbox = await startSandbox({dir, chassis: ['hv1']})
try {
  const hv1 = sandbox.chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox.nbDb}`, ...args])
  await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'spare', ...Array.from({length: LPORTS}, (_, index) => [
    '--', 'lsp-add', 'sw0', `p${index}`, '--', 'set', 'Logical_Switch_Port', `p${index}`, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy',
  ]).flat())
  await nbctl('--wait=sb', 'sync')
  const env = {OVN_NB_DB: sandbox.nbDb, OVN_SB_DB: sandbox.sbDb}
  await execute(node, [cli, 'reconcile', '--db', hv1.db], env)

  const sources = ['--sysfs-root', path.join(machine, 'sysfs'), '--devlink-info-json', path.join(machine, 'devlink-info.json')]
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    '--version': [cli, '--version'],
    'status --help': [cli, 'status', '--help'],
    status: [cli, 'status', '--db', hv1.db, '--provider', 'dummy'],
    'plug one port': [cli, 'plug', 'spare', '--chassis', 'hv1', '--type', 'dummy'],
    'unplug one port': [cli, 'unplug', 'spare'],
    doctor: [cli, 'doctor', '--db', hv1.db, '--provider', 'dummy', '--controller-wait', '1', '--northd-wait', '1', ...sources],
    'chassis show': [cli, 'chassis', 'show', '--db', hv1.db, ...sources],
  }
  const measured = new Map<string, Measured>(Object.keys(commands).map((name) => [name, {wallMs: [], cpuMs: 0}]))
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [name, args] of Object.entries(commands)) {
      const cpuBefore = await childrenCpuSeconds()
      const started = performance.now()
      await execute(node, args, env)
      const wallMs = performance.now() - started
      if (round < WARMUP) continue
      measured.get(name)!.wallMs.push(wallMs)
      measured.get(name)!.cpuMs += ((await childrenCpuSeconds()) - cpuBefore) * 1000
    }
  }

  if (values['cpu-prof']) {
    for (const [name, args] of Object.entries(commands)) {
      await execute(node, ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'], name.replaceAll(' ', '-')), ...args], env)
    }
  }

  const rows = summarise(measured, 'node -e 0')
  const runtime = (await run(node, ['--version'])).trim()
  const load = os.loadavg()[0]!
  console.log(`ovn-vif-ctl on Node.js ${runtime}; ${LPORTS} lports plugged on one chassis; ${RUNS} runs each, taking turns, after ${WARMUP} warm-up rounds; ${os.cpus().length} CPUs, load ${load.toFixed(2)}`)
  printRows(rows)
  console.log('target (e): status, plug, unplug, doctor and chassis show each <= 1.5x node -e 0')
  const results = path.join(root, 'bench', 'results')
  await mkdir(results, {recursive: true})
  const file = path.join(results, `everyday-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(file, `${JSON.stringify({runtime, lports: LPORTS, runs: RUNS, cpus: os.cpus().length, load, rows}, null, 2)}\n`)
  console.log(`written: ${path.relative(process.cwd(), file)}`)
} finally {
  await stopSandbox(dir)
}
