import {Command, ux} from '@oclif/core'

import {unhandledDatabaseError} from './database.js'
import {UsageError, UserError} from './errors.js'

/** oclif's parse errors come as a header, indented problems and a help hint: keep the problems. */
function summarizeParseError(message: string): string {
  const problems = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^The following errors? occurred:?$/i.test(line) && !/^See more help with/i.test(line))
  return problems.join('; ')
}

/**
 * oclif's own parse errors (unknown flag, missing argument, a value outside a flag's options) are
 * usage errors. A flag's own check (a Flags.file that does not exist) throws a plain Error that
 * oclif only renames.
 */
function isParseError(error: Error & {oclif?: {exit?: number}}): boolean {
  return error.oclif?.exit === 2 || error.name === 'NonExistentFlagsError' || error.name === 'FailedFlagValidationError' || /^Parsing --\S+ \n/.test(error.message)
}

/**
 * What an operator is told about an error: one line with its exit code and kind, on stderr, or
 * with --json as {error: {message, exitCode, kind}} on stdout. Returns the exit code to leave
 * with, or undefined for anything else: a bug, which keeps oclif's full report.
 */
export function reportOperatorError(command: Command, error: Error & {oclif?: {exit?: number}}): number | undefined {
  const parseError = isParseError(error)
  const operatorError = error instanceof UserError ? error : parseError ? new UsageError(summarizeParseError(error.message)) : unhandledDatabaseError(error)
  if (!operatorError) return undefined
  if (command.jsonEnabled()) {
    ux.stdout(JSON.stringify({error: {message: operatorError.message, exitCode: operatorError.exitCode, kind: operatorError.name}}, null, 2))
  } else {
    const help = parseError ? `\nSee '${command.config.bin} ${command.id?.replaceAll(':', ' ')} --help'.` : ''
    ux.stderr(`${command.config.bin}: ${operatorError.message}${help}`)
  }

  return operatorError.exitCode
}

/**
 * Every command extends this: operator errors become one line and a documented exit code,
 * never a stack trace. Anything else is a bug and keeps oclif's full report.
 */
export abstract class BaseCommand extends Command {
  /**
   * One plain `ovn-vif-ctl: warning: ...` line on stderr, also with --json (whose document
   * stays alone on stdout): scripts read it, and oclif's warn() wraps and decorates.
   */
  warnLine(message: string): void {
    process.stderr.write(`ovn-vif-ctl: warning: ${message}\n`)
  }

  /** reconcile and status: this chassis is not converged until ovn-controller registers it. */
  protected warnUnregistered(chassis: string | undefined): void {
    this.warnLine(`chassis ${chassis} has no Chassis row in the Southbound DB: start ovn-controller here, or check --chassis`)
  }

  /** reconcile and status with --allow-foreign-chassis: say, every time, that another chassis is acted for. */
  protected warnForeignChassis(target: {chassis: string; foreignTo: {systemId: string | undefined} | undefined}): void {
    if (!target.foreignTo) return
    const host = target.foreignTo.systemId === undefined ? 'which has no external_ids:system-id' : `whose external_ids:system-id is ${target.foreignTo.systemId}`
    this.warnLine(`acting as chassis ${target.chassis} on this host, ${host} (--allow-foreign-chassis)`)
  }

  /**
   * A line on stdout that is output also under --json, which silences log(): what a --watch
   * prints for its whole life, where --json asks for JSON lines rather than one final document.
   */
  protected emit(line: string): void {
    ux.stdout(line)
  }

  /**
   * Off a terminal, plain JSON: oclif tokenizes the document to colour it even when no colour
   * is shown, which for 10,000 entries takes longer than the work being reported.
   */
  override logJson(json: unknown): void {
    if (process.stdout.isTTY) super.logJson(json)
    else ux.stdout(JSON.stringify(json, null, 2))
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    const exitCode = reportOperatorError(this, error)
    if (exitCode !== undefined) this.exit(exitCode)
    return super.catch(error)
  }
}
