import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

import {generateManPage, MAN_PAGE, ROOT} from '../../../scripts/gen-man.js'
import {EXIT_CODE_MEANINGS, ExitCode} from '../../../src/lib/exit-codes.js'
import {runCli} from '../../helpers/cli.js'

interface ManifestCommand {
  id: string
  hidden?: boolean
  aliases: string[]
  examples?: Array<string | {command: string}>
  flags: Record<string, {name: string; hidden?: boolean; char?: string}>
}

async function visibleCommands(): Promise<ManifestCommand[]> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
  return Object.values(manifest.commands).filter((command) => !command.hidden && !command.aliases.includes(command.id))
}

const spoken = (id: string) => id.replaceAll(':', ' ')

describe('help', () => {
  it('lists the topics and commands', async () => {
    const {stdout, exitCode} = await runCli(['help'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^TOPICS\n {2}chassis .*\n {2}providers .*\n {2}sandbox /m)
    for (const command of ['completion', 'doctor', 'help', 'plug', 'reconcile', 'status', 'unplug']) expect(stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'))
    expect(stdout).not.toMatch(/^ {2}complete /m)
  })

  it('shows examples in the --help of every command', async () => {
    // oclif never shows the help command's own help: `help --help` is the root help.
    const commands = (await visibleCommands()).filter((command) => command.id !== 'help')
    const results = await Promise.all(commands.map(async (command) => ({id: spoken(command.id), ...(await runCli([...spoken(command.id).split(' '), '--help']))})))
    for (const {id, stdout, exitCode} of results) {
      expect(exitCode, id).toBe(0)
      expect(stdout, id).toContain(`$ ovn-vif-ctl ${id}`)
      expect(stdout, id).toMatch(/^EXAMPLES\n/m)
    }
  })

  it("answers a command's --help from the manifest, without loading any command's code, and runs a command with its own alone", async () => {
    // Lists on stderr, at exit, every module the CLI's own files imported (dist/commands/ holds each command's file, dist/ovn-vif-ctl.js all of them).
    const recorder = `data:text/javascript,${encodeURIComponent(`
      import {registerHooks} from 'node:module'
      const loaded = []
      registerHooks({resolve: (specifier, context, next) => { const resolved = next(specifier, context); loaded.push(resolved.url); return resolved }})
      process.on('exit', () => process.stderr.write(loaded.filter((url) => url.includes('/dist/')).join('\\n') + '\\n'))
    `)}`
    const loadedBy = async (...args: string[]) => (await runCli(args, {env: {NODE_OPTIONS: `--import=${recorder}`}})).stderr.split('\n').filter(Boolean)
    const commandCode = (loaded: string[]) => loaded.filter((url) => /\/dist\/(commands\/.*|ovn-vif-ctl\.js)$/.test(url)).map((url) => url.slice(url.lastIndexOf('/dist/') + 1))
    expect(commandCode(await loadedBy('status', '--help'))).toEqual([])
    // Running one loads its file: the recorder sees the module when it is imported.
    expect(commandCode(await loadedBy('plug'))).toEqual(['dist/commands/plug.js'])
  })
})

describe('the examples in --help', () => {
  it('use only flags the command documents', async () => {
    for (const command of await visibleCommands()) {
      const documented = new Set(Object.values(command.flags).filter((flag) => !flag.hidden).map((flag) => flag.name))
      for (const example of command.examples ?? []) {
        const line = typeof example === 'string' ? example : example.command
        for (const [, name] of line.matchAll(/(?:^|\s)--([a-z][\w-]*)/g)) {
          const negated = name!.startsWith('no-') && documented.has(name!.slice('no-'.length))
          expect(documented.has(name!) || negated, `${command.id}: ${line} uses --${name}`).toBe(true)
        }
      }
    }
  })
})

describe('a mistyped command', () => {
  it('is a usage error in one line that suggests the closest command', async () => {
    const {stdout, stderr, exitCode} = await runCli(['reconcle', '--dry-run'])
    expect(exitCode).toBe(ExitCode.Usage)
    expect(stdout).toBe('')
    expect(stderr).toBe("ovn-vif-ctl: 'reconcle' is not a command. Did you mean 'ovn-vif-ctl reconcile'? See 'ovn-vif-ctl help'.\n")
  })

  it('names the subcommand of a topic', async () => {
    const {stderr, exitCode} = await runCli(['sandbox', 'strat'])
    expect(exitCode).toBe(ExitCode.Usage)
    expect(stderr).toContain("Did you mean 'ovn-vif-ctl sandbox start'?")
  })
})

describe('the man page', () => {
  // The build regenerates the page, so the one that counts is the one git has (staged or committed).
  it('is checked in as the command metadata gives it', async () => {
    const {stdout: checkedIn} = await promisify(execFile)('git', ['show', `:${path.relative(ROOT, MAN_PAGE)}`], {cwd: ROOT, maxBuffer: 10_000_000})
    expect(checkedIn, 'man/ovn-vif-ctl.8 is stale: run `npm run man` and commit it').toBe(await generateManPage())
  })

  it('renders without a groff warning', async () => {
    const {stdout, stderr} = await promisify(execFile)('groff', ['-ww', '-man', '-Tutf8', '-P-cbou', MAN_PAGE])
    expect(stderr).toBe('')
    expect(stdout).toContain('EXIT STATUS')
  })

  it('documents every command and flag', async () => {
    const page = await readFile(MAN_PAGE, 'utf8')
    for (const command of await visibleCommands()) {
      expect(page).toContain(`.SS "ovn\\-vif\\-ctl ${spoken(command.id).replaceAll('-', '\\-')}"`)
      for (const flag of Object.values(command.flags).filter((flag) => !flag.hidden)) {
        expect(page, `${command.id} --${flag.name}`).toMatch(new RegExp(String.raw`\\-\\-(\[no\\-\])?${flag.name.replaceAll('-', String.raw`\\-`)}\b`))
      }
    }

    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'ENVIRONMENT', 'EXIT STATUS', 'FILES', 'EXAMPLES', 'SEE ALSO']) expect(page).toMatch(new RegExp(`^\\.SH ${section}$`, 'm'))
    for (const variable of ['OVN_NB_DB', 'OVN_SB_DB', 'OVS_RUNDIR', 'OVN_RUNDIR', 'NO_COLOR']) expect(page).toContain(`\\fB${variable}\\fR`)
  })
})

describe('the command reference in README.md', () => {
  it('is what `npm run readme` makes of the commands', async () => {
    const oclif = path.join(ROOT, 'node_modules', '.bin', 'oclif')
    const env = {...process.env, COLUMNS: '120', OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
    const {stdout} = await promisify(execFile)(oclif, ['readme', '--no-aliases', '--dry-run'], {cwd: ROOT, env, maxBuffer: 10_000_000})
    // The dry run prints a line saying which marker it replaces, then the README and a newline.
    const regenerated = stdout.slice(stdout.indexOf('\n') + 1, -1)
    expect(await readFile(path.join(ROOT, 'README.md'), 'utf8'), 'README.md is stale: run `npm run readme`').toBe(regenerated)
  })
})

describe('the exit codes documented in markdown', () => {
  const table = ['| code | meaning |', '| --- | --- |', ...Object.entries(ExitCode).map(([key, code]) => `| ${code} | ${EXIT_CODE_MEANINGS[key as keyof typeof ExitCode]} |`)].join('\n')

  it.each(['README.md', 'docs/exit-codes.md'])('are those of src/lib/exit-codes.ts in %s', async (file) => {
    expect(await readFile(path.join(ROOT, file), 'utf8')).toContain(`\n${table}\n`)
  })
})
