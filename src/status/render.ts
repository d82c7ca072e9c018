import {Chalk, type ChalkInstance} from 'chalk'

import {UsageError} from '../lib/errors.js'
import {alignColumns} from '../lib/columns.js'
import {csvField, describeFailedProviders, type FailedProvider, failuresConcerning} from '../providers/report.js'
import {type DataHealth, type StateCounts, STATES, type StatusReport, type StatusRow, type StatusState} from './model.js'

export const FORMATS = ['table', 'json', 'csv', 'prometheus'] as const
export type StatusFormat = (typeof FORMATS)[number]

/** -f prometheus exports the gauges of every port, once: a selection would make counts that mean something else. */
function checkPrometheusSelection({columns, states, lports, watch}: {columns?: readonly string[] | undefined; states?: readonly StatusState[] | undefined; lports: readonly string[]; watch: boolean}): void {
  const selection = [columns && '--columns', states && '--state', lports.length > 0 && 'the named ports', watch && '--watch'].filter(Boolean)
  if (selection.length === 0) return
  throw new UsageError(`-f prometheus exports the counts of every port, once (for node_exporter's textfile collector): drop ${selection.join(', ')}; reconcile --watch --metrics-address serves them live`)
}

/** Column name (as --columns and the CSV header spell it) -> the row's value as text. */
const COLUMNS: Readonly<Record<string, (row: StatusRow) => string>> = {
  lport: (row) => row.lport,
  state: (row) => row.state,
  chassis: (row) => row.chassis ?? '',
  'card-serial': (row) => row.cardSerial ?? '',
  'claimed-by': (row) => row.claimedBy ?? '',
  up: (row) => (row.up === undefined ? '' : String(row.up)),
  type: (row) => row.type ?? '',
  options: (row) => Object.entries(row.options ?? {}).map(([key, value]) => `${key}=${value}`).join(' '),
  mtu: (row) => (row.mtu === undefined ? '' : String(row.mtu)),
  interface: (row) => row.interface ?? '',
  ofport: (row) => (row.ofport === undefined ? '' : String(row.ofport)),
  error: (row) => row.error ?? '',
  netdev: (row) => row.netdev ?? '',
  reason: (row) => row.reason,
}

export const COLUMN_NAMES = Object.keys(COLUMNS)
/** What only local mode knows: --all-chassis reads no local OVS DB and asks no provider. */
const LOCAL_ONLY_COLUMNS = ['interface', 'ofport', 'error', 'netdev']
/** --all-chassis sees no interfaces, so it never finds a port orphaned or in conflict. */
const LOCAL_ONLY_STATES: readonly StatusState[] = ['orphaned', 'conflict']

/** The table's columns when --columns is not given: what fits a terminal. */
export const DEFAULT_COLUMNS: Readonly<Record<StatusReport['mode'], readonly string[]>> = {
  local: ['lport', 'state', 'chassis', 'type', 'interface', 'ofport', 'up', 'reason'],
  'all-chassis': ['lport', 'state', 'chassis', 'card-serial', 'claimed-by', 'up', 'type', 'reason'],
}

/** CSV's columns when --columns is not given: every column the mode can fill, for scripts and spreadsheets. */
export const DEFAULT_CSV_COLUMNS: Readonly<Record<StatusReport['mode'], readonly string[]>> = {
  local: COLUMN_NAMES,
  'all-chassis': COLUMN_NAMES.filter((column) => !LOCAL_ONLY_COLUMNS.includes(column)),
}

/** The --columns value as a list, each checked. */
export function parseColumns(values: readonly string[]): string[] {
  const unknown = values.filter((column) => !(column in COLUMNS))
  if (unknown.length > 0) throw new UsageError(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; choose from ${COLUMN_NAMES.join(', ')}`)
  return [...values]
}

/**
 * Refuses a selection that cannot apply rather than ignoring it: --columns with JSON (which has
 * every field), and with --all-chassis the columns and states only local mode can know.
 */
export function checkSelection({
  format,
  columns,
  states,
  allChassis,
  lports = [],
  watch = false,
}: {format: StatusFormat; columns?: readonly string[]; states?: readonly StatusState[]; allChassis: boolean; lports?: readonly string[]; watch?: boolean}): void {
  if (columns && format === 'json') throw new UsageError('--columns picks the columns of table and csv; JSON always has every field: drop --columns, or use -f csv')
  if (format === 'prometheus') checkPrometheusSelection({columns, states, lports, watch})
  if (!allChassis) return
  const localColumns = (columns ?? []).filter((column) => LOCAL_ONLY_COLUMNS.includes(column))
  if (localColumns.length > 0) {
    throw new UsageError(`--all-chassis reads no local OVS DB, so it cannot fill ${localColumns.join(', ')}: drop ${localColumns.length > 1 ? 'them' : 'it'} from --columns, or run status on the chassis without --all-chassis`)
  }

  const localStates = (states ?? []).filter((state) => LOCAL_ONLY_STATES.includes(state))
  if (localStates.length > 0) {
    throw new UsageError(`--all-chassis sees no interfaces, so no port is ever ${localStates.join(' or ')} there: drop --state ${localStates.join(',')}, or run status on the chassis without --all-chassis`)
  }
}

const STATE_COLOURS: Readonly<Record<StatusState, (chalk: ChalkInstance) => ChalkInstance>> = {
  plugged: (chalk) => chalk.green,
  pending: (chalk) => chalk.yellow,
  orphaned: (chalk) => chalk.magenta,
  conflict: (chalk) => chalk.red,
  additional: (chalk) => chalk.cyan,
}

/** Colour only on a terminal, and never with NO_COLOR set or --no-color. */
export function colourFor(wanted: boolean, stream: {isTTY?: boolean}, env: Readonly<Record<string, string | undefined>> = process.env): ChalkInstance {
  const enabled = wanted && stream.isTTY === true && !env.NO_COLOR
  return new Chalk({level: enabled ? 1 : 0})
}

/** Every state's count, but `additional` (a live migration's other end) only when there is one. */
export function describeCounts(counts: StateCounts): string {
  return STATES.filter((state) => state !== 'additional' || counts[state] > 0).map((state) => `${counts[state]} ${state}`).join(', ')
}

/** The summary's word that the chassis shown is not this host's. */
function foreignNote(report: StatusReport): string {
  if (!report.foreignTo) return ''
  const host = report.foreignTo.systemId === undefined ? 'this host has no system-id' : `not this host's chassis ${report.foreignTo.systemId}`
  return ` (${host}: --allow-foreign-chassis)`
}

/** The failed providers that a row shown uses: the table and CSV name only these. */
export function failuresConcerningRows(report: StatusReport): FailedProvider[] {
  return failuresConcerning(report.failedProviders ?? [], new Set(report.rows.map((row) => row.type)))
}

function summary(report: StatusReport): string[] {
  const where = report.mode === 'local' ? `on chassis ${report.chassis}${foreignNote(report)}` : 'on all chassis'
  const lines = [`${report.rows.length} port${report.rows.length === 1 ? '' : 's'} ${where}: ${describeCounts(report.counts)}`]
  for (const [chassis, counts] of Object.entries(report.byChassis ?? {})) lines.push(`  ${chassis || '(no chassis)'}: ${describeCounts(counts)}`)
  lines.push(...describeFailedProviders(failuresConcerningRows(report)))
  return lines
}

/**
 * Aligned columns without borders (like `ovn-nbctl show`, cheap for 10,000 rows), the state
 * in its colour, then the summary. Widths are display widths (CJK and emoji take two columns);
 * every column but the last is cut to MAX_CELL_WIDTH with an ellipsis.
 */
export function renderTable(report: StatusReport, columns: readonly string[], chalk: ChalkInstance): string {
  if (report.rows.length === 0) return summary(report).join('\n')
  const header = columns.map((column) => column.toUpperCase())
  const [head, ...lines] = alignColumns([header, ...report.rows.map((row) => columns.map((column) => COLUMNS[column]!(row)))], {padLast: false})
  const stateIndex = chalk.level === 0 ? -1 : columns.indexOf('state')
  const colour = (cells: string[], row: StatusRow) => {
    if (stateIndex >= 0) cells[stateIndex] = STATE_COLOURS[row.state](chalk)(cells[stateIndex]!)
    return cells
  }
  return [chalk.bold(head!.join('  ')), ...lines.map((cells, index) => colour(cells, report.rows[index]!).join('  ')), '', ...summary(report)].join('\n')
}

export function renderCsv(rows: readonly StatusRow[], columns: readonly string[]): string {
  return [columns, ...rows.map((row) => columns.map((column) => COLUMNS[column]!(row)))].map((fields) => fields.map(csvField).join(',')).join('\n')
}

/** The JSON row: every field present, null when unknown, so consumers need no existence checks. */
function jsonRow(row: StatusRow): Record<string, unknown> {
  return {
    lport: row.lport,
    state: row.state,
    reason: row.reason,
    chassis: row.chassis ?? null,
    cardSerial: row.cardSerial ?? null,
    claimedBy: row.claimedBy ?? null,
    up: row.up ?? null,
    type: row.type ?? null,
    options: row.options ?? {},
    mtu: row.mtu ?? null,
    interface: row.interface ?? null,
    ofport: row.ofport ?? null,
    error: row.error ?? null,
    netdev: row.netdev ?? null,
  }
}

/** The documented JSON document (docs/status.md), for -f json and --json alike. */
export function jsonReport(report: StatusReport): Record<string, unknown> {
  return {
    mode: report.mode,
    chassis: report.chassis ?? null,
    // This host's system-id: the chassis shown unless --allow-foreign-chassis.
    systemId: report.mode === 'local' ? (report.foreignTo ? (report.foreignTo.systemId ?? null) : (report.chassis ?? null)) : null,
    ...(report.failedProviders ? {failedProviders: report.failedProviders} : {}),
    counts: report.counts,
    ...(report.byChassis ? {byChassis: report.byChassis} : {}),
    rows: report.rows.map(jsonRow),
  }
}

/**
 * The line above each rendering of status --watch: when it was drawn, and how old its data
 * is; during an outage, which databases are down since when, so a stale screen never looks
 * healthy.
 */
export function watchHeader(health: DataHealth, now: Date): string {
  const stamp = `--- ${now.toISOString()}`
  if (health.down.length === 0) return `${stamp}, data as of ${health.updatedAt}`
  const down = health.down.map(({database, since}) => `the ${database} since ${since}`).join(', ')
  return `${stamp}: DATABASE DOWN, reconnecting: ${down}; the rows below are as of ${health.updatedAt} and may be stale`
}
