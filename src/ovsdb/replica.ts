import {columnDecoder, columnOf, decodeElements, decodePairs, decodeValue, defaultValue, elementsOf, type Row, type RowBase, setMapEntry, shapeElements, type WireDecoder} from './datum.js'
import {OvsdbError} from './errors.js'
import {type Atom, type ColumnSchema, type DatabaseSchema, getTable, isMap, type TableSchema} from './schema.js'

/**
 * Row types by table name, as a caller declares them for one monitor, e.g.
 * `{Chassis: ChassisRow; Port_Binding: BindingRow}`. The library does not check them: each row
 * type must describe the monitored columns as this library decodes them (see the README).
 */
export type Tables<T> = {readonly [N in keyof T]: RowBase}

/** Every table untyped: rows are plain `Row`s. The default wherever tables can be declared. */
export type UntypedTables = Readonly<Record<string, Row>>

/** The names of a row type's own columns, without _uuid and _version. */
export type ColumnName<R> = Exclude<keyof R & string, '_uuid' | '_version'>

/** A table name of T. */
export type TableName<T> = keyof T & string

export type ChangeKind = 'insert' | 'modify' | 'delete'

/** One row's change, typed by its table: checking `change.table` narrows `old` and `new`. */
export type RowChange<T extends Tables<T> = UntypedTables> = {
  [N in TableName<T>]: {
    table: N
    kind: ChangeKind
    uuid: string
    /** The row before the change (modify, delete). */
    old?: T[N]
    /** The row after the change (insert, modify). */
    new?: T[N]
  }
}[TableName<T>]

/** The rows of one monitored table, as a monitor's replica hands them out. */
export interface ReplicaTable<R extends RowBase = Row> {
  readonly name: string
  readonly schema: TableSchema
  /** The monitored columns, in a fixed order, so rows built from any update have the same shape. */
  readonly columns: readonly ColumnSchema[]
  readonly size: number
  get(uuid: string): R | undefined
  rows(): IterableIterator<R>
  /** The rows whose column equals the value, or for a set column contains it; the column must be in the monitor's indexes option. */
  byIndex(column: ColumnName<R>, value: Atom): R[]
}

/** A local copy of the monitored part of a database, kept current by its monitor's updates. */
export interface Replica<T extends Tables<T> = UntypedTables> {
  table<N extends TableName<T>>(name: N): ReplicaTable<T[N]>
  tables(): IterableIterator<ReplicaTable<T[TableName<T>]>>
}

type WireRow = Record<string, unknown>
/** <table-updates> (monitor) or <table-updates2> (monitor_cond, monitor_cond_since). */
export type TableUpdates = Record<string, Record<string, unknown>>

/** Equality of decoded values: arrays are sets of atoms, so their order does not matter. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const elements = new Set<unknown>(b as unknown[])
    return a.length === elements.size && a.every((element) => elements.has(element))
  }
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  return keysA.every((key) => sameValue(Reflect.get(a, key), Reflect.get(b, key)))
}

function applySetDiff(column: ColumnSchema, current: unknown, wireDiff: unknown): unknown {
  // The diff of two sets is their symmetric difference, so applying it is toggling each element.
  const elements = new Set<Atom>(elementsOf(current))
  for (const element of decodeElements(wireDiff)) {
    if (elements.has(element)) elements.delete(element)
    else elements.add(element)
  }
  return shapeElements(column.type, [...elements])
}

function applyMapDiff(current: unknown, wireDiff: unknown): Record<string, Atom> {
  // Keys only in the diff are added; a key with the same value is removed; a different value replaces.
  const map: Record<string, Atom> = {...(current as Record<string, Atom> | undefined)}
  for (const [key, value] of decodePairs(wireDiff)) {
    if (Object.hasOwn(map, key) && map[key] === value) delete map[key]
    else setMapEntry(map, key, value)
  }
  return map
}

/** The full row a snapshot entry carries: `new` in a monitor reply, `initial` (or `insert`) in a monitor_cond one. */
function snapshotRow(update: unknown, format: 1 | 2): WireRow | undefined {
  const entry = update as {new?: WireRow; initial?: WireRow; insert?: WireRow}
  return format === 1 ? entry.new : (entry.initial ?? entry.insert)
}

/** The rows of one monitored table, with optional indexes on chosen columns, and the updates that change them. */
export class TableStore implements ReplicaTable {
  private readonly byUuid = new Map<string, Row>()
  private readonly indexes = new Map<string, Map<Atom, Set<string>>>()
  /** The monitored columns, in a fixed order, so rows built from any update have the same shape. */
  readonly columns: readonly ColumnSchema[]
  private readonly decoders: readonly WireDecoder[]

  constructor(
    readonly schema: TableSchema,
    columns: readonly string[],
    indexedColumns: readonly string[],
  ) {
    this.columns = columns.map((name) => columnOf(schema, name))
    this.decoders = this.columns.map((column) => columnDecoder(column.type))
    for (const name of indexedColumns) {
      const column = columnOf(schema, name)
      if (isMap(column.type)) throw new OvsdbError(`cannot index ${schema.name}.${name}: it is a map`)
      this.indexes.set(name, new Map())
    }
  }

  get name(): string {
    return this.schema.name
  }

  get size(): number {
    return this.byUuid.size
  }

  get(uuid: string): Row | undefined {
    return this.byUuid.get(uuid)
  }

  rows(): IterableIterator<Row> {
    return this.byUuid.values()
  }

  /** The rows whose column equals the value, or for a set column contains it. */
  byIndex(column: string, value: Atom): Row[] {
    const index = this.indexes.get(column)
    if (!index) throw new OvsdbError(`${this.schema.name}.${column} is not indexed: list it in the monitor's indexes option`)
    return [...(index.get(value) ?? [])].map((uuid) => this.byUuid.get(uuid)!)
  }

  /** Builds a full row from a wire row that may leave out columns at their default. */
  completeRow(uuid: string, wire: WireRow): Row {
    const row: Record<string, unknown> = {_uuid: uuid}
    const {columns, decoders} = this
    for (let index = 0; index < columns.length; index++) {
      const column = columns[index]!
      const value = wire[column.name]
      row[column.name] = value === undefined ? defaultValue(column.type) : decoders[index]!(value)
    }
    return row as Row
  }

  /** Applies a <row-update2> modify diff. */
  applyDiff(old: Row, diff: WireRow): Row {
    const row: Record<string, unknown> = {...old}
    for (const [name, wireDiff] of Object.entries(diff)) {
      const column = this.schema.columns[name]
      if (!column) continue
      // ovsdb-server sends the new value, not a diff, for a column of at most one value (ovsdb_datum_diff).
      if (column.type.max <= 1) row[name] = decodeValue(column.type, wireDiff)
      else if (isMap(column.type)) row[name] = applyMapDiff(old[name], wireDiff)
      else row[name] = applySetDiff(column, old[name], wireDiff)
    }
    return row as Row
  }

  put(row: Row): void {
    const old = this.byUuid.get(row._uuid)
    if (old) this.unindex(old)
    this.byUuid.set(row._uuid, row)
    this.index(row)
  }

  remove(uuid: string): Row | undefined {
    const old = this.byUuid.get(uuid)
    if (!old) return undefined
    this.byUuid.delete(uuid)
    this.unindex(old)
    return old
  }

  clear(): void {
    this.byUuid.clear()
    for (const index of this.indexes.values()) index.clear()
  }

  private index(row: Row): void {
    // Most tables have no index: no iterator for each of their rows.
    if (this.indexes.size === 0) return
    for (const [column, index] of this.indexes) {
      for (const key of elementsOf(row[column])) {
        let uuids = index.get(key)
        if (!uuids) index.set(key, (uuids = new Set()))
        uuids.add(row._uuid)
      }
    }
  }

  private unindex(row: Row): void {
    if (this.indexes.size === 0) return
    for (const [column, index] of this.indexes) {
      for (const key of elementsOf(row[column])) {
        const uuids = index.get(key)
        uuids?.delete(row._uuid)
        if (uuids?.size === 0) index.delete(key)
      }
    }
  }
}

export interface ReplicaTableSpec {
  columns: readonly string[]
  indexes?: readonly string[]
}

/**
 * The replica a monitor owns and updates; only its monitor applies updates, callers read it
 * through the Replica interface.
 */
export class ReplicaStore implements Replica {
  private readonly tableMap = new Map<string, TableStore>()

  constructor(schema: DatabaseSchema, tables: Readonly<Record<string, ReplicaTableSpec>>) {
    for (const [name, spec] of Object.entries(tables)) {
      this.tableMap.set(name, new TableStore(getTable(schema, name), spec.columns, spec.indexes ?? []))
    }
  }

  table(name: string): TableStore {
    const table = this.tableMap.get(name)
    if (!table) throw new OvsdbError(`table ${name} is not monitored`)
    return table
  }

  tables(): IterableIterator<TableStore> {
    return this.tableMap.values()
  }

  /** Applies <table-updates> from a `monitor` reply or `update` notification. */
  applyUpdate(updates: TableUpdates): RowChange[] {
    const changes: RowChange[] = []
    for (const [tableName, rows] of Object.entries(updates)) {
      const table = this.tableMap.get(tableName)
      if (!table) continue
      for (const [uuid, update] of Object.entries(rows)) {
        const {new: newWire} = update as {old?: WireRow; new?: WireRow}
        if (newWire) this.store(changes, table, table.completeRow(uuid, newWire), table.get(uuid))
        else this.drop(changes, table, uuid)
      }
    }
    return changes
  }

  /** Applies <table-updates2> from monitor_cond(_since) replies and update2/update3 notifications. */
  applyUpdate2(updates: TableUpdates): RowChange[] {
    const changes: RowChange[] = []
    for (const [tableName, rows] of Object.entries(updates)) {
      const table = this.tableMap.get(tableName)
      if (!table) continue
      for (const [uuid, update] of Object.entries(rows)) {
        const {initial, insert, modify, delete: deleted} = update as Record<string, WireRow | null | undefined>
        const full = initial ?? insert
        if (full) {
          this.store(changes, table, table.completeRow(uuid, full), table.get(uuid))
        } else if (modify) {
          const old = table.get(uuid)
          // A modify for a row we never saw cannot be applied; the row's full content arrives on resync.
          if (old) this.store(changes, table, table.applyDiff(old, modify), old)
        } else if (deleted !== undefined) {
          this.drop(changes, table, uuid)
        }
      }
    }
    return changes
  }

  /** An empty snapshot of this replica's tables, for a monitor reply's rows in `format` (1: monitor, 2: monitor_cond). */
  snapshot(format: 1 | 2): Snapshot {
    return new Snapshot(this.tableMap, format)
  }

  /**
   * Replaces the whole content with a snapshot (a monitor reply, first or after reconnecting) and
   * returns the difference as changes: rows that vanished meanwhile are deletes. Without `record`
   * a first snapshot's rows are stored without a change each, for a caller no one listens to yet.
   * Throws the error of a row the snapshot could not decode, before changing anything.
   */
  replaceAll(snapshot: Snapshot, {record}: {record: boolean} = {record: true}): RowChange[] {
    const decoded = snapshot.rows()
    const changes: RowChange[] = []
    for (const table of this.tableMap.values()) {
      const rows = decoded.get(table) ?? new Map<string, Row>()
      // A first snapshot, the usual case, has nothing to compare with or to drop.
      if (table.size === 0) {
        for (const row of rows.values()) {
          if (record) this.store(changes, table, row, undefined)
          else table.put(row)
        }
        continue
      }
      for (const row of rows.values()) {
        const old = table.get(row._uuid)
        if (!old || !sameValue(old, row)) this.store(changes, table, row, old)
      }
      for (const row of [...table.rows()]) {
        if (!rows.has(row._uuid)) this.drop(changes, table, row._uuid)
      }
    }
    return changes
  }

  clear(): void {
    for (const table of this.tableMap.values()) table.clear()
  }

  /** Puts the row in place of `old`, which the caller has looked up. */
  private store(changes: RowChange[], table: TableStore, row: Row, old: Row | undefined): void {
    table.put(row)
    changes.push(old ? {table: table.name, kind: 'modify', uuid: row._uuid, old, new: row} : {table: table.name, kind: 'insert', uuid: row._uuid, new: row})
  }

  private drop(changes: RowChange[], table: TableStore, uuid: string): void {
    const old = table.remove(uuid)
    if (old) changes.push({table: table.name, kind: 'delete', uuid, old})
  }
}

/**
 * The rows of a monitor reply that is a snapshot, decoded as they are added: one by one as the
 * reply streams in, or all at once from a whole reply. Rows of tables the replica does not hold
 * are left out.
 */
export class Snapshot {
  private readonly decoded = new Map<TableStore, Map<string, Row>>()
  private failure: unknown

  constructor(
    private readonly tables: ReadonlyMap<string, TableStore>,
    private readonly format: 1 | 2,
  ) {}

  /**
   * Adds one <row-update>. It does not throw, since it may run inside the framing of the reply:
   * a row that cannot be decoded fails the snapshot, and replaceAll throws the error.
   */
  add(tableName: string, uuid: string, update: unknown): void {
    if (this.failure !== undefined) return
    const table = this.tables.get(tableName)
    if (!table) return
    try {
      const wire = snapshotRow(update, this.format)
      if (!wire) return
      let rows = this.decoded.get(table)
      if (!rows) this.decoded.set(table, (rows = new Map()))
      rows.set(uuid, table.completeRow(uuid, wire))
    } catch (error) {
      this.failure = error
    }
  }

  /** Adds every <row-update> of a <table-updates>. */
  addAll(updates: TableUpdates): void {
    for (const [tableName, rows] of Object.entries(updates)) {
      for (const uuid in rows) this.add(tableName, uuid, rows[uuid])
    }
  }

  /** The decoded rows by table; throws what failed a row. */
  rows(): ReadonlyMap<TableStore, ReadonlyMap<string, Row>> {
    if (this.failure !== undefined) throw this.failure
    return this.decoded
  }
}
