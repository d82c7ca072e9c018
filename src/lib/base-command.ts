import {Command, ux} from '@oclif/core'

import {UserError} from './errors.js'
import {ExitCode} from './exit-codes.js'

/** oclif's parse errors come as a header, indented problems and a help hint: keep the problems. */
function summarizeParseError(message: string): string {
  const problems = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^The following errors? occurred:?$/i.test(line) && !/^See more help with/i.test(line))
  return problems.join('; ')
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
   * Off a terminal, plain JSON: oclif tokenizes the document to colour it even when no colour
   * is shown, which for 10,000 entries takes longer than the work being reported.
   */
  override logJson(json: unknown): void {
    if (process.stdout.isTTY) super.logJson(json)
    else ux.stdout(JSON.stringify(json, null, 2))
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof UserError) {
      if (this.jsonEnabled()) {
        this.logJson({error: {message: error.message, exitCode: error.exitCode, kind: error.name}})
        this.exit(error.exitCode)
      }

      this.logToStderr(`ovn-vif-ctl: ${error.message}`)
      this.exit(error.exitCode)
    }

    // oclif's own parse errors (unknown flag, missing argument) are usage errors: exit 2. A flag's
    // own check (a Flags.file that does not exist) throws a plain Error that oclif only renames.
    if (error.oclif?.exit === 2 || error.name === 'NonExistentFlagsError' || error.name === 'FailedFlagValidationError' || /^Parsing --\S+ \n/.test(error.message)) {
      this.logToStderr(`ovn-vif-ctl: ${summarizeParseError(error.message)}\nSee '${this.config.bin} ${this.id?.replaceAll(':', ' ')} --help'.`)
      this.exit(ExitCode.Usage)
    }

    return super.catch(error)
  }
}
