import {isUnsettled, type PlanEntry} from './plan.js'

const DONE: Readonly<Record<PlanEntry['outcome'], string>> = {
  create: 'created',
  update: 'updated',
  replace: 'replaced',
  remove: 'removed',
  unchanged: 'unchanged',
  pending: 'pending',
  conflict: 'conflict',
  kept: 'kept',
  additional: 'additional',
}

const WOULD: Readonly<Record<PlanEntry['outcome'], string>> = {
  ...DONE,
  create: 'would create',
  update: 'would update',
  replace: 'would replace',
  remove: 'would remove',
}

/** One entry's result as reported: what was done (or would be, or why nothing was). */
export interface ReportedEntry {
  lport: string
  result: string
  interface?: string
  reason: string
  /** False while the lport needs attention: pending, in conflict, or an orphan kept. */
  settled: boolean
}

export function reportEntries(entries: readonly PlanEntry[], applied: boolean): ReportedEntry[] {
  const words = applied ? DONE : WOULD
  return entries.map((entry) => ({
    lport: entry.lport,
    result: entry.action ? words[entry.outcome] : DONE[entry.outcome],
    ...(entry.interfaceName === undefined ? {} : {interface: entry.interfaceName}),
    reason: entry.reason,
    settled: !isUnsettled(entry),
  }))
}

export type LogFormat = 'text' | 'json'

/** One log line: `text` for people and journald, `json` for log pipelines. */
export function formatLogLine(format: LogFormat, fields: {level: 'info' | 'warn' | 'error'; message: string} & Partial<ReportedEntry>, now = new Date()): string {
  if (format === 'json') return JSON.stringify({time: now.toISOString(), ...fields})
  const {level, message, lport, interface: iface, result, reason} = fields
  if (lport === undefined) return `${now.toISOString()} ${level} ${message}`
  return `${now.toISOString()} ${level} ${result} ${lport}${iface ? ` (interface ${iface})` : ''}: ${reason}`
}
