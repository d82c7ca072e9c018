import {type ConnectOptions, ConnectionError as OvsdbConnectionError, FramingError, NotLeaderError, OvsdbClient, parseRemotes, RemoteSyntaxError, TimeoutError} from '../ovsdb/index.js'
import type {ConnectionSettings} from './connection.js'
import {ConnectionError, UserError} from './errors.js'
import {ExitCode} from './exit-codes.js'

/**
 * Connects to one database for a command, turning the library's errors into operator errors:
 * a bad remote is a usage error naming the flag, anything else a connection error (exit 4).
 * `overrides` are for long-running readers (reconnect) and optional databases (a shorter timeout).
 */
export async function connectDatabase(
  remote: string,
  database: string,
  settings: ConnectionSettings,
  flag: string,
  overrides: Pick<ConnectOptions, 'reconnect' | 'timeoutMs'> = {},
): Promise<OvsdbClient> {
  try {
    if (parseRemotes(remote).some((parsed) => parsed.kind === 'ssl')) checkTlsSettings(remote, settings, flag)
    return await OvsdbClient.connect(remote, {
      database,
      timeoutMs: settings.timeoutMs,
      leaderOnly: settings.leaderOnly,
      ...(settings.tls ? {tls: settings.tls} : {}),
      ...overrides,
    })
  } catch (error) {
    if (error instanceof RemoteSyntaxError) throw new UserError(`${flag} ${remote}: ${error.message}`, ExitCode.Usage)
    throw databaseError(error, `cannot reach the ${database} database at ${remote}`, `check ${flag}`)
  }
}

let warnedUnverified = false

/**
 * What an ssl: remote needs, as a usage error naming the flags before anything is tried. Without
 * --ca-cert the server could be anyone, so leaving it out takes an explicit --no-verify-server,
 * which warns (once per process) on stderr.
 */
function checkTlsSettings(remote: string, settings: ConnectionSettings, flag: string): void {
  const tls = settings.tls ?? {verifyServer: true}
  const missing = [
    ...(tls.privateKey ? [] : ['--private-key']),
    ...(tls.certificate ? [] : ['--certificate']),
    ...(tls.caCert || !tls.verifyServer ? [] : ['--ca-cert']),
  ]
  if (missing.length > 0) {
    const caHint = missing.includes('--ca-cert') ? ' (--no-verify-server skips checking the server, insecurely)' : ''
    throw new UserError(`${flag} ${remote} is an ssl: remote: give ${missing.join(', ')}${caHint}`, ExitCode.Usage)
  }

  if (!tls.verifyServer && !warnedUnverified) {
    warnedUnverified = true
    process.stderr.write(`ovn-vif-ctl: warning: --no-verify-server: the certificate of ${remote} is not checked; anyone on the network path can pose as the database\n`)
  }
}

const UNREACHABLE = [OvsdbConnectionError, TimeoutError, NotLeaderError, FramingError]

/**
 * An OVSDB error meaning the server could not be used (unreachable, lost, too slow, not the
 * leader) as a one-line connection error (exit 4) saying what was being done; any other error
 * is returned unchanged.
 */
export function databaseError(error: unknown, doing: string, fix = 'check that the database server is running'): unknown {
  if (!UNREACHABLE.some((kind) => error instanceof kind)) return error
  return new ConnectionError(`${doing} (${(error as Error).message}): ${fix}`)
}
