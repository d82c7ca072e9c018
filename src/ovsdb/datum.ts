import {DatumError} from './errors.js'
import {type Atom, type BaseType, type ColumnSchema, type ColumnType, findColumn, isMap, isOptional, isScalar, type TableSchema} from './schema.js'

/** The columns every row has. A caller's own row types extend it; an interface will do. */
export interface RowBase {
  _uuid: string
  _version?: string
}

/** A row as this library hands it out when its table's row type is not declared. Treat rows as read-only: the replica shares them. */
export type Row = RowBase & Record<string, unknown>

export type ConditionFunction = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes'
export type Condition = readonly [column: string, fn: ConditionFunction, value: unknown]

export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete'
export type Mutation = readonly [column: string, mutator: Mutator, value: unknown]

/**
 * The uuid of a row inserted earlier in the same transaction. Usable as a value in any uuid
 * column of a later operation; the transaction result maps it to the real uuid.
 */
export class NamedUuid {
  constructor(
    readonly name: string,
    readonly table: string,
  ) {}

  toJSON(): unknown {
    return ['named-uuid', this.name]
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const INTEGER_TEXT = /^-?\d+$/
const MUTATORS = new Set<string>(['+=', '-=', '*=', '/=', '%=', 'insert', 'delete'])
const CONDITION_FUNCTIONS = new Set<string>(['==', '!=', '<', '<=', '>', '>=', 'includes', 'excludes'])

export type WireAtom = number | boolean | string | [string, string]

/** Where a value goes, for error messages, and how strictly to check it. */
interface Target {
  table: string
  column: string
  /** Conditions and mutations carry part of a value: no set-size checks. */
  partial: boolean
  /** Mutation arguments are checked for type only: the server checks the result's range. */
  constraints: boolean
}

function describe(value: unknown): string {
  if (value instanceof NamedUuid) return `named uuid '${value.name}'`
  if (typeof value === 'string') return `'${value}'`
  if (value === undefined) return 'nothing'
  return JSON.stringify(value) ?? String(value)
}

function fail(target: Target, problem: string): never {
  throw new DatumError(target.table, target.column, problem)
}

function checkRange(target: Target, value: number, min: number | undefined, max: number | undefined): void {
  if (!target.constraints) return
  if (min !== undefined && value < min) fail(target, `${value} is less than the minimum ${min}`)
  if (max !== undefined && value > max) fail(target, `${value} is greater than the maximum ${max}`)
}

/** What an atom is within its datum, as error messages start: 'key ', 'value ', 'element ', or '' for the datum itself. */
type AtomRole = 'key ' | 'value ' | 'element ' | ''

function encodeAtom(target: Target, base: BaseType, value: unknown, what: AtomRole): WireAtom {
  let wire: WireAtom
  switch (base.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(target, `${what}must be an integer, got ${describe(value)}`)
      checkRange(target, value, base.minInteger, base.maxInteger)
      wire = value
      break
    case 'real':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(target, `${what}must be a finite number, got ${describe(value)}`)
      checkRange(target, value, base.minReal, base.maxReal)
      wire = value
      break
    case 'boolean':
      if (typeof value !== 'boolean') fail(target, `${what}must be a boolean, got ${describe(value)}`)
      wire = value
      break
    case 'string': {
      if (typeof value !== 'string') fail(target, `${what}must be a string, got ${describe(value)}`)
      if (target.constraints && (base.minLength !== undefined || base.maxLength !== undefined)) {
        const length = [...value].length
        if (base.minLength !== undefined && length < base.minLength) fail(target, `${what}${describe(value)} is shorter than ${base.minLength} characters`)
        if (base.maxLength !== undefined && length > base.maxLength) fail(target, `${what}${describe(value)} is longer than ${base.maxLength} characters`)
      }
      wire = value
      break
    }
    case 'uuid':
      if (value instanceof NamedUuid) {
        if (base.refTable !== undefined && value.table !== base.refTable) {
          fail(target, `${what}must refer to a ${base.refTable} row, but named uuid '${value.name}' is a ${value.table} row`)
        }
        return ['named-uuid', value.name]
      }
      if (typeof value !== 'string' || !UUID.test(value)) fail(target, `${what}must be a uuid, got ${describe(value)}`)
      return ['uuid', value]
  }
  if (target.constraints && base.enum && !base.enum.includes(wire)) {
    fail(target, `${what}${describe(value)} is not one of ${base.enum.map((atom) => describe(atom)).join(', ')}`)
  }
  return wire
}

/** Map keys arrive as object keys, that is strings: turn them back into the key type's atoms. */
function keyFromString(target: Target, base: BaseType, key: string): unknown {
  switch (base.type) {
    case 'integer':
      if (!INTEGER_TEXT.test(key)) fail(target, `key must be an integer, got '${key}'`)
      return Number(key)
    case 'real': {
      const number = Number(key)
      if (key.trim() === '' || !Number.isFinite(number)) fail(target, `key must be a number, got '${key}'`)
      return number
    }
    case 'boolean':
      if (key !== 'true' && key !== 'false') fail(target, `key must be true or false, got '${key}'`)
      return key === 'true'
    default:
      return key
  }
}

function checkSize(target: Target, type: ColumnType, count: number, noun: string): void {
  if (count > type.max) fail(target, `has ${count} ${noun}, at most ${type.max} allowed`)
  if (!target.partial && count < type.min) fail(target, `has ${count} ${noun}, at least ${type.min} required`)
}

function checkUnique(target: Target, atoms: readonly WireAtom[], noun: string): void {
  if (atoms.length < 2) return
  // The atoms of one column share a type, so a uuid's text cannot collide with a string.
  const seen = new Set<unknown>()
  for (const atom of atoms) {
    const key = Array.isArray(atom) ? atom[1] : atom
    if (seen.has(key)) fail(target, `has the ${noun} ${JSON.stringify(atom)} twice`)
    seen.add(key)
  }
}

function mapEntries(target: Target, type: ColumnType, value: unknown): [unknown, unknown][] {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>).entries()]
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NamedUuid)) {
    return Object.entries(value).map(([key, entry]) => [keyFromString(target, type.key, key), entry])
  }
  return fail(target, `must be a map (an object or a Map), got ${describe(value)}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

function encodeMap(target: Target, type: ColumnType, value: unknown): unknown {
  const valueType = type.value!
  if (type.key.type === 'string' && isPlainObject(value)) {
    // The common case (options, external_ids), without intermediate arrays: the keys of an
    // object are distinct strings already.
    const pairs: [WireAtom, WireAtom][] = []
    for (const key in value) pairs.push([encodeAtom(target, type.key, key, 'key '), encodeAtom(target, valueType, value[key], 'value ')])
    checkSize(target, type, pairs.length, 'pairs')
    return ['map', pairs]
  }

  const pairs = mapEntries(target, type, value).map(([key, entry]) => [encodeAtom(target, type.key, key, 'key '), encodeAtom(target, valueType, entry, 'value ')] as [WireAtom, WireAtom])
  checkSize(target, type, pairs.length, 'pairs')
  checkUnique(target, pairs.map(([key]) => key), 'key')
  return ['map', pairs]
}

function encodeSet(target: Target, type: ColumnType, value: unknown): unknown {
  const role = type.max > 1 ? 'element ' : ''
  // One element, the usual case (a port's interface, an optional value), goes bare, with no arrays to build.
  const single = Array.isArray(value) ? (value.length === 1 ? (value[0] as unknown) : undefined) : value instanceof Set ? undefined : value
  if (single !== undefined && single !== null) {
    checkSize(target, type, 1, 'elements')
    return encodeAtom(target, type.key, single, role)
  }

  const elements = value === undefined || value === null ? [] : Array.isArray(value) ? (value as unknown[]) : [...(value as Set<unknown>)]
  const atoms = elements.map((element) => encodeAtom(target, type.key, element, role))
  checkSize(target, type, atoms.length, 'elements')
  checkUnique(target, atoms, 'element')
  // A set of exactly one element may go bare: ovsdb-server and other clients expect that.
  return atoms.length === 1 ? atoms[0] : ['set', atoms]
}

function encodeDatum(target: Target, type: ColumnType, value: unknown): unknown {
  if (isMap(type)) return encodeMap(target, type, value)
  if (isScalar(type)) {
    if (Array.isArray(value) && value.length === 1) return encodeAtom(target, type.key, value[0], '')
    return encodeAtom(target, type.key, value, '')
  }
  return encodeSet(target, type, value)
}

export function columnOf(table: TableSchema, name: string): ColumnSchema {
  const column = findColumn(table, name)
  if (!column) throw new DatumError(table.name, name, `table ${table.name} has no column '${name}'`)
  return column
}

function target(table: TableSchema, column: string, partial: boolean, constraints = true): Target {
  return {table: table.name, column, partial, constraints}
}

/** Encodes one column's value for the wire, checking it against the column's type. */
export function encodeValue(table: TableSchema, column: string, value: unknown): unknown {
  return encodeDatum(target(table, column, false), columnOf(table, column).type, value)
}

/** A column and where a whole value of it goes, looked up once per table and column: a large insert encodes thousands of rows. */
interface RowColumn {
  column: ColumnSchema
  target: Target
}

const rowColumns = new WeakMap<TableSchema, Map<string, RowColumn>>()

function rowColumn(table: TableSchema, name: string): RowColumn {
  let columns = rowColumns.get(table)
  if (!columns) rowColumns.set(table, (columns = new Map()))
  let found = columns.get(name)
  if (!found) columns.set(name, (found = {column: columnOf(table, name), target: target(table, name, false)}))
  return found
}

/** Encodes a row (insert, update, wait) column by column; the implicit columns are refused. */
export function encodeRow(table: TableSchema, row: Readonly<Record<string, unknown>>, purpose: 'insert' | 'update' | 'compare'): Record<string, unknown> {
  const wire: Record<string, unknown> = {}
  for (const name of Object.keys(row)) {
    const value = row[name]
    if ((name === '_uuid' || name === '_version') && purpose !== 'compare') {
      throw new DatumError(table.name, name, `${name} is set by the server and cannot be written`)
    }
    const {column, target} = rowColumn(table, name)
    if (purpose === 'update' && !column.mutable) throw new DatumError(table.name, name, 'is immutable: it can only be set on insert')
    wire[name] = encodeDatum(target, column.type, value)
  }
  return wire
}

export function encodeCondition(table: TableSchema, condition: Condition): unknown[] {
  const [name, fn, value] = condition
  if (!CONDITION_FUNCTIONS.has(fn)) throw new DatumError(table.name, name, `unknown condition function '${fn}'`)
  const type = columnOf(table, name).type
  const ordered = fn === '<' || fn === '<=' || fn === '>' || fn === '>='
  if (ordered) {
    if (isMap(type) || type.max > 1 || (type.key.type !== 'integer' && type.key.type !== 'real')) {
      throw new DatumError(table.name, name, `'${fn}' works only on integer or real columns of at most one value`)
    }
    return [name, fn, encodeAtom(target(table, name, true, false), type.key, value, '')]
  }
  const partial = fn === 'includes' || fn === 'excludes'
  return [name, fn, encodeDatum(target(table, name, partial, false), partial ? {...type, min: 0, max: Infinity} : type, value)]
}

export function encodeMutation(table: TableSchema, mutation: Mutation): unknown[] {
  const [name, mutator, value] = mutation
  const column = columnOf(table, name)
  if (!MUTATORS.has(mutator)) throw new DatumError(table.name, name, `unknown mutator '${mutator}'`)
  if (!column.mutable) throw new DatumError(table.name, name, 'is immutable: it cannot be mutated')
  const type = column.type
  const argument = target(table, name, true, false)
  if (mutator !== 'insert' && mutator !== 'delete') {
    if (isMap(type) || (type.key.type !== 'integer' && type.key.type !== 'real')) {
      throw new DatumError(table.name, name, `'${mutator}' works only on integer or real columns and sets`)
    }
    return [name, mutator, encodeAtom(argument, type.key, value, '')]
  }
  if (isScalar(type)) throw new DatumError(table.name, name, `'${mutator}' works only on sets and maps`)
  const anySize = {...type, min: 0, max: Infinity}
  if (isMap(type) && mutator === 'delete' && Array.isArray(value)) {
    // Deleting by key: the argument is a set of keys, which may be given in their string form.
    const keys = (value as unknown[]).map((key) => (typeof key === 'string' ? keyFromString(argument, type.key, key) : key))
    return [name, mutator, encodeSet(argument, {key: type.key, min: 0, max: Infinity}, keys)]
  }
  return [name, mutator, encodeDatum(argument, anySize, value)]
}

export function mapInsert(column: string, entries: Readonly<Record<string, unknown>> | ReadonlyMap<unknown, unknown>): Mutation {
  return [column, 'insert', entries]
}

/** Deletes keys (an array) or exact key-value pairs (a map) from a map column. */
export function mapDelete(column: string, keysOrEntries: readonly unknown[] | Readonly<Record<string, unknown>>): Mutation {
  return [column, 'delete', keysOrEntries]
}

export function setInsert(column: string, elements: readonly unknown[]): Mutation {
  return [column, 'insert', elements]
}

export function setDelete(column: string, elements: readonly unknown[]): Mutation {
  return [column, 'delete', elements]
}

// Decoding trusts the server: its data matches its schema.

export function decodeAtom(wire: unknown): Atom {
  if (Array.isArray(wire)) return String(wire[1])
  return wire as Atom
}

/** The elements of a set datum (a bare atom is a one-element set). */
export function decodeElements(wire: unknown): Atom[] {
  if (!isWireSet(wire)) return [decodeAtom(wire)]
  // Indexed loops, here and in decodeMap: a one-shot reader decodes tens of thousands of
  // values before the optimising compiler has looked at this code, and iterators cost most then.
  const wireElements = wire[1]
  const elements = new Array<Atom>(wireElements.length)
  for (let index = 0; index < wireElements.length; index++) elements[index] = decodeAtom(wireElements[index])
  return elements
}

export function decodePairs(wire: unknown): [string, Atom][] {
  return ((wire as [string, [unknown, unknown][]])[1] ?? []).map(([key, value]) => [String(decodeAtom(key)), decodeAtom(value)])
}

function atomDefault(base: BaseType): Atom {
  switch (base.type) {
    case 'integer':
    case 'real':
      return 0
    case 'boolean':
      return false
    case 'string':
      return ''
    case 'uuid':
      return ZERO_UUID
  }
}

/** The value the server gives a column nobody set (and leaves out of update2 rows). */
export function defaultValue(type: ColumnType): unknown {
  if (isMap(type)) return {}
  if (isScalar(type)) return atomDefault(type.key)
  if (isOptional(type)) return undefined
  return []
}

/** Shapes set elements as the column type says: scalar, optional scalar, or array. */
export function shapeElements(type: ColumnType, elements: Atom[]): unknown {
  if (isScalar(type)) return elements[0] ?? atomDefault(type.key)
  if (isOptional(type)) return elements[0]
  return elements
}

/** The elements of a decoded set value, whatever its shape. */
export function elementsOf(value: unknown): Atom[] {
  if (value === undefined) return []
  return Array.isArray(value) ? (value as Atom[]) : [value as Atom]
}

export type WireDecoder = (wire: unknown) => unknown

function isWireSet(wire: unknown): wire is ['set', unknown[]] {
  return Array.isArray(wire) && wire[0] === 'set'
}

/** Sets a key of a decoded map, '__proto__' too: assigning that one would set the prototype instead. */
export function setMapEntry(map: Record<string, Atom>, key: string, value: Atom): void {
  if (key === '__proto__') Object.defineProperty(map, key, {value, enumerable: true, writable: true, configurable: true})
  else map[key] = value
}

function decodeMap(wire: unknown): Record<string, Atom> {
  const map: Record<string, Atom> = {}
  const pairs = (wire as [string, [unknown, unknown][] | undefined])[1] ?? []
  for (let index = 0; index < pairs.length; index++) {
    const pair = pairs[index]!
    const key = pair[0]
    setMapEntry(map, typeof key === 'string' ? key : String(decodeAtom(key)), decodeAtom(pair[1]))
  }
  return map
}

function decoderOf(type: ColumnType): WireDecoder {
  if (isMap(type)) return decodeMap
  if (type.max > 1) return decodeElements
  // A scalar or optional value: the bare atom as ovsdb-server sends it, or a set (of one or none).
  return (wire) => (isWireSet(wire) ? shapeElements(type, decodeElements(wire)) : decodeAtom(wire))
}

const decoders = new WeakMap<ColumnType, WireDecoder>()

/**
 * The decoder of a column's wire values, chosen once per column type: a replica taking in tens
 * of thousands of rows must not look at the type again for every value, nor build intermediate
 * arrays. Decoding is most of the cost of a cold snapshot (bench/RESULTS.md).
 */
export function columnDecoder(type: ColumnType): WireDecoder {
  let decoder = decoders.get(type)
  if (!decoder) decoders.set(type, (decoder = decoderOf(type)))
  return decoder
}

export function decodeValue(type: ColumnType, wire: unknown): unknown {
  return columnDecoder(type)(wire)
}

/** Decodes a row from the wire; columns the table does not have are dropped. */
export function decodeRow(table: TableSchema, uuid: string | undefined, wire: Readonly<Record<string, unknown>>): Row {
  const row: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(wire)) {
    const column = findColumn(table, name)
    if (column) row[name] = decodeValue(column.type, value)
  }
  if (uuid !== undefined) row._uuid = uuid
  return row as Row
}
