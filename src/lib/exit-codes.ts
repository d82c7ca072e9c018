/**
 * Exit codes shared by every command. They are part of the CLI's contract with scripts
 * and monitoring: the man page, README.md and docs/exit-codes.md are generated or checked
 * from EXIT_CODE_MEANINGS, so change them here.
 */
export const ExitCode = {
  Ok: 0,
  NotConverged: 1,
  Usage: 2,
  Validation: 3,
  Connection: 4,
  MissingDependency: 5,
  Internal: 70,
  /** 128 + SIGINT, as a shell reports a process that Ctrl-C ended. */
  Interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export const EXIT_CODE_MEANINGS: Readonly<Record<keyof typeof ExitCode, string>> = {
  Ok: 'success (for state-reporting commands: everything converged)',
  NotConverged: 'ran, but something is pending, orphaned or in conflict',
  Usage: 'usage error: unknown command or flag, missing argument, a flag value outside its choices or of the wrong form, a filter that cannot apply',
  Validation: 'validation error: the request or a value in it (port, chassis, type, option, MTU, file line) was rejected, nothing was written',
  Connection: 'a database or daemon could not be reached or refused the request, a wait timed out, or the --metrics-address could not be bound',
  MissingDependency: 'a required program or package is missing',
  Internal: 'internal error (a bug: please report it)',
  Interrupted: 'interrupted by SIGINT (Ctrl-C) while waiting; what was already written is said',
}
