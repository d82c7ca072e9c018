import {describe, expect, it} from 'vitest'

import {chassisNames, type LocalChassisState, localChassisView, requestedHere, type RowSource, vifPlugTypesIn} from '../../../src/ovn/local-view.js'
import type {BridgeRow, ChassisRow, InterfaceRow, PortBindingRow, PortRow} from '../../../src/ovn/rows.js'

function table<R extends {_uuid: string}>(rows: R[]): RowSource<R> {
  const byUuid = new Map(rows.map((row) => [row._uuid, row]))
  return {get: (uuid) => byUuid.get(uuid), rows: () => byUuid.values()}
}

function iface(uuid: string, name: string, extra: Partial<InterfaceRow> = {}): InterfaceRow {
  return {_uuid: uuid, name, type: '', options: {}, external_ids: {}, mtu_request: undefined, ...extra}
}

function binding(lport: string, extra: Partial<PortBindingRow> = {}): PortBindingRow {
  return {
    _uuid: `pb-${lport}`,
    logical_port: lport,
    type: '',
    options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'},
    requested_chassis: 'uuid-hv1',
    requested_additional_chassis: [],
    chassis: undefined,
    up: undefined,
    ...extra,
  }
}

/** br-int with vm1 (plugged, with its OVS state) and a port whose Interface row is not there; br-ex with uplink. */
function state(overrides: Partial<LocalChassisState> = {}): LocalChassisState {
  const bridges: BridgeRow[] = [
    {_uuid: 'br-int-uuid', name: 'br-int', ports: ['port-vm1', 'port-ghost', 'port-missing']},
    {_uuid: 'br-ex-uuid', name: 'br-ex', ports: ['port-uplink']},
  ]
  const ports: PortRow[] = [
    {_uuid: 'port-vm1', interfaces: ['if-vm1']},
    {_uuid: 'port-ghost', interfaces: ['if-gone']},
    {_uuid: 'port-uplink', interfaces: ['if-uplink']},
  ]
  const interfaces = [
    iface('if-vm1', 'vm1', {external_ids: {'iface-id': 'lsp1', 'ovn-plugged': 'dummy'}, mtu_request: 9000, ofport: 3}),
    iface('if-uplink', 'eth0', {external_ids: {'ovn-plugged': 'representor'}, error: 'could not open network device eth0'}),
  ]
  return {
    chassisUuid: 'uuid-hv1',
    chassis: {name: 'hv1', hostname: 'dpu-a.example'},
    integrationBridge: 'br-int',
    ovs: {Bridge: table(bridges), Port: table(ports), Interface: table(interfaces)},
    bindings: [binding('lsp1')],
    monitorsComplete: true,
    ...overrides,
  }
}

describe('localChassisView', () => {
  it('is complete only when every monitor is and the integration bridge exists', () => {
    expect(localChassisView(state()).complete).toBe(true)
    expect(localChassisView(state({monitorsComplete: false})).complete).toBe(false)
    const noBridge = localChassisView(state({integrationBridge: 'br-missing'}))
    expect(noBridge).toMatchObject({complete: false, bridgeUuid: '', interfaces: []})
  })

  it('has the interfaces of the integration bridge only, each with the Port holding it, skipping rows not there', () => {
    const view = localChassisView(state())
    expect(view.bridgeUuid).toBe('br-int-uuid')
    expect(view.interfaces).toEqual([
      {uuid: 'if-vm1', name: 'vm1', type: '', options: {}, externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'dummy'}, mtuRequest: 9000, ofport: 3, portUuid: 'port-vm1'},
    ])
    const onBrEx = localChassisView(state({integrationBridge: 'br-ex'}))
    expect(onBrEx.interfaces.map((found) => [found.name, found.error])).toEqual([['eth0', 'could not open network device eth0']])
  })

  it('leaves the columns a binding does not have out of it, rather than undefined', () => {
    const view = localChassisView(state({bindings: [binding('lsp1'), binding('moving', {requested_additional_chassis: ['uuid-hv2'], chassis: 'uuid-hv2', up: true})]}))
    expect(view.bindings[0]).toStrictEqual({uuid: 'pb-lsp1', logicalPort: 'lsp1', type: '', options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}, requestedChassis: 'uuid-hv1'})
    expect(view.bindings[1]).toMatchObject({requestedAdditionalChassis: ['uuid-hv2'], chassis: 'uuid-hv2', up: true})
  })

  it('keeps the Chassis uuid the bindings were selected for, and none without a Chassis row', () => {
    expect(localChassisView(state()).chassisUuid).toBe('uuid-hv1')
    expect(localChassisView(state({chassisUuid: undefined, bindings: []}))).toMatchObject({chassisUuid: undefined, bindings: [], complete: true})
  })
})

describe('chassisNames', () => {
  const rows: ChassisRow[] = [
    {_uuid: 'uuid-hv1', name: 'hv1', hostname: 'dpu-a.example', other_config: {}},
    {_uuid: 'uuid-hv2', name: 'hv2', hostname: '', other_config: {}},
  ]

  it('gives the hostname of the chassis row named, when it has one', () => {
    expect(chassisNames(rows, 'hv1')).toEqual({name: 'hv1', hostname: 'dpu-a.example'})
    expect(chassisNames(rows, 'hv2')).toEqual({name: 'hv2'})
  })

  it('gives the name alone while the chassis has no Chassis row', () => {
    expect(chassisNames(rows, 'hv3')).toEqual({name: 'hv3'})
  })
})

describe('requestedHere', () => {
  it('selects the bindings requested for the Chassis row, first or additional, and those naming the chassis by name or hostname', () => {
    expect(requestedHere('uuid-hv1', {name: 'hv1', hostname: 'dpu-a.example'})).toEqual([
      ['requested_chassis', '==', 'uuid-hv1'],
      ['requested_additional_chassis', 'includes', 'uuid-hv1'],
      ['options', 'includes', {'requested-chassis': 'hv1'}],
      ['options', 'includes', {'requested-chassis': 'dpu-a.example'}],
    ])
  })

  it('selects by name alone without a Chassis row, and names a hostname equal to the name once', () => {
    expect(requestedHere(undefined, {name: 'hv1'})).toEqual([['options', 'includes', {'requested-chassis': 'hv1'}]])
    expect(requestedHere('uuid-hv1', {name: 'hv1', hostname: 'hv1'})).toHaveLength(3)
  })
})

describe('vifPlugTypesIn', () => {
  it('has the types the bindings ask for and those that plugged an interface on the bridge', () => {
    const view = localChassisView(state({bindings: [binding('lsp1'), binding('plain', {options: {'requested-chassis': 'hv1'}}), binding('rep', {options: {'vif-plug-type': 'representor'}})]}))
    expect([...vifPlugTypesIn(view)].sort()).toEqual(['dummy', 'representor'])
    expect([...vifPlugTypesIn(localChassisView(state({bindings: []})))]).toEqual(['dummy'])
  })
})
