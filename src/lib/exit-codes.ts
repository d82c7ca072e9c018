/**
 * Exit codes shared by every command. They are part of the CLI's contract with scripts
 * and monitoring, and are documented in the README and the man page.
 */
export const ExitCode = {
  /** Success; for state-reporting commands, everything requested is converged. */
  Ok: 0,
  /** The command ran, but something is pending, orphaned or in conflict. */
  NotConverged: 1,
  /** Bad command line: unknown flag, missing argument, malformed value. */
  Usage: 2,
  /** The request was understood but rejected by validation; nothing was written. */
  Validation: 3,
  /** A database or daemon could not be reached, or a wait timed out. */
  Connection: 4,
  /** A program or package this command needs is not installed. */
  MissingDependency: 5,
  /** Anything else: a bug or an unexpected server answer. */
  Internal: 70,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
