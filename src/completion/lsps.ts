import type {ConnectionSettings} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'

/** Every Logical_Switch_Port name in the Northbound DB, sorted: what the shells offer for a port argument. */
export async function logicalSwitchPortNames(settings: ConnectionSettings): Promise<string[]> {
  const nb = await connectDatabase(settings.nbDb, 'OVN_Northbound', settings, '--nb-db')
  try {
    const result = await nb.transaction().select('Logical_Switch_Port', [], ['name']).commit()
    return result.rows(0).map((row) => row.name as string).sort()
  } catch (error) {
    throw databaseError(error, 'cannot list the logical switch ports')
  } finally {
    await nb.close()
  }
}
