/**
 * Every error this library throws extends OvsdbError, and its message is one line an operator
 * can act on.
 */
export class OvsdbError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = new.target.name
  }
}

export class RemoteSyntaxError extends OvsdbError {}

/** The server could not be reached, or the connection to it was lost. */
export class ConnectionError extends OvsdbError {
  constructor(
    message: string,
    readonly remote?: string,
    readonly code?: string,
    options?: {cause?: unknown},
  ) {
    super(message, options)
  }
}

export class TimeoutError extends OvsdbError {}

/** The byte stream from the server is not a sequence of JSON values, or one is too large. */
export class FramingError extends OvsdbError {}

/** The server answered a request with an error object. */
export class RpcError extends OvsdbError {
  constructor(
    readonly method: string,
    readonly error: string,
    readonly details?: string,
  ) {
    super(`${method}: ${error}${details ? `: ${details}` : ''}`)
  }
}

/**
 * An operation of a transaction failed, or the commit did. opIndex is the failing operation's
 * index, or undefined when the commit itself failed (constraint checks run at commit time).
 */
export class TransactionError extends OvsdbError {
  constructor(
    readonly error: string,
    readonly details: string | undefined,
    readonly opIndex: number | undefined,
    readonly op: string | undefined,
  ) {
    const where = opIndex === undefined ? 'commit' : `operation ${opIndex} (${op ?? '?'})`
    super(`transaction failed at ${where}: ${error}${details ? `: ${details}` : ''}`)
  }

  /** True when a wait guard failed: the rows changed since they were read, so rebuilding may succeed. */
  get isConflict(): boolean {
    return this.op === 'wait' && this.error === 'timed out'
  }
}

export class ConstraintViolation extends TransactionError {}
export class ReferentialIntegrityViolation extends TransactionError {}

/** A value does not fit its column's type; the message starts with `Table.column:`. */
export class DatumError extends OvsdbError {
  constructor(
    readonly table: string,
    readonly column: string,
    problem: string,
  ) {
    super(`${table}.${column}: ${problem}`)
  }
}

export class SchemaError extends OvsdbError {}

/** No remote in the list is the leader of the clustered database (or connected to its cluster). */
export class NotLeaderError extends OvsdbError {}
