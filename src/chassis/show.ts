import os from 'node:os'

import {type CardSerialReport, type CardSerialSources, cardSerials, readCardSerials} from '../dpu/card-serial.js'
import {type ChosenRemote, type ConnectionSettings, localOvsRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase} from '../lib/database.js'
import {UnreachableError} from '../lib/errors.js'
import {cardSerialOf, CARD_SERIAL_NUMBER, cmsOptionEntries, OVN_CMS_OPTIONS} from '../ovn/cms-options.js'
import {chassisIdentity, decodeChassis, type OpenVswitchRow, selectRows} from '../ovn/rows.js'
import type {OvsdbClient} from '../ovsdb/index.js'
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

export function cmsOptionsView(value: string | undefined): CmsOptionsView {
  const prefix = `${CARD_SERIAL_NUMBER}=`
  return {
    value: value ?? null,
    cardSerialNumber: cardSerialOf(value) ?? null,
    otherEntries: cmsOptionEntries(value).filter((entry) => entry !== CARD_SERIAL_NUMBER && !entry.startsWith(prefix)),
  }
}

/** The local Open_vSwitch row (with its uuid, for a guarded write). */
export async function readOpenVswitch(ovs: OvsdbClient): Promise<Pick<OpenVswitchRow, '_uuid' | 'external_ids'>> {
  const [root] = await selectRows(ovs, 'Open_vSwitch', [], ['external_ids'])
  if (!root) throw new UnreachableError('the local OVS DB has no Open_vSwitch row: ovsdb-server runs without ovs-vswitchd having initialised it (ovs-vsctl init)')
  return root
}

/** This chassis's Southbound Chassis row by name, or the reason it could not be read. */
export async function readSouthboundChassis(remote: ChosenRemote, systemId: string | undefined, settings: ConnectionSettings): Promise<Omit<ChassisReport['southbound'], 'remote'>> {
  if (systemId === undefined) return {chassis: null, reason: 'no external_ids:system-id, so no Chassis row to look for'}
  let sb: OvsdbClient
  try {
    sb = await connectDatabase(remote, 'OVN_Southbound', settings)
  } catch (error) {
    if (error instanceof UnreachableError) return {chassis: null, reason: error.message, unreachable: true}
    throw error
  }

  try {
    const [row] = await selectRows(sb, 'Chassis', [['name', '==', systemId]])
    if (!row) return {chassis: null, reason: `the Southbound DB has no Chassis row named ${systemId}: ovn-controller has not registered it`}
    const chassis = decodeChassis(row)
    return {chassis: {name: chassis.name, hostname: chassis.hostname, cmsOptions: cmsOptionsView(chassis.cmsOptions)}}
  } finally {
    await sb.close()
  }
}

/** Everything `chassis show` reports: the local OVS DB, the NICs and the Southbound Chassis row. */
export async function showChassis(options: ChassisShowOptions): Promise<ChassisReport> {
  const {settings} = options
  const nicsRead = readCardSerials(options.sources)
  const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', settings)
  let root: Pick<OpenVswitchRow, 'external_ids'>
  try {
    root = await readOpenVswitch(ovs)
  } finally {
    await ovs.close()
  }

  const externalIds = root.external_ids
  const identity = chassisIdentity(root)
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
