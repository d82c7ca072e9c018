import {once} from 'node:events'
import {mkdir, mkdtemp} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {OvsdbClient, TransactionError} from '../../../src/ovsdb/index.js'
import {createDummyProvider} from '../../../src/providers/dummy.js'
import type {VifPlugProvider} from '../../../src/providers/types.js'
import {addPlanToTransaction} from '../../../src/reconcile/apply.js'
import type {Plan} from '../../../src/reconcile/plan.js'
import {RECONCILE_LOCK, Reconciler, type ReconcilerOptions} from '../../../src/reconcile/reconciler.js'
import {run} from '../../../src/sandbox/daemon.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {TEST_SANDBOX_ROOT} from '../../helpers/sandbox.js'

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema'

/**
 * The Reconciler alone (plan, lock, apply) against two real ovsdb-servers and nothing else: a
 * local Open_vSwitch DB with br-int, and a Southbound DB whose rows the test writes itself, as
 * ovn-northd and ovn-controller would. Every wait is on an event of the Reconciler.
 */
describe('Reconciler, against a real local Open_vSwitch DB and Southbound DB', () => {
  let ovs: OvsdbServer
  let sb: OvsdbServer
  let sbClient: OvsdbClient
  let ovsClient: OvsdbClient
  let datapath: string
  let chassis: string
  const opened: Reconciler[] = []

  beforeAll(async () => {
    await mkdir(TEST_SANDBOX_ROOT, {recursive: true})
    const dir = await mkdtemp(path.join(TEST_SANDBOX_ROOT, 'reconciler-'))
    ;[ovs, sb] = await Promise.all([startOvsdbServer({dir: path.join(dir, 'ovs'), schemaFile: VSWITCH_SCHEMA}), startOvsdbServer({dir: path.join(dir, 'sb'), schemaFile: SB_SCHEMA})])
    await run('ovs-vsctl', [`--db=${ovs.unixRemote}`, '--no-wait', 'init', '--', 'set', 'Open_vSwitch', '.', 'external_ids:system-id=hv1', '--', 'add-br', 'br-int'])
    await run('ovn-sbctl', [`--db=${sb.unixRemote}`, 'chassis-add', 'hv1', 'geneve', '127.0.0.1'])
    sbClient = await OvsdbClient.connect(sb.unixRemote, {database: 'OVN_Southbound'})
    ovsClient = await OvsdbClient.connect(ovs.unixRemote, {database: 'Open_vSwitch'})
    const tx = sbClient.transaction()
    const inserted = tx.insert('Datapath_Binding', {tunnel_key: 1})
    tx.select('Chassis', [['name', '==', 'hv1']], ['_uuid'])
    const result = await tx.commit()
    datapath = result.uuid(inserted)
    chassis = result.rows(1)[0]!._uuid as string
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled([sbClient?.close(), ovsClient?.close()])
    await Promise.allSettled([ovs && stopOvsdbServer(ovs), sb && stopOvsdbServer(sb)])
  })

  beforeEach(async () => {
    const tx = sbClient.transaction()
    tx.delete('Port_Binding', [])
    await tx.commit()
    await run('ovs-vsctl', [`--db=${ovs.unixRemote}`, '--no-wait', '--', 'del-br', 'br-int', '--', 'add-br', 'br-int'])
  })

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((reconciler) => reconciler.close()))
  })

  async function open(overrides: Partial<ReconcilerOptions> = {}): Promise<Reconciler> {
    const reconciler = await Reconciler.open({
      settings: {nbDb: 'unix:/nonexistent', sbDbFlag: sb.unixRemote, ovsDb: ovs.unixRemote, timeoutMs: 10_000, leaderOnly: false},
      providers: new Map([['dummy', createDummyProvider()]]),
      replace: true,
      dryRun: false,
      watch: true,
      ...overrides,
    })
    opened.push(reconciler)
    await reconciler.whenComplete(10_000)
    return reconciler
  }

  let tunnelKey = 1
  /** Requests lports for hv1, as ovn-northd writes them: a VIF binding with requested_chassis and vif-plug-type. */
  async function requestBindings(...lports: string[]): Promise<void> {
    const tx = sbClient.transaction()
    for (const lport of lports) {
      tx.insert('Port_Binding', {logical_port: lport, datapath, tunnel_key: tunnelKey++, requested_chassis: chassis, options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}})
    }
    await tx.commit()
  }

  async function deleteBinding(lport: string): Promise<void> {
    const tx = sbClient.transaction()
    tx.delete('Port_Binding', [['logical_port', '==', lport]])
    await tx.commit()
  }

  async function pluggedInterfaces(): Promise<string[]> {
    const tx = ovsClient.transaction()
    tx.select('Interface', [], ['name', 'external_ids'])
    const rows = (await tx.commit()).rows(0)
    return rows.filter((row) => (row.external_ids as Record<string, string>)['ovn-plugged'] !== undefined).map((row) => row.name as string).sort()
  }

  /** Resolves once `reconciler` emits 'changed' and `ready` holds for its view. */
  async function changedUntil(reconciler: Reconciler, ready: () => boolean): Promise<void> {
    while (!ready()) await once(reconciler, 'changed')
  }

  /** Resolves with the first 'status' message `reconciler` emits that matches. */
  async function statusMatching(reconciler: Reconciler, pattern: RegExp): Promise<string> {
    for (;;) {
      const [message] = (await once(reconciler, 'status')) as [string]
      if (pattern.test(message)) return message
    }
  }

  const interfaceNames = (reconciler: Reconciler) => reconciler.view().interfaces.map((iface) => iface.name)
  const lportsOf = (reconciler: Reconciler) => reconciler.view().bindings.map((binding) => binding.logicalPort).sort()

  it('plans from both databases and applies the plan in one transaction, under the lock; the next pass has nothing to do', async () => {
    await requestBindings('r1', 'r2')
    const reconciler = await open()
    expect(reconciler.lockHeld).toBe(true)
    const committing: Plan[] = []
    const first = await reconciler.pass((plan) => committing.push(plan))
    expect(first).toMatchObject({applied: true, converged: true})
    expect(first.plan.actions.map((action) => [action.kind, action.lport])).toEqual([['create', 'r1'], ['create', 'r2']])
    // Handed over once, while its transaction committed: the plan applied.
    expect(committing).toHaveLength(1)
    expect(committing[0]).toBe(first.plan)
    expect(await pluggedInterfaces()).toEqual(['r1', 'r2'])

    await changedUntil(reconciler, () => interfaceNames(reconciler).includes('r1') && interfaceNames(reconciler).includes('r2'))
    const second = await reconciler.pass()
    expect(second).toMatchObject({applied: false, converged: true, plan: {actions: []}})
    expect(second.plan.entries.map((entry) => [entry.lport, entry.outcome])).toEqual([['r1', 'unchanged'], ['r2', 'unchanged']])
  })

  it('as a dry run plans the same but takes no lock and writes nothing', async () => {
    await requestBindings('d1')
    const reconciler = await open({dryRun: true})
    const committing: Plan[] = []
    const result = await reconciler.pass((plan) => committing.push(plan))
    expect(committing).toEqual([])
    expect(reconciler.lockHeld).toBe(false)
    expect(result).toMatchObject({applied: false, converged: false})
    expect(result.plan.actions.map((action) => [action.kind, action.lport])).toEqual([['create', 'd1']])
    expect(await pluggedInterfaces()).toEqual([])
  })

  it('only plans while another client holds the lock, and applies once the lock is its own', async () => {
    await requestBindings('l1')
    const rival = await OvsdbClient.connect(ovs.unixRemote, {database: 'Open_vSwitch'})
    try {
      expect(await rival.lock(RECONCILE_LOCK)).toBe(true)
      const reconciler = await open()
      expect(reconciler.lockHeld).toBe(false)
      expect(reconciler.lockStatus()).toBe(`another reconciler holds the ${RECONCILE_LOCK} lock on this chassis; waiting for it`)
      expect(await reconciler.pass()).toMatchObject({applied: false, plan: {actions: [{kind: 'create', lport: 'l1'}]}})
      expect(await pluggedInterfaces()).toEqual([])

      const acquired = statusMatching(reconciler, /lock/)
      await rival.unlock(RECONCILE_LOCK)
      expect(await acquired).toBe(`acquired the ${RECONCILE_LOCK} lock`)
      expect(reconciler.lockHeld).toBe(true)
      expect(await reconciler.pass()).toMatchObject({applied: true, converged: true})
      expect(await pluggedInterfaces()).toEqual(['l1'])
    } finally {
      await rival.close()
    }
  })

  it("follows the Southbound DB: a new binding is created, a deleted one's interface removed, and the providers told each", async () => {
    const committed: Array<{created: string[]; updated: string[]; removed: string[]}> = []
    const provider: VifPlugProvider = {...createDummyProvider(), finish: (change) => committed.push(change)}
    const reconciler = await open({providers: new Map([['dummy', provider]])})
    expect(await reconciler.pass()).toMatchObject({applied: false, converged: true, plan: {entries: []}})

    await requestBindings('f1')
    await changedUntil(reconciler, () => lportsOf(reconciler).includes('f1'))
    expect(await reconciler.pass()).toMatchObject({applied: true, plan: {actions: [{kind: 'create', lport: 'f1'}]}})
    expect(await pluggedInterfaces()).toEqual(['f1'])

    await changedUntil(reconciler, () => interfaceNames(reconciler).includes('f1'))
    await deleteBinding('f1')
    await changedUntil(reconciler, () => !lportsOf(reconciler).includes('f1'))
    const removal = await reconciler.pass()
    expect(removal).toMatchObject({applied: true, converged: true})
    expect(removal.plan.entries).toEqual([expect.objectContaining({lport: 'f1', outcome: 'remove', reason: 'its logical port is gone, or no longer requested for this chassis'})])
    expect(await pluggedInterfaces()).toEqual([])
    expect(committed).toEqual([
      {created: ['f1'], updated: [], removed: []},
      {created: [], updated: [], removed: ['f1']},
    ])
  })

  describe("a removal's guard, once the interface was read and before the removal commits", () => {
    /** f1 plugged, and a transaction removing it as the plan would, from the reconciler's view of it. */
    async function removalOfPlugged(): Promise<{commit: () => Promise<unknown>}> {
      const reconciler = await open()
      await requestBindings('f1')
      await changedUntil(reconciler, () => lportsOf(reconciler).includes('f1'))
      await reconciler.pass()
      await changedUntil(reconciler, () => interfaceNames(reconciler).includes('f1'))
      const view = reconciler.view()
      const tx = ovsClient.transaction()
      addPlanToTransaction(tx, [{kind: 'remove', lport: 'f1', current: view.interfaces.find((iface) => iface.name === 'f1')!}], {bridgeUuid: view.bridgeUuid})
      return {commit: () => tx.commit()}
    }

    it('holds while ovn-controller adds its own keys to external_ids, so the removal commits', async () => {
      const removal = await removalOfPlugged()
      await run('ovs-vsctl', [`--db=${ovs.unixRemote}`, '--no-wait', 'set', 'Interface', 'f1', 'external_ids:ovn-installed=true'])
      await removal.commit()
      expect(await pluggedInterfaces()).toEqual([])
    })

    it.each([
      ['its iface-id changed', ['set', 'Interface', 'f1', 'external_ids:iface-id=f2']],
      ['it lost ovn-plugged', ['remove', 'Interface', 'f1', 'external_ids', 'ovn-plugged']],
      ['its options changed', ['set', 'Interface', 'f1', 'options:vif-plug-dummy-option=other']],
      ['its type changed', ['set', 'Interface', 'f1', 'type=system']],
    ])('fails the transaction when %s, and removes nothing', async (_, change) => {
      const removal = await removalOfPlugged()
      await run('ovs-vsctl', [`--db=${ovs.unixRemote}`, '--no-wait', ...change])
      await expect(removal.commit()).rejects.toThrow(TransactionError)
      const tx = ovsClient.transaction()
      tx.select('Interface', [['name', '==', 'f1']], ['name'])
      expect((await tx.commit()).rows(0)).toHaveLength(1)
    })
  })
})
