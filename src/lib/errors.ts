import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * The `kind` an error carries in --json output, by exit code, when no narrower class names it:
 * scripts can branch on it without parsing the message.
 */
const KIND_BY_EXIT_CODE: Partial<Record<ExitCodeValue, string>> = {
  [ExitCode.Usage]: 'UsageError',
  [ExitCode.Validation]: 'ValidationError',
  [ExitCode.Connection]: 'ConnectionError',
  [ExitCode.MissingDependency]: 'MissingDependencyError',
}

/**
 * An error meant for the operator: one line that names the problem and the fix, and the
 * exit code to leave with. Commands print it without a stack trace. Its name is its `kind`.
 */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue

  constructor(message: string, exitCode: ExitCodeValue) {
    super(message)
    this.name = KIND_BY_EXIT_CODE[exitCode] ?? 'UserError'
    this.exitCode = exitCode
  }
}

/** The command line itself is wrong (exit 2): an unknown flag, a missing argument, a value outside a flag's choices. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Usage)
  }
}

export class ValidationError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Validation)
  }
}

/**
 * A database or daemon could not be reached or used, or a wait timed out (exit 4); its kind in
 * --json is ConnectionError. Not src/ovsdb's ConnectionError, which this wraps with the fix.
 */
export class UnreachableError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Connection)
  }
}

/** The database server was reached but answered a request with an error (exit 4, as a server that cannot be used). */
export class ServerError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Connection)
    this.name = 'ServerError'
  }
}

/** SIGINT ended a wait: the message says what had already been written and what was still pending. */
export class InterruptedError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Interrupted)
    this.name = 'InterruptedError'
  }
}

export class MissingDependencyError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.MissingDependency)
  }
}

/** A usage error (exit 2): the command line's mistake, such as a malformed remote, never to be reported as a database problem. */
export function isUsageError(error: unknown): error is UserError {
  return error instanceof UserError && error.exitCode === ExitCode.Usage
}

/** An error's message, or whatever was thrown, as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
