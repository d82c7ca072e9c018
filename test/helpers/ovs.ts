import {readWatcherState} from '../../src/reconcile/watch-state.js'
import {run} from '../../src/sandbox/daemon.js'

/** A value as ovs-vsctl/ovn-nbctl --format=json print it, decoded: maps to objects, sets to arrays. */
export type Cell = string | number | boolean | Cell[] | {[key: string]: Cell}

function decodeCell(wire: unknown): Cell {
  if (!Array.isArray(wire)) return wire as Cell
  const [kind, body] = wire as [string, unknown]
  if (kind === 'uuid' || kind === 'named-uuid') return body as string
  if (kind === 'map') return Object.fromEntries((body as [unknown, unknown][]).map(([key, value]) => [String(decodeCell(key)), decodeCell(value)]))
  if (kind === 'set') return (body as unknown[]).map(decodeCell)
  return wire as Cell
}

/**
 * Lists rows with one of the real OVS/OVN command-line tools (ovs-vsctl, ovn-nbctl, ovn-sbctl),
 * so tests check what a database holds independently of this project's own OVSDB client.
 */
export async function listRows(tool: 'ovs-vsctl' | 'ovn-nbctl' | 'ovn-sbctl', db: string, table: string, columns: readonly string[]): Promise<Record<string, Cell>[]> {
  const out = await run(tool, [`--db=${db}`, '--format=json', `--columns=${columns.join(',')}`, 'list', table])
  const {headings, data} = JSON.parse(out) as {headings: string[]; data: unknown[][]}
  return data.map((row) => Object.fromEntries(headings.map((heading, index) => [heading, decodeCell(row[index])])))
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs naming what was awaited. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }

    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Names of the interfaces in this local OVS DB that OVN plugged (ovn-plugged) and that start with prefix, sorted. */
export async function pluggedInterfaceNames(db: string, prefix = ''): Promise<string[]> {
  return (await listRows('ovs-vsctl', db, 'Interface', ['name', 'external_ids']))
    .filter((row) => (row.external_ids as Record<string, string>)['ovn-plugged'] !== undefined && String(row.name).startsWith(prefix))
    .map((row) => String(row.name))
    .sort()
}

/** Waits (up to timeoutMs) until the plugged interfaces starting with prefix are exactly `expected`. */
export async function waitForPluggedInterfaces(db: string, prefix: string, expected: readonly string[], timeoutMs?: number): Promise<void> {
  const want = JSON.stringify([...expected].sort())
  await eventually(`plugged interfaces ${prefix}* to be [${expected.join(',')}]`, async () => {
    const names = await pluggedInterfaceNames(db, prefix)
    return JSON.stringify(names) === want ? names : undefined
  }, timeoutMs)
}

/**
 * For a wait that needs the next pass of the watcher of this local DB once the cause of its
 * failing passes is gone: the pause its published state says is left, plus the usual 20 s.
 */
export async function afterNextAttemptMs(db: string): Promise<number> {
  const next = (await readWatcherState(db))?.failing?.nextAttemptAt
  return Math.max(0, next ? Date.parse(next) - Date.now() : 0) + 20_000
}
