import os from 'node:os'

import {type CardSerialReport, type CardSerialSources, cardSerials, readCardSerials} from '../dpu/card-serial.js'
import {type ChosenRemote, type ConnectionSettings, localOvsRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase} from '../lib/database.js'
import {ConnectionError} from '../lib/errors.js'
import {cardSerialOf, CARD_SERIAL_NUMBER, cmsOptionEntries, OVN_CMS_OPTIONS} from '../ovn/cms-options.js'
import type {OvsdbClient, Row} from '../ovsdb/index.js'
import {chassisIdentity} from '../reconcile/view.js'
import {type CardSerialVerdict, judgeCardSerial} from './card-serial-verdict.js'

export interface CmsOptionsView {
  /** external_ids:ovn-cms-options as written; null when unset. */
  value: string | null
  cardSerialNumber: string | null
  /** Every other entry, in order. */
  otherEntries: string[]
}

export interface SouthboundChassisView {
  name: string
  hostname: string
  cmsOptions: CmsOptionsView
}

export interface ChassisReport {
  systemId: string | null
  /** The hostname this chassis registers (Chassis.hostname once registered), and where it comes from. */
  hostname: {value: string; from: 'Chassis row' | 'external_ids:hostname' | 'this host'}
  ovnRemote: string | null
  integrationBridge: string
  encap: {type: string | null; ip: string | null}
  cmsOptions: CmsOptionsView
  nics: CardSerialReport
  /** reason says why chassis is null; unreachable when the Southbound DB could not be reached. */
  southbound: {remote: string; chassis: SouthboundChassisView | null; reason?: string; unreachable?: boolean}
  cardSerial: CardSerialVerdict
}

export interface ChassisShowOptions {
  settings: ConnectionSettings
  sources: CardSerialSources
  env?: Readonly<Record<string, string | undefined>>
}

function stringMap(value: unknown): Record<string, string> {
  return (value ?? {}) as Record<string, string>
}

export function cmsOptionsView(value: string | undefined): CmsOptionsView {
  const prefix = `${CARD_SERIAL_NUMBER}=`
  return {
    value: value ?? null,
    cardSerialNumber: cardSerialOf(value) ?? null,
    otherEntries: cmsOptionEntries(value).filter((entry) => entry !== CARD_SERIAL_NUMBER && !entry.startsWith(prefix)),
  }
}

/** The local Open_vSwitch row (with its uuid, for a guarded write). */
export async function readOpenVswitch(ovs: OvsdbClient): Promise<Row> {
  const [root] = (await ovs.transaction().select('Open_vSwitch', [], ['_uuid', 'external_ids']).commit()).rows(0)
  if (!root) throw new ConnectionError('the local OVS DB has no Open_vSwitch row: ovsdb-server runs without ovs-vswitchd having initialised it (ovs-vsctl init)')
  return root
}

/** This chassis's Southbound Chassis row by name, or the reason it could not be read. */
export async function readSouthboundChassis(remote: ChosenRemote, systemId: string | undefined, settings: ConnectionSettings): Promise<Omit<ChassisReport['southbound'], 'remote'>> {
  if (systemId === undefined) return {chassis: null, reason: 'no external_ids:system-id, so no Chassis row to look for'}
  let sb: OvsdbClient
  try {
    sb = await connectDatabase(remote, 'OVN_Southbound', settings)
  } catch (error) {
    if (error instanceof ConnectionError) return {chassis: null, reason: error.message, unreachable: true}
    throw error
  }

  try {
    const [row] = (await sb.transaction().select('Chassis', [['name', '==', systemId]], ['name', 'hostname', 'other_config']).commit()).rows(0)
    if (!row) return {chassis: null, reason: `the Southbound DB has no Chassis row named ${systemId}: ovn-controller has not registered it`}
    return {chassis: {name: row.name as string, hostname: row.hostname as string, cmsOptions: cmsOptionsView(stringMap(row.other_config)[OVN_CMS_OPTIONS])}}
  } finally {
    await sb.close()
  }
}

/** Everything `chassis show` reports: the local OVS DB, the NICs and the Southbound Chassis row. */
export async function showChassis(options: ChassisShowOptions): Promise<ChassisReport> {
  const {settings} = options
  const nicsRead = readCardSerials(options.sources)
  const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', settings)
  let externalIds: Record<string, string>
  try {
    externalIds = stringMap((await readOpenVswitch(ovs)).external_ids)
  } finally {
    await ovs.close()
  }

  const identity = chassisIdentity({Open_vSwitch: {rows: () => [{_uuid: '', external_ids: externalIds}], get: () => undefined}})
  const remote = southboundRemote(settings, identity.ovnRemote, options.env)
  const [nics, southbound] = await Promise.all([nicsRead, readSouthboundChassis(remote, identity.systemId, settings)])
  const cmsOptions = cmsOptionsView(externalIds[OVN_CMS_OPTIONS])
  const hostname: ChassisReport['hostname'] = southbound.chassis
    ? {value: southbound.chassis.hostname, from: 'Chassis row'}
    : externalIds.hostname
      ? {value: externalIds.hostname, from: 'external_ids:hostname'}
      : {value: os.hostname(), from: 'this host'}

  return {
    systemId: identity.systemId ?? null,
    hostname,
    ovnRemote: identity.ovnRemote ?? null,
    integrationBridge: identity.integrationBridge,
    encap: {type: externalIds['ovn-encap-type'] ?? null, ip: externalIds['ovn-encap-ip'] ?? null},
    cmsOptions,
    nics,
    southbound: {remote: remote.remote, ...southbound},
    cardSerial: judgeCardSerial({
      nicSerials: cardSerials(nics),
      nicReasons: nicReasons(nics),
      local: cmsOptions.cardSerialNumber ?? undefined,
      ...(southbound.chassis ? {southbound: {serial: southbound.chassis.cmsOptions.cardSerialNumber ?? undefined}} : {}),
    }),
  }
}

/** Why no serial was read: the source-wide notes, then each card's. */
export function nicReasons(report: CardSerialReport): string[] {
  return [...report.notes, ...report.cards.flatMap((card) => card.notes)]
}
