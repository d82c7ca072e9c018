import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

const exec = promisify(execFile)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const COMMANDS = pathToFileURL(path.join(ROOT, 'dist', 'ovn-vif-ctl.js')).href
const RUN_JS = path.join(ROOT, 'bin', 'run.cjs')

/** Node's own modules a fresh process has loaded once it has imported the built commands (as oclif does to run one). */
async function builtinsLoadedByTheCommands(): Promise<string[]> {
  const script = `await import(${JSON.stringify(COMMANDS)}); console.log(JSON.stringify(process.moduleLoadList))`
  const {stdout} = await exec(process.execPath, ['--input-type=module', '-e', script])
  return (JSON.parse(stdout) as string[]).filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length))
}

/**
 * The ICU-backed objects a fresh process makes while it imports the built commands: each
 * Intl.Segmenter and Intl.Collator, and each regular expression built with Unicode sets (the
 * `v` flag), whose properties (RGI_Emoji) are costly to build.
 */
async function icuObjectsMadeByTheCommands(): Promise<string[]> {
  const script = `
    const made = []
    for (const name of ['Segmenter', 'Collator']) {
      const Original = Intl[name]
      Intl[name] = class extends Original { constructor(...args) { made.push('Intl.' + name); super(...args) } }
    }
    globalThis.RegExp = new Proxy(RegExp, {construct(target, args, newTarget) { if (String(args[1] ?? '').includes('v')) made.push('RegExp /' + args[0] + '/v'); return Reflect.construct(target, args, newTarget) }})
    await import(${JSON.stringify(COMMANDS)})
    console.log(JSON.stringify(made))`
  const {stdout} = await exec(process.execPath, ['--input-type=module', '-e', script])
  return JSON.parse(stdout) as string[]
}

/** Node's own modules a process running the built CLI had loaded by its exit. */
async function builtinsLoadedByTheCli(args: readonly string[]): Promise<string[]> {
  const recorder = "process.on('exit', () => process.stderr.write('\\n' + JSON.stringify(process.moduleLoadList)))"
  const {stderr} = await exec(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(recorder)}`, RUN_JS, ...args]).catch((error: {stderr: string}) => error)
  const loaded = JSON.parse(stderr.slice(stderr.lastIndexOf('\n') + 1)) as string[]
  return loaded.filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length))
}

/**
 * Every command, `reconcile --watch` for weeks included, carries what importing the commands
 * loads. Node's HTTP, TLS, compression and fetch are for the paths that use them
 * (--metrics-address, ssl: remotes), loaded there; node:v8 for the long-running commands, which
 * set a V8 flag.
 */
describe('importing the built commands', () => {
  it('loads neither node:http, node:tls, node:http2, node:zlib, node:v8, Node\'s fetch nor worker_threads', async () => {
    const loaded = await builtinsLoadedByTheCommands()
    expect(loaded).toContain('net')
    expect(loaded.filter((name) => ['http', 'tls', 'http2', 'zlib', 'v8', 'internal/deps/undici/undici', 'worker_threads'].includes(name))).toEqual([])
  })

  // Tens of milliseconds of every start otherwise, for text that is nearly always printable ASCII
  // (string-width) and a sort only the representor table needs.
  it('makes no Intl.Segmenter, no Intl.Collator and no Unicode-set regular expression', async () => {
    expect(await icuObjectsMadeByTheCommands()).toEqual([])
  })
})

describe('starting the CLI', () => {
  // localeCompare builds ICU's collator on its first call, as oclif's sort of the commands did on every start.
  it('compares no strings with localeCompare or an Intl.Collator to answer help', async () => {
    const preload = `
      const used = new Set()
      const localeCompare = String.prototype.localeCompare
      String.prototype.localeCompare = function (...args) { used.add('localeCompare'); return localeCompare.apply(this, args) }
      const Collator = Intl.Collator
      Intl.Collator = function (...args) { used.add('Intl.Collator'); return new Collator(...args) }
      process.on('exit', () => process.stderr.write(JSON.stringify([...used])))`
    const {stderr} = await exec(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, path.join(ROOT, 'bin', 'run.cjs'), 'status', '--help'])
    expect(JSON.parse(stderr)).toEqual([])
  })

  // node:util's lazily made exports, worker_threads among their modules, stay resident for the
  // process's life once loaded: oclif's start (its config, the command's flags) does not use them.
  // `reconcile --log-format json` is refused (exit 2) once its flags are parsed.
  it('loads no worker_threads to parse a command\'s flags', async () => {
    const builtins = await builtinsLoadedByTheCli(['reconcile', '--log-format', 'json'])
    expect(builtins).toContain('net')
    expect(builtins).not.toContain('worker_threads')
  })
})
