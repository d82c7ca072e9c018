import type {ChalkInstance} from 'chalk'

import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'

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

export function renderOutcomes(outcomes: readonly CheckOutcome[], chalk: ChalkInstance): string {
  const width = Math.max(...outcomes.map((outcome) => outcome.title.length))
  return outcomes
    .flatMap((outcome) => [
      `${resultLabel(outcome.result, chalk)}  ${outcome.title.padEnd(width)}  ${outcome.detail}`,
      ...(outcome.fix ? [`      ${' '.repeat(width)}  fix: ${outcome.fix}`] : []),
    ])
    .join('\n')
}
