/**
 * The reads `status` makes in local mode, by clients already connected: what the servers take to
 * answer them, without the CLI's start or its work on the rows. As status does (LocalChassis and
 * StatusSource), in one flight per dependency: on the local DB the root row and the bridge's rows;
 * on the Southbound DB this chassis's Chassis row, then the Port_Bindings it selects, and beside
 * them status's own monitor of every Chassis row and of the bindings of named ports (none); on the
 * Northbound DB the ports not bound yet. Each large monitor is sent as a raw monitor_cond_since
 * and its reply only split and parsed, not decoded into a replica: the time to the last parsed
 * reply is the servers' answers plus JSON.parse, and JSON.parse of the same replies is timed on
 * its own after.
 */
import {bindingsRequest} from '../../src/ovn/local-chassis.js'
import {COLUMNS, type SouthboundTables} from '../../src/ovn/rows.js'
import {type Condition, OvsdbClient, ZERO_UUID} from '../../src/ovsdb/index.js'
import {encodeCondition} from '../../src/ovsdb/datum.js'
import {getTable} from '../../src/ovsdb/schema.js'

export interface StatusReadClients {
  ovs: OvsdbClient
  sb: OvsdbClient
  nb: OvsdbClient
}

export interface StatusReads {
  /** From the first request sent to the last reply parsed. */
  readsMs: number
  /** JSON.parse alone of the same replies, as text. */
  parseMs: number
  /** The replies' size as JSON text. */
  bytes: number
}

interface TableRequest {
  columns?: readonly string[]
  where?: readonly Condition[]
}

let nextMonitor = 0

/** The replies and the monitors to cancel once the reads are timed. */
interface Flight {
  replies: unknown[]
  cancels: Array<() => Promise<unknown>>
}

/** One monitor_cond_since, as OvsdbClient.monitor sends it; resolves with the reply as parsed. */
async function monitorReply(client: OvsdbClient, tables: Record<string, TableRequest>, flight: Flight): Promise<unknown> {
  const id = `floor${nextMonitor++}`
  const wire = Object.fromEntries(Object.entries(tables).map(([name, {columns, where}]) => {
    const table = getTable(client.schema, name)
    return [name, [{columns, ...(where ? {where: where.map((condition) => encodeCondition(table, condition))} : {})}]]
  }))
  const reply = await client.request('monitor_cond_since', [client.database, id, wire, ZERO_UUID])
  flight.replies.push(reply)
  flight.cancels.push(() => client.request('monitor_cancel', [id]))
  return reply
}

/** The reads' time, and JSON.parse's share; `expectedBindings` checks the reads found the data status shows. */
export async function measureStatusReads({ovs, sb, nb}: StatusReadClients, chassisName: string, expectedBindings: number): Promise<StatusReads> {
  const flight: Flight = {replies: [], cancels: []}
  const started = performance.now()
  // The Chassis row, one row, goes through the client as status's does: its uuid selects the bindings.
  const southbound = async () => {
    const chassis = await sb.monitor<Pick<SouthboundTables, 'Chassis'>>({Chassis: {columns: COLUMNS.Chassis, where: [['name', '==', chassisName]]}})
    flight.cancels.push(() => chassis.cancel())
    return monitorReply(sb, {Port_Binding: bindingsRequest(chassis.replica.table('Chassis'), chassisName, true)}, flight)
  }

  const [bindings] = await Promise.all([
    southbound(),
    monitorReply(sb, {Chassis: {columns: COLUMNS.Chassis}, Port_Binding: {columns: COLUMNS.Port_Binding, where: [['_uuid', '==', ZERO_UUID]]}}, flight),
    monitorReply(ovs, {Open_vSwitch: {columns: COLUMNS.Open_vSwitch}}, flight),
    monitorReply(ovs, {Bridge: {columns: COLUMNS.Bridge}, Port: {columns: COLUMNS.Port}, Interface: {columns: COLUMNS.Interface}}, flight),
    monitorReply(nb, {Logical_Switch_Port: {columns: COLUMNS.Logical_Switch_Port, where: [['up', '==', undefined]]}}, flight),
  ])
  const readsMs = performance.now() - started
  await Promise.all(flight.cancels.map((cancel) => cancel()))
  // A monitor_cond_since reply: [found, last-txn-id, table-updates2].
  const read = Object.keys((bindings as [boolean, string, Record<string, object>])[2].Port_Binding ?? {}).length
  if (read !== expectedBindings) throw new Error(`the reads found ${read} bindings, expected ${expectedBindings}`)

  const texts = flight.replies.map((reply) => JSON.stringify(reply))
  const parsing = performance.now()
  for (const text of texts) JSON.parse(text)
  return {readsMs, parseMs: performance.now() - parsing, bytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0)}
}
