import {RpcError, TransactionError} from '../ovsdb/index.js'
import {UnreachableError} from './errors.js'

/** Why a database server that answers will not store a write. */
export type WriteRefusalKind = 'read-only' | 'io-error'

export interface WriteRefusal {
  kind: WriteRefusalKind
  /** The server's own words. */
  detail: string
}

/**
 * A server's refusal to store a write, from the error of a lock request or a transaction:
 * a backup server (ovsdb-server --sync-from) refuses locks ("... DB server is read only") and
 * write operations ("not allowed"); a server whose database file cannot grow (a full disk)
 * fails the commit with "I/O error". Anything else is not a refusal.
 */
export function writeRefusal(error: unknown): WriteRefusal | undefined {
  if (error instanceof RpcError && ['lock', 'steal', 'unlock'].includes(error.method) && /read only/i.test(error.error)) {
    return {kind: 'read-only', detail: error.error}
  }

  if (!(error instanceof TransactionError)) return undefined
  if (error.error === 'not allowed') return {kind: 'read-only', detail: error.details ?? error.error}
  if (error.error === 'I/O error') return {kind: 'io-error', detail: `I/O error: ${error.details ?? 'the commit failed'}`}
  return undefined
}

export const REFUSAL_FIXES: Readonly<Record<WriteRefusalKind, string>> = {
  'read-only': 'point --db at the active server, or make this one active (ovs-appctl -t ovsdb-server ovsdb-server/disconnect-active-ovsdb-server)',
  'io-error': 'free space on the disk that holds its database file (or lift the file size limit); nothing was written',
}

function describeRefusal(refusal: WriteRefusal, database: string, remote: string): string {
  return refusal.kind === 'read-only'
    ? `the ${database} at ${remote} is read-only (a backup server, ovsdb-server --sync-from)`
    : `the ${database} at ${remote} cannot store writes (${refusal.detail})`
}

/** A write the server refused: a server problem, exit 4, in one line with the fix. */
export class WriteRefusedError extends UnreachableError {
  /** What is wrong, without the fix. */
  readonly problem: string

  constructor(
    readonly refusal: WriteRefusal,
    database: string,
    remote: string,
  ) {
    const problem = describeRefusal(refusal, database, remote)
    super(`${problem}: ${REFUSAL_FIXES[refusal.kind]}`)
    this.name = 'WriteRefusedError'
    this.problem = problem
  }
}
