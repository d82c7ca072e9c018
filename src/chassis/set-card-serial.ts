import {type CardSerialReport, cardSerials, describeCard, serialsSeen} from '../dpu/card-serial.js'
import {type ConnectionSettings, localOvsRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase} from '../lib/database.js'
import {ValidationError} from '../lib/errors.js'
import {waitUntil} from '../plug/wait.js'
import {CARD_SERIAL_NUMBER, cardSerialOf, cardSerialProblem, OVN_CMS_OPTIONS, withCmsOption} from '../ovn/cms-options.js'
import {type ChassisIdentity, chassisIdentity, COLUMNS, decodeChassis, type SouthboundTables} from '../ovn/rows.js'
import {mapDelete, mapInsert, type OvsdbClient, type Replica, TransactionError} from '../ovsdb/index.js'
import {nicReasons, readOpenVswitch} from './show.js'

/** How often a write that lost the race to another writer is re-read and tried again. */
export const SET_ATTEMPTS = 5

export interface ChosenSerial {
  serial: string
  /** Set when SERIAL could not be checked against a NIC (none could be read): the warning to print. */
  unchecked?: string
}

/**
 * The serial to set: SERIAL when given (well-formed, and one of the NICs' when any could be
 * read), else the one NIC's. Every refusal is one line and a rejected value (exit 3, as for
 * plug --card-serial-number): nothing is written.
 */
export function chooseSerial(requested: string | undefined, nics: CardSerialReport): ChosenSerial {
  const serials = cardSerials(nics)
  const listed = nics.cards.filter((card) => card.serial !== undefined).map(describeCard).join(', ')
  if (requested !== undefined) {
    const problem = cardSerialProblem(requested)
    if (problem) throw new ValidationError(`SERIAL ${JSON.stringify(requested)} ${problem}: give the serial as the NIC reports it (ovn-vif-ctl chassis show); nothing written`)
    if (serials.length === 0) return {serial: requested, unchecked: `no NIC serial could be read here, so ${requested} is set unchecked (${nicReasons(nics).join('; ')})`}
    if (!serialsSeen(nics).has(requested)) throw new ValidationError(`SERIAL ${requested} is not the serial of a NIC here (${listed}); nothing written`)
    return {serial: requested}
  }

  if (serials.length === 1) {
    const [only] = nics.cards.filter((card) => card.serial !== undefined)
    const problem = cardSerialProblem(only!.serial!)
    if (problem) throw new ValidationError(`the NIC's serial ${JSON.stringify(only!.serial)} (${only!.functions.map((fn) => fn.address).join(', ')}) ${problem}, so it cannot be one entry of ovn-cms-options; nothing written`)
    return {serial: only!.serial!}
  }

  if (serials.length > 1) throw new ValidationError(`this machine has ${serials.length} NICs, ${listed}: give the SERIAL of the one to set; nothing written`)
  throw new ValidationError(`no NIC serial could be read (${nicReasons(nics).join('; ')}): give SERIAL; nothing written`)
}

export interface CardSerialChange {
  serial: string
  /** external_ids:ovn-cms-options before, null when unset. */
  before: string | null
  after: string
  /** Whether anything was (or, with --dry-run, would be) written. */
  changed: boolean
  written: boolean
}

export interface SetCardSerialOptions {
  dryRun: boolean
  attempts?: number
  /**
   * Called between the read and the guarded write of each attempt. Tests change the row here, as
   * another writer could, to prove that the write never loses that change.
   */
  afterRead?: (attempt: number) => Promise<void>
}

/**
 * Sets card-serial-number=SERIAL in the local external_ids:ovn-cms-options, keeping every other
 * entry and every other key. One transaction per attempt: a wait on external_ids as read, then
 * the mutation; if another writer changed external_ids in between, the wait fails the whole
 * transaction (nothing written), and the row is read again, up to `attempts` times.
 */
export async function setCardSerial(ovs: OvsdbClient, serial: string, options: SetCardSerialOptions): Promise<CardSerialChange> {
  let change: CardSerialChange | undefined
  let attempt = 0
  const attempts = options.attempts ?? SET_ATTEMPTS
  try {
    await ovs.transactWithRetry(
      async () => {
        attempt++
        const root = await readOpenVswitch(ovs)
        const before = root.external_ids[OVN_CMS_OPTIONS]
        const after = withCmsOption(before, CARD_SERIAL_NUMBER, serial)
        change = {serial, before: before ?? null, after, changed: after !== (before ?? ''), written: false}
        await options.afterRead?.(attempt)
        const transaction = ovs.transaction().waitUnchanged('Open_vSwitch', root, ['external_ids'])
        if (change.changed && !options.dryRun) {
          transaction.mutate('Open_vSwitch', [['_uuid', '==', root._uuid]], [mapDelete('external_ids', [OVN_CMS_OPTIONS]), mapInsert('external_ids', {[OVN_CMS_OPTIONS]: after})])
        }

        return transaction
      },
      {attempts},
    )
  } catch (error) {
    if (error instanceof TransactionError && error.isConflict) {
      throw new ValidationError(`external_ids of the Open_vSwitch row changed between every read and write (${attempts} attempts): another writer is busy with it; nothing written, run it again`)
    }

    throw error
  }

  return {...change!, written: change!.changed && !options.dryRun}
}

export interface SetLocalOptions extends SetCardSerialOptions {
  /** Wait until the Southbound Chassis row shows the serial (bounded by the settings' timeout). */
  waitSouthbound: boolean
  /** Called once the change is written (or found unnecessary), before any wait. */
  onWritten?: (change: CardSerialChange) => void
}

/**
 * set-card-serial on this chassis: refuses --wait sb without a system-id before writing, sets
 * the serial in the local OVS DB, then waits for the Southbound Chassis row when asked.
 */
export async function setLocalCardSerial(settings: ConnectionSettings, serial: string, options: SetLocalOptions): Promise<CardSerialChange & {systemId: string | null}> {
  const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', settings)
  let identity: ChassisIdentity
  let change: CardSerialChange
  try {
    const root = await readOpenVswitch(ovs)
    identity = chassisIdentity(root)
    if (options.waitSouthbound && !identity.systemId) {
      throw new ValidationError('--wait sb: the Open_vSwitch row has no external_ids:system-id, so no Chassis row can show the serial; nothing written')
    }

    change = await setCardSerial(ovs, serial, options)
  } finally {
    await ovs.close()
  }

  options.onWritten?.(change)
  if (options.waitSouthbound) {
    const sb = await connectDatabase(southboundRemote(settings, identity.ovnRemote), 'OVN_Southbound', settings)
    try {
      await waitForSouthboundSerial(sb, identity.systemId!, serial, settings.timeoutMs)
    } finally {
      await sb.close()
    }
  }

  return {...change, systemId: identity.systemId ?? null}
}

/**
 * Waits until the Southbound Chassis row named `systemId` shows card-serial-number=SERIAL in
 * other_config:ovn-cms-options, which ovn-controller copies from the local OVS DB.
 */
export async function waitForSouthboundSerial(sb: OvsdbClient, systemId: string, serial: string, timeoutMs: number): Promise<void> {
  let shown: string | undefined
  let registered = false
  const reached = (replica: Replica<Pick<SouthboundTables, 'Chassis'>>) => {
    const [row] = replica.table('Chassis').rows()
    registered = row !== undefined
    shown = cardSerialOf(row && decodeChassis(row).cmsOptions)
    return shown === serial
  }

  const pending = () =>
    `external_ids:ovn-cms-options is written, but ${registered ? `the Southbound Chassis row ${systemId} shows card-serial-number=${shown ?? 'none'}` : `the Southbound DB has no Chassis row ${systemId}`}: is ovn-controller running here (ovn-vif-ctl doctor)?`
  await waitUntil<Pick<SouthboundTables, 'Chassis'>>(sb, {Chassis: {columns: COLUMNS.Chassis, where: [['name', '==', systemId]]}}, reached, pending, {timeoutMs})
}
