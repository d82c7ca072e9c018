/**
 * The rows this project reads from OVN's and Open vSwitch's databases: one row type per table,
 * as src/ovsdb decodes the columns listed here (see src/ovsdb/README.md, "Typed rows"), one
 * column list per table, and one decoder per table into the plain objects every command works
 * with. Nothing else turns a row into an object.
 */

import type {ColumnName, Condition, OvsdbClient, RowBase} from '../ovsdb/index.js'
import {type ChassisNames} from './chassis.js'
import {cardSerialOf, OVN_CMS_OPTIONS} from './cms-options.js'
import {DEFAULT_INTEGRATION_BRIDGE, OVN_BRIDGE, OVN_REMOTE, SYSTEM_ID} from './keys.js'

type StringMap = Record<string, string>

/** OVN_Northbound Logical_Switch_Port. */
export interface LogicalSwitchPortRow extends RowBase {
  name: string
  /** '' for a VIF. */
  type: string
  options: StringMap
}

/** OVN_Southbound Chassis. */
export interface ChassisRow extends RowBase {
  name: string
  hostname: string
  other_config: StringMap
}

/** OVN_Southbound Port_Binding; chassis and up are there only when BINDING_STATE_COLUMNS are read (not by PASS_COLUMNS). */
export interface PortBindingRow extends RowBase {
  logical_port: string
  type: string
  options: StringMap
  /** Chassis uuids. */
  requested_chassis: string | undefined
  requested_additional_chassis: string[]
  chassis?: string | undefined
  up?: boolean | undefined
}

/** OVN_Northbound NB_Global: the change counter the daemons echo as they catch up. */
export interface NbGlobalRow extends RowBase {
  nb_cfg: number
  /** The nb_cfg ovn-northd has put in the Southbound DB. */
  sb_cfg: number
  /** The nb_cfg every chassis has applied. */
  hv_cfg: number
}

/** OVN_Southbound SB_Global. */
export interface SbGlobalRow extends RowBase {
  nb_cfg: number
}

/** OVN_Southbound Chassis_Private: nb_cfg is the SB_Global.nb_cfg the chassis's ovn-controller has applied. */
export interface ChassisPrivateRow extends RowBase {
  name: string
  nb_cfg: number
}

/** Open_vSwitch Open_vSwitch (the root row). */
export interface OpenVswitchRow extends RowBase {
  external_ids: StringMap
  /** Bridge uuids. */
  bridges: string[]
}

/** Open_vSwitch Bridge. */
export interface BridgeRow extends RowBase {
  name: string
  /** Port uuids. */
  ports: string[]
}

/** Open_vSwitch Port. */
export interface PortRow extends RowBase {
  /** Interface uuids. */
  interfaces: string[]
}

/** Open_vSwitch Interface; ofport and error are there only when INTERFACE_STATE_COLUMNS are read (not by PASS_COLUMNS). */
export interface InterfaceRow extends RowBase {
  name: string
  type: string
  options: StringMap
  external_ids: StringMap
  mtu_request: number | undefined
  ofport?: number | undefined
  error?: string | undefined
}

export interface NorthboundTables {
  Logical_Switch_Port: LogicalSwitchPortRow
  NB_Global: NbGlobalRow
}

export interface SouthboundTables {
  Chassis: ChassisRow
  Port_Binding: PortBindingRow
  SB_Global: SbGlobalRow
  Chassis_Private: ChassisPrivateRow
}

export interface OvsTables {
  Open_vSwitch: OpenVswitchRow
  Bridge: BridgeRow
  Port: PortRow
  Interface: InterfaceRow
}

type AllTables = NorthboundTables & SouthboundTables & OvsTables

/**
 * What ovs-vswitchd reports on each Interface: status and doctor read it, reconcile does not.
 * ovs-vswitchd writes ofport on every new interface, so following it would double the updates
 * a large plug brings to a reconciler.
 */
export const INTERFACE_STATE_COLUMNS = ['ofport', 'error'] as const satisfies readonly ColumnName<InterfaceRow>[]

/**
 * What ovn-controller reports on each Port_Binding, its claim and whether the port is up:
 * status, plug and the watcher's metrics read it, a reconcile pass does not. Following it
 * would bring a reconciler an update for every port claimed, and a one-shot a larger read.
 */
export const BINDING_STATE_COLUMNS = ['chassis', 'up'] as const satisfies readonly ColumnName<PortBindingRow>[]

/** The columns a reconcile pass reads of the tables the daemons report on: all but the daemons' state. */
export const PASS_COLUMNS = {
  Port_Binding: ['logical_port', 'type', 'options', 'requested_chassis', 'requested_additional_chassis'],
  Interface: ['name', 'type', 'options', 'external_ids', 'mtu_request'],
} as const satisfies {readonly [N in 'Port_Binding' | 'Interface']: readonly ColumnName<AllTables[N]>[]}

/** The columns read of each table: what its row type declares. */
export const COLUMNS = {
  Logical_Switch_Port: ['name', 'type', 'options'],
  NB_Global: ['nb_cfg', 'sb_cfg', 'hv_cfg'],
  Chassis: ['name', 'hostname', 'other_config'],
  SB_Global: ['nb_cfg'],
  Chassis_Private: ['name', 'nb_cfg'],
  Port_Binding: [...PASS_COLUMNS.Port_Binding, ...BINDING_STATE_COLUMNS],
  Open_vSwitch: ['external_ids', 'bridges'],
  Bridge: ['name', 'ports'],
  // Not the name: nothing reads it, and this is the slowest read of all at 10k ports.
  Port: ['interfaces'],
  Interface: [...PASS_COLUMNS.Interface, ...INTERFACE_STATE_COLUMNS],
} as const satisfies {readonly [N in keyof AllTables]: readonly ColumnName<AllTables[N]>[]}

/** The rows of `table` that meet every condition (all of them without one), with the table's columns. */
export function selectRows<N extends keyof AllTables>(client: OvsdbClient, table: N, where?: readonly Condition[]): Promise<AllTables[N][]>
/** The same, with only the columns given. */
export function selectRows<N extends keyof AllTables, C extends ColumnName<AllTables[N]>>(
  client: OvsdbClient,
  table: N,
  where: readonly Condition[],
  columns: readonly C[],
): Promise<Pick<AllTables[N], C | '_uuid'>[]>
export async function selectRows(client: OvsdbClient, table: keyof AllTables, where: readonly Condition[] = [], columns: readonly string[] = COLUMNS[table]): Promise<RowBase[]> {
  const result = await client.transaction().select(table, where, ['_uuid', ...columns]).commit()
  return result.rows<RowBase>(0)
}

/** A Northbound Logical_Switch_Port. */
export interface LogicalSwitchPort {
  uuid: string
  name: string
  /** '' for a VIF. */
  type: string
  options: Readonly<StringMap>
}

export function decodeLogicalSwitchPort(row: LogicalSwitchPortRow): LogicalSwitchPort {
  return {uuid: row._uuid, name: row.name, type: row.type, options: row.options}
}

/** A Southbound Chassis; requested-chassis may name it by either name or hostname. */
export interface Chassis extends ChassisNames {
  uuid: string
  hostname: string
  /** other_config:ovn-cms-options, where a DPU's card-serial-number is registered. */
  cmsOptions?: string
  /** The card-serial-number of its ovn-cms-options, if any. */
  cardSerial?: string
}

export function decodeChassis(row: ChassisRow): Chassis {
  const chassis: Chassis = {uuid: row._uuid, name: row.name, hostname: row.hostname}
  const cmsOptions = row.other_config[OVN_CMS_OPTIONS]
  if (cmsOptions !== undefined) chassis.cmsOptions = cmsOptions
  const cardSerial = cardSerialOf(cmsOptions)
  if (cardSerial !== undefined) chassis.cardSerial = cardSerial
  return chassis
}

/** A Southbound Port_Binding. Absent columns stay absent, so bindings compare and print cleanly. */
export interface PortBinding {
  uuid: string
  logicalPort: string
  /** Port_Binding.type: '' for a VIF. */
  type: string
  options: Readonly<StringMap>
  /** Port_Binding.requested_chassis: the Chassis row's uuid, if any. */
  requestedChassis?: string
  /** Port_Binding.requested_additional_chassis: the other chassis of a requested-chassis list, by uuid; absent when none. */
  requestedAdditionalChassis?: string[]
  /** Port_Binding.chassis: the chassis that claimed it, if any. */
  chassis?: string
  up?: boolean
}

export function decodePortBinding(row: PortBindingRow): PortBinding {
  const binding: PortBinding = {uuid: row._uuid, logicalPort: row.logical_port, type: row.type, options: row.options}
  if (row.requested_chassis !== undefined) binding.requestedChassis = row.requested_chassis
  if (row.requested_additional_chassis.length > 0) binding.requestedAdditionalChassis = row.requested_additional_chassis
  if (row.chassis !== undefined) binding.chassis = row.chassis
  if (row.up !== undefined) binding.up = row.up
  return binding
}

/** An Open_vSwitch Interface on the integration bridge, with the Port that holds it. */
export interface OvsInterface {
  uuid: string
  name: string
  type: string
  options: Readonly<StringMap>
  externalIds: Readonly<StringMap>
  mtuRequest?: number
  ofport?: number
  error?: string
  /** The Port row holding this interface, on the integration bridge. */
  portUuid: string
}

export function decodeInterface(row: InterfaceRow, portUuid: string): OvsInterface {
  const iface: OvsInterface = {uuid: row._uuid, name: row.name, type: row.type, options: row.options, externalIds: row.external_ids, portUuid}
  // Absent stays absent, not undefined, so views compare and print cleanly; assigned, since
  // spreading each in costs a temporary object, for every one of 10,000 interfaces.
  if (row.mtu_request !== undefined) iface.mtuRequest = row.mtu_request
  if (row.ofport !== undefined) iface.ofport = row.ofport
  if (row.error !== undefined) iface.error = row.error
  return iface
}

/** What the local Open_vSwitch row says of the chassis, as ovn-controller reads it. */
export interface ChassisIdentity {
  /** external_ids:system-id: the chassis name ovn-controller registers. */
  systemId?: string
  /** external_ids:ovn-bridge, default br-int. */
  integrationBridge: string
  /** external_ids:ovn-remote: where ovn-controller finds the Southbound DB. */
  ovnRemote?: string
}

/** The decoder of the Open_vSwitch root row (undefined: none yet). */
export function chassisIdentity(root: Pick<OpenVswitchRow, 'external_ids'> | undefined): ChassisIdentity {
  const externalIds = root?.external_ids ?? {}
  const identity: ChassisIdentity = {integrationBridge: externalIds[OVN_BRIDGE] || DEFAULT_INTEGRATION_BRIDGE}
  if (externalIds[SYSTEM_ID]) identity.systemId = externalIds[SYSTEM_ID]
  if (externalIds[OVN_REMOTE]) identity.ovnRemote = externalIds[OVN_REMOTE]
  return identity
}
