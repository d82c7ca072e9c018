/**
 * What one chassis's databases say, as plain data: the Port_Bindings the Southbound DB asks of
 * this chassis, and the interfaces the local Open_vSwitch DB has on the integration bridge.
 */

import type {ChassisNames} from './chassis.js'
import {OVN_PLUGGED, VIF_PLUG_TYPE} from './keys.js'
import type {OvsInterface, PortBinding} from './rows.js'

export interface LocalChassisView {
  /** This chassis's Chassis row uuid; without one nothing is requested here. */
  chassisUuid: string | undefined
  /** This chassis's name and (once registered) hostname, as options:requested-chassis may name it. */
  chassis: ChassisNames
  /** The Bridge row of the integration bridge. */
  bridgeUuid: string
  /** Port_Bindings the planner may need: at least every one requested for this chassis. */
  bindings: readonly PortBinding[]
  /** Every interface on the integration bridge. */
  interfaces: readonly OvsInterface[]
  /**
   * True only when both databases' views are complete (initial data received, connections
   * up, any resync finished): removals are planned only then.
   */
  complete: boolean
}

/** The vif-plug-types the view involves: those the bindings ask for and those that plugged an interface. */
export function vifPlugTypesIn(view: Pick<LocalChassisView, 'bindings' | 'interfaces'>): Set<string> {
  const types = new Set<string>()
  for (const binding of view.bindings) if (binding.options[VIF_PLUG_TYPE] !== undefined) types.add(binding.options[VIF_PLUG_TYPE])
  for (const iface of view.interfaces) if (iface.externalIds[OVN_PLUGGED] !== undefined) types.add(iface.externalIds[OVN_PLUGGED])
  return types
}
