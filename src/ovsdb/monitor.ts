import {EventEmitter} from 'node:events'

import {type Condition, encodeCondition, type Row, type RowBase, ZERO_UUID} from './datum.js'
import {OvsdbError, RpcError} from './errors.js'
import type {StreamedUpdates} from './framing.js'
import {type ColumnName, type Replica, ReplicaStore, type RowChange, type TableName, type Tables, type TableUpdates, type UntypedTables} from './replica.js'
import {type DatabaseSchema, getTable} from './schema.js'

export interface MonitorSelect {
  initial?: boolean
  insert?: boolean
  delete?: boolean
  modify?: boolean
}

export interface MonitorTableRequest<R extends RowBase = Row> {
  /** Default: every column of the table. */
  columns?: readonly ColumnName<R>[]
  /** Rows matching any of these conditions (monitor_cond ORs them, unlike transact); default: every row. */
  where?: readonly Condition[]
  select?: MonitorSelect
}

/** What to monitor, per table; with declared row types, exactly the declared tables. */
export type MonitorRequests<T extends Tables<T> = UntypedTables> = {readonly [N in TableName<T>]: MonitorTableRequest<T[N]>}

export interface MonitorOptions<T extends Tables<T> = UntypedTables> {
  /** Columns to index per table, for ReplicaTable.byIndex(). */
  indexes?: {readonly [N in TableName<T>]?: readonly ColumnName<T[N]>[]}
}

export type MonitorMethod = 'monitor_cond_since' | 'monitor_cond' | 'monitor'

/** Sends a request on one particular connection; `updates`, to have the reply's <table-updates> streamed. */
export type Call = (method: string, params: unknown[], updates?: StreamedUpdates) => Promise<unknown>

export interface MonitorEvents<T extends Tables<T> = UntypedTables> {
  change: [change: RowChange<T>]
  /** resumed: the server sent only what changed while disconnected (monitor_cond_since found the last transaction). */
  complete: [info: {resumed: boolean}]
  incomplete: []
  /** Re-establishing after a reconnect failed for a reason other than the connection; emitted only if listened to. */
  error: [error: Error]
}

/**
 * One monitor and the replica it feeds, as OvsdbClient.monitor() returns it. The client routes
 * the server's updates to it and re-establishes it on every new connection.
 */
export interface Monitor<T extends Tables<T> = UntypedTables> extends EventEmitter<MonitorEvents<T>> {
  /** The monitor id the client chose, as it appears in the server's notifications. */
  readonly id: string
  readonly replica: Replica<T>
  /** True once the replica holds everything the server has for this monitor. */
  readonly isComplete: boolean
  /** The method the server accepted, once established. */
  readonly method: MonitorMethod | undefined
  /** True between pause() and resume(). */
  readonly isPaused: boolean
  /** Replaces the where clauses of the given tables (monitor_cond_change). */
  setConditions(conditions: {readonly [N in TableName<T>]?: readonly Condition[]}): Promise<void>
  /** Forgets the monitor and cancels it on the server (monitor_cancel), if connected. */
  cancel(): Promise<void>
  /**
   * Stops the server's updates but keeps the replica as it is, incomplete, until resume(). For a
   * writer that has read what it needs and will not read back its own commit: decoding the
   * update of a large commit costs more than the commit.
   */
  pause(): Promise<void>
  /**
   * Re-establishes a paused monitor; what changed meanwhile arrives as changes, as after a
   * reconnect. If that fails (say the connection dropped) the monitor stays paused.
   */
  resume(): Promise<void>
}

const METHODS: readonly MonitorMethod[] = ['monitor_cond_since', 'monitor_cond', 'monitor']

/**
 * A monitor as OvsdbClient drives it: besides the Monitor interface, establish() on each new
 * connection, handleNotification() for the server's updates, markIncomplete() when the
 * connection drops. Not part of the public API.
 */
export class ClientMonitor extends EventEmitter<MonitorEvents> implements Monitor {
  readonly replica: ReplicaStore
  private readonly tables: Map<string, MonitorTableRequest>
  private methods: MonitorMethod[] = [...METHODS]
  private lastTxnId: string | undefined
  /** False while a condition change may not have reached the server: resuming from lastTxnId could then miss rows. */
  private conditionsInSync = true
  private complete = false
  private establishedWith: MonitorMethod | undefined
  /** Notifications that arrive before the (re)establishing reply was applied; they are newer than it. */
  private held: [string, unknown[]][] | undefined
  private cancelled = false
  private paused = false
  private resuming = false

  constructor(
    readonly id: string,
    private readonly database: string,
    private readonly schema: DatabaseSchema,
    requests: MonitorRequests,
    options: MonitorOptions,
    /** Sends on the client's current connection, waiting for one if reconnecting. */
    private readonly call: Call,
    /** Forgets the monitor and cancels it on the server, if connected. */
    private readonly onCancel: (monitor: ClientMonitor) => Promise<void>,
  ) {
    super()
    this.tables = new Map()
    const specs: Record<string, {columns: string[]; indexes: readonly string[]}> = {}
    for (const [name, request] of Object.entries(requests)) {
      const table = getTable(schema, name)
      const columns = [...(request.columns ?? Object.keys(table.columns))]
      for (const condition of request.where ?? []) encodeCondition(table, condition)
      this.tables.set(name, {...request, columns})
      specs[name] = {columns, indexes: options.indexes?.[name] ?? []}
    }
    for (const name of Object.keys(options.indexes ?? {})) {
      if (!this.tables.has(name)) throw new OvsdbError(`cannot index table ${name}: it is not monitored`)
    }
    this.replica = new ReplicaStore(schema, specs)
  }

  get isComplete(): boolean {
    return this.complete
  }

  get method(): MonitorMethod | undefined {
    return this.establishedWith
  }

  async setConditions(conditions: Readonly<Record<string, readonly Condition[]>>): Promise<void> {
    if (this.methods[0] === 'monitor') throw new OvsdbError('this server supports only plain monitor, which cannot change conditions')
    const wire: Record<string, unknown[]> = {}
    for (const [name, where] of Object.entries(conditions)) {
      const request = this.tables.get(name)
      if (!request) throw new OvsdbError(`table ${name} is not monitored`)
      const table = getTable(this.schema, name)
      wire[name] = [{where: where.map((condition) => encodeCondition(table, condition))}]
      this.tables.set(name, {...request, where})
    }
    this.conditionsInSync = false
    await this.call('monitor_cond_change', [this.id, this.id, wire])
    this.conditionsInSync = true
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return
    this.cancelled = true
    this.markIncomplete()
    await this.onCancel(this)
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** True while resume() re-establishes: a reconnect leaves the monitor to it. */
  get isResuming(): boolean {
    return this.resuming
  }

  async pause(): Promise<void> {
    if (this.cancelled || this.paused) return
    this.paused = true
    this.markIncomplete()
    // After a reconnect the server no longer knows this monitor: nothing to cancel there.
    await this.call('monitor_cancel', [this.id]).catch((error: unknown) => {
      if (!(error instanceof RpcError)) throw error
    })
  }

  async resume(): Promise<void> {
    if (!this.paused || this.resuming) return
    this.paused = false
    this.resuming = true
    try {
      await this.establish(this.call)
    } catch (error) {
      this.paused = true
      throw error
    } finally {
      this.resuming = false
    }
  }

  /** Establishes (or re-establishes, after a reconnect) this monitor on a connection. */
  async establish(call: Call): Promise<void> {
    if (this.cancelled || this.paused) return
    this.held = []
    let outcome: {changes: RowChange[]; resumed: boolean}
    try {
      outcome = await this.request(call)
    } catch (error) {
      this.held = undefined
      throw error
    }
    for (const change of outcome.changes) this.emit('change', change)
    const held = this.held ?? []
    this.held = undefined
    for (const [method, params] of held) this.handleNotification(method, params)
    this.conditionsInSync = true
    this.establishedWith = this.methods[0]
    this.complete = true
    this.emit('complete', {resumed: outcome.resumed})
  }

  markIncomplete(): void {
    this.held = undefined
    if (!this.complete) return
    this.complete = false
    this.emit('incomplete')
  }

  /** Applies an update, update2 or update3 notification addressed to this monitor. */
  handleNotification(method: string, params: unknown[]): void {
    if (this.cancelled || this.paused) return
    if (this.held) {
      this.held.push([method, params])
      return
    }
    let changes: RowChange[]
    if (method === 'update') changes = this.replica.applyUpdate(params[1] as TableUpdates)
    else if (method === 'update2') changes = this.replica.applyUpdate2(params[1] as TableUpdates)
    else if (method === 'update3') {
      this.lastTxnId = typeof params[1] === 'string' ? params[1] : undefined
      changes = this.replica.applyUpdate2(params[2] as TableUpdates)
    } else return
    for (const change of changes) this.emit('change', change)
  }

  private wireRequests(method: MonitorMethod): Record<string, unknown[]> {
    const wire: Record<string, unknown[]> = {}
    for (const [name, request] of this.tables) {
      const table = getTable(this.schema, name)
      const entry: Record<string, unknown> = {columns: request.columns}
      if (request.where && request.where.length > 0) {
        if (method === 'monitor') throw new OvsdbError(`the server supports only plain monitor, which cannot filter ${name} rows: drop its where clause`)
        entry.where = request.where.map((condition) => encodeCondition(table, condition))
      }
      if (request.select) entry.select = request.select
      wire[name] = [entry]
    }
    return wire
  }

  /** Sends the best monitor request the server knows, falling back on "unknown method". */
  private async request(call: Call): Promise<{changes: RowChange[]; resumed: boolean}> {
    for (;;) {
      const method = this.methods[0]!
      try {
        return await this.requestWith(call, method)
      } catch (error) {
        if (!(error instanceof RpcError && error.error === 'unknown method') || this.methods.length === 1) throw error
        this.methods.shift()
        this.lastTxnId = undefined
      }
    }
  }

  private async requestWith(call: Call, method: MonitorMethod): Promise<{changes: RowChange[]; resumed: boolean}> {
    const requests = this.wireRequests(method)
    // The first establish has no listener (OvsdbClient.monitor() hands the monitor out once it is
    // complete): a change for each of its rows, tens of thousands, would be made for no one.
    const record = {record: this.listenerCount('change') > 0}
    const snapshot = this.replica.snapshot(method === 'monitor' ? 1 : 2)
    const streamed = (depth: 2 | 3): StreamedUpdates => ({depth, row: (table, uuid, update) => snapshot.add(table, uuid, update)})
    if (method === 'monitor_cond_since') {
      const since = this.conditionsInSync ? (this.lastTxnId ?? ZERO_UUID) : ZERO_UUID
      // The server never finds the zero UUID: that reply is a snapshot, whose rows can be decoded
      // as they arrive. Any other may hold changes since, to be applied as such.
      const [found, lastTxnId, updates] = (await call(method, [this.database, this.id, requests, since], since === ZERO_UUID ? streamed(3) : undefined)) as [boolean, string, TableUpdates]
      this.lastTxnId = lastTxnId
      // found: the reply holds only what changed after `since`, which the replica already reflects.
      if (found) return {changes: this.replica.applyUpdate2(updates), resumed: true}
      snapshot.addAll(updates)
      return {changes: this.replica.replaceAll(snapshot, record), resumed: false}
    }
    const updates = (await call(method, [this.database, this.id, requests], streamed(2))) as TableUpdates
    // Empty when streamed; whole when the reply was not written as streaming needs.
    snapshot.addAll(updates)
    return {changes: this.replica.replaceAll(snapshot, record), resumed: false}
  }
}
