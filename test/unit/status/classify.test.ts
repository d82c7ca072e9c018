import {describe, expect, it} from 'vitest'

import {createDummyProvider} from '../../../src/providers/dummy.js'
import type {InventoryRow} from '../../../src/providers/report.js'
import type {VifPlugProvider} from '../../../src/providers/types.js'
import {planReconcile} from '../../../src/reconcile/plan.js'
import {
  absentReason,
  classifyCentral,
  classifyLocal,
  countByChassis,
  countStates,
  isHealthy,
} from '../../../src/status/classify.js'
import {pluggedInterface} from '../../helpers/views.js'
import type {Chassis, LogicalSwitchPort, OvsInterface, PortBinding} from '../../../src/ovn/rows.js'
import {type LocalChassisView} from '../../../src/ovn/local-view.js'

const HERE = 'uuid-hv1'
const THERE = 'uuid-hv2'
const CHASSIS: Chassis[] = [
  {uuid: HERE, name: 'hv1', hostname: 'host1'},
  {uuid: THERE, name: 'hv2', hostname: 'host2'},
]

function binding(lport: string, overrides: Partial<PortBinding> = {}, options: Record<string, string> = {}): PortBinding {
  return {
    uuid: `pb-${lport}`,
    logicalPort: lport,
    type: '',
    options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', ...options},
    requestedChassis: HERE,
    ...overrides,
  }
}

const claimed = (lport: string, overrides: Partial<PortBinding> = {}, options: Record<string, string> = {}) => binding(lport, {chassis: HERE, up: true, ...overrides}, options)

// With an ofport, as once ovs-vswitchd has opened the interface.
const plugged = (name: string, lport: string, overrides: Partial<OvsInterface> = {}): OvsInterface => pluggedInterface(name, lport, {ofport: 7, ...overrides})

/** Answers as the representor provider does: a fixed table of pf-mac/vf to netdev. */
function tableProvider(table: Record<string, string>): VifPlugProvider {
  return {
    type: 'representor',
    maintainedOptions: [],
    optionSpecs: [],
    prepareCreate: ({lportOptions}) => {
      const key = `${lportOptions['vif-plug:representor:pf-mac']}/${lportOptions['vif-plug:representor:vf-num']}`
      const name = table[key]
      return name ? {ok: true, value: {name, type: '', options: {}}} : {ok: false, reason: `no VF representor for pf-mac ${key.replace('/', ' vf ')}`}
    },
    prepareRemove: () => ({ok: true, value: undefined}),
    inventory: async () => [],
  }
}

interface Scenario {
  bindings?: PortBinding[]
  interfaces?: OvsInterface[]
  chassisUuid?: string | undefined
  providers?: ReadonlyMap<string, VifPlugProvider>
  logicalPorts?: Pick<LogicalSwitchPort, 'name' | 'type' | 'options'>[]
  inventory?: InventoryRow[]
}

function classify(scenario: Scenario) {
  const view: LocalChassisView = {
    chassisUuid: 'chassisUuid' in scenario ? scenario.chassisUuid : HERE,
    chassis: {name: 'hv1', hostname: 'host1'},
    bridgeUuid: 'br-int',
    bindings: scenario.bindings ?? [],
    interfaces: scenario.interfaces ?? [],
    complete: true,
  }
  const providers = scenario.providers ?? new Map([['dummy', createDummyProvider()]])
  const plan = planReconcile(view, providers, {replace: true})
  return classifyLocal({
    chassisName: 'hv1',
    view,
    plan: plan.entries,
    chassis: CHASSIS,
    ...(scenario.logicalPorts ? {logicalPorts: scenario.logicalPorts} : {}),
    inventory: new Map((scenario.inventory ?? []).map((row) => [row.netdev, row])),
  })
}

const states = (rows: ReturnType<typeof classify>) => rows.map((row) => [row.lport, row.state, row.reason])

describe('classifyLocal', () => {
  it('plugged: our interface on br-int with an ofport, no error, claimed by this chassis', () => {
    const rows = classify({bindings: [claimed('a', {}, {'vif-plug-mtu-request': '1442'})], interfaces: [plugged('a', 'a', {mtuRequest: 1442})]})
    expect(rows).toEqual([
      {
        lport: 'a',
        state: 'plugged',
        reason: 'plugged as a and claimed by this chassis',
        chassis: 'hv1',
        claimedBy: 'hv1',
        up: true,
        type: 'dummy',
        mtu: 1442,
        interface: 'a',
        ofport: 7,
        netdev: 'a',
      },
    ])
    expect(isHealthy(rows)).toBe(true)
  })

  it('pending: no provider for the vif-plug-type', () => {
    expect(states(classify({bindings: [binding('a', {}, {'vif-plug-type': 'smartnic9'})]}))).toEqual([
      ['a', 'pending', "no VIF plug provider for vif-plug-type 'smartnic9'"],
    ])
  })

  it('pending: the provider lookup failed, with its reason and the provider options shown', () => {
    const rows = classify({
      bindings: [binding('a', {}, {'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': '0c:42:a1:00:00:01', 'vif-plug:representor:vf-num': '3'})],
      providers: new Map([['representor', tableProvider({})]]),
    })
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'pending',
        reason: 'no VF representor for pf-mac 0c:42:a1:00:00:01 vf 3',
        type: 'representor',
        options: {'pf-mac': '0c:42:a1:00:00:01', 'vf-num': '3'},
      }),
    ])
  })

  it('pending: a netdev awaiting its udev rename, as the provider says', () => {
    const awaiting: VifPlugProvider = {...createDummyProvider(), prepareCreate: () => ({ok: false, reason: 'the VF representor is still named eth5; waiting for the rename'})}
    expect(states(classify({bindings: [binding('a')], providers: new Map([['dummy', awaiting]])}))).toEqual([
      ['a', 'pending', 'the VF representor is still named eth5; waiting for the rename'],
    ])
  })

  it('pending: not reconciled yet, to create or to update', () => {
    const rows = classify({
      bindings: [binding('new'), claimed('old', {}, {'vif-plug-mtu-request': '9000'})],
      interfaces: [plugged('old', 'old')],
    })
    expect(states(rows)).toEqual([
      ['new', 'pending', 'not reconciled yet: reconcile would plug new'],
      ['old', 'pending', 'not reconciled yet: reconcile would update interface old (mtu_request [] -> 9000)'],
    ])
    expect(rows[0]).toMatchObject({netdev: 'new'})
    expect(rows[0]).not.toHaveProperty('interface')
  })

  it('pending: OVS reports an interface error, or no ofport yet', () => {
    const rows = classify({
      bindings: [claimed('a'), claimed('b')],
      interfaces: [plugged('a', 'a', {ofport: -1, error: 'could not open network device a (No such device)'}), plugged('b', 'b', {ofport: undefined})],
    })
    expect(states(rows)).toEqual([
      ['a', 'pending', 'OVS reports an error on interface a: could not open network device a (No such device)'],
      ['b', 'pending', 'interface b has no OpenFlow port yet'],
    ])
    expect(rows[0]).toMatchObject({error: 'could not open network device a (No such device)', ofport: -1})
  })

  it('pending: plugged but not yet claimed by ovn-controller, or claimed elsewhere', () => {
    const rows = classify({bindings: [binding('a'), binding('b', {chassis: THERE})], interfaces: [plugged('a', 'a'), plugged('b', 'b')]})
    expect(states(rows)).toEqual([
      ['a', 'pending', 'plugged as a, not yet claimed by ovn-controller'],
      ['b', 'pending', 'plugged as b, but the Port_Binding is claimed by chassis hv2'],
    ])
  })

  it('pending: requested by name while this chassis has no Chassis row; its plugged interface is kept, not orphaned', () => {
    const bindings = [binding('a', {requestedChassis: undefined}), binding('b', {requestedChassis: undefined}, {'requested-chassis': 'hv3,hv1'})]
    const rows = classify({chassisUuid: undefined, bindings, interfaces: [plugged('a', 'a')]})
    const reason = 'requested chassis hv1 is unknown in the Southbound DB: ovn-controller has not registered this chassis'
    expect(states(rows)).toEqual([
      ['a', 'pending', reason],
      ['b', 'pending', reason],
    ])
    expect(rows[0]).toMatchObject({interface: 'a', chassis: 'hv1'})
  })

  it('pending: in the Northbound DB, requested here, but not in the Southbound DB yet', () => {
    const logicalPorts: Pick<LogicalSwitchPort, 'name' | 'type' | 'options'>[] = [
      {name: 'fresh', type: '', options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}},
      {name: 'elsewhere', type: '', options: {'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'}},
      {name: 'plain', type: '', options: {'requested-chassis': 'hv1'}},
    ]
    expect(states(classify({logicalPorts}))).toEqual([['fresh', 'pending', 'not in the Southbound DB yet: is ovn-northd running?']])
  })

  it('additional: a port whose requested-chassis lists this chassis after another, healthy, naming the chassis that plugs it', () => {
    const additional = 'this chassis is an additional one in requested-chassis hv2,host1 (a live migration): OVN plugs the port only on the first chassis of the list'
    const rows = classify({
      bindings: [
        binding('migrating', {requestedChassis: THERE, requestedAdditionalChassis: [HERE], chassis: THERE, up: true}, {'requested-chassis': 'hv2,host1'}),
        binding('left', {requestedChassis: THERE, requestedAdditionalChassis: [HERE]}, {'requested-chassis': 'hv2,host1'}),
      ],
      interfaces: [plugged('left', 'left')],
    })
    expect(states(rows)).toEqual([
      ['left', 'additional', `${additional}, and leaves this interface in place while this chassis is listed`],
      ['migrating', 'additional', additional],
    ])
    expect(rows[0]).toMatchObject({chassis: 'hv2', interface: 'left'})
    expect(rows[1]).toMatchObject({chassis: 'hv2', claimedBy: 'hv2'})
    expect(rows[1]!.interface).toBeUndefined()
    expect(isHealthy(rows)).toBe(true)
  })

  it('pending: named first by its hostname while ovn-northd has not resolved it to this chassis', () => {
    const rows = classify({bindings: [binding('byhost', {requestedChassis: undefined}, {'requested-chassis': 'host1'})], interfaces: [plugged('byhost', 'byhost')]})
    expect(states(rows)).toEqual([['byhost', 'pending', "requested-chassis names this chassis first, but ovn-northd has not resolved it to this chassis's Chassis row yet: is ovn-northd running?"]])
    expect(rows[0]).toMatchObject({interface: 'byhost'})
  })

  it('orphaned: the lport is gone, or requested elsewhere (the chassis it moved to shown)', () => {
    const rows = classify({
      bindings: [binding('moved', {requestedChassis: THERE}, {'requested-chassis': 'hv2'})],
      interfaces: [plugged('gone', 'gone'), plugged('moved', 'moved')],
    })
    expect(states(rows)).toEqual([
      ['gone', 'orphaned', 'its logical port is gone, or no longer requested for this chassis'],
      ['moved', 'orphaned', 'its logical port is requested for another chassis'],
    ])
    expect(rows[0]).toMatchObject({type: 'dummy', interface: 'gone'})
    expect(rows[1]).toMatchObject({chassis: 'hv2', interface: 'moved'})
  })

  it('orphaned: a representor held by the interface of a lport that no longer exists', () => {
    const inventory: InventoryRow[] = [{provider: 'representor', netdev: 'pf0vf3', details: {pf: 0, vf: 3}}]
    const rows = classify({interfaces: [plugged('pf0vf3', 'deleted', {externalIds: {'iface-id': 'deleted', 'ovn-plugged': 'representor'}})], inventory})
    expect(rows).toEqual([
      expect.objectContaining({
        lport: 'deleted',
        state: 'orphaned',
        reason: expect.stringMatching(/gone.*; representor netdev pf0vf3 stays in use until it is unplugged$/),
        type: 'representor',
        netdev: 'pf0vf3',
      }),
    ])
  })

  it('conflict: a port not maintained by OVN carries the lport\'s iface-id', () => {
    const foreign = plugged('tap0', 'a', {externalIds: {'iface-id': 'a'}})
    expect(classify({bindings: [binding('a')], interfaces: [foreign]})).toEqual([
      expect.objectContaining({
        lport: 'a',
        state: 'conflict',
        reason: 'a port not maintained by OVN already exists: interface tap0 has iface-id=a but no ovn-plugged',
        interface: 'tap0',
      }),
    ])
  })

  it('conflict: the plugged name differs from what the provider resolves now', () => {
    const options = {'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': 'mac', 'vif-plug:representor:vf-num': '3'}
    const rows = classify({
      bindings: [claimed('a', {}, options)],
      interfaces: [plugged('pf0vf2', 'a', {type: '', options: {}, externalIds: {'iface-id': 'a', 'ovn-plugged': 'representor'}})],
      providers: new Map([['representor', tableProvider({'mac/3': 'pf0vf3'})]]),
    })
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'conflict',
        reason: 'plugged as pf0vf2 but the provider now resolves pf0vf3; reconcile will replace it',
        interface: 'pf0vf2',
        netdev: 'pf0vf3',
      }),
    ])
  })

  it('pending while a second interface for the same lport awaits removal', () => {
    const rows = classify({bindings: [claimed('a')], interfaces: [plugged('a', 'a'), plugged('a-old', 'a')]})
    expect(states(rows)).toEqual([['a', 'pending', 'not reconciled yet: a second interface plugged for lport a (a-old)']])
  })

  it('classifies 10,000 ports with work that grows linearly with them: status runs at 10,000 ports', () => {
    /** Ports whose bindings and interfaces count every field read, to measure the work done on them. */
    function countedPorts(count: number) {
      const reads = {count: 0}
      const counted = <T extends object>(value: T): T =>
        new Proxy(value, {
          get(target, key, receiver) {
            reads.count++
            return Reflect.get(target, key, receiver)
          },
        })
      const bindings = Array.from({length: count}, (_, index) => counted(claimed(`p${index}`)))
      const interfaces = bindings.map((b) => counted(plugged(b.logicalPort, b.logicalPort)))
      return {bindings, interfaces, reads}
    }

    const small = countedPorts(1000)
    classify({bindings: small.bindings, interfaces: small.interfaces})
    const large = countedPorts(10_000)
    const rows = classify({bindings: large.bindings, interfaces: large.interfaces})
    expect(rows).toHaveLength(10_000)
    expect(countStates(rows).plugged).toBe(10_000)
    // Every port is read, and ten times the ports cost about ten times the reads (sorting adds a
    // log factor): a scan of every port for each port would read a hundred times as much.
    expect(small.reads.count).toBeGreaterThan(1000)
    expect(large.reads.count).toBeLessThan(15 * small.reads.count)
  })
})

describe('classifyCentral', () => {
  const port = (name: string, options: Record<string, string> = {}): Pick<LogicalSwitchPort, 'name' | 'type' | 'options'> => ({
    name,
    type: '',
    options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', ...options},
  })

  it('judges each requested port by its Port_Binding: claimed by the requested chassis and up', () => {
    const rows = classifyCentral({
      logicalPorts: [
        port('ok'),
        port('down'),
        port('unclaimed'),
        port('wrong', {'requested-chassis': 'hv2'}),
        port('ghost', {'requested-chassis': 'hv9'}),
        port('nowhere', {'requested-chassis': ''}),
        port('new'),
        {name: 'router', type: 'router', options: {}},
        {name: 'unplugged', type: '', options: {'requested-chassis': 'hv1'}},
      ],
      bindings: [
        claimed('ok'),
        claimed('down', {up: false}),
        binding('unclaimed'),
        claimed('wrong', {requestedChassis: THERE}),
        binding('ghost', {requestedChassis: undefined}),
        binding('nowhere', {requestedChassis: undefined}),
      ],
      chassis: CHASSIS,
    })
    expect(states(rows)).toEqual([
      ['down', 'pending', 'claimed by hv1 but not up yet'],
      ['ghost', 'pending', 'requested chassis hv9 is unknown in the Southbound DB: is ovn-controller running there?'],
      ['new', 'pending', 'not in the Southbound DB yet: is ovn-northd running?'],
      ['nowhere', 'pending', 'no options:requested-chassis: no chassis will plug it'],
      ['ok', 'plugged', 'claimed by hv1 and up'],
      ['unclaimed', 'pending', 'not claimed yet: not plugged on hv1, or its ovn-controller has not bound it'],
      ['wrong', 'pending', 'claimed by chassis hv1, not by its requested chassis hv2'],
    ])
    expect(countByChassis(rows)).toEqual({
      '': {plugged: 0, pending: 1, orphaned: 0, conflict: 0, additional: 0},
      hv1: {plugged: 1, pending: 3, orphaned: 0, conflict: 0, additional: 0},
      hv2: {plugged: 0, pending: 1, orphaned: 0, conflict: 0, additional: 0},
      hv9: {plugged: 0, pending: 1, orphaned: 0, conflict: 0, additional: 0},
    })
  })
})

describe('classifyCentral: requested-chassis naming no chassis, but resembling one', () => {
  const chassis: Chassis[] = [
    {uuid: HERE, name: 'hv1', hostname: 'dpu1.example.com', cardSerial: 'MT2232X01234'},
    {uuid: THERE, name: 'hv2', hostname: 'host2'},
  ]
  const port = (name: string, requested: string): Pick<LogicalSwitchPort, 'name' | 'type' | 'options'> => ({name, type: '', options: {'requested-chassis': requested, 'vif-plug-type': 'representor'}})

  it('says what each resembles, and shows the card serial of the chassis each port is requested for', () => {
    const rows = classifyCentral({
      logicalPorts: [port('by-serial', 'MT2232X01234'), port('short', 'dpu1'), port('typo', 'dpu9'), port('fine', 'dpu1.example.com')],
      bindings: [
        binding('by-serial', {requestedChassis: undefined}),
        binding('short', {requestedChassis: undefined}),
        binding('typo', {requestedChassis: undefined}),
        binding('fine', {requestedChassis: HERE}),
      ],
      chassis,
    })
    expect(states(rows)).toEqual([
      [
        'by-serial',
        'pending',
        'requested chassis MT2232X01234 is unknown in the Southbound DB: it is the card serial of chassis hv1 (hostname dpu1.example.com); Neutron writes the hostname: requested-chassis=dpu1.example.com',
      ],
      ['fine', 'pending', 'not claimed yet: not plugged on hv1, or its ovn-controller has not bound it'],
      [
        'short',
        'pending',
        'requested chassis dpu1 is unknown in the Southbound DB: it is hostname dpu1.example.com of chassis hv1 with another domain; OVN compares hostnames exactly, domain included',
      ],
      ['typo', 'pending', 'requested chassis dpu9 is unknown in the Southbound DB: is ovn-controller running there?'],
    ])
    expect(rows.map((row) => [row.lport, row.cardSerial])).toEqual([
      ['by-serial', undefined],
      ['fine', 'MT2232X01234'],
      ['short', undefined],
      ['typo', undefined],
    ])
  })
})

describe('absentReason', () => {
  const known: Parameters<typeof absentReason>[2] = {
    chassisName: 'hv1',
    logicalPorts: [
      {name: 'there', type: '', options: {'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'}},
      {name: 'plain', type: '', options: {}},
      {name: 'lr', type: 'router', options: {}},
    ],
    bindings: [],
  }

  it('explains why a named port has no row', () => {
    expect(absentReason('there', [], known)).toBe('logical port there is requested for hv2, not for hv1: see --all-chassis')
    expect(absentReason('plain', [], known)).toBe('logical port plain does not ask to be plugged (no options:vif-plug-type)')
    expect(absentReason('lr', [], known)).toBe('logical port lr is not a VIF (type router)')
    expect(absentReason('nope', [], known)).toBe('no logical port nope')
    expect(absentReason('x', [{lport: 'x', state: 'plugged', reason: ''}], known)).toBeUndefined()
  })
})
