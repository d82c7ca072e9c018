import type {ChalkInstance} from 'chalk'

import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {displayWidth, padToWidth, truncateToWidth} from '../lib/text-width.js'

/** info: something worth knowing that is not a problem (never affects the exit status). */
export type CheckResult = 'pass' | 'info' | 'warn' | 'fail' | 'skip'

export interface CheckOutcome {
  /** Stable name, e.g. system-id or provider:representor. */
  id: string
  title: string
  result: CheckResult
  detail: string
  /** One line telling how to fix it (warn and fail). */
  fix?: string
  /** A failure to reach a database or daemon: exit 4 rather than 1. */
  unreachable?: boolean
}

/** 0 when everything passed (info counts as passed); 4 when a failed check is something unreachable; else 1 for any warning, failure or skip. */
export function doctorExitCode(outcomes: readonly CheckOutcome[]): ExitCodeValue {
  if (outcomes.some((outcome) => outcome.result === 'fail' && outcome.unreachable)) return ExitCode.Connection
  return outcomes.some((outcome) => outcome.result !== 'pass' && outcome.result !== 'info') ? ExitCode.NotConverged : ExitCode.Ok
}

const LABELS: Readonly<Record<CheckResult, (chalk: ChalkInstance) => string>> = {
  pass: (chalk) => chalk.green('PASS'),
  info: (chalk) => chalk.cyan('INFO'),
  warn: (chalk) => chalk.yellow('WARN'),
  fail: (chalk) => chalk.red('FAIL'),
  skip: (chalk) => chalk.dim('SKIP'),
}

export function resultLabel(result: CheckResult, chalk: ChalkInstance): string {
  return LABELS[result](chalk)
}

/** One line per check (its title cut to MAX_CELL_WIDTH and padded by display width), and its fix under the detail. */
export function renderOutcomes(outcomes: readonly CheckOutcome[], chalk: ChalkInstance): string {
  const titles = outcomes.map((outcome) => truncateToWidth(outcome.title))
  const width = Math.max(...titles.map(displayWidth))
  return outcomes
    .flatMap((outcome, index) => [
      `${resultLabel(outcome.result, chalk)}  ${padToWidth(titles[index]!, width)}  ${outcome.detail}`,
      ...(outcome.fix ? [`      ${' '.repeat(width)}  fix: ${outcome.fix}`] : []),
    ])
    .join('\n')
}
