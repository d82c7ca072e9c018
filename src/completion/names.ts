import {type ChosenRemote, type ConnectionSettings, northboundRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import {VIF_PLUG_TYPE} from '../ovn/keys.js'
import {selectRows} from '../ovn/rows.js'
import type {OvsdbClient} from '../ovsdb/index.js'

/** Which ports a command's arguments complete with: plug only VIFs, unplug only ports with a plug request, status all. */
export const LSP_PURPOSES = ['plug', 'unplug', 'status'] as const
export type LspPurpose = (typeof LSP_PURPOSES)[number]

/** Reads the names of a table with `read`, on a connection of its own, sorted. */
async function readNames(remote: ChosenRemote, database: 'OVN_Northbound' | 'OVN_Southbound', settings: ConnectionSettings, table: string, read: (client: OvsdbClient) => Promise<string[]>): Promise<string[]> {
  const client = await connectDatabase(remote, database, settings)
  try {
    return (await read(client)).sort()
  } catch (error) {
    throw databaseError(error, `cannot list the ${table} names`)
  } finally {
    await client.close()
  }
}

/** The names of the ports a purpose completes with. */
async function portNames(nb: OvsdbClient, purpose: LspPurpose): Promise<string[]> {
  if (purpose === 'unplug') {
    const ports = await selectRows(nb, 'Logical_Switch_Port', [], ['name', 'options'])
    return ports.filter((row) => row.options[VIF_PLUG_TYPE] !== undefined).map((row) => row.name)
  }

  // Router, localnet and the other typed ports are not VIFs: vif-plug plugs none of them.
  const ports = await selectRows(nb, 'Logical_Switch_Port', purpose === 'plug' ? [['type', '==', '']] : [], ['name'])
  return ports.map((row) => row.name)
}

/** The Logical_Switch_Port names of the Northbound DB a command's port arguments take, sorted. */
export function logicalSwitchPortNames(settings: ConnectionSettings, purpose: LspPurpose): Promise<string[]> {
  return readNames(northboundRemote(settings), 'OVN_Northbound', settings, 'Logical_Switch_Port', (nb) => portNames(nb, purpose))
}

/** The Chassis names of the Southbound DB (--sb-db, else $OVN_SB_DB, else the standard socket), sorted. */
export function chassisNames(settings: ConnectionSettings): Promise<string[]> {
  return readNames(southboundRemote(settings), 'OVN_Southbound', settings, 'Chassis', async (sb) => (await selectRows(sb, 'Chassis', [], ['name'])).map((row) => row.name))
}
