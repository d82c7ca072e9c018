import {Flags} from '@oclif/core'

import {type ConnectionSettings, defaultNbDb, defaultNbDbSource, defaultOvsDb, defaultOvsDbSource} from './connection.js'

const helpGroup = 'CONNECTION'
/** The longest delay a Node.js timer takes (about 24.8 days): what --timeout 0 ("forever") means. */
export const FOREVER_MS = 2 ** 31 - 1

/**
 * The connection flags every command shares, defined once. Defaults are resolved at run time
 * (not in the flag definitions) so that --help shows the rule rather than this machine's value.
 */
export const connectionFlags = {
  'nb-db': Flags.string({
    description: 'Northbound DB remote(s): unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT, comma-separated for a cluster. Default: $OVN_NB_DB, else unix:$OVN_RUNDIR/ovnnb_db.sock.',
    helpGroup,
  }),
  'sb-db': Flags.string({
    description: 'Southbound DB remote(s), as --nb-db. Default: on a chassis, its external_ids:ovn-remote; else $OVN_SB_DB, else unix:$OVN_RUNDIR/ovnsb_db.sock.',
    helpGroup,
  }),
  db: Flags.string({
    description: 'The local Open_vSwitch DB. Default: unix:$OVS_RUNDIR/db.sock ($OVS_RUNDIR defaults to /var/run/openvswitch).',
    helpGroup,
  }),
  'private-key': Flags.file({char: 'p', description: 'Private key file for ssl: remotes.', exists: true, helpGroup}),
  certificate: Flags.file({char: 'c', description: 'Certificate file for the private key, for ssl: remotes.', exists: true, helpGroup}),
  'ca-cert': Flags.file({char: 'C', description: 'CA certificate that must have signed the server\'s certificate, for ssl: remotes.', exists: true, helpGroup}),
  'verify-server': Flags.boolean({
    description: 'For ssl: remotes, check that the server\'s certificate is signed by --ca-cert (required then). --no-verify-server accepts any server certificate, without --ca-cert, and warns: anyone on the network path can pose as the database.',
    default: true,
    allowNo: true,
    helpGroup,
  }),
  timeout: Flags.integer({
    description: 'Seconds to wait for a database to answer (and for --wait); 0 waits forever.',
    default: 30,
    min: 0,
    helpGroup,
  }),
  'leader-only': Flags.boolean({
    description: 'With a clustered database, talk to the leader only; --no-leader-only allows reads from any member.',
    default: true,
    allowNo: true,
    helpGroup,
  }),
}

const {'nb-db': _northbound, ...chassisConnectionFlags} = connectionFlags

/** The connection flags of the commands that use only this chassis's databases: the local OVS DB and the Southbound DB. */
export const localConnectionFlags = chassisConnectionFlags

export interface ConnectionFlagValues {
  'nb-db'?: string
  'sb-db'?: string
  db?: string
  'private-key'?: string
  certificate?: string
  'ca-cert'?: string
  'verify-server'?: boolean
  timeout: number
  'leader-only': boolean
}

export function connectionSettings(flags: ConnectionFlagValues, env: Readonly<Record<string, string | undefined>> = process.env): ConnectionSettings {
  const files = {privateKey: flags['private-key'], certificate: flags.certificate, caCert: flags['ca-cert']}
  const verifyServer = flags['verify-server'] !== false
  return {
    nbDb: flags['nb-db'] ?? defaultNbDb(env),
    ...(flags['nb-db'] === undefined ? {nbDbSource: defaultNbDbSource(env)} : {}),
    ...(flags['sb-db'] ? {sbDbFlag: flags['sb-db']} : {}),
    ovsDb: flags.db ?? defaultOvsDb(env),
    ...(flags.db === undefined ? {ovsDbSource: defaultOvsDbSource(env)} : {}),
    ...(Object.values(files).some(Boolean) || !verifyServer ? {tls: {...files, verifyServer}} : {}),
    timeoutMs: flags.timeout === 0 ? FOREVER_MS : flags.timeout * 1000,
    leaderOnly: flags['leader-only'],
  }
}
