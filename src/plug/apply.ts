import {type ConnectionSettings, northboundRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import {UnreachableError, ValidationError} from '../lib/errors.js'
import {type Condition, ConnectionError, type OvsdbClient, TimeoutError, TransactionError} from '../ovsdb/index.js'
import {findChassis} from '../ovn/chassis.js'
import {REQUESTED_CHASSIS} from '../ovn/keys.js'
import {type Chassis, COLUMNS, decodeChassis, decodeLogicalSwitchPort, decodePortBinding, type NbGlobalRow, type NorthboundTables, selectRows, type SouthboundTables} from '../ovn/rows.js'
import {optionMutations} from './diff.js'
import type {PlugSnapshot, PortPlan} from './plan.js'

const PORT_TABLE = 'Logical_Switch_Port'

export interface PlugDatabases {
  nb: OvsdbClient
  /** Only when the command needs the Southbound DB (plug's checks, --wait plugged). */
  sb?: OvsdbClient
}

export async function openDatabases(settings: ConnectionSettings, options: {southbound: boolean}): Promise<PlugDatabases> {
  const nb = await connectDatabase(northboundRemote(settings), 'OVN_Northbound', settings)
  if (!options.southbound) return {nb}
  try {
    return {nb, sb: await connectDatabase(southboundRemote(settings), 'OVN_Southbound', settings)}
  } catch (error) {
    await nb.close()
    throw error
  }
}

export async function closeDatabases(databases: PlugDatabases): Promise<void> {
  await Promise.all([databases.nb.close(), databases.sb?.close()])
}

/**
 * Past this many names one read of the whole table costs the server less than a select per
 * name: each select scans the table, so selecting thousands of names one by one is quadratic.
 */
const MOST_SELECTS_BY_NAME = 200

type PlugTables = NorthboundTables & SouthboundTables

/**
 * The rows that meet one of the conditions (`matches` says the same of a row read whole): for
 * a few, one select per condition in one read-only transaction (no full table read); for
 * more, the whole table, filtered here. A row meeting two conditions comes once.
 */
async function selectWhere<N extends keyof PlugTables>(client: OvsdbClient, table: N, conditions: readonly Condition[], matches: (row: PlugTables[N]) => boolean): Promise<PlugTables[N][]> {
  if (conditions.length === 0) return []
  if (conditions.length > MOST_SELECTS_BY_NAME) return (await selectRows(client, table)).filter((row) => matches(row))
  const transaction = client.transaction()
  for (const condition of conditions) transaction.select(table, [condition], ['_uuid', ...COLUMNS[table]])
  const result = await transaction.commit()
  const rows = new Map(conditions.flatMap((_, index) => result.rows<PlugTables[N]>(index).map((row) => [row._uuid, row] as const)))
  return [...rows.values()]
}

/** The Northbound ports named. */
function selectPorts(nb: OvsdbClient, names: readonly string[]) {
  const wanted = new Set(names)
  return selectWhere(nb, PORT_TABLE, names.map((name) => ['name', '==', name] as const), (row) => wanted.has(row.name))
}

/** The Southbound bindings of the ports named. */
function selectBindings(sb: OvsdbClient, names: readonly string[]) {
  const wanted = new Set(names)
  return selectWhere(sb, 'Port_Binding', names.map((name) => ['logical_port', '==', name] as const), (row) => wanted.has(row.logical_port))
}

/** Every spelling (name and hostname) of the chassis that requested-chassis values name. */
function chassisSpellings(requested: readonly string[], chassis: readonly Chassis[]): string[] {
  const spellings = requested.flatMap((name) => {
    const row = findChassis(chassis, name)
    return row ? [row.name, row.hostname] : [name]
  })
  return [...new Set(spellings.filter(Boolean))]
}

/** The ports whose requested-chassis is one of the spellings (a list naming several chassis is not matched). */
function selectRequestedOn(nb: OvsdbClient, spellings: readonly string[]) {
  const wanted = new Set(spellings)
  return selectWhere(nb, PORT_TABLE, spellings.map((name) => ['options', 'includes', {[REQUESTED_CHASSIS]: name}] as const), (row) => wanted.has(row.options[REQUESTED_CHASSIS] ?? ''))
}

/**
 * Reads what planning needs: the named ports, and from the Southbound DB (if open) the chassis
 * and the ports' bindings; with requestedChassis (plug), also the ports already requested for
 * those chassis.
 */
export async function readSnapshot(databases: PlugDatabases, lsps: readonly string[], requestedChassis: (chassis: readonly Chassis[]) => readonly string[] = () => []): Promise<PlugSnapshot> {
  const {nb, sb} = databases
  try {
    const chassisRead = sb ? selectRows(sb, 'Chassis').then((rows) => rows.map(decodeChassis)) : Promise.resolve([])
    const [ports, chassis, bindings, requestedOnChassis] = await Promise.all([
      selectPorts(nb, lsps),
      chassisRead,
      sb ? selectBindings(sb, lsps) : [],
      chassisRead.then((rows) => selectRequestedOn(nb, chassisSpellings(requestedChassis(rows), rows))),
    ])
    return {
      ports: new Map(ports.map((row) => [row.name, decodeLogicalSwitchPort(row)])),
      allPortNames: async () => (await selectRows(nb, PORT_TABLE)).map((row) => row.name),
      chassis,
      bindings: new Map(bindings.map((row) => [row.logical_port, decodePortBinding(row)])),
      requestedOnChassis: requestedOnChassis.map(decodeLogicalSwitchPort),
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
    transaction.select('NB_Global', [], ['_uuid', 'nb_cfg'])
  }

  transaction.comment(options.comment)
  try {
    const result = await transaction.commit()
    const nbCfg = nbCfgSelect === undefined ? undefined : result.rows<Pick<NbGlobalRow, '_uuid' | 'nb_cfg'>>(nbCfgSelect)[0]?.nb_cfg
    return {committed: true, ...(nbCfg === undefined ? {} : {nbCfg})}
  } catch (error) {
    if (error instanceof TransactionError && error.isConflict) {
      const port = error.opIndex === undefined ? undefined : guardedPorts.get(error.opIndex)
      throw new ValidationError(`${port ?? 'a port'} was deleted or renamed while this command ran; nothing was written: check the port and run it again`)
    }

    // Lost or unanswered after it was sent, the transaction may have committed: say so, and how to find out.
    if (error instanceof ConnectionError || error instanceof TimeoutError) {
      throw new UnreachableError(
        `no answer from the Northbound DB to the write (${error.message}): it may or may not have been written; run the same command again, which changes nothing if it was`,
      )
    }

    throw databaseError(error, 'cannot write the plug requests to the Northbound DB')
  }
}
