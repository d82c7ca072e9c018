/**
 * The everyday commands on a small chassis (issue #23, target e): `status`, `plug` of one port,
 * `unplug` of one port, `doctor` and `chassis show`, each against `node -e 0` of the same runtime.
 *
 * A sandbox of real servers with one chassis and `lports` requested and reconciled ports; `plug`
 * and `unplug` take turns on one more port. Each command runs `runs` times, the commands taking
 * turns, after WARMUP unmeasured rounds; per command: the median wall time (min-max), the ratio
 * to `node -e 0`, and the mean CPU time (user + sys, from the kernel's count of this process's
 * finished children), the steadier figure on a shared machine. `status --help` and `--version`
 * are timed too, for the start-up alone, and beside them the floor any oclif CLI sets: a
 * one-command oclif CLI (bench/startup/bare-oclif.ts) running its command, with a compile cache
 * as ours has.
 *
 * With cpuProfDir, then runs each command once more under `node --cpu-prof`, its profile in
 * <cpuProfDir>/<command>/.
 *
 * With `against`, other built checkouts' CLIs (a base worktree) run each command too, in the
 * same rounds: they compare under the same load.
 */
import {execFile} from 'node:child_process'
import {mkdtemp} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {run} from '../../src/sandbox/daemon.js'
import {startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {buildBareOclifCli} from '../startup/bare-oclif.js'
import {childrenCpuSeconds, type Measured, type Row, summarise} from '../timing.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const cli = path.join(root, 'bin', 'run.cjs')
const machine = path.join(root, 'test', 'fixtures', 'dpu', 'bluefield')
const WARMUP = 2
export const BASE = 'node -e 0'
export const BARE_OCLIF = 'floor: bare oclif CLI, hello'

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

export interface EverydayOptions {
  /** The runtime that runs both ovn-vif-ctl and `node -e 0`. */
  node: string
  runs: number
  lports: number
  cpuProfDir?: string
  /** The roots of other built checkouts, whose CLIs run the same commands in the same rounds. */
  against?: readonly string[]
}

/** The name of a command run by the CLI of the checkout at `root`. */
export function againstName(name: string, root: string): string {
  return `${name} (${path.basename(path.resolve(root))})`
}

export interface Everyday {
  runtime: string
  /** One row per command, `node -e 0` first; ratios to it. */
  rows: Row[]
  /** Per command, the directory its profile went to (with cpuProfDir). */
  profiles: Map<string, string>
}

export async function measureEveryday({node, runs, lports, cpuProfDir, against = []}: EverydayOptions): Promise<Everyday> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-bench-everyday-'))
  const sandbox = await startSandbox({dir, chassis: ['hv1']})
  try {
    const hv1 = sandbox.chassis[0]!
    const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox.nbDb}`, ...args])
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'spare', ...Array.from({length: lports}, (_, index) => [
      '--', 'lsp-add', 'sw0', `p${index}`, '--', 'set', 'Logical_Switch_Port', `p${index}`, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy',
    ]).flat())
    await nbctl('--wait=sb', 'sync')
    const env = {OVN_NB_DB: sandbox.nbDb, OVN_SB_DB: sandbox.sbDb}
    await execute(node, [cli, 'reconcile', '--db', hv1.db], env)
    const bareOclif = await buildBareOclifCli(path.join(dir, 'bare-oclif'), root)
    const bareOclifEnv = {NODE_COMPILE_CACHE: path.join(dir, 'bare-oclif-compile-cache')}

    const sources = ['--sysfs-root', path.join(machine, 'sysfs'), '--devlink-info-json', path.join(machine, 'devlink-info.json')]
    const commandsOf = (cli: string): Record<string, string[]> => ({
      '--version': [cli, '--version'],
      'status --help': [cli, 'status', '--help'],
      status: [cli, 'status', '--db', hv1.db, '--provider', 'dummy'],
      'plug one port': [cli, 'plug', 'spare', '--chassis', 'hv1', '--type', 'dummy'],
      'unplug one port': [cli, 'unplug', 'spare'],
      doctor: [cli, 'doctor', '--db', hv1.db, '--provider', 'dummy', '--controller-wait', '1', '--northd-wait', '1', ...sources],
      'chassis show': [cli, 'chassis', 'show', '--db', hv1.db, ...sources],
    })
    // Each CLI's commands one after the other, so each `unplug` follows its own CLI's `plug`.
    const againstCommands = against.flatMap((other) => Object.entries(commandsOf(path.join(path.resolve(other), 'bin', 'run.cjs'))).map(([name, args]) => [againstName(name, other), args]))
    const commands: Record<string, string[]> = {[BASE]: ['-e', '0'], ...commandsOf(cli), ...Object.fromEntries(againstCommands), [BARE_OCLIF]: [bareOclif, 'hello']}
    const envOf = (name: string) => (name === BARE_OCLIF ? bareOclifEnv : env)
    const measured = new Map<string, Measured>(Object.keys(commands).map((name) => [name, {wallMs: [], cpuMs: 0}]))
    for (let round = 0; round < WARMUP + runs; round++) {
      for (const [name, args] of Object.entries(commands)) {
        const cpuBefore = await childrenCpuSeconds()
        const started = performance.now()
        await execute(node, args, envOf(name))
        const wallMs = performance.now() - started
        if (round < WARMUP) continue
        measured.get(name)!.wallMs.push(wallMs)
        measured.get(name)!.cpuMs += ((await childrenCpuSeconds()) - cpuBefore) * 1000
      }
    }

    const profiles = new Map<string, string>()
    if (cpuProfDir !== undefined) {
      for (const [name, args] of Object.entries(commands)) {
        const profileDir = path.resolve(cpuProfDir, name.replaceAll(' ', '-'))
        await execute(node, ['--cpu-prof', '--cpu-prof-dir', profileDir, ...args], envOf(name))
        profiles.set(name, profileDir)
      }
    }

    return {runtime: (await run(node, ['--version'])).trim(), rows: summarise(measured, BASE), profiles}
  } finally {
    await stopSandbox(dir)
  }
}
