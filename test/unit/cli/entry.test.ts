import {existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {COMMANDS} from '../../../src/ovn-vif-ctl.js'

const commandsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/commands')

/** The command ids oclif's default (pattern) strategy would find: one per file, an index.ts names its directory. */
async function idsFromFiles(): Promise<string[]> {
  const files = await readdir(commandsDir, {recursive: true})
  return files
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, '').replace(/(^|\/)index$/, '').split(path.sep).join(':'))
    .sort()
}

describe('the CLI entry module', () => {
  it('lists every command file under the id its path gives it, and nothing else', async () => {
    expect(Object.keys(COMMANDS).sort()).toEqual(await idsFromFiles())
  })

  it('maps each id to the class its file exports', async () => {
    for (const [id, command] of Object.entries(COMMANDS)) {
      const base = path.join(commandsDir, ...id.split(':'))
      const file = existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts')
      const module = (await import(file)) as {default: unknown}
      expect(module.default, id).toBe(command)
    }
  })

  // oclif reads a missing positional argument from stdin when stdin is no terminal, waiting for
  // it: a command run from a script or a pipe would take its input for an argument, or wait.
  it('gives every command positional arguments that are never read from stdin', () => {
    const args = Object.entries(COMMANDS).flatMap(([id, command]) => Object.entries(command.args ?? {}).map(([name, arg]) => ({arg: `${id} ${name}`, ignoreStdin: arg.ignoreStdin})))
    expect(args.map(({arg}) => arg)).toContain('help command')
    expect(args.filter(({ignoreStdin}) => ignoreStdin !== true)).toEqual([])
  })
})
