/**
 * What one chassis's databases say, as plain data: the Port_Bindings the Southbound DB asks of
 * this chassis, and the interfaces the local Open_vSwitch DB has on the integration bridge.
 * LocalChassis (local-chassis.ts) builds it from its monitors; reconcile plans from it, status
 * classifies from it, doctor reads it through status.
 */

import type {Condition} from '../ovsdb/index.js'
import {type ChassisNames} from './chassis.js'
import {OVN_PLUGGED, REQUESTED_CHASSIS, VIF_PLUG_TYPE} from './keys.js'
import {type BridgeRow, type ChassisRow, decodeInterface, decodePortBinding, type InterfaceRow, type OvsInterface, type PortBinding, type PortBindingRow, type PortRow} from './rows.js'

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

/** The part of a replica table the view reads. */
export interface RowSource<R> {
  get(uuid: string): R | undefined
  rows(): Iterable<R>
}

export function findBridge(bridges: RowSource<BridgeRow>, name: string): BridgeRow | undefined {
  for (const bridge of bridges.rows()) if (bridge.name === name) return bridge
  return undefined
}

/** Every interface on the bridge, with the Port holding it; nothing of any other bridge. */
export function interfacesOnBridge(tables: {Port: RowSource<PortRow>; Interface: RowSource<InterfaceRow>}, bridge: BridgeRow): OvsInterface[] {
  const interfaces: OvsInterface[] = []
  for (const portUuid of bridge.ports) {
    const port = tables.Port.get(portUuid)
    if (!port) continue
    for (const ifaceUuid of port.interfaces) {
      const row = tables.Interface.get(ifaceUuid)
      if (row) interfaces.push(decodeInterface(row, portUuid))
    }
  }

  return interfaces
}

/** The names options:requested-chassis may give a chassis: its name, and its hostname as its Chassis row has it. */
export function chassisNames(chassis: Iterable<ChassisRow>, name: string): ChassisNames {
  for (const row of chassis) if (row.name === name && row.hostname) return {name, hostname: row.hostname}
  return {name}
}

/** What LocalChassis's monitors hold, from which the view is built. */
export interface LocalChassisState {
  /** The Chassis row the bindings were selected for (see requestedHere()); undefined without one. */
  chassisUuid: string | undefined
  chassis: ChassisNames
  integrationBridge: string
  ovs: {Bridge: RowSource<BridgeRow>; Port: RowSource<PortRow>; Interface: RowSource<InterfaceRow>}
  bindings: Iterable<PortBindingRow>
  /** Every monitor has its initial data, and its connection is up. */
  monitorsComplete: boolean
}

/** The view: complete only when every monitor is and the integration bridge exists. */
export function localChassisView(state: LocalChassisState): LocalChassisView {
  const bridge = findBridge(state.ovs.Bridge, state.integrationBridge)
  return {
    chassisUuid: state.chassisUuid,
    chassis: state.chassis,
    bridgeUuid: bridge?._uuid ?? '',
    bindings: [...state.bindings].map(decodePortBinding),
    interfaces: bridge ? interfacesOnBridge(state.ovs, bridge) : [],
    complete: Boolean(bridge) && state.monitorsComplete,
  }
}

/** Rows whose options:requested-chassis is this chassis alone, by name or hostname (monitor clauses are ORed). */
function namingChassis(chassis: ChassisNames): Condition[] {
  const names = chassis.hostname ? [chassis.name, chassis.hostname] : [chassis.name]
  return [...new Set(names)].map((name): Condition => ['options', 'includes', {[REQUESTED_CHASSIS]: name}])
}

/**
 * The Port_Bindings requested for this chassis: by its Chassis row, as the first of
 * requested-chassis or as an additional one (a live migration's other end), and by its name or
 * hostname in options:requested-chassis, which northd resolves to the row only once it exists
 * (status reports those as "requested chassis unknown"). The cost follows what is requested
 * here, not the size of the Southbound DB.
 */
export function requestedHere(chassisUuid: string | undefined, chassis: ChassisNames): Condition[] {
  const byRow: Condition[] = chassisUuid === undefined ? [] : [['requested_chassis', '==', chassisUuid], ['requested_additional_chassis', 'includes', chassisUuid]]
  return [...byRow, ...namingChassis(chassis)]
}

/** The vif-plug-types the view involves: those the bindings ask for and those that plugged an interface. */
export function vifPlugTypesIn(view: Pick<LocalChassisView, 'bindings' | 'interfaces'>): Set<string> {
  const types = new Set<string>()
  for (const binding of view.bindings) if (binding.options[VIF_PLUG_TYPE] !== undefined) types.add(binding.options[VIF_PLUG_TYPE])
  for (const iface of view.interfaces) if (iface.externalIds[OVN_PLUGGED] !== undefined) types.add(iface.externalIds[OVN_PLUGGED])
  return types
}
