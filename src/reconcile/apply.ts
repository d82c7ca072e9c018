import type {Transaction} from '../ovsdb/transaction.js'
import type {InterfaceView} from './model.js'
import type {DesiredInterface, PlanAction} from './plan.js'

/** The Interface columns a plan was computed from: the guard checks they are still as read. */
const GUARDED_INTERFACE_COLUMNS = ['name', 'type', 'options', 'external_ids', 'mtu_request'] as const

export interface ApplyTarget {
  bridgeUuid: string
  /** When set, the transaction fails unless this client still holds the named OVSDB lock. */
  lock?: string
}

function guardUnchanged(tx: Transaction, iface: InterfaceView): void {
  const asRead = {
    name: iface.name,
    type: iface.type,
    options: iface.options,
    external_ids: iface.externalIds,
    mtu_request: iface.mtuRequest,
  }
  tx.wait('Interface', [['_uuid', '==', iface.uuid]], GUARDED_INTERFACE_COLUMNS, '==', [asRead])
}

function addCreate(tx: Transaction, bridgeUuid: string, desired: DesiredInterface, index: number): void {
  // Guard: nobody created an interface with this name since we read (a duplicate name cannot commit).
  tx.wait('Interface', [['name', '==', desired.name]], ['name'], '==', [])
  const iface = tx.insert(
    'Interface',
    {name: desired.name, type: desired.type, options: desired.options, external_ids: desired.externalIds, mtu_request: desired.mtuRequest},
    {uuidName: `iface${index}`},
  )
  const port = tx.insert('Port', {name: desired.name, interfaces: [iface]}, {uuidName: `port${index}`})
  tx.mutate('Bridge', [['_uuid', '==', bridgeUuid]], [['ports', 'insert', [port]]])
}

function addRemove(tx: Transaction, bridgeUuid: string, current: InterfaceView): void {
  guardUnchanged(tx, current)
  tx.mutate('Bridge', [['_uuid', '==', bridgeUuid]], [['ports', 'delete', [current.portUuid]]])
  tx.delete('Port', [['_uuid', '==', current.portUuid]])
  tx.delete('Interface', [['_uuid', '==', current.uuid]])
}

/**
 * Adds the whole plan to one transaction. Every row the plan read is guarded with a wait, so
 * a concurrent change makes the transaction fail as a whole (and the caller re-plans) instead
 * of committing a decision made on stale data.
 */
export function addPlanToTransaction(tx: Transaction, actions: readonly PlanAction[], target: ApplyTarget): void {
  tx.comment(`ovn-vif-ctl reconcile: ${actions.length} change(s)`)
  if (target.lock) tx.assert(target.lock)
  actions.forEach((action, index) => {
    switch (action.kind) {
      case 'create':
        addCreate(tx, target.bridgeUuid, action.desired, index)
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
        // Remove first: the new name is guarded free after the old row is gone in this transaction.
        addRemove(tx, target.bridgeUuid, action.current)
        addCreate(tx, target.bridgeUuid, action.desired, index)
        break
      case 'remove':
        addRemove(tx, target.bridgeUuid, action.current)
        break
    }
  })
}
