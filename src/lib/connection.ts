import path from 'node:path'

import type {TlsFiles} from '../ovsdb/index.js'

/**
 * Where each database is when the operator does not say, resolved as ovn-nbctl, ovn-sbctl and
 * ovs-vsctl do: an explicit flag, then the environment, then the standard unix socket.
 */
export interface ConnectionSettings {
  nbDb: string
  /** Where nbDb came from when --nb-db was not given ($OVN_NB_DB, or the default). */
  nbDbSource?: string
  /** --sb-db as given; see southboundRemote() for the defaults, which depend on the command. */
  sbDbFlag?: string
  /** The local Open_vSwitch database. */
  ovsDb: string
  /** Where ovsDb came from when --db was not given ($OVS_RUNDIR, or the default). */
  ovsDbSource?: string
  /** The TLS flags; verifyServer is false only with --no-verify-server: any server certificate is accepted. */
  tls?: TlsFiles & {verifyServer: boolean}
  timeoutMs: number
  leaderOnly: boolean
}

/**
 * Where a remote came from, so that an error names what to fix: the flag, or (when the flag was
 * not given) the variable, the chassis's external_ids:ovn-remote, or the default.
 */
export interface RemoteOrigin {
  /** The flag that sets this remote, overriding every other source. */
  flag: '--nb-db' | '--sb-db' | '--db'
  /** Where the value came from instead of the flag, e.g. $OVN_NB_DB; absent when the flag gave it. */
  source?: string
}

/** A database's remote as resolved for a command, with where it came from. */
export interface ChosenRemote {
  remote: string
  origin: RemoteOrigin
}

type Env = Readonly<Record<string, string | undefined>>

const DEFAULT_SOURCE = 'the default'
/** The source of a Southbound remote read from the local Open_vSwitch DB, as ovn-controller does. */
export const OVN_REMOTE_SOURCE = 'external_ids:ovn-remote'

function ovnRundir(env: Env): string {
  return env.OVN_RUNDIR || '/var/run/ovn'
}

export function defaultNbDb(env: Env = process.env): string {
  return env.OVN_NB_DB || `unix:${path.join(ovnRundir(env), 'ovnnb_db.sock')}`
}

/** Where defaultNbDb() took its value from. */
export function defaultNbDbSource(env: Env = process.env): string {
  return env.OVN_NB_DB ? '$OVN_NB_DB' : DEFAULT_SOURCE
}

export function northboundRemote(settings: ConnectionSettings): ChosenRemote {
  return {remote: settings.nbDb, origin: {flag: '--nb-db', ...(settings.nbDbSource ? {source: settings.nbDbSource} : {})}}
}

export function localOvsRemote(settings: ConnectionSettings): ChosenRemote {
  return {remote: settings.ovsDb, origin: {flag: '--db', ...(settings.ovsDbSource ? {source: settings.ovsDbSource} : {})}}
}

/**
 * The Southbound remote: --sb-db; else, on a chassis, what ovn-controller uses (the local
 * Open_vSwitch external_ids:ovn-remote); else $OVN_SB_DB; else the standard socket.
 */
export function southboundRemote(settings: ConnectionSettings, ovnRemote?: string, env: Env = process.env): ChosenRemote {
  const origin = (source?: string): RemoteOrigin => ({flag: '--sb-db', ...(source ? {source} : {})})
  if (settings.sbDbFlag) return {remote: settings.sbDbFlag, origin: origin()}
  if (ovnRemote) return {remote: ovnRemote, origin: origin(OVN_REMOTE_SOURCE)}
  if (env.OVN_SB_DB) return {remote: env.OVN_SB_DB, origin: origin('$OVN_SB_DB')}
  return {remote: `unix:${path.join(ovnRundir(env), 'ovnsb_db.sock')}`, origin: origin(DEFAULT_SOURCE)}
}

/** What to name as the remote's source in an error: the flag, or what stood in for it. */
export function describeOrigin({flag, source}: RemoteOrigin): string {
  return source ?? flag
}

/** The fix for a remote that is wrong or unreachable: check where it came from, or override it. */
export function originFix({flag, source}: RemoteOrigin): string {
  if (!source) return `check ${flag}`
  if (source === DEFAULT_SOURCE) return `check that the server runs there, or give ${flag}`
  const where = source === OVN_REMOTE_SOURCE ? `this chassis's ${OVN_REMOTE_SOURCE} (ovs-vsctl get Open_vSwitch . ${OVN_REMOTE_SOURCE})` : source
  return `check ${where}, or give ${flag}`
}

export function defaultOvsDb(env: Env = process.env): string {
  return `unix:${path.join(env.OVS_RUNDIR || '/var/run/openvswitch', 'db.sock')}`
}

/** Where defaultOvsDb() took its value from. */
export function defaultOvsDbSource(env: Env = process.env): string {
  return env.OVS_RUNDIR ? '$OVS_RUNDIR' : DEFAULT_SOURCE
}
