import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * An error meant for the operator: one line that names the problem and the fix, and the
 * exit code to leave with. Commands print it without a stack trace.
 */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue

  constructor(message: string, exitCode: ExitCodeValue) {
    super(message)
    this.name = 'UserError'
    this.exitCode = exitCode
  }
}

export class ValidationError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Validation)
    this.name = 'ValidationError'
  }
}

export class ConnectionError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.Connection)
    this.name = 'ConnectionError'
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
    this.name = 'MissingDependencyError'
  }
}

/** A usage error (exit 2): the command line's mistake, such as a malformed remote, never to be reported as a database problem. */
export function isUsageError(error: unknown): error is UserError {
  return error instanceof UserError && error.exitCode === ExitCode.Usage
}
