import {Config} from '@oclif/core'
import path from 'node:path'
import {afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import Providers from '../../../src/commands/providers/index.js'
import ProvidersInventory from '../../../src/commands/providers/inventory.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {FIXTURES, scenario} from './helpers.js'

const ROOT = path.resolve(FIXTURES, '../../..')
let config: Config

beforeAll(async () => {
  config = await Config.load({root: ROOT})
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** Runs a command class in-process as the CLI would, capturing output and the exit code. */
const commands = {
  providers: (argv: string[]) => Providers.run(argv, config),
  inventory: (argv: string[]) => ProvidersInventory.run(argv, config),
}

async function runCli(command: keyof typeof commands, argv: string[]) {
  const stdout: string[] = []
  const stderr: string[] = []
  // oclif's log() and logToStderr() end in console.log and console.error.
  vi.spyOn(console, 'log').mockImplementation((line: string) => stdout.push(`${line}\n`))
  vi.spyOn(console, 'error').mockImplementation((line: string) => stderr.push(`${line}\n`))
  let exitCode = 0
  let result: unknown
  try {
    result = await commands[command](argv)
  } catch (error) {
    exitCode = (error as {oclif?: {exit?: number}}).oclif?.exit ?? -1
  } finally {
    vi.restoreAllMocks()
  }

  return {stdout: stdout.join(''), stderr: stderr.join(''), exitCode, result}
}

function recorded(name: Parameters<typeof scenario>[0]): string[] {
  const {devlinkFile, sysfsRoot} = scenario(name)
  return ['--devlink-json', devlinkFile, '--sysfs-root', sysfsRoot]
}

describe('providers inventory', () => {
  it('prints a table of representors with PF MAC, VF and switch id', async () => {
    const {stdout, exitCode} = await runCli('inventory', ['representor', ...recorded('dpu-2pf-8vf')])
    expect(exitCode).toBe(0)
    const lines = stdout.split('\n')
    expect(lines.find((line) => line.includes('netdev'))).toMatch(/netdev.*flavour.*controller.*pf.*vf.*pf-mac.*switch-id/)
    const vf3 = lines.find((line) => / c1pf1vf3 /.test(line)) ?? ''
    expect(vf3.split('│').map((field) => field.trim()).filter(Boolean)).toEqual([
      'c1pf1vf3', 'pcivf', '1', '1', '3', '0c:42:a1:00:00:02', '0c42a1fffe000010', 'pci/0000:03:00.1/4100', 'ready',
    ])
    expect(lines.filter((line) => /^│ c1pf\d/.test(line))).toHaveLength(18)
  })

  it('returns the same rows with --json and -f json', async () => {
    const viaOclif = await runCli('inventory', ['representor', ...recorded('no-hw-addr'), '--json'])
    const viaFormat = await runCli('inventory', ['representor', ...recorded('no-hw-addr'), '-f', 'json'])
    const rows = JSON.parse(viaOclif.stdout)
    expect(JSON.parse(viaFormat.stdout)).toEqual(rows)
    expect(rows).toHaveLength(5)
    expect(rows[0]).toEqual({
      provider: 'representor',
      netdev: 'pf0hpf',
      details: {
        flavour: 'pcipf', controller: 1, pf: 0, 'pf-mac': '0c:42:a1:00:00:a1',
        'switch-id': '0c42a1fffe0000a0', 'devlink-port': 'pci/0000:03:00.0/4096', state: 'ready',
      },
    })
  })

  it('lists host SFs with their sf number, state and opstate, and keeps one flavour with --flavour', async () => {
    const {stdout, exitCode} = await runCli('inventory', ['representor', ...recorded('dpu-sf'), '--flavour', 'sf', '-f', 'csv'])
    expect(exitCode).toBe(0)
    expect(stdout.trim().split('\n')).toEqual([
      'netdev,flavour,controller,pf,sf,pf-mac,switch-id,devlink-port,state,opstate',
      'en3f0c1pf0sf88,pcisf,1,0,88,0c:42:a1:00:00:01,0c42a1fffe000000,pci/0000:03:00.0/229376,ready,attached',
      'en3f0c1pf0sf89,pcisf,1,0,89,0c:42:a1:00:00:01,0c42a1fffe000000,pci/0000:03:00.0/229377,inactive,detached',
      'eth7,pcisf,1,0,90,0c:42:a1:00:00:01,0c42a1fffe000000,pci/0000:03:00.0/229378,awaiting rename (c1pf0sf90),attached',
      'en3f0c1pf0sf91,pcisf,1,0,91,0c:42:a1:00:00:01,0c42a1fffe000000,pci/0000:03:00.0/229379,not attached,detached',
      'en3f1c1pf1sf88,pcisf,1,1,88,0c:42:a1:00:00:02,0c42a1fffe000010,pci/0000:03:00.1/229376,ready,attached',
    ])

    const pfs = await runCli('inventory', ['representor', ...recorded('dpu-sf'), '--flavour', 'pf', '--json'])
    expect((JSON.parse(pfs.stdout) as Array<{netdev: string}>).map((row) => row.netdev)).toEqual(['pf0', 'c1pf0', 'pf1', 'c1pf1'])
    const vfs = await runCli('inventory', ['representor', ...recorded('dpu-2pf-8vf'), '--flavour', 'vf', '--json'])
    expect((JSON.parse(vfs.stdout) as Array<{details: {flavour: string}}>).map((row) => row.details.flavour)).toEqual(Array(16).fill('pcivf'))
    const none = await runCli('inventory', ['representor', ...recorded('dpu-2pf-8vf'), '--flavour', 'sf'])
    expect(none.stdout).toBe('Nothing to list: no representor of flavour sf.\n')
  })

  it('shows the vf, sf and opstate columns only where some row has a value for them', async () => {
    const all = await runCli('inventory', ['representor', ...recorded('dpu-sf'), '-f', 'csv'])
    expect(all.stdout.split('\n')[0]).toBe('netdev,flavour,controller,pf,sf,pf-mac,switch-id,devlink-port,state,opstate')
    const vfs = await runCli('inventory', ['representor', ...recorded('dpu-2pf-8vf'), '-f', 'csv'])
    expect(vfs.stdout.split('\n')[0]).toBe('netdev,flavour,controller,pf,vf,pf-mac,switch-id,devlink-port,state')
  })

  it('refuses a flavour that is not pf, vf or sf as a usage error', async () => {
    const {stderr, exitCode} = await runCli('inventory', ['representor', ...recorded('dpu-sf'), '--flavour', 'pcisf'])
    expect(exitCode).toBe(ExitCode.Usage)
    expect(stderr).toMatch(/Expected --flavour=pcisf to be one of: pf, vf, sf/)
  })

  it('writes CSV with a header and one line per representor', async () => {
    const {stdout} = await runCli('inventory', ['representor', ...recorded('vf-renaming'), '-f', 'csv'])
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe('netdev,flavour,controller,pf,vf,pf-mac,switch-id,devlink-port,state')
    expect(lines).toContain('eth5,pcivf,0,0,2,b8:ce:f6:3c:1a:20,b8cef6fffe3c1a20,pci/0000:82:00.0/4,awaiting rename (pf0vf2)')
    expect(lines).toHaveLength(1 + 5)
  })

  it('fails with one line naming iproute2 when devlink is not installed', async () => {
    const savedPath = process.env.PATH
    process.env.PATH = path.join(FIXTURES, 'modules')
    try {
      const {stderr, exitCode} = await runCli('inventory', ['representor'])
      expect(exitCode).toBe(ExitCode.MissingDependency)
      expect(stderr).toBe('ovn-vif-ctl: provider representor failed to initialise: devlink not found: install the iproute2 package (apt-get install iproute2)\n')
    } finally {
      process.env.PATH = savedPath
    }
  })

  it('reports a malformed recorded dump as a validation error without a stack trace', async () => {
    const {stderr, exitCode} = await runCli('inventory', ['representor', '--devlink-json', path.join(FIXTURES, 'modules', 'no-default.mjs')])
    expect(exitCode).toBe(ExitCode.Validation)
    expect(stderr.trim()).toMatch(/^ovn-vif-ctl: provider representor failed to initialise: devlink port dump is not JSON \(.*\); expected the output of `devlink -j port show`$/)
  })

  it('rejects an unknown provider type, listing the known ones', async () => {
    const {stderr, exitCode} = await runCli('inventory', ['nope'])
    expect(exitCode).toBe(ExitCode.Validation)
    expect(stderr.trim()).toBe('ovn-vif-ctl: unknown provider type "nope"; known types: dummy, representor')
  })

  it('without TYPE, lists every initialised provider with a provider column', async () => {
    const {stdout} = await runCli('inventory', ['--provider-module', path.join(FIXTURES, 'modules', 'object-provider.mjs'), ...recorded('local-switchdev'), '-f', 'csv'])
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe('provider,netdev,flavour,controller,pf,vf,pf-mac,switch-id,devlink-port,state,kind')
    expect(lines).toContain('static,st-example,,,,,,,,,static')
    expect(lines.filter((line) => line.startsWith('representor,'))).toHaveLength(5)
  })

  it('without TYPE, names a provider that failed to initialise on stderr and lists the rest', async () => {
    const {stdout, stderr, exitCode} = await runCli('inventory', [
      '--provider-module', path.join(FIXTURES, 'modules', 'init-fails.mjs'), ...recorded('local-switchdev'), '--json',
    ])
    expect(exitCode).toBe(0)
    expect(stderr).toContain('ovn-vif-ctl: skipping flaky: no flaky NIC found\n')
    expect(JSON.parse(stdout).map((row: {netdev: string}) => row.netdev)).toEqual(['pf0', 'pf0vf0', 'pf0vf1', 'pf0vf2', 'pf0vf3'])
  })
})

describe('providers (list)', () => {
  it('is also reachable as providers list', () => {
    expect(Providers.aliases).toEqual(['providers:list'])
  })

  it('lists each provider with its options and init status', async () => {
    const {stdout, exitCode} = await runCli('providers', ['--provider-module', path.join(FIXTURES, 'modules', 'init-fails.mjs'), ...recorded('dpu-2pf-8vf')])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('dummy (built-in): ready')
    expect(stdout).toContain('maintains interface options: vif-plug-dummy-option')
    expect(stdout).toContain('representor (built-in): ready')
    expect(stdout).toMatch(/vif-plug:representor:pf-mac\s*│\s*--pf-mac\s*│\s*required/)
    expect(stdout).toMatch(/vif-plug:representor:vf-num\s*│\s*--vf-num\s*│\s*optional/)
    expect(stdout).toMatch(/vif-plug:representor:sf-num\s*│\s*--sf-num\s*│\s*optional/)
    expect(stdout).toContain(`flaky (${path.join(FIXTURES, 'modules', 'init-fails.mjs')}): init failed: no flaky NIC found`)
  })

  it('returns a typed summary with --json', async () => {
    const {stdout} = await runCli('providers', ['--provider', 'representor', ...recorded('dpu-2pf-8vf'), '--json'])
    expect(JSON.parse(stdout)).toEqual({
      providers: [
        {
          type: 'representor',
          origin: 'built-in',
          initialised: true,
          maintainedOptions: [],
          options: [
            {key: 'vif-plug:representor:pf-mac', flag: 'pf-mac', required: true, description: expect.any(String)},
            {key: 'vif-plug:representor:vf-num', flag: 'vf-num', required: false, description: expect.any(String)},
            {key: 'vif-plug:representor:sf-num', flag: 'sf-num', required: false, description: expect.any(String)},
          ],
        },
      ],
    })
  })

  it('reports a bad provider module as one line with the validation exit code', async () => {
    const {stderr, exitCode} = await runCli('providers', ['--provider-module', path.join(FIXTURES, 'modules', 'missing-method.mjs')])
    expect(exitCode).toBe(ExitCode.Validation)
    expect(stderr.trim()).toMatch(/^ovn-vif-ctl: provider module ".*missing-method\.mjs": "prepareRemove" is undefined; expected a function$/)
  })
})
