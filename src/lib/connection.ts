import path from 'node:path'

/**
 * Where each database is when the operator does not say, resolved as ovn-nbctl, ovn-sbctl and
 * ovs-vsctl do: an explicit flag, then the environment, then the standard unix socket.
 */
export interface ConnectionSettings {
  nbDb: string
  /** --sb-db as given; see southboundRemote() for the defaults, which depend on the command. */
  sbDbFlag?: string
  /** The local Open_vSwitch database. */
  ovsDb: string
  tls?: TlsFiles
  timeoutMs: number
  leaderOnly: boolean
}

export interface TlsFiles {
  privateKey?: string
  certificate?: string
  caCert?: string
  /** false only with --no-verify-server: any server certificate is accepted. */
  verifyServer: boolean
}

type Env = Readonly<Record<string, string | undefined>>

function ovnRundir(env: Env): string {
  return env.OVN_RUNDIR || '/var/run/ovn'
}

export function defaultNbDb(env: Env = process.env): string {
  return env.OVN_NB_DB || `unix:${path.join(ovnRundir(env), 'ovnnb_db.sock')}`
}

/**
 * The Southbound remote: --sb-db; else, on a chassis, what ovn-controller uses (the local
 * Open_vSwitch external_ids:ovn-remote); else $OVN_SB_DB; else the standard socket.
 */
export function southboundRemote(settings: ConnectionSettings, ovnRemote?: string, env: Env = process.env): string {
  return settings.sbDbFlag || ovnRemote || env.OVN_SB_DB || `unix:${path.join(ovnRundir(env), 'ovnsb_db.sock')}`
}

export function defaultOvsDb(env: Env = process.env): string {
  return `unix:${path.join(env.OVS_RUNDIR || '/var/run/openvswitch', 'db.sock')}`
}
