import {type ConnectionSettings, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import {ConnectionError, ValidationError} from '../lib/errors.js'
import {type Condition, ConnectionError as OvsdbConnectionError, type OvsdbClient, type Row, TimeoutError, TransactionError} from '../ovsdb/index.js'
import {optionMutations} from './diff.js'
import type {BindingRow, ChassisRow, PlugSnapshot, PortPlan, PortRow} from './plan.js'

const PORT_TABLE = 'Logical_Switch_Port'

export interface PlugDatabases {
  nb: OvsdbClient
  /** Only when the command needs the Southbound DB (plug's checks, --wait plugged). */
  sb?: OvsdbClient
}

export async function openDatabases(settings: ConnectionSettings, options: {southbound: boolean}): Promise<PlugDatabases> {
  const nb = await connectDatabase(settings.nbDb, 'OVN_Northbound', settings, '--nb-db')
  if (!options.southbound) return {nb}
  try {
    return {nb, sb: await connectDatabase(southboundRemote(settings), 'OVN_Southbound', settings, '--sb-db')}
  } catch (error) {
    await nb.close()
    throw error
  }
}

export async function closeDatabases(databases: PlugDatabases): Promise<void> {
  await Promise.all([databases.nb.close(), databases.sb?.close()])
}

function portRow(row: Row): PortRow {
  return {uuid: row._uuid, name: row.name as string, type: row.type as string, options: row.options as Record<string, string>}
}

export function chassisRow(row: Row): ChassisRow {
  return {uuid: row._uuid, name: row.name as string, hostname: row.hostname as string}
}

export function bindingRow(row: Row): BindingRow {
  return {
    logicalPort: row.logical_port as string,
    ...(row.chassis === undefined ? {} : {chassis: row.chassis as string}),
    ...(row.up === undefined ? {} : {up: row.up as boolean}),
  }
}

export const BINDING_COLUMNS = ['logical_port', 'chassis', 'up'] as const
export const CHASSIS_COLUMNS = ['name', 'hostname'] as const

/**
 * Past this many names one read of the whole table costs the server less than a select per
 * name, each of which scans the table: 10,000 selects on 10,000 ports kept the Northbound
 * server busy for 7 s, one read of them all takes a fraction of a second.
 */
const MOST_SELECTS_BY_NAME = 200

/**
 * The rows whose `column` (one of `columns`) is one of the names: for a few, one select per
 * name in one read-only transaction (no full table read); for more, the whole table, filtered here.
 */
async function selectByName(client: OvsdbClient, table: string, column: string, names: readonly string[], columns: readonly string[]): Promise<Row[]> {
  if (names.length === 0) return []
  if (names.length > MOST_SELECTS_BY_NAME) {
    const wanted = new Set(names)
    return (await selectAll(client, table, columns)).filter((row) => wanted.has(row[column] as string))
  }

  const transaction = client.transaction()
  for (const name of names) transaction.select(table, [[column, '==', name]], ['_uuid', ...columns])
  const result = await transaction.commit()
  return names.flatMap((_, index) => result.rows(index))
}

async function selectAll(client: OvsdbClient, table: string, columns: readonly string[]): Promise<Row[]> {
  return (await client.transaction().select(table, [], ['_uuid', ...columns]).commit()).rows(0)
}

/** Reads what planning needs: the named ports, and from the Southbound DB (if open) the chassis and the ports' bindings. */
export async function readSnapshot(databases: PlugDatabases, lsps: readonly string[]): Promise<PlugSnapshot> {
  const {nb, sb} = databases
  try {
    const [ports, chassis, bindings] = await Promise.all([
      selectByName(nb, PORT_TABLE, 'name', lsps, ['name', 'type', 'options']),
      sb ? selectAll(sb, 'Chassis', CHASSIS_COLUMNS) : [],
      sb ? selectByName(sb, 'Port_Binding', 'logical_port', lsps, BINDING_COLUMNS) : [],
    ])
    return {
      ports: new Map(ports.map((row) => [row.name as string, portRow(row)])),
      allPortNames: async () => (await selectAll(nb, PORT_TABLE, ['name'])).map((row) => row.name as string),
      chassis: chassis.map((row) => chassisRow(row)),
      bindings: new Map(bindings.map((row) => [row.logical_port as string, bindingRow(row)])),
    }
  } catch (error) {
    throw databaseError(error, 'cannot read the ports, chassis and bindings')
  }
}

export interface CommitOutcome {
  committed: boolean
  /** The NB_Global.nb_cfg this transaction set, when asked to bump it (for --wait sb|hv). */
  nbCfg?: number
}

/**
 * Writes every port's changes in one transaction of map mutations, so concurrent changes to
 * other options are kept. Each port is guarded by a wait on its name: if one was deleted or
 * renamed since it was read, nothing is written. With bumpNbCfg, NB_Global.nb_cfg is
 * incremented in the same transaction (as ovn-nbctl --wait does) and its new value returned.
 */
export async function commitPlans(nb: OvsdbClient, plans: readonly PortPlan[], options: {bumpNbCfg: boolean; comment: string}): Promise<CommitOutcome> {
  const changed = plans.filter((plan) => plan.changes.length > 0)
  if (changed.length === 0) return {committed: false}
  const transaction = nb.transaction()
  const guardedPorts = new Map<number, string>()
  for (const plan of changed) {
    const where: Condition[] = [['_uuid', '==', plan.uuid]]
    guardedPorts.set(transaction.operations.length, plan.lsp)
    transaction.wait(PORT_TABLE, where, ['name'], '==', [{name: plan.lsp}])
    transaction.mutate(PORT_TABLE, where, optionMutations(plan.changes))
  }

  let nbCfgSelect: number | undefined
  if (options.bumpNbCfg) {
    transaction.mutate('NB_Global', [], [['nb_cfg', '+=', 1]])
    nbCfgSelect = transaction.operations.length
    transaction.select('NB_Global', [], ['nb_cfg'])
  }

  transaction.comment(options.comment)
  try {
    const result = await transaction.commit()
    const nbCfg = nbCfgSelect === undefined ? undefined : (result.rows(nbCfgSelect)[0]?.nb_cfg as number | undefined)
    return {committed: true, ...(nbCfg === undefined ? {} : {nbCfg})}
  } catch (error) {
    if (error instanceof TransactionError && error.isConflict) {
      const port = error.opIndex === undefined ? undefined : guardedPorts.get(error.opIndex)
      throw new ValidationError(`${port ?? 'a port'} was deleted or renamed while this command ran; nothing was written: check the port and run it again`)
    }

    // Lost or unanswered after it was sent, the transaction may have committed: say so, and how to find out.
    if (error instanceof OvsdbConnectionError || error instanceof TimeoutError) {
      throw new ConnectionError(
        `no answer from the Northbound DB to the write (${error.message}): it may or may not have been written; run the same command again, which changes nothing if it was`,
      )
    }

    throw databaseError(error, 'cannot write the plug requests to the Northbound DB')
  }
}
