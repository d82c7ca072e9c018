/**
 * When a standalone ovsdb-server committed what, read back from its database file: every
 * transaction record carries the server's wall-clock time of the commit (`_date`, in ms).
 *
 * The bench uses it to split a measured time at the moment each database changed. A watching
 * client cannot tell that moment: ovsdb-server sends a commit's updates to its clients one
 * after another, so a client that connected late learns of the change late.
 */
import {readFile} from 'node:fs/promises'

export interface CommitRecord {
  /** Epoch ms, the server's clock. */
  date: number
  /** Rows per table that the commit inserted (the record names them by their key column). */
  inserted: Map<string, number>
  /** Rows per table that the commit deleted. */
  deleted: Map<string, number>
}

/**
 * A column each counted table sets on insert and never changes after. Records are diffs (they
 * carry only the columns a commit changed), so a row that carries its key column is new.
 */
const KEY_COLUMN: Record<string, string> = {
  Interface: 'name',
  Logical_Switch_Port: 'name',
  Port_Binding: 'logical_port',
}

const DATE = /"_date":(\d+)/

/** The records of a standalone database file committed at or after sinceMs (epoch), oldest first. */
export async function readCommits(file: string, sinceMs: number): Promise<CommitRecord[]> {
  const data = await readFile(file)
  const commits: CommitRecord[] = []
  // Each record is a header line "OVSDB JSON <length> <sha1>" and then <length> bytes of JSON.
  let offset = 0
  while (offset < data.length) {
    const headerEnd = data.indexOf(0x0a, offset)
    if (headerEnd < 0) break
    const length = Number(data.toString('latin1', offset, headerEnd).split(' ')[2])
    const body = data.toString('utf8', headerEnd + 1, headerEnd + 1 + length)
    offset = headerEnd + 1 + length
    while (data[offset] === 0x0a) offset++
    // Parse only the records asked for: at 10,000 ports the file holds hundreds of MB of older ones.
    const date = Number(DATE.exec(body)?.[1])
    if (!(date >= sinceMs)) continue
    commits.push(countRows(date, JSON.parse(body) as Record<string, unknown>))
  }

  return commits
}

function countRows(date: number, record: Record<string, unknown>): CommitRecord {
  const inserted = new Map<string, number>()
  const deleted = new Map<string, number>()
  for (const [table, rows] of Object.entries(record)) {
    const key = KEY_COLUMN[table]
    if (key === undefined || typeof rows !== 'object' || rows === null) continue
    for (const row of Object.values(rows as Record<string, Record<string, unknown> | null>)) {
      if (row === null) deleted.set(table, (deleted.get(table) ?? 0) + 1)
      else if (key in row) inserted.set(table, (inserted.get(table) ?? 0) + 1)
    }
  }

  return {date, inserted, deleted}
}

/**
 * The date of the commit after which `count` rows of `table` had been inserted (or deleted)
 * since the first record given, or null if they never were.
 */
export function dateWhenCounted(commits: readonly CommitRecord[], table: string, change: 'inserted' | 'deleted', count: number): number | null {
  let seen = 0
  for (const commit of commits) {
    seen += commit[change].get(table) ?? 0
    if (seen >= count) return commit.date
  }

  return null
}
