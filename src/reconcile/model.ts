/**
 * The reconciler's view of the world, as plain data: what the Southbound DB asks of this
 * chassis, and what the local Open_vSwitch DB has on the integration bridge. Built from OVSDB
 * rows by view.ts; the planner only ever sees these types.
 */

import type {ChassisNames} from '../ovn/chassis.js'

export const IFACE_ID = 'iface-id'
export const OVN_PLUGGED = 'ovn-plugged'
export const VIF_PLUG_TYPE = 'vif-plug-type'
export const VIF_PLUG_MTU_REQUEST = 'vif-plug-mtu-request'

/** A Southbound Port_Binding, reduced to what vif-plug decisions need. */
export interface BindingView {
  uuid: string
  logicalPort: string
  /** Port_Binding.type: '' for a VIF. */
  type: string
  options: Readonly<Record<string, string>>
  /** Port_Binding.requested_chassis: the Chassis row's uuid, if any. */
  requestedChassis?: string
  /** Port_Binding.requested_additional_chassis: the other chassis of a requested-chassis list, by uuid; absent when none. */
  requestedAdditionalChassis?: string[]
  /** Port_Binding.chassis: the chassis that claimed it, if any. */
  chassis?: string
  up?: boolean
}

/** An Open_vSwitch Interface row on the integration bridge, with the Port that holds it. */
export interface InterfaceView {
  uuid: string
  name: string
  type: string
  options: Readonly<Record<string, string>>
  externalIds: Readonly<Record<string, string>>
  mtuRequest?: number
  ofport?: number
  error?: string
  /** The Port row holding this interface, on the integration bridge. */
  portUuid: string
}

export interface ReconcileView {
  /** This chassis's Chassis row uuid; without one nothing is requested here. */
  chassisUuid: string | undefined
  /** This chassis's name and (once registered) hostname, as options:requested-chassis may name it. */
  chassis: ChassisNames
  /** The Bridge row of the integration bridge. */
  bridgeUuid: string
  /** Port_Bindings the planner may need: at least every one requested for this chassis. */
  bindings: readonly BindingView[]
  /** Every interface on the integration bridge. */
  interfaces: readonly InterfaceView[]
  /**
   * True only when both databases' views are complete (initial data received, connections
   * up, any resync finished): removals are planned only then.
   */
  complete: boolean
}

/** The vif-plug-types the view involves: those the bindings ask for and those that plugged an interface. */
export function vifPlugTypesIn(view: Pick<ReconcileView, 'bindings' | 'interfaces'>): Set<string> {
  const types = new Set<string>()
  for (const binding of view.bindings) if (binding.options[VIF_PLUG_TYPE] !== undefined) types.add(binding.options[VIF_PLUG_TYPE])
  for (const iface of view.interfaces) if (iface.externalIds[OVN_PLUGGED] !== undefined) types.add(iface.externalIds[OVN_PLUGGED])
  return types
}
