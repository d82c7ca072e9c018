import {columnOf, type Condition, decodeRow, encodeCondition, encodeMutation, encodeRow, type Mutation, NamedUuid, type Row, type RowBase} from './datum.js'
import {ConstraintViolation, OvsdbError, ReferentialIntegrityViolation, TransactionError} from './errors.js'
import {type DatabaseSchema, getTable} from './schema.js'

/** The <id> of RFC 7047, which uuid-names and lock names must be. */
const ID = /^[A-Za-z_][A-Za-z0-9_]*$/

export function checkLockName(name: string): void {
  if (!ID.test(name)) throw new OvsdbError(`bad lock name '${name}': use letters, digits and '_', not starting with a digit`)
}

interface OperationInfo {
  op: string
  table?: string
}

/**
 * Sends the operations as one transact request; calls onSent with the request id once it is
 * on its way, and onWritten, when given, once the whole request has left for the server.
 */
export type TransactSender = (operations: readonly unknown[], onSent: (requestId: number) => void, onWritten?: () => void) => Promise<unknown>

function errorFor(result: {error: unknown; details?: unknown; 'io-error'?: unknown}, opIndex: number | undefined, op: string | undefined): TransactionError {
  const error = String(result.error)
  // ovsdb-server adds the system's words for an "I/O error" (e.g. "No space left on device") apart.
  const ioError = typeof result['io-error'] === 'string' ? result['io-error'] : undefined
  const text = typeof result.details === 'string' ? result.details : undefined
  const details = text && ioError ? `${text} (${ioError})` : (text ?? ioError)
  if (error === 'constraint violation') return new ConstraintViolation(error, details, opIndex, op)
  if (error === 'referential integrity violation') return new ReferentialIntegrityViolation(error, details, opIndex, op)
  return new TransactionError(error, details, opIndex, op)
}

export class TransactionResult {
  constructor(
    private readonly schema: DatabaseSchema,
    private readonly info: readonly OperationInfo[],
    /** The server's result objects, one per operation. */
    readonly results: readonly Record<string, unknown>[],
    private readonly named: ReadonlyMap<string, number>,
  ) {}

  /** The real uuid of a row this transaction inserted. */
  uuid(ref: NamedUuid | string): string {
    const name = typeof ref === 'string' ? ref : ref.name
    const index = this.named.get(name)
    const uuid = index === undefined ? undefined : (this.results[index]?.uuid as [string, string] | undefined)
    if (!uuid) throw new OvsdbError(`no row named '${name}' was inserted by this transaction`)
    return uuid[1]
  }

  /**
   * The rows a select operation returned, decoded by the schema. R declares their type (the
   * selected columns as this library decodes them); without it they are untyped `Row`s.
   */
  rows<R extends RowBase = Row>(opIndex: number): R[]
  rows(opIndex: number): Row[] {
    const table = this.operation(opIndex, 'select').table!
    const rows = this.results[opIndex]?.rows
    if (!Array.isArray(rows)) throw new OvsdbError(`operation ${opIndex}: the server's select result has no rows`)
    return rows.map((row) => decodeRow(getTable(this.schema, table), undefined, row))
  }

  /** How many rows an update, mutate or delete operation touched. */
  count(opIndex: number): number {
    const info = this.info[opIndex]
    if (!info || !['update', 'mutate', 'delete'].includes(info.op)) {
      throw new OvsdbError(`operation ${opIndex} is ${info ? `a ${info.op}` : 'not in this transaction'}: only update, mutate and delete have a count`)
    }
    return this.results[opIndex]?.count as number
  }

  private operation(opIndex: number, op: string): OperationInfo {
    const info = this.info[opIndex]
    if (info?.op !== op) throw new OvsdbError(`operation ${opIndex} is ${info ? `a ${info.op}` : 'not in this transaction'}, not a ${op}`)
    return info
  }
}

/**
 * Builds one OVSDB transaction. Values are checked against the schema as they are added, so a
 * DatumError points at the line that built the bad value.
 */
export class Transaction {
  /** Emptied once the request is on the wire: a large transaction's operations need not wait for the reply in memory. */
  private operationList: Record<string, unknown>[] = []
  private readonly info: OperationInfo[] = []
  private readonly named = new Map<string, number>()
  private committed = false
  /** The transact request's id once sent, for OvsdbClient.cancel(). */
  requestId: number | undefined

  constructor(
    private readonly schema: DatabaseSchema,
    private readonly send: TransactSender,
  ) {}

  /** The operations as they go on the wire; empty once commit() has sent them. */
  get operations(): readonly Record<string, unknown>[] {
    return this.operationList
  }

  insert(table: string, row: Readonly<Record<string, unknown>>, options: {uuidName?: string} = {}): NamedUuid {
    const name = options.uuidName ?? `row${this.named.size + 1}_${this.operationList.length}`
    if (!ID.test(name)) throw new OvsdbError(`bad uuidName '${name}': use letters, digits and '_', not starting with a digit`)
    if (this.named.has(name)) throw new OvsdbError(`uuidName '${name}' is used twice in one transaction`)
    const schemaTable = getTable(this.schema, table)
    this.add({op: 'insert', table, row: encodeRow(schemaTable, row, 'insert'), 'uuid-name': name}, table)
    this.named.set(name, this.operationList.length - 1)
    return new NamedUuid(name, table)
  }

  update(table: string, where: readonly Condition[], row: Readonly<Record<string, unknown>>): this {
    const schemaTable = getTable(this.schema, table)
    return this.add({op: 'update', table, where: this.where(table, where), row: encodeRow(schemaTable, row, 'update')}, table)
  }

  mutate(table: string, where: readonly Condition[], mutations: readonly Mutation[]): this {
    const schemaTable = getTable(this.schema, table)
    return this.add({op: 'mutate', table, where: this.where(table, where), mutations: mutations.map((m) => encodeMutation(schemaTable, m))}, table)
  }

  delete(table: string, where: readonly Condition[]): this {
    return this.add({op: 'delete', table, where: this.where(table, where)}, table)
  }

  select(table: string, where: readonly Condition[], columns?: readonly string[]): this {
    const operation: {op: string; [key: string]: unknown} = {op: 'select', table, where: this.where(table, where)}
    if (columns) operation.columns = this.columns(table, columns)
    return this.add(operation, table)
  }

  /**
   * Makes the transaction fail unless (until '==') or while (until '!=') the rows matching `where`,
   * projected on `columns`, are exactly `rows`. timeoutMs 0 checks once.
   */
  wait(table: string, where: readonly Condition[], columns: readonly string[], until: '==' | '!=', rows: readonly Readonly<Record<string, unknown>>[], timeoutMs = 0): this {
    const schemaTable = getTable(this.schema, table)
    const operation = {
      op: 'wait',
      table,
      where: this.where(table, where),
      columns: this.columns(table, columns),
      until,
      rows: rows.map((row) => encodeRow(schemaTable, row, 'compare')),
      timeout: timeoutMs,
    }
    return this.add(operation, table)
  }

  /** Guards against lost updates: fails (a conflict, see transactWithRetry) if the row no longer has the values read. */
  waitUnchanged(table: string, row: Row, columns: readonly string[]): this {
    const expected = Object.fromEntries(columns.map((column) => [column, row[column]]))
    return this.wait(table, [['_uuid', '==', row._uuid]], columns, '==', [expected])
  }

  comment(text: string): this {
    return this.add({op: 'comment', comment: text})
  }

  /** Fails the transaction unless this client holds the lock. */
  assert(lock: string): this {
    checkLockName(lock)
    return this.add({op: 'assert', lock})
  }

  abort(): this {
    return this.add({op: 'abort'})
  }

  /**
   * Sends the transaction and resolves with the server's result. onWritten runs once the whole
   * request has left, while the server commits it: a caller's work that does not need the
   * result can run then without holding the request up.
   */
  async commit(onWritten?: () => void): Promise<TransactionResult> {
    if (this.committed) throw new OvsdbError('this transaction was already committed: build a new one')
    this.committed = true
    const reply = await this.send(
      this.operationList,
      (id) => {
        this.requestId = id
        this.operationList = []
      },
      onWritten,
    )
    if (!Array.isArray(reply)) throw new OvsdbError(`transact: the server replied ${JSON.stringify(reply)}, not an array of results`)
    const results = reply as (Record<string, unknown> | null)[]
    const failed = results.findIndex((result) => result !== null && result.error !== undefined && result.error !== null)
    if (failed >= 0) {
      const opIndex = failed < this.info.length ? failed : undefined
      throw errorFor(results[failed] as {error: unknown}, opIndex, opIndex === undefined ? undefined : this.info[opIndex]!.op)
    }
    return new TransactionResult(this.schema, this.info, results.map((result) => result ?? {}), this.named)
  }

  private where(table: string, conditions: readonly Condition[]): unknown[] {
    const schemaTable = getTable(this.schema, table)
    return conditions.map((condition) => encodeCondition(schemaTable, condition))
  }

  private columns(table: string, columns: readonly string[]): string[] {
    const schemaTable = getTable(this.schema, table)
    for (const column of columns) columnOf(schemaTable, column)
    return [...columns]
  }

  private add(operation: {op: string; [key: string]: unknown}, table?: string): this {
    if (this.committed) throw new OvsdbError('this transaction was already committed: build a new one')
    this.operationList.push(operation)
    this.info.push(table === undefined ? {op: operation.op} : {op: operation.op, table})
    return this
  }
}
