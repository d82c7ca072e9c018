import {SchemaError} from './errors.js'

export type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid'
/** An atom as this library hands it out: uuids are their text. */
export type Atom = number | boolean | string

export interface BaseType {
  type: AtomicType
  enum?: readonly Atom[]
  minInteger?: number
  maxInteger?: number
  minReal?: number
  maxReal?: number
  minLength?: number
  maxLength?: number
  refTable?: string
  refType?: 'strong' | 'weak'
}

export interface ColumnType {
  key: BaseType
  value?: BaseType
  min: number
  /** Infinity for "unlimited". */
  max: number
}

export interface ColumnSchema {
  name: string
  type: ColumnType
  ephemeral: boolean
  mutable: boolean
}

export interface TableSchema {
  name: string
  /** The schema's own columns; _uuid and _version are in IMPLICIT_COLUMNS. */
  columns: Readonly<Record<string, ColumnSchema>>
  maxRows?: number
  isRoot: boolean
  indexes: readonly (readonly string[])[]
}

export interface DatabaseSchema {
  name: string
  version?: string
  cksum?: string
  tables: Readonly<Record<string, TableSchema>>
  /** The schema as the server sent it. */
  json: unknown
}

const ATOMIC_TYPES = new Set<string>(['integer', 'real', 'boolean', 'string', 'uuid'])

export const IMPLICIT_COLUMNS: Readonly<Record<string, ColumnSchema>> = Object.fromEntries(
  ['_uuid', '_version'].map((name) => [name, {name, type: {key: {type: 'uuid'}, min: 1, max: 1}, ephemeral: false, mutable: false}]),
)

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((element) => typeof element === 'string')
}

function parseEnum(where: string, value: unknown): Atom[] {
  const elements = Array.isArray(value) && value[0] === 'set' ? (value[1] as unknown[]) : [value]
  return elements.map((element) => {
    if (typeof element === 'string' || typeof element === 'number' || typeof element === 'boolean') return element
    if (Array.isArray(element) && element[0] === 'uuid' && typeof element[1] === 'string') return element[1]
    throw new SchemaError(`${where}: bad enum value ${JSON.stringify(element)}`)
  })
}

function parseBaseType(where: string, json: unknown): BaseType {
  if (typeof json === 'string') json = {type: json}
  if (!isObject(json) || typeof json.type !== 'string' || !ATOMIC_TYPES.has(json.type)) {
    throw new SchemaError(`${where}: bad base type ${JSON.stringify(json)}`)
  }
  const base: BaseType = {type: json.type as AtomicType}
  if (json.enum !== undefined) base.enum = parseEnum(where, json.enum)
  for (const bound of ['minInteger', 'maxInteger', 'minReal', 'maxReal', 'minLength', 'maxLength'] as const) {
    if (typeof json[bound] === 'number') base[bound] = json[bound]
  }
  if (typeof json.refTable === 'string') {
    base.refTable = json.refTable
    base.refType = json.refType === 'weak' ? 'weak' : 'strong'
  }
  return base
}

function parseColumnType(where: string, json: unknown): ColumnType {
  if (!isObject(json)) return {key: parseBaseType(where, json), min: 1, max: 1}
  if (json.key === undefined) return {key: parseBaseType(where, json), min: 1, max: 1}
  const type: ColumnType = {
    key: parseBaseType(where, json.key),
    min: typeof json.min === 'number' ? json.min : 1,
    max: json.max === 'unlimited' ? Infinity : typeof json.max === 'number' ? json.max : 1,
  }
  if (json.value !== undefined) type.value = parseBaseType(where, json.value)
  return type
}

export function parseSchema(json: unknown): DatabaseSchema {
  if (!isObject(json) || typeof json.name !== 'string' || !isObject(json.tables)) {
    throw new SchemaError('not an OVSDB schema: it needs a name and tables')
  }
  const tables: Record<string, TableSchema> = {}
  for (const [tableName, tableJson] of Object.entries(json.tables)) {
    if (!isObject(tableJson) || !isObject(tableJson.columns)) throw new SchemaError(`${json.name}.${tableName}: table has no columns`)
    const columns: Record<string, ColumnSchema> = {}
    for (const [columnName, columnJson] of Object.entries(tableJson.columns)) {
      if (!isObject(columnJson)) throw new SchemaError(`${tableName}.${columnName}: bad column`)
      columns[columnName] = {
        name: columnName,
        type: parseColumnType(`${tableName}.${columnName}`, columnJson.type),
        ephemeral: columnJson.ephemeral === true,
        mutable: columnJson.mutable !== false,
      }
    }
    tables[tableName] = {
      name: tableName,
      columns,
      isRoot: tableJson.isRoot === true,
      indexes: Array.isArray(tableJson.indexes) ? tableJson.indexes.filter(isStringArray) : [],
      ...(typeof tableJson.maxRows === 'number' ? {maxRows: tableJson.maxRows} : {}),
    }
  }
  return {
    name: json.name,
    tables,
    json,
    ...(typeof json.version === 'string' ? {version: json.version} : {}),
    ...(typeof json.cksum === 'string' ? {cksum: json.cksum} : {}),
  }
}

export function getTable(schema: DatabaseSchema, name: string): TableSchema {
  const table = schema.tables[name]
  if (!table) throw new SchemaError(`database ${schema.name} has no table '${name}'`)
  return table
}

/** The column, including the implicit _uuid and _version; undefined if the table has none of that name. */
export function findColumn(table: TableSchema, name: string): ColumnSchema | undefined {
  return table.columns[name] ?? IMPLICIT_COLUMNS[name]
}

export function isMap(type: ColumnType): boolean {
  return type.value !== undefined
}

/** Exactly one value: handed out as the bare atom. */
export function isScalar(type: ColumnType): boolean {
  return type.value === undefined && type.min === 1 && type.max === 1
}

/** Zero or one value: handed out as the atom or undefined. */
export function isOptional(type: ColumnType): boolean {
  return type.value === undefined && type.min === 0 && type.max === 1
}
