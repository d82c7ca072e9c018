import {mapDelete, mapInsert, type Mutation} from '../ovsdb/datum.js'

export type OptionChange =
  | {op: 'add'; key: string; value: string}
  | {op: 'change'; key: string; from: string; to: string}
  | {op: 'remove'; key: string; value: string}

type Options = Readonly<Record<string, string>>

/**
 * What turns `current` into `desired` over the keys `manages` accepts, sorted by key. Keys it
 * does not accept are neither compared nor touched.
 */
export function diffOwnedOptions(current: Options, desired: Options, manages: (key: string) => boolean): OptionChange[] {
  const keys = new Set([...Object.keys(current), ...Object.keys(desired)].filter((key) => manages(key)))
  const changes: OptionChange[] = []
  for (const key of [...keys].sort()) {
    const from = current[key]
    const to = desired[key]
    if (from === to) continue
    if (from === undefined) changes.push({op: 'add', key, value: to!})
    else if (to === undefined) changes.push({op: 'remove', key, value: from})
    else changes.push({op: 'change', key, from, to})
  }

  return changes
}

/**
 * The mutations of the options column that apply `changes` without touching any other key, so
 * a concurrent change to another option is never lost. An OVSDB map insert does not overwrite,
 * so every key written is deleted first, also an added one (another client may have set it
 * since we read the row).
 */
export function optionMutations(changes: readonly OptionChange[]): Mutation[] {
  if (changes.length === 0) return []
  const inserted = Object.fromEntries(
    changes.flatMap((change) => (change.op === 'add' ? [[change.key, change.value]] : change.op === 'change' ? [[change.key, change.to]] : [])),
  )
  const mutations = [mapDelete('options', changes.map((change) => change.key))]
  if (Object.keys(inserted).length > 0) mutations.push(mapInsert('options', inserted))
  return mutations
}

/** One line per change, as --dry-run prints it: `+ key=value`, `~ key old -> new`, `- key`. */
export function formatChange(change: OptionChange): string {
  switch (change.op) {
    case 'add':
      return `+ ${change.key}=${change.value}`
    case 'change':
      return `~ ${change.key} ${change.from} -> ${change.to}`
    case 'remove':
      return `- ${change.key}`
  }
}
