import {
  type ConnectOptions,
  ConnectionError,
  FramingError,
  NotLeaderError,
  OvsdbClient,
  OvsdbError,
  parseRemotes,
  RemoteSyntaxError,
  RpcError,
  TimeoutError,
  TransactionError,
} from '../ovsdb/index.js'
import {type ChosenRemote, type ConnectionSettings, describeOrigin, northboundRemote, originFix} from './connection.js'
import {messageOf, ServerError, UnreachableError, UsageError} from './errors.js'

/**
 * Connects to one database for a command, turning the library's errors into operator errors:
 * a bad remote is a usage error naming where it came from (the flag or what stood in for it),
 * anything else a connection error (exit 4). `overrides` are for long-running readers
 * (reconnect) and optional databases (a shorter timeout).
 */
export async function connectDatabase(
  {remote, origin}: ChosenRemote,
  database: string,
  settings: ConnectionSettings,
  overrides: Pick<ConnectOptions, 'reconnect' | 'timeoutMs'> = {},
): Promise<OvsdbClient> {
  const source = describeOrigin(origin)
  try {
    if (parseRemotes(remote).some((parsed) => parsed.kind === 'ssl')) checkTlsSettings(remote, settings, source)
    return await OvsdbClient.connect(remote, {
      database,
      timeoutMs: settings.timeoutMs,
      leaderOnly: settings.leaderOnly,
      ...(settings.tls ? {tls: settings.tls} : {}),
      ...overrides,
    })
  } catch (error) {
    if (error instanceof RemoteSyntaxError) throw new UsageError(`${source} ${remote}: ${error.message}`)
    throw databaseError(error, `cannot reach the ${database} database at ${remote}`, originFix(origin))
  }
}

/** An unreachable optional Northbound DB must not hold up a command on a chassis for long. */
const OPTIONAL_NB_TIMEOUT_MS = 3000

/** The Northbound DB where a chassis command can do without it (status, doctor): it gives up sooner. */
export function connectOptionalNorthbound(settings: ConnectionSettings, overrides: Pick<ConnectOptions, 'reconnect'> = {}): Promise<OvsdbClient> {
  return connectDatabase(northboundRemote(settings), 'OVN_Northbound', settings, {...overrides, timeoutMs: Math.min(settings.timeoutMs, OPTIONAL_NB_TIMEOUT_MS)})
}

let warnedUnverified = false

/**
 * What an ssl: remote needs, as a usage error naming the flags before anything is tried. Without
 * --ca-cert the server could be anyone, so leaving it out takes an explicit --no-verify-server,
 * which warns (once per process) on stderr.
 */
function checkTlsSettings(remote: string, settings: ConnectionSettings, source: string): void {
  const tls = settings.tls ?? {verifyServer: true}
  const missing = [
    ...(tls.privateKey ? [] : ['--private-key']),
    ...(tls.certificate ? [] : ['--certificate']),
    ...(tls.caCert || !tls.verifyServer ? [] : ['--ca-cert']),
  ]
  if (missing.length > 0) {
    const caHint = missing.includes('--ca-cert') ? ' (--no-verify-server skips checking the server, insecurely)' : ''
    throw new UsageError(`${source} ${remote} is an ssl: remote: give ${missing.join(', ')}${caHint}`)
  }

  if (!tls.verifyServer && !warnedUnverified) {
    warnedUnverified = true
    process.stderr.write(`ovn-vif-ctl: warning: --no-verify-server: the certificate of ${remote} is not checked; anyone on the network path can pose as the database\n`)
  }
}

const UNREACHABLE = [ConnectionError, TimeoutError, NotLeaderError, FramingError]

/**
 * An OVSDB error meaning the server could not be used (unreachable, lost, too slow, not the
 * leader) as a one-line connection error (exit 4) saying what was being done; any other error
 * is returned unchanged.
 */
export function databaseError(error: unknown, doing: string, fix = 'check that the database server is running'): unknown {
  if (!UNREACHABLE.some((kind) => error instanceof kind)) return error
  return new UnreachableError(`${doing} (${messageOf(error)}): ${fix}`)
}

/**
 * The one boundary for OVSDB errors no command put in context: every command's errors pass here
 * before they are printed. A server that cannot be used, or that answered a request with an
 * error, is a one-line error with exit 4; any other library error is a bug (undefined).
 */
export function unhandledDatabaseError(error: unknown): UnreachableError | ServerError | undefined {
  if (!(error instanceof OvsdbError)) return undefined
  const mapped = databaseError(error, 'a database server could not be used')
  if (mapped instanceof UnreachableError) return mapped
  if (error instanceof RpcError || error instanceof TransactionError) {
    return new ServerError(`the database server refused the request (${error.message}): check that the remote is the active, writable server; its log says more`)
  }

  return undefined
}
