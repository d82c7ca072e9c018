import {type ChosenRemote, type ConnectionSettings, northboundRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import type {Condition, Row} from '../ovsdb/index.js'
import {VIF_PLUG_TYPE} from '../ovn/keys.js'

/** Which ports a command's arguments complete with: plug only VIFs, unplug only ports with a plug request, status all. */
export const LSP_PURPOSES = ['plug', 'unplug', 'status'] as const
export type LspPurpose = (typeof LSP_PURPOSES)[number]

const LSP_SELECTS: Record<LspPurpose, {where: Condition[]; columns: string[]; keep: (row: Row) => boolean}> = {
  // Router, localnet and the other typed ports are not VIFs: vif-plug plugs none of them.
  plug: {where: [['type', '==', '']], columns: ['name'], keep: () => true},
  unplug: {where: [], columns: ['name', 'options'], keep: (row) => (row.options as Record<string, string>)[VIF_PLUG_TYPE] !== undefined},
  status: {where: [], columns: ['name'], keep: () => true},
}

async function selectNames(remote: ChosenRemote, database: 'OVN_Northbound' | 'OVN_Southbound', settings: ConnectionSettings, table: string, select: {where: Condition[]; columns: string[]; keep: (row: Row) => boolean}): Promise<string[]> {
  const client = await connectDatabase(remote, database, settings)
  try {
    const result = await client.transaction().select(table, select.where, select.columns).commit()
    return result.rows(0).filter((row) => select.keep(row)).map((row) => row.name as string).sort()
  } catch (error) {
    throw databaseError(error, `cannot list the ${table} names`)
  } finally {
    await client.close()
  }
}

/** The Logical_Switch_Port names of the Northbound DB a command's port arguments take, sorted. */
export function logicalSwitchPortNames(settings: ConnectionSettings, purpose: LspPurpose): Promise<string[]> {
  return selectNames(northboundRemote(settings), 'OVN_Northbound', settings, 'Logical_Switch_Port', LSP_SELECTS[purpose])
}

/** The Chassis names of the Southbound DB (--sb-db, else $OVN_SB_DB, else the standard socket), sorted. */
export function chassisNames(settings: ConnectionSettings): Promise<string[]> {
  return selectNames(southboundRemote(settings), 'OVN_Southbound', settings, 'Chassis', {where: [], columns: ['name'], keep: () => true})
}
