import {execFile} from 'node:child_process'
import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {beforeAll, describe, expect, it} from 'vitest'

import {ROOT} from '../../../scripts/gen-man.js'
import {run} from '../../../src/sandbox/daemon.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {runCli} from '../../helpers/cli.js'
import {useSandbox} from '../../helpers/sandbox.js'

const BIN = path.join(ROOT, 'bin', 'run.cjs')
const UNREACHABLE_NB = 'unix:/nonexistent/ovnnb_db.sock'
const UNREACHABLE_SB = 'unix:/nonexistent/ovnsb_db.sock'

/** The words bash makes of a line: split at spaces, with each = a word of its own (COMP_WORDBREAKS). */
function bashWords(line: string): string[] {
  return line.split(' ').flatMap((word) => word.split(/(=)/)).filter((word, index, words) => word !== '' || index === words.length - 1)
}

/**
 * Runs the bash completion function on a command line as bash would on TAB (a trailing space
 * starts a new word), with the CLI under test as the command; returns the candidates.
 */
async function bashComplete(script: string, line: string, env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<string[]> {
  const harness = `${script}
COMP_LINE=$1
shift
COMP_WORDS=("$@")
COMP_WORDS[0]=${BIN}
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_ovn_vif_ctl
printf '%s\\n' "\${COMPREPLY[@]}"`
  const {stdout} = await promisify(execFile)('bash', ['-c', harness, 'bash', line, ...bashWords(line)], {env: {...process.env, ...env}, cwd})
  return stdout.split('\n').filter(Boolean)
}

/**
 * Runs the zsh completion function with zsh's completion builtins replaced by stubs that print
 * what they were given: which command it found, and what it would offer.
 */
async function zshComplete(script: string, line: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const harness = `${script}
_describe() { print -r -- "commands: \${(j: :)\${(@)\${(P)4}%%:*}}" }
_arguments() { print -r -- "arguments for: \${words[*]}"; print -rl -- "$@" }
compadd() { print -rl -- "\${(@P)2}" }
line=$1
words=(\${=line})
[[ $line == *' ' ]] && words+=('')
CURRENT=\${#words}
_ovn_vif_ctl`
  const {stdout} = await promisify(execFile)('zsh', ['-f', '-c', harness, 'zsh', line], {env: {...process.env, ...env}})
  return stdout
}

/** Runs one function of the zsh script (compadd prints what it is given) with the line's words set as on TAB. */
async function zshCall(script: string, line: string, call: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const harness = `${script}
compadd() { print -rl -- "\${(@P)2}" }
words=(\${=1})
words[1]=${BIN}
${call}`
  const {stdout} = await promisify(execFile)('zsh', ['-f', '-c', harness, 'zsh', line], {env: {...process.env, ...env}})
  return stdout.split('\n').filter(Boolean)
}

describe('shell completion', () => {
  let bash = ''
  let zsh = ''
  beforeAll(async () => {
    const [bashResult, zshResult] = await Promise.all([runCli(['completion', 'bash']), runCli(['completion', 'zsh'])])
    expect(bashResult.exitCode).toBe(0)
    expect(zshResult.exitCode).toBe(0)
    bash = bashResult.stdout
    zsh = zshResult.stdout
  })

  it('registers itself for ovn-vif-ctl in both shells', () => {
    // Without -o default: where nothing fits, bash must not fall back to file names.
    expect(bash).toMatch(/^complete -F _ovn_vif_ctl ovn-vif-ctl$/m)
    expect(bash).not.toContain('-o default')
    expect(zsh.split('\n')[0]).toBe('#compdef ovn-vif-ctl')
    expect(zsh).toContain('compdef _ovn_vif_ctl ovn-vif-ctl')
  })

  it('is a zsh script zsh can parse', async () => {
    await expect(promisify(execFile)('zsh', ['-n', '-c', zsh])).resolves.toBeDefined()
  })

  it('completes commands, then subcommands, in bash', async () => {
    expect(await bashComplete(bash, 'ovn-vif-ctl ')).toEqual(['chassis', 'completion', 'doctor', 'help', 'plug', 'providers', 'reconcile', 'sandbox', 'status', 'unplug'])
    expect(await bashComplete(bash, 'ovn-vif-ctl re')).toEqual(['reconcile'])
    expect(await bashComplete(bash, 'ovn-vif-ctl sandbox st')).toEqual(['start', 'status', 'stop'])
    expect(await bashComplete(bash, 'ovn-vif-ctl chassis ')).toEqual(['set-card-serial', 'show'])
  })

  it('completes the command help is asked about', async () => {
    expect(await bashComplete(bash, 'ovn-vif-ctl help sa')).toEqual(['sandbox'])
    expect(await bashComplete(bash, 'ovn-vif-ctl help sandbox ')).toEqual(['env', 'restart', 'start', 'status', 'stop'])
    expect(await zshComplete(zsh, 'ovn-vif-ctl help sandbox ')).toBe('commands: env restart start status stop\n')
  })

  it('completes the flags of the command on the line, and the values a flag lists, in bash', async () => {
    expect(await bashComplete(bash, 'ovn-vif-ctl reconcile --w')).toEqual(['--watch'])
    expect(await bashComplete(bash, 'ovn-vif-ctl plug vm1 --vf')).toEqual(['--vf-num'])
    expect(await bashComplete(bash, 'ovn-vif-ctl status --format ')).toEqual(['table', 'json', 'csv', 'prometheus'])
    expect(await bashComplete(bash, 'ovn-vif-ctl reconcile --log-format=j')).toEqual(['json'])
    expect(await bashComplete(bash, 'ovn-vif-ctl plug vm1 --wait p')).toEqual(['plugged'])
  })

  it('completes provider types, status columns and comma-separated lists, and no file names where no file is meant, in bash', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'completion-'))
    await writeFile(path.join(dir, 'ports.csv'), 'lsp\n')
    const complete = (line: string) => bashComplete(bash, line, {OVN_NB_DB: UNREACHABLE_NB, OVN_SB_DB: UNREACHABLE_SB}, dir)
    expect(await complete('ovn-vif-ctl plug vm1 --type ')).toEqual(['dummy', 'representor'])
    expect(await complete('ovn-vif-ctl reconcile --provider=r')).toEqual(['representor'])
    expect(await complete('ovn-vif-ctl status --provider dummy,')).toEqual(['dummy,dummy', 'dummy,representor'])
    expect(await complete('ovn-vif-ctl status --columns lport,st')).toEqual(['lport,state'])
    expect(await complete('ovn-vif-ctl status --state plugged,pe')).toEqual(['plugged,pending'])
    for (const line of ['ovn-vif-ctl plug vm1 --chassis ', 'ovn-vif-ctl status --chassis ', 'ovn-vif-ctl plug vm1 --mtu ', 'ovn-vif-ctl plug vm1 --nb-db ', 'ovn-vif-ctl sandbox start --chassis ']) {
      expect(await complete(line), line).toEqual([])
    }

    expect(await complete('ovn-vif-ctl plug --from-file ')).toEqual(['ports.csv'])
    expect(await complete('ovn-vif-ctl unplug --from-file=p')).toEqual(['ports.csv'])
  })

  it('finds the command and offers its flags in zsh', async () => {
    expect(await zshComplete(zsh, 'ovn-vif-ctl ')).toContain('commands: chassis completion doctor help plug providers reconcile sandbox status unplug')
    expect(await zshComplete(zsh, 'ovn-vif-ctl sandbox ')).toContain('commands: env restart start status stop')
    const plug = await zshComplete(zsh, 'ovn-vif-ctl plug vm1 --')
    expect(plug).toContain('arguments for: ovn-vif-ctl vm1 --')
    expect(plug).toContain("--wait=[After writing, wait\\: none; sb (ovn-northd has it in the Southbound DB); hv (every ovn-controller has applied it); plugged (each port is claimed and up on its chassis, or for unplug claimed by none)]:value:(none sb hv plugged)")
    expect(plug).toContain('*:logical switch port:_ovn_vif_ctl_names lsp --for plug')
    expect(plug).toContain('--type=[The vif-plug-type\\: which provider resolves the netdev (dummy, representor, or one of --provider-module)]:value:(dummy representor)')
    expect(plug).toContain('--chassis=[The chassis (name or hostname, as registered in the Southbound DB) that should plug the port(s)]:value:_ovn_vif_ctl_names chassis')
    expect(plug).toMatch(/^--from-file=\[.*\]:value:_files$/m)
    expect(plug).toMatch(/^--nb-db=\[.*\]:value: $/m)
    const status = await zshComplete(zsh, 'ovn-vif-ctl status --')
    expect(status).toMatch(/^\*--columns=\[.*\]:value:_sequence compadd - lport state chassis /m)
    expect(status).toContain('*:logical switch port:_ovn_vif_ctl_names lsp --for status')
  })

  describe('of logical switch port and chassis names', () => {
    const sandbox = useSandbox({controller: false})
    const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])

    beforeAll(async () => {
      await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'vm2', '--', 'lsp-add', 'sw0', 'vm1', '--', 'lsp-add', 'sw0', 'web-1', '--', 'lsp-add', 'sw0', 'vm-router', '--', 'lsp-add', 'sw0', 'vm-localnet')
      await nbctl('lsp-set-type', 'vm-router', 'router', '--', 'lsp-set-type', 'vm-localnet', 'localnet')
      await nbctl('set', 'Logical_Switch_Port', 'web-1', 'options:vif-plug-type=dummy', 'options:requested-chassis=hv2')
      await nbctl('set', 'Logical_Switch_Port', 'vm2', 'options:requested-chassis=hv2')
      for (const [index, chassis] of ['hv2', 'hv1'].entries()) await run('ovn-sbctl', [`--db=${sandbox().sbDb}`, 'chassis-add', chassis, 'geneve', `127.0.0.${index + 1}`])
    })

    it('lists them sorted, one per line, with `complete lsp` and `complete chassis`', async () => {
      const {stdout, exitCode} = await runCli(['complete', 'lsp', '--nb-db', sandbox().nbDb])
      expect(exitCode).toBe(0)
      expect(stdout).toBe('vm-localnet\nvm-router\nvm1\nvm2\nweb-1\n')
      expect((await runCli(['complete', 'lsp', '--for', 'plug', '--nb-db', sandbox().nbDb])).stdout).toBe('vm1\nvm2\nweb-1\n')
      expect((await runCli(['complete', 'lsp', '--for', 'unplug', '--nb-db', sandbox().nbDb])).stdout).toBe('web-1\n')
      expect(await runCli(['complete', 'chassis', '--sb-db', sandbox().sbDb])).toMatchObject({exitCode: 0, stdout: 'hv1\nhv2\n'})
    })

    it('offers plug the VIFs only, unplug the ports with a plug request, and status all, from $OVN_NB_DB or the line\'s --nb-db', async () => {
      expect(await bashComplete(bash, 'ovn-vif-ctl plug v', {OVN_NB_DB: sandbox().nbDb})).toEqual(['vm1', 'vm2'])
      expect(await bashComplete(bash, 'ovn-vif-ctl unplug ', {OVN_NB_DB: sandbox().nbDb})).toEqual(['web-1'])
      expect(await bashComplete(bash, `ovn-vif-ctl status --nb-db ${sandbox().nbDb} `, {OVN_NB_DB: UNREACHABLE_NB})).toEqual(['vm-localnet', 'vm-router', 'vm1', 'vm2', 'web-1'])
      expect(await zshCall(zsh, 'ovn-vif-ctl plug v', '_ovn_vif_ctl_names lsp --for plug', {OVN_NB_DB: sandbox().nbDb})).toEqual(['vm1', 'vm2', 'web-1'])
    })

    it('offers the chassis of the Southbound DB for --chassis, from $OVN_SB_DB or the line\'s --sb-db', async () => {
      expect(await bashComplete(bash, 'ovn-vif-ctl plug vm1 --chassis ', {OVN_SB_DB: sandbox().sbDb})).toEqual(['hv1', 'hv2'])
      expect(await bashComplete(bash, `ovn-vif-ctl status --sb-db=${sandbox().sbDb} --chassis=hv`, {OVN_SB_DB: UNREACHABLE_SB})).toEqual(['hv1', 'hv2'])
      expect(await zshCall(zsh, `ovn-vif-ctl plug vm1 --sb-db ${sandbox().sbDb} --chassis `, '_ovn_vif_ctl_names chassis', {OVN_SB_DB: UNREACHABLE_SB})).toEqual(['hv1', 'hv2'])
    })

    it('offers nothing, and prints nothing, when the Northbound DB cannot be reached', async () => {
      expect(await bashComplete(bash, 'ovn-vif-ctl plug ', {OVN_NB_DB: UNREACHABLE_NB})).toEqual([])
      const {stdout, stderr, exitCode} = await runCli(['complete', 'lsp', '--nb-db', UNREACHABLE_NB])
      expect(exitCode).toBe(ExitCode.Connection)
      expect(stdout).toBe('')
      expect(stderr.trim().split('\n')).toHaveLength(1)
    })
  })
})
