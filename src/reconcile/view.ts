import type {Condition, Row} from '../ovsdb/datum.js'
import {type ChassisNames} from '../ovn/chassis.js'
import {REQUESTED_CHASSIS} from '../ovn/keys.js'
import {type OvsInterface, type PortBinding} from '../ovn/rows.js'

/** The part of a replica table (or of a select result indexed by uuid) the views read. */
export interface RowSource {
  get(uuid: string): Row | undefined
  rows(): Iterable<Row>
}

export interface OvsTables {
  Open_vSwitch: RowSource
  Bridge: RowSource
  Port: RowSource
  Interface: RowSource
}

export const DEFAULT_INTEGRATION_BRIDGE = 'br-int'

/** Columns of the local Open_vSwitch DB that the reconciler reads, per table. */
export const OVS_COLUMNS = {
  Open_vSwitch: ['external_ids', 'bridges'],
  Bridge: ['name', 'ports'],
  // Not the name: nothing reads it, and this is the slowest read of all at 10k ports.
  Port: ['interfaces'],
  Interface: ['name', 'type', 'options', 'external_ids', 'mtu_request'],
} as const

/**
 * What ovs-vswitchd reports on each Interface: status and doctor read it, reconcile does not.
 * ovs-vswitchd writes ofport on every new interface, so following it would double the updates
 * a large plug brings to a reconciler.
 */
export const INTERFACE_STATE_COLUMNS = ['ofport', 'error'] as const

/** Columns of the Southbound DB that the reconciler reads, per table. */
export const SB_COLUMNS = {
  Chassis: ['name', 'hostname'],
  Port_Binding: ['logical_port', 'type', 'options', 'requested_chassis', 'requested_additional_chassis', 'chassis', 'up'],
} as const

function stringMap(value: unknown): Record<string, string> {
  return (value ?? {}) as Record<string, string>
}

function uuids(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : value === undefined ? [] : [value as string]
}

export interface ChassisIdentity {
  /** external_ids:system-id: the chassis name ovn-controller registers. */
  systemId?: string
  /** external_ids:ovn-bridge, default br-int. */
  integrationBridge: string
  /** external_ids:ovn-remote: where ovn-controller finds the Southbound DB. */
  ovnRemote?: string
}

export function chassisIdentity(ovs: Pick<OvsTables, 'Open_vSwitch'>): ChassisIdentity {
  const [root] = ovs.Open_vSwitch.rows()
  const externalIds = stringMap(root?.external_ids)
  const identity: ChassisIdentity = {integrationBridge: externalIds['ovn-bridge'] || DEFAULT_INTEGRATION_BRIDGE}
  if (externalIds['system-id']) identity.systemId = externalIds['system-id']
  if (externalIds['ovn-remote']) identity.ovnRemote = externalIds['ovn-remote']
  return identity
}

export function findBridge(ovs: Pick<OvsTables, 'Bridge'>, name: string): Row | undefined {
  for (const bridge of ovs.Bridge.rows()) if (bridge.name === name) return bridge
  return undefined
}

/** Every interface on the bridge, with the Port holding it. */
export function interfacesOnBridge(ovs: Pick<OvsTables, 'Port' | 'Interface'>, bridge: Row): OvsInterface[] {
  const views: OvsInterface[] = []
  for (const portUuid of uuids(bridge.ports)) {
    const port = ovs.Port.get(portUuid)
    if (!port) continue
    for (const ifaceUuid of uuids(port.interfaces)) {
      const iface = ovs.Interface.get(ifaceUuid)
      if (!iface) continue
      const view: OvsInterface = {
        uuid: iface._uuid,
        name: iface.name as string,
        type: iface.type as string,
        options: stringMap(iface.options),
        externalIds: stringMap(iface.external_ids),
        portUuid,
      }
      // Absent stays absent, not undefined, so views compare and print cleanly; assigned, since
      // spreading each in costs a temporary object, for every one of 10,000 interfaces.
      if (iface.mtu_request !== undefined) view.mtuRequest = iface.mtu_request as number
      if (iface.ofport !== undefined) view.ofport = iface.ofport as number
      if (iface.error !== undefined) view.error = iface.error as string
      views.push(view)
    }
  }

  return views
}

export function bindingView(row: Row): PortBinding {
  const view: PortBinding = {uuid: row._uuid, logicalPort: row.logical_port as string, type: row.type as string, options: stringMap(row.options)}
  if (row.requested_chassis !== undefined) view.requestedChassis = row.requested_chassis as string
  const additional = uuids(row.requested_additional_chassis)
  if (additional.length > 0) view.requestedAdditionalChassis = additional
  if (row.chassis !== undefined) view.chassis = row.chassis as string
  if (row.up !== undefined) view.up = row.up as boolean
  return view
}

/** This chassis's own Chassis row: the one named after its system-id. */
export function chassisNamed(chassis: RowSource, name: string): Row | undefined {
  for (const row of chassis.rows()) if (row.name === name) return row
  return undefined
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
