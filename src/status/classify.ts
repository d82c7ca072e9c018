import {compareCodeUnits} from '../lib/order.js'
import {type RequestedChassisOf, requestedChassisList, requestedRole} from '../ovn/chassis.js'
import {IFACE_ID, OVN_PLUGGED, providerOptionsOf, REQUESTED_CHASSIS, VIF_PLUG_TYPE} from '../ovn/keys.js'
import type {LocalChassisView} from '../ovn/local-view.js'
import {resemblance} from '../ovn/resembling-chassis.js'
import type {Chassis, LogicalSwitchPort, OvsInterface, PortBinding} from '../ovn/rows.js'
import type {InventoryRow} from '../providers/report.js'
import {indexView, mtuRequestOf, type PlanEntry, type ViewIndex} from '../reconcile/plan.js'
import {type StateCounts, STATES, type StatusRow} from './model.js'

/** What status reads of a Northbound port. */
type PortRequest = Pick<LogicalSwitchPort, 'name' | 'type' | 'options'>

export interface LocalStatusInput {
  /** This chassis's name (system-id, or --chassis). */
  chassisName: string
  /** The reconciler's view, with every VIF Port_Binding of the Southbound DB (not only this chassis's). */
  view: LocalChassisView
  /** planReconcile's entries for that view: status shows what reconcile would do, never its own rules. */
  plan: readonly PlanEntry[]
  /** indexView(view), when the plan was made with it: built here otherwise. */
  index?: ViewIndex
  chassis: readonly Chassis[]
  /** Northbound ports; undefined when the Northbound DB was not read. */
  logicalPorts?: readonly PortRequest[]
  /** What the providers could plug, by netdev. */
  inventory: ReadonlyMap<string, InventoryRow>
}

export interface CentralStatusInput {
  logicalPorts: readonly PortRequest[]
  bindings: readonly PortBinding[]
  chassis: readonly Chassis[]
}

function asksToBePlugged(port: {type: string; options: Readonly<Record<string, string>>}): boolean {
  return port.type === '' && port.options[VIF_PLUG_TYPE] !== undefined
}

type PortFields = Omit<StatusRow, 'state' | 'reason'>

/**
 * The fields every row of a port shows, whatever its state: what was asked, and what SB says
 * of it. Built by assignment, not by spreading the optional fields into each row: this runs for
 * every port (10k per status) and must stay cheap.
 */
function describePort(lport: string, options: Readonly<Record<string, string>>, binding: PortBinding | undefined, chassisByUuid: ReadonlyMap<string, Chassis>): PortFields {
  const fields: PortFields = {lport}
  const requested = binding?.requestedChassis === undefined ? undefined : chassisByUuid.get(binding.requestedChassis)
  const chassis = requested?.name ?? (requestedChassisList(options).join(',') || undefined)
  if (chassis !== undefined) fields.chassis = chassis
  if (requested?.cardSerial !== undefined) fields.cardSerial = requested.cardSerial
  if (binding?.chassis !== undefined) fields.claimedBy = chassisByUuid.get(binding.chassis)?.name ?? binding.chassis
  if (binding?.up !== undefined) fields.up = binding.up
  const type = options[VIF_PLUG_TYPE]
  if (type !== undefined) {
    fields.type = type
    const own = providerOptionsOf(options, type)
    if (own) fields.options = own
  }

  const mtu = mtuRequestOf(options)
  if (mtu !== undefined) fields.mtu = mtu
  return fields
}

type State = Pick<StatusRow, 'state' | 'reason'>

function stateRow(fields: PortFields, state: State): StatusRow {
  return Object.assign(fields, state)
}

/** Adds what the integration bridge says of the port's interface, if it has one. */
function withInterface(row: StatusRow, iface: OvsInterface | undefined): StatusRow {
  if (!iface) return row
  row.interface = iface.name
  if (iface.ofport !== undefined) row.ofport = iface.ofport
  if (iface.error !== undefined) row.error = iface.error
  return row
}

function byLport(a: StatusRow, b: StatusRow): number {
  return compareCodeUnits(a.lport, b.lport) || compareCodeUnits(a.interface ?? '', b.interface ?? '')
}

/** The netdev the provider resolves now, as the plan recorded it. */
function resolvedNetdev(entry: PlanEntry): string | undefined {
  if (entry.action && entry.action.kind !== 'remove') return entry.action.desired.name
  return entry.outcome === 'unchanged' ? entry.interfaceName : undefined
}

/** A port the plan leaves alone: plugged only once ovs-vswitchd opened it and ovn-controller claimed it. */
function settledState(iface: OvsInterface, binding: PortBinding, chassisUuid: string, chassisByUuid: ReadonlyMap<string, Chassis>): State {
  if (iface.error !== undefined) return {state: 'pending', reason: `OVS reports an error on interface ${iface.name}: ${iface.error}`}
  if (iface.ofport === undefined || iface.ofport < 0) return {state: 'pending', reason: `interface ${iface.name} has no OpenFlow port yet`}
  if (binding.chassis === undefined) return {state: 'pending', reason: `plugged as ${iface.name}, not yet claimed by ovn-controller`}
  if (binding.chassis !== chassisUuid) {
    const claimer = chassisByUuid.get(binding.chassis)?.name ?? binding.chassis
    return {state: 'pending', reason: `plugged as ${iface.name}, but the Port_Binding is claimed by chassis ${claimer}`}
  }

  return {state: 'plugged', reason: `plugged as ${iface.name} and claimed by this chassis`}
}

/** A wanted port's state from its plan entry: the primary one, plus any removal of a duplicate interface. */
function wantedState(
  primary: PlanEntry,
  duplicates: readonly PlanEntry[],
  iface: OvsInterface | undefined,
  binding: PortBinding,
  chassisUuid: string,
  chassisByUuid: ReadonlyMap<string, Chassis>,
): State {
  const netdev = resolvedNetdev(primary)
  switch (primary.outcome) {
    case 'unchanged':
      if (duplicates.length > 0) return {state: 'pending', reason: `not reconciled yet: ${duplicates.map((entry) => `${entry.reason} (${entry.interfaceName})`).join('; ')}`}
      return settledState(iface!, binding, chassisUuid, chassisByUuid)
    case 'create':
      return {state: 'pending', reason: `not reconciled yet: reconcile would plug ${netdev}`}
    case 'update':
      return {state: 'pending', reason: `not reconciled yet: reconcile would update interface ${primary.interfaceName} (${primary.reason})`}
    case 'replace':
      return {state: 'conflict', reason: `plugged as ${iface?.name} but the provider now resolves ${netdev}; reconcile will replace it`}
    case 'conflict':
      return {state: 'conflict', reason: primary.reason}
    case 'additional':
      return {state: 'additional', reason: primary.reason}
    default:
      return {state: 'pending', reason: primary.reason}
  }
}

function orphanReason(entry: PlanEntry, iface: OvsInterface | undefined, inventory: ReadonlyMap<string, InventoryRow>): string {
  const held = iface ? inventory.get(iface.name) : undefined
  return held ? `${entry.reason}; ${held.provider} netdev ${held.netdev} stays in use until it is unplugged` : entry.reason
}

/** The first interface plugged for each lport (external_ids ovn-plugged and iface-id), in the view's order. */
function firstPluggedByLport(interfaces: readonly OvsInterface[]): Map<string, OvsInterface> {
  const pluggedFor = new Map<string, OvsInterface>()
  for (const iface of interfaces) {
    const lport = iface.externalIds[IFACE_ID]
    if (lport !== undefined && iface.externalIds[OVN_PLUGGED] !== undefined && !pluggedFor.has(lport)) pluggedFor.set(lport, iface)
  }

  return pluggedFor
}

/**
 * Local mode: one row per logical port requested for this chassis and per interface plugged
 * here for a port that is not (an orphan), each state following from reconcile's own plan.
 */
export function classifyLocal(input: LocalStatusInput): StatusRow[] {
  const {view, chassisName} = input
  const chassisByUuid = new Map(input.chassis.map((chassis) => [chassis.uuid, chassis]))
  const here = {...view.chassis, uuid: view.chassisUuid}
  /** Whether the port's request names this chassis, first or not, by its row, name or hostname. */
  const namesHere = (port: RequestedChassisOf & {type: string}) => asksToBePlugged(port) && requestedRole(port, here) !== undefined
  const {bindingsByLport: bindings, interfacesByName: interfaces} = input.index ?? indexView(view)
  // Needed only for a port whose plan entry names no interface: not built when every port is plugged.
  let pluggedFor: Map<string, OvsInterface> | undefined
  const pluggedInterface = (lport: string) => (pluggedFor ??= firstPluggedByLport(view.interfaces)).get(lport)

  const unknownChassis = `requested chassis ${chassisName} is unknown in the Southbound DB: ovn-controller has not registered this chassis`

  const entriesByLport = Map.groupBy(input.plan, (entry) => entry.lport)

  const rows: StatusRow[] = []
  for (const [lport, entries] of entriesByLport) {
    const binding = bindings.get(lport)
    const options = binding?.options ?? {}
    // Only a port wanted here, or named here (src/ovn/chassis.ts), gets an entry that is neither a removal nor a kept orphan.
    const primary = entries.find((entry) => entry.outcome !== 'remove' && entry.outcome !== 'kept')
    if (primary && binding && view.chassisUuid !== undefined) {
      const duplicates = entries.length === 1 ? [] : entries.filter((entry) => entry !== primary)
      const iface =
        primary.action?.kind === 'replace' ? primary.action.current : primary.interfaceName === undefined ? pluggedInterface(lport) : interfaces.get(primary.interfaceName)
      const row = withInterface(stateRow(describePort(lport, options, binding, chassisByUuid), wantedState(primary, duplicates, iface, binding, view.chassisUuid, chassisByUuid)), iface)
      const netdev = resolvedNetdev(primary)
      if (netdev !== undefined) row.netdev = netdev
      rows.push(row)
      continue
    }

    for (const entry of entries) {
      const iface = entry.interfaceName === undefined ? undefined : interfaces.get(entry.interfaceName)
      // Kept, yet named here: by a chassis with no Chassis row, or first by a name northd has not resolved to this chassis.
      const named = binding !== undefined && namesHere(binding)
      const state: State =
        named && view.chassisUuid === undefined ? {state: 'pending', reason: unknownChassis}
        : named && entry.outcome === 'kept' ? {state: 'pending', reason: entry.reason}
        : {state: 'orphaned', reason: orphanReason(entry, iface, input.inventory)}
      const row = withInterface(stateRow(describePort(lport, options, binding, chassisByUuid), state), iface)
      if (!binding) row.type = iface?.externalIds[OVN_PLUGGED]
      const held = iface ? input.inventory.get(iface.name) : undefined
      if (held) row.netdev = held.netdev
      rows.push(row)
    }
  }

  // Ports the plan has no entry for; usually none, so the rows' lports are gathered only then.
  const unplanned = [...(view.chassisUuid === undefined ? view.bindings : []), ...(input.logicalPorts ?? [])]
  const shown = new Set(unplanned.length === 0 ? [] : rows.map((row) => row.lport))
  // Without a Chassis row the plan judges nothing: the ports that name this chassis wait for it.
  for (const binding of view.chassisUuid === undefined ? view.bindings : []) {
    if (shown.has(binding.logicalPort) || !namesHere(binding)) continue
    rows.push(stateRow(describePort(binding.logicalPort, binding.options, binding, chassisByUuid), {state: 'pending', reason: unknownChassis}))
    shown.add(binding.logicalPort)
  }

  for (const port of input.logicalPorts ?? []) {
    if (shown.has(port.name) || bindings.has(port.name) || !namesHere(port)) continue
    rows.push(stateRow(describePort(port.name, port.options, undefined, chassisByUuid), {state: 'pending', reason: 'not in the Southbound DB yet: is ovn-northd running?'}))
  }

  return rows.sort(byLport)
}

/** --all-chassis: from the central databases only, whether each requested port is claimed where it was asked to be. */
export function classifyCentral(input: CentralStatusInput): StatusRow[] {
  const chassisByUuid = new Map(input.chassis.map((chassis) => [chassis.uuid, chassis]))
  const bindings = new Map(input.bindings.map((binding) => [binding.logicalPort, binding]))
  const rows: StatusRow[] = []
  for (const port of input.logicalPorts) {
    if (!asksToBePlugged(port)) continue
    const binding = bindings.get(port.name)
    const fields = describePort(port.name, port.options, binding, chassisByUuid)
    rows.push(stateRow(fields, centralState(port, binding, fields, chassisByUuid)))
  }

  return rows.sort(byLport)
}

function centralState(port: PortRequest, binding: PortBinding | undefined, row: PortFields, chassisByUuid: ReadonlyMap<string, Chassis>): State {
  if (requestedChassisList(port.options).length === 0) return {state: 'pending', reason: `no options:${REQUESTED_CHASSIS}: no chassis will plug it`}
  if (!binding) return {state: 'pending', reason: 'not in the Southbound DB yet: is ovn-northd running?'}
  if (binding.requestedChassis === undefined || !chassisByUuid.has(binding.requestedChassis)) {
    const resembles = requestedChassisList(port.options).flatMap((entry) => resemblance(entry, [...chassisByUuid.values()]) ?? [])
    const why = resembles.length > 0 ? resembles.join('; ') : 'is ovn-controller running there?'
    return {state: 'pending', reason: `requested chassis ${row.chassis} is unknown in the Southbound DB: ${why}`}
  }

  if (binding.chassis === undefined) return {state: 'pending', reason: `not claimed yet: not plugged on ${row.chassis}, or its ovn-controller has not bound it`}
  if (binding.chassis !== binding.requestedChassis) return {state: 'pending', reason: `claimed by chassis ${row.claimedBy}, not by its requested chassis ${row.chassis}`}
  if (binding.up === false) return {state: 'pending', reason: `claimed by ${row.chassis} but not up yet`}
  return {state: 'plugged', reason: `claimed by ${row.chassis} and up`}
}

/**
 * Why a logical port named on the command line has no row, or undefined when it does. Ports
 * not requested here are not "pending": they are not this chassis's business at all.
 */
export function absentReason(lport: string, rows: readonly StatusRow[], known: {logicalPorts?: readonly PortRequest[]; bindings: readonly PortBinding[]; chassisName?: string}): string | undefined {
  if (rows.some((row) => row.lport === lport)) return undefined
  const port = known.logicalPorts?.find((candidate) => candidate.name === lport) ?? known.bindings.find((binding) => binding.logicalPort === lport)
  if (!port) return `no logical port ${lport}`
  if (port.type !== '') return `logical port ${lport} is not a VIF (type ${port.type})`
  if (port.options[VIF_PLUG_TYPE] === undefined) return `logical port ${lport} does not ask to be plugged (no options:${VIF_PLUG_TYPE})`
  const requested = requestedChassisList(port.options).join(',') || 'no chassis'
  return `logical port ${lport} is requested for ${requested}, not for ${known.chassisName ?? 'this chassis'}: see --all-chassis`
}

export function countStates(rows: readonly StatusRow[]): StateCounts {
  const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as StateCounts
  for (const row of rows) counts[row.state]++
  return counts
}

/** Counts per requested chassis; ports requested for none are under ''. */
export function countByChassis(rows: readonly StatusRow[]): Record<string, StateCounts> {
  const groups = Map.groupBy(rows, (row) => row.chassis ?? '')
  return Object.fromEntries([...groups.keys()].sort().map((chassis) => [chassis, countStates(groups.get(chassis)!)]))
}

/** Nothing needs attention: every row is plugged, or names this chassis only as an additional one. */
export function isHealthy(rows: readonly StatusRow[]): boolean {
  return rows.every((row) => row.state === 'plugged' || row.state === 'additional')
}
