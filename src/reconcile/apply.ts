import {type Condition, type Mutation, type NamedUuid, setDelete, setInsert} from '../ovsdb/datum.js'
import type {Transaction} from '../ovsdb/transaction.js'
import type {DesiredInterface, PlanAction} from './plan.js'
import {IFACE_ID, OVN_PLUGGED} from '../ovn/keys.js'
import {type OvsInterface} from '../ovn/rows.js'

/**
 * The Interface columns an update rewrites whole, and so must find as read: a key another
 * writer added meanwhile would be lost. The name is not among them: the schema makes it
 * immutable, so the row's uuid fixes it.
 */
const UPDATED_INTERFACE_COLUMNS = ['type', 'options', 'external_ids', 'mtu_request'] as const

export interface ApplyTarget {
  bridgeUuid: string
  /** When set, the transaction fails unless this client still holds the named OVSDB lock. */
  lock?: string
}

function guardUnchanged(tx: Transaction, iface: OvsInterface): void {
  const asRead = {type: iface.type, options: iface.options, external_ids: iface.externalIds, mtu_request: iface.mtuRequest}
  tx.wait('Interface', [['_uuid', '==', iface.uuid]], UPDATED_INTERFACE_COLUMNS, '==', [asRead])
}

/**
 * Removing an interface (alone, or to replace it) relies on what made it OVN's, for which lport,
 * its iface-id and ovn-plugged, and on what its provider was shown, its type and options (its
 * name is immutable): the guard names exactly those, as conditions the row must still meet, with
 * no column to compare. Not the rest of external_ids: ovn-controller removes its ovn-installed
 * keys from these very rows as it releases their bindings, which must not fail the pass.
 */
function guardRemoval(tx: Transaction, iface: OvsInterface): void {
  const ours = {[IFACE_ID]: iface.externalIds[IFACE_ID], [OVN_PLUGGED]: iface.externalIds[OVN_PLUGGED]}
  const where: Condition[] = [['_uuid', '==', iface.uuid], ['external_ids', 'includes', ours], ['type', '==', iface.type], ['options', '==', iface.options]]
  tx.wait('Interface', where, [], '==', [{}])
}

/**
 * Creating needs no guard: Interface.name is a unique index in the schema, so a row created
 * with the same name since we read makes the server refuse the whole transaction. The row
 * carries only what differs from what an insert gets by default (type "", no options, no
 * mtu_request): a representor plugged needs none of the three, and a plug of thousands then
 * has that much less to encode, send and parse.
 */
function addCreate(tx: Transaction, desired: DesiredInterface, index: number): NamedUuid {
  const row: Record<string, unknown> = {name: desired.name}
  if (desired.type !== '') row.type = desired.type
  if (Object.keys(desired.options).length > 0) row.options = desired.options
  row.external_ids = desired.externalIds
  if (desired.mtuRequest !== undefined) row.mtu_request = desired.mtuRequest
  const iface = tx.insert('Interface', row, {uuidName: `iface${index}`})
  return tx.insert('Port', {name: desired.name, interfaces: [iface]}, {uuidName: `port${index}`})
}

/**
 * Adds the whole plan to one transaction. Every row the plan changes is guarded with a wait on
 * what the plan relied on, so a concurrent change to that makes the transaction fail as a whole
 * (and the caller re-plans) instead of committing a decision made on stale data. A port is
 * removed by taking it out of Bridge.ports: Port and Interface are not root tables, so
 * ovsdb-server deletes the Port, and then its Interface, once nothing refers to them (as
 * ovs-vsctl del-port does). Explicit deletes would double the operations of a large unplug for
 * nothing.
 */
export function addPlanToTransaction(tx: Transaction, actions: readonly PlanAction[], target: ApplyTarget): void {
  tx.comment(`ovn-vif-ctl reconcile: ${actions.length} change(s)`)
  if (target.lock) tx.assert(target.lock)
  const removedPorts: string[] = []
  const createdPorts: NamedUuid[] = []
  actions.forEach((action, index) => {
    switch (action.kind) {
      case 'create':
        createdPorts.push(addCreate(tx, action.desired, index))
        break
      case 'update': {
        guardUnchanged(tx, action.current)
        const {desired} = action
        tx.update('Interface', [['_uuid', '==', action.current.uuid]], {
          type: desired.type,
          options: desired.options,
          external_ids: desired.externalIds,
          mtu_request: desired.mtuRequest,
        })
        break
      }

      case 'replace':
        guardRemoval(tx, action.current)
        removedPorts.push(action.current.portUuid)
        createdPorts.push(addCreate(tx, action.desired, index))
        break
      case 'remove':
        guardRemoval(tx, action.current)
        removedPorts.push(action.current.portUuid)
        break
    }
  })
  // One mutation of Bridge.ports for the whole plan: the server copies the set once, not once per port.
  const mutations: Mutation[] = []
  if (removedPorts.length > 0) mutations.push(setDelete('ports', removedPorts))
  if (createdPorts.length > 0) mutations.push(setInsert('ports', createdPorts))
  if (mutations.length > 0) tx.mutate('Bridge', [['_uuid', '==', target.bridgeUuid]], mutations)
}
