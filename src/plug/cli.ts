import {Args, Flags} from '@oclif/core'

import {InterruptedError, UserError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {signalAbort} from '../lib/signals.js'
import {readRequestFile} from './file.js'
import {renderChanges, renderWaitOutcome, waitProgress} from './render.js'
import type {RawPlugEntry} from './request.js'
import type {PlugResult, RunOptions} from './run.js'
import {WAIT_MODES, type WaitMode} from './wait-state.js'

/** What plug and unplug share on the command line, besides the connection flags. */
export const lspArgs = {
  lsp: Args.string({description: 'Logical_Switch_Port name(s).', multiple: true, ignoreStdin: true}),
}

export const sharedFlags = {
  wait: Flags.string({
    description: 'After writing, wait: none; sb (ovn-northd has it in the Southbound DB); hv (every ovn-controller has applied it); plugged (each port is claimed and up on its chassis, or for unplug claimed by none). --timeout ends the wait with exit 4, Ctrl-C with 130. When nothing changes, only plugged has something to wait for.',
    options: [...WAIT_MODES],
    default: 'none',
  }),
  'dry-run': Flags.boolean({description: 'Print the option changes per port; write nothing.', default: false}),
}

export function usageError(message: string): UserError {
  return new UserError(message, ExitCode.Usage)
}

/** --from-file, read by readRequestFile for plug and unplug alike; the description says what each takes from it. */
export function fromFileFlag(description: string) {
  return Flags.file({description, exists: true, helpValue: 'FILE'})
}

/** The entries of --from-file, or undefined without it; ports given as arguments as well are a usage error. */
export async function entriesFromFile(lsps: readonly string[], fromFile: string | undefined): Promise<RawPlugEntry[] | undefined> {
  if (fromFile === undefined) return undefined
  if (lsps.length > 0) throw usageError(`give the ports either as arguments or in --from-file, not both (got ${lsps.join(' ')})`)
  return readRequestFile(fromFile)
}

export function checkWaitWithDryRun(wait: string, dryRun: boolean): WaitMode {
  if (dryRun && wait !== 'none') throw usageError(`--dry-run writes nothing, so there is nothing to --wait ${wait} for: drop one of them`)
  return wait as WaitMode
}

interface Output {
  log(message: string): void
  warnLine(message: string): void
  jsonEnabled(): boolean
}

/**
 * Runs plug or unplug with its human output: the changes as soon as they are written, a
 * progress display while waiting, then what the wait established. With --json, only the result.
 */
export async function runWithOutput(
  output: Output,
  command: PlugResult['command'],
  run: (hooks: Pick<RunOptions, 'onPlanned' | 'onWaitProgress' | 'signal'>) => Promise<PlugResult>,
): Promise<PlugResult> {
  // SIGINT once the requests are written ends the wait, not the process: the command then says
  // that the requests were written and which ports are still pending, and exits 130. Before the
  // write, Ctrl-C keeps its default and ends the process at once.
  const interrupt = signalAbort(['SIGINT'])
  try {
    const written = (planned: PlugResult) => {
      interrupt.arm()
      for (const warning of planned.warnings) output.warnLine(warning)
    }

    if (output.jsonEnabled()) return await run({signal: interrupt.signal, onPlanned: written})
    return await runWithProgress(output, command, (hooks) => run({...hooks, signal: interrupt.signal}), written)
  } finally {
    interrupt.disarm()
  }
}

async function runWithProgress(
  output: Output,
  command: PlugResult['command'],
  run: (hooks: Pick<RunOptions, 'onPlanned' | 'onWaitProgress'>) => Promise<PlugResult>,
  written: (planned: PlugResult) => void,
): Promise<PlugResult> {
  const progress = waitProgress(command, Boolean(process.stderr.isTTY))
  let result: PlugResult
  try {
    result = await run({
      onPlanned(planned) {
        written(planned)
        output.log(renderChanges(planned))
      },
      onWaitProgress: (states) => progress.update(states),
    })
  } catch (error) {
    // The error's line says how the wait ended; an interrupted spinner leaves no line of its own.
    if (error instanceof InterruptedError) progress.clear()
    else progress.stop('failed')
    throw error
  }

  progress.stop('done')

  const waited = renderWaitOutcome(result)
  if (waited) output.log(waited)
  return result
}
