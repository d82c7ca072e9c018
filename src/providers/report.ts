import chalk from 'chalk'

import {describeProviderFailure, type ProviderCall, type ProviderRegistry} from './registry.js'
import {renderBoxedColumns} from '../lib/columns.js'
import type {InventoryItem} from './types.js'

export interface ProviderSummary {
  type: string
  origin: string
  initialised: boolean
  /** Why init failed, when it did. */
  reason?: string
  maintainedOptions: string[]
  options: Array<{key: string; flag: string; description: string; required: boolean}>
}

export interface InventoryRow extends InventoryItem {
  provider: string
}

/** A provider that failed, as status, doctor and reconcile report it (JSON: failedProviders). */
export interface FailedProvider {
  type: string
  origin: string
  /** The contract method that failed: init, inventory, refresh, onChange or finish. */
  call: ProviderCall
  reason: string
}

export function failedProviders(registry: ProviderRegistry): FailedProvider[] {
  return registry.entries.flatMap(({provider, origin, failure}) => (failure ? [{type: provider.type, origin, call: failure.call, reason: failure.reason}] : []))
}

/** One line per failed provider, saying what that means for its ports. */
/**
 * The failed providers of the types a command's output involves: what it warns about (an unused
 * representor on a host without devlink is not news); its JSON lists them all.
 */
export function failuresConcerning(failed: readonly FailedProvider[], types: ReadonlySet<string | undefined>): FailedProvider[] {
  return failed.filter(({type}) => types.has(type))
}

export function describeFailedProviders(failed: readonly FailedProvider[]): string[] {
  return failed.map(({type, call, reason}) => `${describeProviderFailure(type, {call, reason})}; its ports stay pending and its interfaces are not unplugged`)
}

export function summarizeProviders(registry: ProviderRegistry): ProviderSummary[] {
  return registry.entries.map(({provider, origin, failure}) => ({
    type: provider.type,
    origin,
    initialised: !failure,
    ...(failure ? {reason: failure.reason} : {}),
    maintainedOptions: [...provider.maintainedOptions],
    options: provider.optionSpecs.map(({key, flag, description, required}) => ({key, flag, description, required})),
  }))
}

export function renderProviderSummaries(summaries: readonly ProviderSummary[]): string {
  return summaries
    .map((summary) => {
      const status = summary.initialised ? chalk.green('ready') : chalk.red(`init failed: ${summary.reason}`)
      const lines = [`${chalk.bold(summary.type)} (${summary.origin}): ${status}`]
      lines.push(`  maintains interface options: ${summary.maintainedOptions.join(', ') || 'none'}`)
      if (summary.options.length === 0) lines.push('  lport options: none')
      else {
        const options = summary.options.map((option) => [option.key, `--${option.flag}`, option.required ? 'required' : 'optional', option.description])
        lines.push(...renderBoxedColumns(['lport option', 'flag', '', 'description'], options).split('\n').map((line) => `  ${line}`))
      }

      return lines.join('\n')
    })
    .join('\n\n')
}

/**
 * Every pluggable item of the registry's providers, asked all at once (a hung provider costs
 * one timeout, not one each). A provider that failed (to initialise, or now) is an error when
 * `strict` (the operator asked for it by name), else it is reported through `onSkip` and left out.
 */
export async function collectInventory(
  registry: ProviderRegistry,
  {strict, onSkip}: {strict: boolean; onSkip: (type: string, reason: string) => void},
): Promise<InventoryRow[]> {
  const results = await Promise.allSettled(registry.entries.map(({provider}) => provider.inventory()))
  const rows: InventoryRow[] = []
  for (const [index, result] of results.entries()) {
    const {type} = registry.entries[index]!.provider
    if (result.status === 'fulfilled') {
      for (const item of result.value) rows.push({provider: type, ...item})
      continue
    }

    // The registry has recorded the failure; the error names the provider and the call.
    if (strict) throw result.reason
    const failure = registry.entry(type)?.failure
    onSkip(type, !failure ? (result.reason as Error).message : failure.call === 'init' ? failure.reason : `${failure.call}() failed: ${failure.reason}`)
  }

  return rows
}

/** What `providers inventory --flavour` takes: the representor flavours, by devlink's pci<flavour> without the prefix. */
export const REPRESENTOR_FLAVOURS = ['pf', 'vf', 'sf'] as const

/** The rows whose flavour detail is devlink's pci<flavour> (pcipf, pcivf, pcisf). */
export function ofFlavour(rows: readonly InventoryRow[], flavour: string): InventoryRow[] {
  return rows.filter((row) => row.details.flavour === `pci${flavour}`)
}

/**
 * netdev, then every detail key in the order providers first report them, but for keys no row has
 * a value for (an sf column among VFs only); provider first when rows mix providers.
 */
export function inventoryColumns(rows: readonly InventoryRow[], withProvider: boolean): string[] {
  const detailKeys = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row.details)) detailKeys.add(key)
  const filled = [...detailKeys].filter((key) => rows.some((row) => row.details[key] !== undefined))
  return [...(withProvider ? ['provider'] : []), 'netdev', ...filled]
}

function cell(row: InventoryRow, column: string): string {
  const value = column === 'provider' ? row.provider : column === 'netdev' ? row.netdev : row.details[column]
  return value === undefined ? '' : String(value)
}

/** Aligned by display width (CJK and emoji take two columns); every column but the last is cut to MAX_CELL_WIDTH. */
export function renderInventoryTable(rows: readonly InventoryRow[], columns: readonly string[]): string {
  return renderBoxedColumns(columns, rows.map((row) => columns.map((column) => cell(row, column))))
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export function renderInventoryCsv(rows: readonly InventoryRow[], columns: readonly string[]): string {
  return [columns, ...rows.map((row) => columns.map((column) => cell(row, column)))].map((fields) => fields.map(csvField).join(',')).join('\n')
}
