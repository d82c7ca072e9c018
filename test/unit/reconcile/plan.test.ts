import {describe, expect, it} from 'vitest'

import {createDummyProvider} from '../../../src/providers/dummy.js'
import {ProviderRegistry} from '../../../src/providers/registry.js'
import type {VifPlugProvider} from '../../../src/providers/types.js'
import {isUnsettled, mtuRequestOf, type PlanEntry, planReconcile} from '../../../src/reconcile/plan.js'
import {pluggedInterface} from '../../helpers/views.js'
import {type OvsInterface, type PortBinding} from '../../../src/ovn/rows.js'
import {type LocalChassisView} from '../../../src/ovn/local-view.js'

const HERE = 'chassis-here'
const ELSEWHERE = 'chassis-elsewhere'

function binding(lport: string, overrides: Partial<PortBinding> = {}, options: Record<string, string> = {'vif-plug-type': 'dummy'}): PortBinding {
  return {uuid: `pb-${lport}`, logicalPort: lport, type: '', options, requestedChassis: HERE, ...overrides}
}

const plugged = pluggedInterface

function view(bindings: PortBinding[], interfaces: OvsInterface[], overrides: Partial<LocalChassisView> = {}): LocalChassisView {
  return {chassisUuid: HERE, chassis: {name: 'hv1', hostname: 'host1'}, bridgeUuid: 'br-int', bindings, interfaces, complete: true, ...overrides}
}

/** A provider whose answers the test sets: the VF it resolves, or a refusal. */
function scriptedProvider(answer: {name?: string; refuseCreate?: string; refuseRemove?: string}): VifPlugProvider {
  return {
    type: 'scripted',
    maintainedOptions: ['owned-a', 'owned-b'],
    optionSpecs: [],
    prepareCreate: () =>
      answer.refuseCreate ? {ok: false, reason: answer.refuseCreate} : {ok: true, value: {name: answer.name ?? 'vf0', type: '', options: {'owned-a': '1'}}},
    prepareRemove: () => (answer.refuseRemove ? {ok: false, reason: answer.refuseRemove} : {ok: true, value: undefined}),
    inventory: async () => [],
  }
}

const dummyOnly = new Map([['dummy', createDummyProvider()]])
const plan = (v: LocalChassisView, providers: ReadonlyMap<string, VifPlugProvider> = dummyOnly, replace = true) => planReconcile(v, providers, {replace})
const summary = (entries: PlanEntry[]) => entries.map((entry) => [entry.lport, entry.outcome, entry.interfaceName])

describe('planReconcile', () => {
  it('creates what the provider prepares for a VIF requested here, with OVN\'s external_ids and mtu_request', () => {
    const result = plan(view([binding('a-very-long-logical-port-name', {}, {'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1442'})], []))
    expect(result.actions).toEqual([
      {
        kind: 'create',
        lport: 'a-very-long-logical-port-name',
        desired: {
          name: 'a-very-long-log',
          type: 'internal',
          options: {'vif-plug-dummy-option': 'value'},
          externalIds: {'iface-id': 'a-very-long-logical-port-name', 'ovn-plugged': 'dummy'},
          mtuRequest: 1442,
        },
      },
    ])
  })

  it('wants only VIF bindings requested for this chassis that ask to be plugged', () => {
    const result = plan(
      view(
        [
          binding('elsewhere', {requestedChassis: ELSEWHERE}),
          binding('nowhere', {requestedChassis: undefined}),
          binding('router-port', {type: 'patch'}),
          binding('not-asking', {}, {}),
          binding('wanted'),
        ],
        [],
      ),
    )
    expect(summary(result.entries)).toEqual([['wanted', 'create', 'wanted']])
  })

  it('never touches an interface that carries the iface-id without ovn-plugged, and reports the conflict', () => {
    const foreign = plugged('tap0', 'lsp1', {externalIds: {'iface-id': 'lsp1'}})
    const result = plan(view([binding('lsp1')], [foreign]))
    expect(result.actions).toEqual([])
    expect(result.entries).toEqual([
      expect.objectContaining({lport: 'lsp1', outcome: 'conflict', reason: expect.stringContaining('a port not maintained by OVN already exists')}),
    ])
  })

  it('updates a plugged interface in place: type, maintained options, mtu; other keys stay', () => {
    const current = plugged('vf0', 'lsp1', {
      type: 'internal',
      options: {'owned-b': 'stale', 'owned-a': 'old', 'not-ours': 'kept'},
      externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'scripted', 'attached-mac': 'x'},
      mtuRequest: 440,
    })
    const result = plan(
      view([binding('lsp1', {}, {'vif-plug-type': 'scripted', 'vif-plug-mtu-request': '1500'})], [current]),
      new Map([['scripted', scriptedProvider({name: 'vf0'})]]),
    )
    expect(result.actions).toEqual([
      {
        kind: 'update',
        lport: 'lsp1',
        current,
        desired: {
          name: 'vf0',
          type: '',
          options: {'not-ours': 'kept', 'owned-a': '1'},
          externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'scripted', 'attached-mac': 'x'},
          mtuRequest: 1500,
        },
        changes: ["type 'internal' -> ''", 'options:owned-b', 'options:owned-a', 'mtu_request 440 -> 1500'],
      },
    ])
  })

  it('puts back a local edit of mtu_request, and clears one the lport does not ask for', () => {
    const edited = plan(view([binding('lsp1', {}, {'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1400'})], [plugged('lsp1', 'lsp1', {mtuRequest: 440})]))
    expect(edited.entries).toEqual([expect.objectContaining({outcome: 'update', reason: 'mtu_request 440 -> 1400'})])
    const cleared = plan(view([binding('lsp1')], [plugged('lsp1', 'lsp1', {mtuRequest: 440})]))
    expect(cleared.entries).toEqual([expect.objectContaining({outcome: 'update', reason: 'mtu_request 440 -> []'})])
  })

  it('leaves an interface that is as requested alone', () => {
    const result = plan(view([binding('lsp1')], [plugged('lsp1', 'lsp1')]))
    expect(result.actions).toEqual([])
    expect(summary(result.entries)).toEqual([['lsp1', 'unchanged', 'lsp1']])
  })

  it('takes over a same-named interface plugged for an lport no longer here, instead of a duplicate name', () => {
    const leftover = plugged('lsp1', 'old-lport')
    const result = plan(view([binding('lsp1')], [leftover]))
    expect(result.actions).toEqual([expect.objectContaining({kind: 'update', current: leftover, changes: ['external_ids:iface-id']})])
    expect(result.actions.some((action) => action.kind === 'remove' || action.kind === 'create')).toBe(false)
  })

  it('refuses a netdev name held by a foreign interface or by another wanted lport', () => {
    const provider = new Map([['scripted', scriptedProvider({name: 'vf0'})]])
    const foreignHolder = plan(view([binding('lsp1', {}, {'vif-plug-type': 'scripted'})], [plugged('vf0', 'x', {externalIds: {}})]), provider)
    expect(foreignHolder.entries).toEqual([expect.objectContaining({lport: 'lsp1', outcome: 'conflict', reason: expect.stringContaining('not maintained by OVN')})])

    const twoWanting = plan(view([binding('lsp1', {}, {'vif-plug-type': 'scripted'}), binding('lsp2', {}, {'vif-plug-type': 'scripted'})], []), provider)
    expect(summary(twoWanting.entries)).toEqual([
      ['lsp1', 'create', 'vf0'],
      ['lsp2', 'conflict', 'vf0'],
    ])

    const heldByWanted = plan(
      view([binding('lsp1', {}, {'vif-plug-type': 'scripted'}), binding('lsp2', {}, {'vif-plug-type': 'scripted'})], [plugged('vf0', 'lsp2', {type: '', options: {'owned-a': '1'}, externalIds: {'iface-id': 'lsp2', 'ovn-plugged': 'scripted'}})]),
      provider,
    )
    expect(summary(heldByWanted.entries)).toEqual([
      ['lsp1', 'conflict', 'vf0'],
      ['lsp2', 'unchanged', 'vf0'],
    ])
  })

  it('unplugs an interface whose lport is gone or moved, only with a complete view and the provider\'s consent', () => {
    const orphans = [plugged('gone', 'gone'), plugged('moved', 'moved'), plugged('tap-foreign', 'foreign', {externalIds: {'iface-id': 'foreign'}})]
    const bindings = [binding('moved', {requestedChassis: ELSEWHERE})]
    const complete = plan(view(bindings, orphans))
    expect(complete.entries).toEqual([
      expect.objectContaining({lport: 'gone', outcome: 'remove', reason: 'its logical port is gone, or no longer requested for this chassis'}),
      expect.objectContaining({lport: 'moved', outcome: 'remove', reason: 'its logical port is requested for another chassis'}),
    ])
    expect(complete.actions.map((action) => action.kind === 'remove' && action.current.name)).toEqual(['gone', 'moved'])

    const partial = plan(view(bindings, orphans, {complete: false}))
    expect(partial.actions).toEqual([])
    expect(partial.entries.map((entry) => entry.outcome)).toEqual(['kept', 'kept'])

    const refusing = plan(view([], [plugged('vf0', 'gone', {externalIds: {'iface-id': 'gone', 'ovn-plugged': 'scripted'}})]), new Map([['scripted', scriptedProvider({refuseRemove: 'still in use'})]]))
    expect(refusing.entries).toEqual([expect.objectContaining({outcome: 'kept', reason: expect.stringContaining('the provider refuses the unplug: still in use')})])

    const unknownType = plan(view([], [plugged('vf0', 'gone', {externalIds: {'iface-id': 'gone', 'ovn-plugged': 'other'}})]))
    expect(unknownType.entries).toEqual([expect.objectContaining({outcome: 'kept', reason: expect.stringContaining("no VIF plug provider 'other'")})])
  })

  it('plugs a port requested for a list of chassis on the first only; another listed chassis keeps its interface and plans nothing', () => {
    const additional = 'this chassis is an additional one in requested-chassis hv2,hv1 (a live migration): OVN plugs the port only on the first chassis of the list'
    const bindings = [
      binding('first', {requestedAdditionalChassis: [ELSEWHERE]}, {'requested-chassis': 'hv1,hv2', 'vif-plug-type': 'dummy'}),
      binding('second', {requestedChassis: ELSEWHERE, requestedAdditionalChassis: [HERE]}, {'requested-chassis': 'hv2,hv1', 'vif-plug-type': 'dummy'}),
      binding('third', {requestedChassis: ELSEWHERE, requestedAdditionalChassis: [HERE]}, {'requested-chassis': 'hv2,hv1', 'vif-plug-type': 'dummy'}),
    ]
    const result = plan(view(bindings, [plugged('second', 'second')]))
    expect(result.entries).toEqual([
      expect.objectContaining({lport: 'first', outcome: 'create', interfaceName: 'first'}),
      {lport: 'second', outcome: 'additional', reason: `${additional}, and leaves this interface in place while this chassis is listed`, interfaceName: 'second'},
      {lport: 'third', outcome: 'additional', reason: additional},
    ])
    expect(result.actions.map((action) => action.kind)).toEqual(['create'])
    expect(result.entries.filter(isUnsettled)).toEqual([])

    // Before ovn-northd resolves the names (no requested_additional_chassis yet), the text says the same, by name or hostname.
    const unresolved = plan(view([binding('third', {requestedChassis: ELSEWHERE}, {'requested-chassis': 'hv2,host1', 'vif-plug-type': 'dummy'})], []))
    expect(summary(unresolved.entries)).toEqual([['third', 'additional', undefined]])

    // Once the list no longer names this chassis, its interface goes.
    const dropped = plan(view([binding('second', {requestedChassis: ELSEWHERE}, {'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'})], [plugged('second', 'second')]))
    expect(dropped.entries).toEqual([expect.objectContaining({lport: 'second', outcome: 'remove', reason: 'its logical port is requested for another chassis'})])
  })

  it('waits for ovn-northd when requested-chassis names this chassis first but requested_chassis is not its row', () => {
    const notResolved = "requested-chassis names this chassis first, but ovn-northd has not resolved it to this chassis's Chassis row yet: is ovn-northd running?"
    const bindings = [
      binding('byhost', {requestedChassis: undefined}, {'requested-chassis': 'host1', 'vif-plug-type': 'dummy'}),
      binding('kept', {requestedChassis: undefined}, {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}),
    ]
    const result = plan(view(bindings, [plugged('kept', 'kept')]))
    expect(result.entries).toEqual([
      {lport: 'kept', outcome: 'kept', reason: notResolved, interfaceName: 'kept'},
      {lport: 'byhost', outcome: 'pending', reason: notResolved},
    ])
    expect(result.actions).toEqual([])
  })

  it('unplugs when the lport stops asking to be plugged, and keeps ports whose lport is wanted but refused', () => {
    const stopped = plan(view([binding('lsp1', {}, {})], [plugged('lsp1', 'lsp1')]))
    expect(stopped.entries).toEqual([expect.objectContaining({outcome: 'remove', reason: 'its logical port no longer asks to be plugged (no vif-plug-type)'})])

    const refused = plan(
      view([binding('lsp1', {}, {'vif-plug-type': 'scripted'})], [plugged('vf0', 'lsp1', {externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'scripted'}})]),
      new Map([['scripted', scriptedProvider({refuseCreate: 'vf0 is being renamed'})]]),
    )
    expect(refused.actions).toEqual([])
    expect(refused.entries).toEqual([expect.objectContaining({outcome: 'pending', reason: 'vf0 is being renamed', interfaceName: 'vf0'})])
  })

  it('keeps a provider that throws to its own lports (the registry isolates it): pending (or kept) with the error, the rest planned', () => {
    const throwing: VifPlugProvider = {
      ...scriptedProvider({}),
      type: 'buggy',
      prepareCreate: () => {
        throw new Error('index out of range')
      },
      prepareRemove: () => {
        throw new Error('not implemented')
      },
    }
    const providers = new ProviderRegistry([...dummyOnly.values(), throwing].map((provider) => ({provider, origin: 'test'})))
    const orphan = plugged('vf9', 'gone', {externalIds: {'iface-id': 'gone', 'ovn-plugged': 'buggy'}})
    const result = planReconcile(view([binding('lsp1', {}, {'vif-plug-type': 'buggy'}), binding('lsp2')], [orphan]), providers, {replace: true})
    expect(result.entries).toEqual([
      expect.objectContaining({lport: 'lsp1', outcome: 'pending', reason: 'provider buggy failed: index out of range'}),
      expect.objectContaining({lport: 'lsp2', outcome: 'create'}),
      expect.objectContaining({lport: 'gone', outcome: 'kept', reason: expect.stringContaining('the provider refuses the unplug: provider buggy failed: not implemented')}),
    ])
  })

  it('leaves a type without a provider pending', () => {
    const result = plan(view([binding('lsp1', {}, {'vif-plug-type': 'representor'})], []))
    expect(result.entries).toEqual([expect.objectContaining({outcome: 'pending', reason: "no VIF plug provider for vif-plug-type 'representor'"})])
  })

  it('replaces a port whose netdev changed, or refuses like ovn-controller with replace off', () => {
    const current = plugged('vf1', 'lsp1', {type: '', options: {'owned-a': '1'}, externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'scripted'}})
    const providers = new Map([['scripted', scriptedProvider({name: 'vf2'})]])
    const replaced = plan(view([binding('lsp1', {}, {'vif-plug-type': 'scripted'})], [current]), providers)
    expect(replaced.actions).toEqual([expect.objectContaining({kind: 'replace', current, desired: expect.objectContaining({name: 'vf2'})})])
    const refused = plan(view([binding('lsp1', {}, {'vif-plug-type': 'scripted'})], [current]), providers, false)
    expect(refused.actions).toEqual([])
    expect(refused.entries).toEqual([expect.objectContaining({outcome: 'conflict', reason: expect.stringContaining('recreate the port')})])
  })

  it('removes a second interface plugged for the same lport', () => {
    const result = plan(view([binding('lsp1')], [plugged('lsp1', 'lsp1'), plugged('lsp1-copy', 'lsp1')]))
    expect(summary(result.entries)).toEqual([
      ['lsp1', 'remove', 'lsp1-copy'],
      ['lsp1', 'unchanged', 'lsp1'],
    ])
  })

  it('orders by interface name whatever order the bridge lists them in', () => {
    // Of two interfaces carrying lsp1, the first by name is the one it keeps: the other is a second one.
    const interfaces = [plugged('z-orphan', 'gone-z'), plugged('lsp1-copy', 'lsp1'), plugged('a-orphan', 'gone-a'), plugged('lsp1', 'lsp1')]
    const {entries} = plan(view([binding('lsp1')], interfaces))
    expect(summary(entries)).toEqual([
      ['lsp1', 'remove', 'lsp1-copy'],
      ['lsp1', 'unchanged', 'lsp1'],
      ['gone-a', 'remove', 'a-orphan'],
      ['gone-z', 'remove', 'z-orphan'],
    ])
    expect(entries[0]!.reason).toBe('a second interface plugged for lport lsp1')
    expect(summary(plan(view([binding('lsp1')], interfaces, {chassisUuid: undefined})).entries)).toEqual([
      ['gone-a', 'kept', 'a-orphan'],
      ['lsp1', 'kept', 'lsp1'],
      ['lsp1', 'kept', 'lsp1-copy'],
      ['gone-z', 'kept', 'z-orphan'],
    ])
  })

  it('touches nothing while this chassis has no Chassis row', () => {
    const result = plan(view([binding('lsp1')], [plugged('x', 'gone')], {chassisUuid: undefined}))
    expect(result.actions).toEqual([])
    expect(summary(result.entries)).toEqual([['gone', 'kept', 'x']])
  })
})

describe('mtuRequestOf', () => {
  it.each([
    [{}, undefined],
    [{'vif-plug-mtu-request': '1500'}, 1500],
    [{'vif-plug-mtu-request': ' 9000 '}, 9000],
    [{'vif-plug-mtu-request': '0'}, undefined],
    [{'vif-plug-mtu-request': '-5'}, undefined],
    [{'vif-plug-mtu-request': '15x'}, undefined],
    [{'vif-plug-mtu-request': ''}, undefined],
  ])('%j -> %s', (options, expected) => {
    expect(mtuRequestOf(options)).toBe(expected)
  })
})
