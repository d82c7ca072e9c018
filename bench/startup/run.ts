/**
 * Start-up of the packaged CLI against its own runtime doing nothing: `ovn-vif-ctl --version`
 * and `ovn-vif-ctl status --help` from the linux-x64 tarball (the same tree as the .deb),
 * against that tarball's `node -e 0`. Targets: --version <= 1.2x, status --help <= 2x.
 * Each command runs RUNS times, interleaved, after WARMUP unmeasured rounds (the page cache);
 * prints the medians, the spread (min-max), the mean CPU time (user + sys) and both ratios.
 *
 * The CLI keeps the runtime's compile cache in $HOME/.cache/ovn-vif-ctl (bin/run.cjs); HOME is a
 * directory of the bench's own, so the warm-up rounds warm it. `status --help` also runs without
 * it (NODE_DISABLE_COMPILE_CACHE=1).
 *
 * Side by side, the floor oclif itself sets (bare-oclif.ts): a one-command oclif CLI built the
 * same way, on the same runtime, answering `hello --help` and running `hello`, with a compile
 * cache of its own (NODE_COMPILE_CACHE) as ours has, and `hello` without one.
 *
 * Run after `npm run package`: npx tsx bench/startup/run.ts [--runs N]
 */
import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {childrenCpuSeconds, type Measured, printRows, summarise} from '../timing.js'
import {buildBareOclifCli} from './bare-oclif.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const {values} = parseArgs({options: {runs: {type: 'string', default: '21'}}})
const RUNS = Number(values.runs)
const WARMUP = 3
const {version} = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {version: string}
const top = `ovn-vif-ctl-${version}-linux-x64`

const work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-startup-'))
try {
  execFileSync('tar', ['-xzf', path.join(root, 'out', `${top}.tar.gz`), '-C', work])
  const tree = path.join(work, top)
  const node = path.join(tree, 'usr', 'lib', 'ovn-vif-ctl', 'bin', 'node')
  const cli = path.join(tree, 'usr', 'bin', 'ovn-vif-ctl')
  // No node on PATH, as on a DPU; NO_COLOR as in the tests.
  const env = {PATH: '/usr/bin:/bin', NO_COLOR: '1', HOME: work}
  const cases: Array<{name: string; file: string; args: string[]; env: NodeJS.ProcessEnv}> = [
    {name: 'node -e 0', file: node, args: ['-e', '0'], env},
    {name: 'ovn-vif-ctl --version', file: cli, args: ['--version'], env},
    {name: 'ovn-vif-ctl status --help', file: cli, args: ['status', '--help'], env},
    {name: 'status --help, no compile cache', file: cli, args: ['status', '--help'], env: {...env, NODE_DISABLE_COMPILE_CACHE: '1'}},
  ]
  const bare = await buildBareOclifCli(path.join(work, 'bare-oclif'), root)
  const bareEnv = {...env, NODE_COMPILE_CACHE: path.join(work, 'bare-oclif-compile-cache')}
  cases.push(
    {name: 'floor: bare oclif CLI, hello --help', file: node, args: [bare, 'hello', '--help'], env: bareEnv},
    {name: 'floor: bare oclif CLI, hello', file: node, args: [bare, 'hello'], env: bareEnv},
    {name: 'floor: bare oclif CLI, hello, no compile cache', file: node, args: [bare, 'hello'], env},
  )

  const measured = new Map<string, Measured>(cases.map((entry) => [entry.name, {wallMs: [], cpuMs: 0}]))
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const entry of cases) {
      const cpuBefore = await childrenCpuSeconds()
      const started = process.hrtime.bigint()
      execFileSync(entry.file, entry.args, {env: entry.env, stdio: ['ignore', 'ignore', 'inherit']})
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      if (round < WARMUP) continue
      measured.get(entry.name)!.wallMs.push(ms)
      measured.get(entry.name)!.cpuMs += ((await childrenCpuSeconds()) - cpuBefore) * 1000
    }
  }

  const runtime = execFileSync(node, ['--version'], {encoding: 'utf8'}).trim()
  console.log(`packaged ovn-vif-ctl ${version} on its Node.js ${runtime}; ${RUNS} interleaved runs each; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`)
  printRows(summarise(measured, 'node -e 0'))
} finally {
  await rm(work, {recursive: true, force: true})
}
