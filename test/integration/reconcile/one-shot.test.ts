import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {OvsdbClient, setInsert} from '../../../src/ovsdb/index.js'
import {createDummyProvider} from '../../../src/providers/dummy.js'
import {Reconciler} from '../../../src/reconcile/reconciler.js'
import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {type Cell, eventually, listRows} from '../../helpers/ovs.js'
import {useSandbox} from '../../helpers/sandbox.js'

interface Entry {
  lport: string
  result: string
  interface?: string
  reason: string
}

const INTERFACE_COLUMNS = ['name', 'type', 'options', 'external_ids', 'mtu_request'] as const
const NETDEV_PROVIDER = fileURLToPath(new URL('../../fixtures/reconcile/netdev-provider.mjs', import.meta.url))

describe('reconcile, one-shot, against real servers', () => {
  // hv1: ovn-vif-ctl is the only plugger; hv2: ovn-controller plugs with its own dummy provider.
  const sandbox = useSandbox({chassis: ['hv1', 'hv2'], controllerVifPlug: ['hv2']})
  const hv1 = () => sandbox().chassis[0]!
  const hv2 = () => sandbox().chassis[1]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const sbctl = (...args: string[]) => run('ovn-sbctl', [`--db=${sandbox().sbDb}`, ...args])

  /** Creates the lports on a switch with the given options, and waits until SB has them. */
  async function requestPlug(lports: string[], options: Record<string, string>, switchName = 'sw0'): Promise<void> {
    const settings = Object.entries(options).map(([key, value]) => `options:"${key}"=${value}`)
    const commands = lports.flatMap((lport) => ['--', 'lsp-add', switchName, lport, '--', 'set', 'Logical_Switch_Port', lport, ...settings])
    await nbctl('--may-exist', 'ls-add', switchName, ...commands)
    await nbctl('--wait=sb', 'sync')
  }

  async function reconcile(...args: string[]): Promise<{exitCode: number; entries: Entry[]; stderr: string}> {
    const result = await runCli(['reconcile', '--db', hv1().db, '--json', ...args])
    const parsed = JSON.parse(result.stdout) as {entries?: Entry[]}
    return {exitCode: result.exitCode, entries: parsed.entries ?? [], stderr: result.stderr}
  }

  const entriesFor = (entries: Entry[], prefix: string) => entries.filter((entry) => entry.lport.startsWith(prefix))
  const interfaces = async (db = hv1().db) => listRows('ovs-vsctl', db, 'Interface', INTERFACE_COLUMNS)
  /** The row without what ovn-controller adds once it binds the port (ovn-installed, ovn-installed-ts). */
  const interfaceNamed = async (name: string, db = hv1().db) => {
    const row = (await interfaces(db)).find((candidate) => candidate.name === name)
    if (!row) return undefined
    const externalIds = Object.entries(row.external_ids as Record<string, string>).filter(([key]) => !key.startsWith('ovn-installed'))
    return {...row, external_ids: Object.fromEntries(externalIds)} as Record<string, Cell>
  }
  // The columns reconcile may write (ovs-vswitchd keeps changing others, such as statistics).
  const dumpOvs = async () => [
    await listRows('ovs-vsctl', hv1().db, 'Bridge', ['_uuid', 'name', 'ports']),
    await listRows('ovs-vsctl', hv1().db, 'Port', ['_uuid', 'name', 'interfaces']),
    await listRows('ovs-vsctl', hv1().db, 'Interface', ['_uuid', ...INTERFACE_COLUMNS]),
  ]

  it('plugs a requested lport as OVN would, and ovn-controller then claims it', async () => {
    await requestPlug(['basic1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1442'})
    const first = await reconcile()
    expect(first.exitCode).toBe(0)
    expect(entriesFor(first.entries, 'basic')).toEqual([
      {lport: 'basic1', result: 'created', interface: 'basic1', reason: 'requested for this chassis with vif-plug-type dummy', settled: true},
    ])
    expect(await interfaceNamed('basic1')).toEqual({
      name: 'basic1',
      type: 'internal',
      options: {'vif-plug-dummy-option': 'value'},
      external_ids: {'iface-id': 'basic1', 'ovn-plugged': 'dummy'},
      mtu_request: 1442,
    })

    const hv1Uuid = (await sbctl('--bare', '--columns=_uuid', 'find', 'Chassis', 'name=hv1')).trim()
    await eventually('ovn-controller to claim basic1', async () => {
      const [binding] = await listRows('ovn-sbctl', sandbox().sbDb, 'Port_Binding', ['logical_port', 'chassis', 'up']).then((rows) => rows.filter((row) => row.logical_port === 'basic1'))
      return binding?.up === true && binding.chassis === hv1Uuid ? binding : undefined
    })

    // Idempotent: a second run writes nothing.
    const before = await dumpOvs()
    const second = await reconcile()
    expect(second.exitCode).toBe(0)
    expect(entriesFor(second.entries, 'basic')).toEqual([expect.objectContaining({lport: 'basic1', result: 'unchanged'})])
    expect(await dumpOvs()).toEqual(before)
  })

  it('applies an MTU change, and puts back a local edit', async () => {
    await requestPlug(['mtu1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1500'})
    await reconcile()
    await nbctl('--wait=sb', 'set', 'Logical_Switch_Port', 'mtu1', 'options:vif-plug-mtu-request=9000')
    const changed = await reconcile()
    expect(entriesFor(changed.entries, 'mtu')).toEqual([expect.objectContaining({lport: 'mtu1', result: 'updated', reason: 'mtu_request 1500 -> 9000'})])
    expect((await interfaceNamed('mtu1'))?.mtu_request).toBe(9000)

    await run('ovs-vsctl', [`--db=${hv1().db}`, 'set', 'Interface', 'mtu1', 'mtu_request=440', 'options:vif-plug-dummy-option=edited', 'options:untouched=yes'])
    const restored = await reconcile()
    expect(entriesFor(restored.entries, 'mtu')).toEqual([
      expect.objectContaining({lport: 'mtu1', result: 'updated', reason: 'options:vif-plug-dummy-option, mtu_request 440 -> 9000'}),
    ])
    expect(await interfaceNamed('mtu1')).toMatchObject({mtu_request: 9000, options: {'vif-plug-dummy-option': 'value', untouched: 'yes'}})
  })

  it('unplugs when the requested chassis moves, and when the lport is deleted', async () => {
    await requestPlug(['gone1', 'moved1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    await reconcile()
    expect(await interfaceNamed('moved1')).toBeDefined()

    await nbctl('--wait=sb', 'set', 'Logical_Switch_Port', 'moved1', 'options:requested-chassis=hv2', '--', 'lsp-del', 'gone1')
    const result = await reconcile()
    expect(entriesFor(result.entries, 'gone').concat(entriesFor(result.entries, 'moved'))).toEqual([
      expect.objectContaining({lport: 'gone1', result: 'removed', interface: 'gone1'}),
      expect.objectContaining({lport: 'moved1', result: 'removed', interface: 'moved1'}),
    ])
    const names = (await interfaces()).map((row) => row.name)
    expect(names).not.toContain('gone1')
    expect(names).not.toContain('moved1')
    const ports = (await listRows('ovs-vsctl', hv1().db, 'Port', ['name'])).map((row) => row.name)
    expect(ports).not.toContain('moved1')
  })

  it('leaves a port not maintained by OVN alone, reports the conflict, and exits 1', async () => {
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'add-port', 'br-int', 'tap-foreign', '--', 'set', 'Interface', 'tap-foreign', 'type=internal', 'external_ids:iface-id=foreign1'])
    await requestPlug(['foreign1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    const before = await interfaceNamed('tap-foreign')
    const result = await reconcile()
    expect(result.exitCode).toBe(1)
    expect(entriesFor(result.entries, 'foreign')).toEqual([
      expect.objectContaining({lport: 'foreign1', result: 'conflict', reason: expect.stringContaining('a port not maintained by OVN already exists')}),
    ])
    expect(await interfaceNamed('tap-foreign')).toEqual(before)
    expect(await interfaceNamed('foreign1')).toBeUndefined()
    await nbctl('lsp-del', 'foreign1')
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'del-port', 'br-int', 'tap-foreign'])
  })

  it('re-plans from a fresh read when another writer wins the race to the name it wanted', async () => {
    await requestPlug(['race1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    const reconciler = await Reconciler.open({
      settings: {nbDb: sandbox().nbDb, sbDbFlag: sandbox().sbDb, ovsDb: hv1().db, timeoutMs: 10_000, leaderOnly: true},
      providers: new Map([['dummy', createDummyProvider()]]),
      replace: true,
      dryRun: false,
      watch: false,
    })
    const rival = await OvsdbClient.connect(hv1().db, {database: 'Open_vSwitch'})
    try {
      await reconciler.whenComplete(10_000)
      // Sent before the pass plans (from a view without it), so it reaches the server before the pass's transaction.
      const tx = rival.transaction()
      const port = tx.insert('Port', {name: 'race1', interfaces: [tx.insert('Interface', {name: 'race1', type: 'internal'})]})
      tx.mutate('Bridge', [['name', '==', 'br-int']], [setInsert('ports', [port])])
      const rivalCommit = tx.commit()
      const result = await reconciler.pass()
      await rivalCommit
      expect(result.applied).toBe(false)
      expect(result.plan.entries.filter((entry) => entry.lport === 'race1')).toEqual([
        expect.objectContaining({outcome: 'conflict', reason: 'interface race1 exists on the integration bridge and is not maintained by OVN'}),
      ])
      expect(await interfaceNamed('race1')).toMatchObject({external_ids: {}})
    } finally {
      await Promise.allSettled([reconciler.close(), rival.close()])
    }

    await nbctl('--wait=sb', 'lsp-del', 'race1')
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'del-port', 'br-int', 'race1'])
  })

  it('prints the plan with --dry-run and writes nothing', async () => {
    await requestPlug(['dry1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    const before = await dumpOvs()
    const result = await runCli(['reconcile', '--db', hv1().db, '--dry-run'])
    expect(result.stdout).toMatch(/^would create +dry1 \(interface dry1\): requested for this chassis with vif-plug-type dummy$/m)
    expect(await dumpOvs()).toEqual(before)
    await nbctl('--wait=sb', 'lsp-del', 'dry1')
  })

  it('unplugs all of 1,000 lports deleted in one NB transaction in the next pass', async () => {
    const lports = Array.from({length: 1000}, (_, index) => `bulk${index}`)
    await requestPlug(lports, {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}, 'sw-bulk')
    const plugged = await reconcile()
    expect(entriesFor(plugged.entries, 'bulk').filter((entry) => entry.result === 'created')).toHaveLength(1000)
    expect((await interfaces()).filter((row) => String(row.name).startsWith('bulk'))).toHaveLength(1000)

    await nbctl('--wait=sb', 'ls-del', 'sw-bulk')
    const unplugged = await reconcile()
    expect(entriesFor(unplugged.entries, 'bulk').filter((entry) => entry.result === 'removed')).toHaveLength(1000)
    expect((await interfaces()).filter((row) => String(row.name).startsWith('bulk'))).toEqual([])
  })

  it('builds the same Interface row as ovn-controller --enable-dummy-vif-plug', async () => {
    const options = {'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1400'}
    await requestPlug(['same-ours'], {...options, 'requested-chassis': 'hv1'})
    await requestPlug(['same-theirs'], {...options, 'requested-chassis': 'hv2'})
    await reconcile()
    const theirs = await eventually('ovn-controller on hv2 to plug same-theirs', () => interfaceNamed('same-theirs', hv2().db))
    const ours = await interfaceNamed('same-ours')
    const withoutNames = (row: typeof ours) => {
      const {name: _name, external_ids: externalIds, ...rest} = row!
      const {'iface-id': _ifaceId, ...otherIds} = externalIds as Record<string, string>
      return {...rest, external_ids: otherIds}
    }

    expect(withoutNames(ours)).toEqual(withoutNames(theirs))
    expect(withoutNames(ours)).toEqual({type: 'internal', options: {'vif-plug-dummy-option': 'value'}, mtu_request: 1400, external_ids: {'ovn-plugged': 'dummy'}})
  })

  it('updates a leftover interface with the wanted name instead of committing a duplicate name', async () => {
    // Both names cut to the same 15-byte netdev name: the second lport finds the first one's port.
    await requestPlug(['dupname-abcdef-1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    await reconcile()
    const leftover = await interfaceNamed('dupname-abcdef-')
    expect(leftover?.external_ids).toEqual({'iface-id': 'dupname-abcdef-1', 'ovn-plugged': 'dummy'})

    await nbctl('lsp-del', 'dupname-abcdef-1')
    await requestPlug(['dupname-abcdef-2'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    const result = await reconcile()
    expect(result.exitCode).toBe(0)
    expect(entriesFor(result.entries, 'dupname')).toEqual([
      expect.objectContaining({lport: 'dupname-abcdef-2', result: 'updated', interface: 'dupname-abcdef-', reason: 'external_ids:iface-id'}),
    ])
    expect((await interfaces()).filter((row) => row.name === 'dupname-abcdef-')).toHaveLength(1)
    expect((await interfaceNamed('dupname-abcdef-'))?.external_ids).toEqual({'iface-id': 'dupname-abcdef-2', 'ovn-plugged': 'dummy'})

    // Two lports wanting one netdev: the first keeps it, the other is a conflict.
    await requestPlug(['dupname-abcdef-3'], {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    const contested = await reconcile()
    expect(contested.exitCode).toBe(1)
    expect(entriesFor(contested.entries, 'dupname')).toEqual([
      expect.objectContaining({lport: 'dupname-abcdef-2', result: 'unchanged'}),
      expect.objectContaining({lport: 'dupname-abcdef-3', result: 'conflict', reason: 'netdev dupname-abcdef- is also wanted by lport dupname-abcdef-2'}),
    ])
    await nbctl('--wait=sb', 'lsp-del', 'dupname-abcdef-2', '--', 'lsp-del', 'dupname-abcdef-3')
    await reconcile()
  })

  it('replaces a port whose netdev changed, or keeps ovn-controller\'s refusal with --no-replace', async () => {
    const provider = ['--provider-module', NETDEV_PROVIDER]
    await requestPlug(['moving1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'netdev', 'vif-plug:netdev:name': 'vf-old'})
    const created = await reconcile(...provider)
    expect(entriesFor(created.entries, 'moving')).toEqual([expect.objectContaining({result: 'created', interface: 'vf-old'})])

    await nbctl('--wait=sb', 'set', 'Logical_Switch_Port', 'moving1', 'options:"vif-plug:netdev:name"=vf-new')
    const refused = await reconcile(...provider, '--no-replace')
    expect(refused.exitCode).toBe(1)
    expect(entriesFor(refused.entries, 'moving')).toEqual([
      expect.objectContaining({result: 'conflict', interface: 'vf-old', reason: expect.stringContaining('plugged as vf-old but the provider now resolves vf-new')}),
    ])
    expect(await interfaceNamed('vf-old')).toBeDefined()

    const replaced = await reconcile(...provider)
    expect(replaced.exitCode).toBe(0)
    expect(entriesFor(replaced.entries, 'moving')).toEqual([
      expect.objectContaining({result: 'replaced', interface: 'vf-new', reason: 'netdev changed from vf-old to vf-new'}),
    ])
    const names = (await interfaces()).map((row) => row.name)
    expect(names).toContain('vf-new')
    expect(names).not.toContain('vf-old')
    expect((await interfaceNamed('vf-new'))?.external_ids).toEqual({'iface-id': 'moving1', 'ovn-plugged': 'netdev'})
    await nbctl('--wait=sb', 'lsp-del', 'moving1')
    await reconcile(...provider)
  })

  it('leaves a type without a provider pending, and says so', async () => {
    await requestPlug(['noprov1'], {'requested-chassis': 'hv1', 'vif-plug-type': 'smartnic-x'})
    const result = await reconcile()
    expect(result.exitCode).toBe(1)
    expect(entriesFor(result.entries, 'noprov')).toEqual([
      expect.objectContaining({lport: 'noprov1', result: 'pending', reason: "no VIF plug provider for vif-plug-type 'smartnic-x'"}),
    ])
    await nbctl('--wait=sb', 'lsp-del', 'noprov1')
  })

  it('does not call a chassis without a Chassis row converged (reconcile and status alike)', async () => {
    // Only a test may act for another chassis than this host's (hv1): --allow-foreign-chassis says so first.
    const foreign = 'ovn-vif-ctl: warning: acting as chassis no-such-chassis on this host, whose external_ids:system-id is hv1 (--allow-foreign-chassis)'
    const warning = 'ovn-vif-ctl: warning: chassis no-such-chassis has no Chassis row in the Southbound DB: start ovn-controller here, or check --chassis'
    const result = await reconcile('--chassis', 'no-such-chassis', '--allow-foreign-chassis')
    expect(result.exitCode).toBe(1)
    expect(result.stderr.trim().split('\n')).toEqual([foreign, warning])
    const status = await runCli(['status', '--db', hv1().db, '--chassis', 'no-such-chassis', '--allow-foreign-chassis'], {env: {OVN_NB_DB: sandbox().nbDb}})
    expect(status.exitCode).toBe(1)
    expect(status.stderr.trim().split('\n')).toEqual([foreign, warning])
  })

  it('names the fix when the local database cannot be reached', async () => {
    const result = await runCli(['reconcile', '--db', 'unix:/nonexistent/db.sock'])
    expect(result.exitCode).toBe(4)
    expect(result.stderr).toMatch(/^ovn-vif-ctl: .*unix:\/nonexistent\/db\.sock.*--db/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
