import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {parseSchema} from '../../../src/ovsdb/schema.js'
import {Transaction} from '../../../src/ovsdb/transaction.js'
import {addPlanToTransaction} from '../../../src/reconcile/apply.js'
import type {DesiredInterface} from '../../../src/reconcile/plan.js'
import {type OvsInterface} from '../../../src/ovn/rows.js'

// The installed Open_vSwitch schema, so the operations are checked against the real column types.
const schema = parseSchema(JSON.parse(readFileSync('/usr/share/openvswitch/vswitch.ovsschema', 'utf8')))
const BRIDGE = '11111111-1111-1111-1111-111111111111'
const PORT = '22222222-2222-2222-2222-222222222222'
const IFACE = '33333333-3333-3333-3333-333333333333'

function transaction(): Transaction {
  return new Transaction(schema, async () => [])
}

const desired: DesiredInterface = {
  name: 'vf3',
  type: '',
  options: {'vif-plug-dummy-option': 'value'},
  externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'dummy'},
  mtuRequest: 1500,
}

const current: OvsInterface = {
  uuid: IFACE,
  name: 'vf1',
  type: 'internal',
  options: {},
  externalIds: {'iface-id': 'lsp1', 'ovn-plugged': 'dummy'},
  portUuid: PORT,
}

describe('addPlanToTransaction', () => {
  it('creates Interface and Port and adds the Port to br-int (a same-named row fails the unique name index)', () => {
    const tx = transaction()
    addPlanToTransaction(tx, [{kind: 'create', lport: 'lsp1', desired}], {bridgeUuid: BRIDGE, lock: 'ovn_vif_ctl_reconcile'})
    expect(tx.operations).toEqual([
      {op: 'comment', comment: 'ovn-vif-ctl reconcile: 1 change(s)'},
      {op: 'assert', lock: 'ovn_vif_ctl_reconcile'},
      {
        op: 'insert',
        table: 'Interface',
        'uuid-name': 'iface0',
        row: {
          name: 'vf3',
          options: ['map', [['vif-plug-dummy-option', 'value']]],
          external_ids: ['map', [['iface-id', 'lsp1'], ['ovn-plugged', 'dummy']]],
          mtu_request: 1500,
        },
      },
      {op: 'insert', table: 'Port', 'uuid-name': 'port0', row: {name: 'vf3', interfaces: ['named-uuid', 'iface0']}},
      {op: 'mutate', table: 'Bridge', where: [['_uuid', '==', ['uuid', BRIDGE]]], mutations: [['ports', 'insert', ['named-uuid', 'port0']]]},
    ])
  })

  it('creates with only the columns that differ from what an insert gets by default (type "", no options, no mtu_request)', () => {
    const tx = transaction()
    const plain: DesiredInterface = {name: 'c1pf0sf7', type: '', options: {}, externalIds: {'iface-id': 'lsp7', 'ovn-plugged': 'representor'}}
    const internal: DesiredInterface = {...plain, name: 'int0', type: 'internal', externalIds: {'iface-id': 'lsp8', 'ovn-plugged': 'dummy'}}
    addPlanToTransaction(tx, [{kind: 'create', lport: 'lsp7', desired: plain}, {kind: 'create', lport: 'lsp8', desired: internal}], {bridgeUuid: BRIDGE})
    const rows = tx.operations.filter((operation) => operation.op === 'insert' && operation.table === 'Interface').map((operation) => operation.row)
    expect(rows).toEqual([
      {name: 'c1pf0sf7', external_ids: ['map', [['iface-id', 'lsp7'], ['ovn-plugged', 'representor']]]},
      {name: 'int0', type: 'internal', external_ids: ['map', [['iface-id', 'lsp8'], ['ovn-plugged', 'dummy']]]},
    ])
  })

  it('updates in place, guarded on every column the update rewrites, clearing mtu_request when none is wanted', () => {
    const tx = transaction()
    const {mtuRequest: _none, ...withoutMtu} = desired
    addPlanToTransaction(tx, [{kind: 'update', lport: 'lsp1', current: {...current, mtuRequest: 440}, desired: {...withoutMtu, name: 'vf1'}, changes: []}], {bridgeUuid: BRIDGE})
    expect(tx.operations.slice(1)).toEqual([
      {
        op: 'wait',
        table: 'Interface',
        where: [['_uuid', '==', ['uuid', IFACE]]],
        columns: ['type', 'options', 'external_ids', 'mtu_request'],
        until: '==',
        rows: [{type: 'internal', options: ['map', []], external_ids: ['map', [['iface-id', 'lsp1'], ['ovn-plugged', 'dummy']]], mtu_request: 440}],
        timeout: 0,
      },
      {
        op: 'update',
        table: 'Interface',
        where: [['_uuid', '==', ['uuid', IFACE]]],
        row: {type: '', options: ['map', [['vif-plug-dummy-option', 'value']]], external_ids: ['map', [['iface-id', 'lsp1'], ['ovn-plugged', 'dummy']]], mtu_request: ['set', []]},
      },
    ])
  })

  it('replaces by taking the old Port off the bridge (the server collects it and its Interface) and creating the new one, in one transaction', () => {
    const tx = transaction()
    addPlanToTransaction(tx, [{kind: 'replace', lport: 'lsp1', current, desired}], {bridgeUuid: BRIDGE})
    expect(tx.operations.map((op) => `${op.op} ${op.table ?? ''}`.trim())).toEqual([
      'comment',
      'wait Interface',
      'insert Interface',
      'insert Port',
      'mutate Bridge',
    ])
    expect(tx.operations[4]).toEqual({
      op: 'mutate',
      table: 'Bridge',
      where: [['_uuid', '==', ['uuid', BRIDGE]]],
      mutations: [
        ['ports', 'delete', ['uuid', PORT]],
        ['ports', 'insert', ['named-uuid', 'port0']],
      ],
    })
  })

  it("guards a removal on the row's iface-id and ovn-plugged, type and options, not on the rest of external_ids", () => {
    const tx = transaction()
    const installed = {...current, options: {'vif-plug-dummy-option': 'value'}, externalIds: {...current.externalIds, 'ovn-installed': 'true'}}
    addPlanToTransaction(tx, [{kind: 'remove', lport: 'lsp1', current: installed}], {bridgeUuid: BRIDGE})
    expect(tx.operations.slice(1)).toEqual([
      {
        op: 'wait',
        table: 'Interface',
        where: [
          ['_uuid', '==', ['uuid', IFACE]],
          ['external_ids', 'includes', ['map', [['iface-id', 'lsp1'], ['ovn-plugged', 'dummy']]]],
          ['type', '==', 'internal'],
          ['options', '==', ['map', [['vif-plug-dummy-option', 'value']]]],
        ],
        columns: [],
        until: '==',
        rows: [{}],
        timeout: 0,
      },
      {op: 'mutate', table: 'Bridge', where: [['_uuid', '==', ['uuid', BRIDGE]]], mutations: [['ports', 'delete', ['uuid', PORT]]]},
    ])
  })

  it('changes Bridge.ports with one mutation however many ports a plan adds and removes', () => {
    const tx = transaction()
    const creates = ['a', 'b', 'c'].map((name) => ({kind: 'create' as const, lport: name, desired: {...desired, name}}))
    addPlanToTransaction(tx, [...creates, {kind: 'remove', lport: 'lsp1', current}], {bridgeUuid: BRIDGE})
    const bridgeMutations = tx.operations.filter((op) => op.table === 'Bridge')
    expect(bridgeMutations).toEqual([
      {
        op: 'mutate',
        table: 'Bridge',
        where: [['_uuid', '==', ['uuid', BRIDGE]]],
        mutations: [
          ['ports', 'delete', ['uuid', PORT]],
          ['ports', 'insert', ['set', [['named-uuid', 'port0'], ['named-uuid', 'port1'], ['named-uuid', 'port2']]]],
        ],
      },
    ])
  })
})
