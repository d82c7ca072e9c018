import {fileURLToPath} from 'node:url'

import {beforeAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {listRows} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/providers/modules/${name}`, import.meta.url))
const HUNG_INIT = fixture('init-never-settles.mjs')
const INVENTORY_THROWS = fixture('inventory-throws.mjs')
const HUNG_INVENTORY = fixture('inventory-never-settles.mjs')
const TIMED_OUT = 'did not finish within 1 s (--provider-timeout)'
const INVENTORY_ERROR = "Cannot read properties of undefined (reading 'ports')"

interface Entry {
  lport: string
  result: string
  interface?: string
  reason: string
}

/**
 * A faulty third-party provider (an init that never settles, an inventory that throws or never
 * settles) must not take a command down: each command reports it as failed, with its reason,
 * and goes on with the others. Without isolation, status died on the throw and the others
 * exited 13 with no output (Node's exit for an await that never settles).
 */
describe('commands with a faulty provider module, against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${hv1().db}`, ...args])
  const faulty = ['--provider-module', HUNG_INIT, '--provider-module', INVENTORY_THROWS, '--provider', 'dummy,hung-init,broken-inventory', '--provider-timeout', '1']
  const onHv1 = (command: string, ...args: string[]) => runCli([command, '--db', hv1().db, '--nb-db', sandbox().nbDb, ...args])
  const interfaceNames = async () => (await listRows('ovs-vsctl', hv1().db, 'Interface', ['name'])).map((row) => row.name)

  beforeAll(async () => {
    const request = (lport: string, type: string) => ['--', 'lsp-add', 'sw0', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', `options:vif-plug-type=${type}`]
    await nbctl('ls-add', 'sw0', ...request('f-ok', 'dummy'), ...request('f-hung', 'hung-init'), ...request('f-bi', 'broken-inventory'))
    await nbctl('--wait=sb', 'sync')
    // What hung-init plugged in an earlier life, for a port since deleted: an orphan only it may unplug.
    await vsctl('add-port', 'br-int', 'hi-gone', '--', 'set', 'Interface', 'hi-gone', 'type=internal', 'external_ids:iface-id=f-gone', 'external_ids:ovn-plugged=hung-init')
  }, 60_000)

  it('reconcile plugs what the working providers serve, keeps the failed provider\'s ports pending and its orphan plugged, and says why', async () => {
    const result = await onHv1('reconcile', ...faulty, '--json')
    expect(result.exitCode).toBe(1)
    const parsed = JSON.parse(result.stdout) as {failedProviders: unknown[]; entries: Entry[]}
    expect(parsed.failedProviders).toEqual([{type: 'hung-init', origin: HUNG_INIT, call: 'init', reason: TIMED_OUT}])
    expect(parsed.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({lport: 'f-ok', result: 'created', interface: 'f-ok'}),
        expect.objectContaining({lport: 'f-bi', result: 'created', interface: 'bi-f-bi'}),
        expect.objectContaining({lport: 'f-hung', result: 'pending', reason: `provider hung-init failed to initialise: ${TIMED_OUT}`}),
        expect.objectContaining({lport: 'f-gone', result: 'kept', interface: 'hi-gone', reason: expect.stringContaining(`the provider refuses the unplug: provider hung-init failed to initialise: ${TIMED_OUT}`)}),
      ]),
    )
    expect(await interfaceNames()).toEqual(expect.arrayContaining(['f-ok', 'bi-f-bi', 'hi-gone']))

    const text = await onHv1('reconcile', ...faulty)
    expect(text.exitCode).toBe(1)
    expect(text.stderr).toContain(`ovn-vif-ctl: warning: provider hung-init failed to initialise: ${TIMED_OUT}; its ports stay pending and its interfaces are not unplugged\n`)
    expect(text.stdout).toMatch(/^kept +f-gone \(interface hi-gone\): /m)
    expect(await interfaceNames()).toContain('hi-gone')
  })

  it('reconcile --watch warns once about the failed provider, plugs the other providers\' new ports, and exits 0 on SIGTERM during an init retry', async () => {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--log-format', 'json', ...faulty, '--retry-init-ms', '100'])
    try {
      await watcher.waitForLine(new RegExp(`"message":"provider hung-init failed to initialise: ${TIMED_OUT.replace(/[().]/g, '\\$&')}; its ports stay pending and its interfaces are not unplugged; retrying every 100 ms"`))
      await nbctl('--wait=sb', 'lsp-add', 'sw0', 'f-later', '--', 'set', 'Logical_Switch_Port', 'f-later', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
      await watcher.waitForLine(/"lport":"f-later","result":"created"/)
      expect(await interfaceNames()).toEqual(expect.arrayContaining(['f-later', 'hi-gone']))
      expect(watcher.lines.filter((line) => line.includes('retrying every 100 ms'))).toHaveLength(1)
    } finally {
      watcher.kill('SIGTERM')
    }
    expect(await watcher.exited).toBe(0)
  })

  it('status reports each failed provider with its reason, in JSON and in the table, and classifies every port', async () => {
    const result = await onHv1('status', ...faulty, '-f', 'json')
    expect(result.exitCode).toBe(1)
    const parsed = JSON.parse(result.stdout) as {failedProviders: unknown[]; rows: Array<{lport: string; state: string; reason: string}>}
    expect(parsed.failedProviders).toEqual([
      {type: 'hung-init', origin: HUNG_INIT, call: 'init', reason: TIMED_OUT},
      {type: 'broken-inventory', origin: INVENTORY_THROWS, call: 'inventory', reason: INVENTORY_ERROR},
    ])
    const states = Object.fromEntries(parsed.rows.map((row) => [row.lport, [row.state, row.reason]]))
    expect(states['f-hung']).toEqual(['pending', `provider hung-init failed to initialise: ${TIMED_OUT}`])
    expect(states['f-bi']).toEqual(['pending', `provider broken-inventory failed in inventory(): ${INVENTORY_ERROR}`])
    expect(states['f-gone']?.[0]).toBe('orphaned')
    expect(Object.keys(states)).toContain('f-ok')

    const table = await onHv1('status', ...faulty)
    expect(table.exitCode).toBe(1)
    expect(table.stdout).toContain(`provider broken-inventory failed in inventory(): ${INVENTORY_ERROR}; its ports stay pending and its interfaces are not unplugged`)
    expect(table.stdout).toMatch(/^f-ok +/m)
  })

  it('status goes on past an inventory that never settles', async () => {
    const result = await onHv1('status', '--provider-module', HUNG_INVENTORY, '--provider', 'dummy,hung-inventory', '--provider-timeout', '1', '-f', 'json')
    const parsed = JSON.parse(result.stdout) as {failedProviders: unknown[]; rows: Array<{lport: string}>}
    expect(parsed.failedProviders).toEqual([{type: 'hung-inventory', origin: HUNG_INVENTORY, call: 'inventory', reason: TIMED_OUT}])
    expect(parsed.rows.map((row) => row.lport)).toContain('f-ok')
    // No port here uses it: the table does not mention it (JSON does, above).
    const table = await onHv1('status', '--provider-module', HUNG_INVENTORY, '--provider', 'dummy,hung-inventory', '--provider-timeout', '1')
    expect(table.stdout).not.toContain('hung-inventory')
    expect(table.stdout).toMatch(/^f-ok +/m)
  })

  it('doctor fails each faulty provider a port here uses, with its reason, and runs every other check', async () => {
    const result = await onHv1('doctor', ...faulty, '--controller-wait', '1', '--json')
    expect(result.exitCode).toBe(1)
    const checks = Object.fromEntries((JSON.parse(result.stdout) as {checks: Array<{id: string; result: string; detail: string}>}).checks.map((check) => [check.id, check]))
    expect(checks['provider:hung-init']).toMatchObject({result: 'fail', detail: `failed to initialise: ${TIMED_OUT}; 1 port requested here uses it`})
    expect(checks['provider:broken-inventory']).toMatchObject({result: 'fail', detail: `failed in inventory(): ${INVENTORY_ERROR}; 1 port requested here uses it`})
    expect(checks['provider:dummy']?.result).toBe('pass')
    expect(checks['ovs-db']?.result).toBe('pass')
    expect(checks.southbound?.result).toBe('pass')
  })

  it('providers lists a provider whose init never settles as failed, with the reason; inventory skips it or, named, exits 4', async () => {
    const listed = await runCli(['providers', ...faulty, '--json'])
    expect(listed.exitCode).toBe(0)
    const providers = (JSON.parse(listed.stdout) as {providers: Array<{type: string; initialised: boolean; reason?: string}>}).providers
    expect(providers.find((provider) => provider.type === 'hung-init')).toMatchObject({initialised: false, reason: TIMED_OUT})
    expect(providers.find((provider) => provider.type === 'dummy')).toMatchObject({initialised: true})

    const text = await runCli(['providers', ...faulty])
    expect(text.stdout).toContain(`hung-init (${HUNG_INIT}): init failed: ${TIMED_OUT}`)

    const all = await runCli(['providers', 'inventory', ...faulty, '--provider-module', HUNG_INVENTORY, '--provider', 'hung-inventory'])
    expect(all.exitCode).toBe(0)
    expect(all.stderr).toContain(`ovn-vif-ctl: skipping hung-init: ${TIMED_OUT}\n`)
    expect(all.stderr).toContain(`ovn-vif-ctl: skipping broken-inventory: inventory() failed: ${INVENTORY_ERROR}\n`)
    expect(all.stderr).toContain(`ovn-vif-ctl: skipping hung-inventory: inventory() failed: ${TIMED_OUT}\n`)

    const named = await runCli(['providers', 'inventory', 'hung-init', '--provider-module', HUNG_INIT, '--provider-timeout', '1'])
    expect(named.exitCode).toBe(4)
    expect(named.stderr.trim()).toBe(`ovn-vif-ctl: provider hung-init failed to initialise: ${TIMED_OUT}`)
  })
})
