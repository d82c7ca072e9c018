import {EventEmitter} from 'node:events'

import {ConnectionError, NotLeaderError, OvsdbError, RpcError, TimeoutError, TransactionError} from './errors.js'
import {type Call, ClientMonitor, type Monitor, type MonitorOptions, type MonitorRequests} from './monitor.js'
import {formatRemote, parseRemotes, type Remote} from './remote.js'
import {type Row} from './datum.js'
import {type Tables, type UntypedTables} from './replica.js'
import {type RequestOptions, RpcConnection} from './rpc.js'
import {type DatabaseSchema, isStringArray, parseSchema} from './schema.js'
import {checkLockName, Transaction, type TransactionResult} from './transaction.js'
import {openSocket, type TlsFiles} from './transport.js'

export interface ReconnectOptions {
  minBackoffMs?: number
  maxBackoffMs?: number
}

export interface ConnectOptions {
  /** The one database this client serves; its schema is fetched on connect. */
  database: string
  /** Per request, and per connection attempt. Default 10 s. */
  timeoutMs?: number
  /** For a clustered database, talk only to the leader (default true); false also accepts a follower, e.g. for reads. */
  leaderOnly?: boolean
  /** PEM files for ssl: remotes. */
  tls?: TlsFiles
  /** Reconnect after a lost connection, forever, with exponential backoff and jitter. Default false. */
  reconnect?: boolean | ReconnectOptions
  /**
   * Inactivity probe; 0 disables. Default 5 s over tcp: and ssl:, none over unix:, as OVS's own
   * clients do: the kernel reports a local peer that went away, and a local server silent for
   * two intervals while it works through a large commit is not cut off and read again.
   */
  probeIntervalMs?: number
  maxMessageBytes?: number
}

/**
 * A part of the previous session that could not be put back on a new one although the new
 * session is up: the server refused it, or did not answer in time. The other parts are
 * restored all the same.
 */
export type RestoreFailure =
  | {step: 'setDbChangeAware'; error: Error}
  /** The lock is not held and not queued for: lock() it again to wait for it. */
  | {step: 'lock'; name: string; error: Error}
  /** The monitor stays incomplete; its own 'error' event also fires, if listened to. */
  | {step: 'monitor'; monitor: Monitor; error: Error}

export interface ClientEvents {
  /** A session is up (again); the argument is the remote. */
  connected: [remote: string]
  disconnected: [error: OvsdbError | undefined]
  locked: [lock: string]
  stolen: [lock: string]
  /** After a reconnect, one thing the previous session had could not be restored (see RestoreFailure). */
  restoreFailed: [failure: RestoreFailure]
}

const SERVER_MONITOR_ID = '_Server'
/**
 * The columns of _Server's Database table the leader check reads, as every server since OVS
 * 2.9 has them. Built in rather than fetched, so that checking a server costs one round trip,
 * sent together with the database's get_schema.
 */
const SERVER_SCHEMA = parseSchema({
  name: '_Server',
  tables: {
    Database: {
      columns: {
        name: {type: 'string'},
        model: {type: 'string'},
        connected: {type: 'boolean'},
        leader: {type: 'boolean'},
        index: {type: {key: 'integer', min: 0}},
      },
    },
  },
})
const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_PROBE_MS = 5_000
const DEFAULT_MIN_BACKOFF_MS = 100
const DEFAULT_MAX_BACKOFF_MS = 8_000

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

/** A remote that is up but not acceptable: a follower, or a member cut off from its cluster. */
class UnsuitableServer extends OvsdbError {}

interface Session {
  rpc: RpcConnection
  remote: string
}

interface Waiter {
  resolve: (session: Session) => void
  reject: (error: Error) => void
}

/**
 * An RFC 7047 client for one database, over one of the given remotes at a time, with the
 * ovsdb-server extensions (monitor_cond_since, _Server, set_db_change_aware).
 */
export class OvsdbClient extends EventEmitter<ClientEvents> {
  /** Fetched by the first connection; the same for every later one. */
  private fetchedSchema: DatabaseSchema | undefined
  private session: Session | undefined
  private waiters: Waiter[] = []
  private readonly monitors = new Map<string, ClientMonitor>()
  /** Locks this client wants, and whether it holds them now; re-requested after a reconnect. */
  private readonly locks = new Map<string, boolean>()
  private dbChangeAware = false
  private nextMonitorId = 1
  private closed = false
  private reconnecting = false
  /** The highest _Server index seen, so a reconnect never lands on a member with older data. */
  private highestIndex = 0
  private wakeBackoff: (() => void) | undefined
  private readonly timeoutMs: number

  private constructor(
    private readonly remotes: readonly Remote[],
    private readonly options: ConnectOptions,
  ) {
    super()
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  /**
   * Connects to one of the remotes (a comma-separated list is tried in random order). Fails at
   * once if none can be reached; when some answer but none is the leader (an election), it
   * keeps trying until timeoutMs.
   */
  static async connect(remotes: string, options: ConnectOptions): Promise<OvsdbClient> {
    const client = new OvsdbClient(parseRemotes(remotes), options)
    const deadline = Date.now() + client.timeoutMs
    for (let attempt = 0; ; attempt++) {
      try {
        client.adopt(await client.connectOnce())
        return client
      } catch (error) {
        if (!(error instanceof NotLeaderError) || Date.now() >= deadline) throw error
        await client.backoff(attempt)
      }
    }
  }

  get database(): string {
    return this.options.database
  }

  /** The schema of the database, as the server sent it on connect. */
  get schema(): DatabaseSchema {
    if (!this.fetchedSchema) throw new OvsdbError(`the schema of ${this.database} is not known before the client has connected`)
    return this.fetchedSchema
  }

  get isConnected(): boolean {
    return this.session !== undefined
  }

  /** The remote of the current session. */
  get remote(): string | undefined {
    return this.session?.remote
  }

  /** The inactivity probe of the current session, 0 when it has none (see ConnectOptions.probeIntervalMs). */
  get probeIntervalMs(): number | undefined {
    return this.session?.rpc.probeIntervalMs
  }

  async listDbs(): Promise<string[]> {
    const databases = await this.request('list_dbs', [])
    if (!isStringArray(databases)) throw new OvsdbError(`list_dbs: the server answered ${JSON.stringify(databases)}, not a list of names`)
    return databases
  }

  async getSchema(database: string): Promise<DatabaseSchema> {
    return parseSchema(await this.request('get_schema', [database]))
  }

  async echo(...params: unknown[]): Promise<unknown[]> {
    return (await this.request('echo', params)) as unknown[]
  }

  /**
   * Sends a request on the current session, waiting for one while reconnecting; timeoutMs
   * covers the wait.
   */
  request(method: string, params: unknown[]): Promise<unknown> {
    return this.send(method, params)
  }

  transaction(): Transaction {
    return new Transaction(this.schema, (operations, onSent, onWritten) => this.send('transact', [this.database, ...operations], {onSent, onWritten}))
  }

  /**
   * Builds and commits a transaction, rebuilding and retrying it when a wait guard failed
   * (somebody changed the rows it read); other errors propagate.
   */
  async transactWithRetry(build: () => Transaction | Promise<Transaction>, options: {attempts?: number} = {}): Promise<TransactionResult> {
    const attempts = options.attempts ?? 5
    for (let attempt = 1; ; attempt++) {
      const transaction = await build()
      try {
        return await transaction.commit()
      } catch (error) {
        if (!(error instanceof TransactionError && error.isConflict) || attempt >= attempts) throw error
        // The server answers the echo only after sending the updates of the transaction that won,
        // so a rebuild from a monitor's replica sees them.
        await this.echo()
      }
    }
  }

  /**
   * Starts a monitor (monitor_cond_since, else monitor_cond, else monitor) and resolves once its
   * replica is complete. T declares the row type of each monitored table (see Tables); without
   * it rows are untyped `Row`s. The rows are decoded by the schema: that they have the declared
   * types is the caller's word, taken here.
   */
  async monitor<T extends Tables<T> = UntypedTables>(requests: MonitorRequests<NoInfer<T>>, options?: MonitorOptions<NoInfer<T>>): Promise<Monitor<T>>
  async monitor(requests: MonitorRequests, options: MonitorOptions = {}): Promise<Monitor> {
    const id = `m${this.nextMonitorId++}`
    const call: Call = (method, params, updates) => this.send(method, params, {updates})
    const monitor = new ClientMonitor(id, this.database, this.schema, requests, options, call, (m) => this.cancelMonitor(m))
    this.monitors.set(id, monitor)
    try {
      await monitor.establish(call)
    } catch (error) {
      this.monitors.delete(id)
      throw error
    }
    return monitor
  }

  /** request(), with the RPC session's options; onSent gets the request id (for cancel). */
  private async send(method: string, params: unknown[], {onSent, ...options}: RequestOptions & {onSent?: (requestId: number) => void} = {}): Promise<unknown> {
    const deadline = Date.now() + this.timeoutMs
    const session = await this.currentSession(deadline, method)
    const {id, result} = session.rpc.request(method, params, Math.max(1, deadline - Date.now()), options)
    onSent?.(id)
    return result
  }

  private async cancelMonitor(monitor: ClientMonitor): Promise<void> {
    this.monitors.delete(monitor.id)
    // Without a connection there is nothing to cancel: the next session will not re-establish it.
    await this.session?.rpc.call('monitor_cancel', [monitor.id], this.timeoutMs).catch((error: unknown) => {
      if (error instanceof RpcError) throw error
    })
  }

  /** Asks for a lock: true if this client holds it now, else it is queued and 'locked' fires when it gets it. */
  async lock(name: string): Promise<boolean> {
    checkLockName(name)
    this.locks.set(name, false)
    const {locked} = (await this.request('lock', [name])) as {locked: boolean}
    if (this.locks.has(name)) this.locks.set(name, locked || this.locks.get(name) === true)
    return locked
  }

  /** Takes a lock from its holder, which gets 'stolen'. */
  async steal(name: string): Promise<void> {
    checkLockName(name)
    this.locks.set(name, true)
    await this.request('steal', [name])
  }

  async unlock(name: string): Promise<void> {
    this.locks.delete(name)
    await this.request('unlock', [name])
  }

  /** Whether this client holds the lock, as far as the server told it. */
  holdsLock(name: string): boolean {
    return this.locks.get(name) === true
  }

  /** Keeps the server from disconnecting this client when databases come and go (kept across reconnects). */
  async setDbChangeAware(aware: boolean): Promise<void> {
    this.dbChangeAware = aware
    await this.request('set_db_change_aware', [aware])
  }

  /** Cancels a request (e.g. a transaction blocked in a wait); it fails with RpcError "canceled". */
  cancel(requestId: number): void {
    this.session?.rpc.cancel(requestId)
  }

  /** Closes the connection and stops reconnecting; nothing of this client keeps the process alive afterwards. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wakeBackoff?.()
    this.failWaiters(new ConnectionError('the OVSDB client was closed'))
    const session = this.session
    this.session = undefined
    for (const monitor of this.monitors.values()) monitor.markIncomplete()
    if (session) await session.rpc.close()
  }

  private async currentSession(deadline: number, method: string): Promise<Session> {
    if (this.session) return this.session
    if (this.closed) throw new ConnectionError('the OVSDB client was closed')
    if (!this.reconnecting) throw new ConnectionError(`not connected to ${this.remotes.map(formatRemote).join(',')}`)
    return new Promise<Session>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry)
        reject(new TimeoutError(`${method}: no connection to ${this.database} within ${this.timeoutMs} ms`))
      }, Math.max(1, deadline - Date.now()))
      const entry: Waiter = {
        resolve: (session) => {
          clearTimeout(timer)
          resolve(session)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      this.waiters.push(entry)
    })
  }

  private failWaiters(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error)
  }

  /** One pass over the remotes in random order; resolves with the first acceptable session. */
  private async connectOnce(): Promise<Session> {
    const failures: string[] = []
    // One member answering "not the leader" means an election may be under way, even while
    // another member (the old leader, killed) cannot be reached: worth waiting for.
    let someUnsuitable = false
    for (const remote of shuffled(this.remotes)) {
      const name = formatRemote(remote)
      try {
        return await this.open(remote, name)
      } catch (error) {
        if (error instanceof UnsuitableServer) someUnsuitable = true
        failures.push((error as Error).message)
      }
    }
    const summary = failures.join('; ')
    throw someUnsuitable ? new NotLeaderError(`no usable server for ${this.database}: ${summary}`) : new ConnectionError(summary)
  }

  private async open(remote: Remote, name: string): Promise<Session> {
    const socket = await openSocket(remote, this.timeoutMs, this.options.tls)
    const rpc = new RpcConnection(socket, {
      remote: name,
      probeIntervalMs: this.options.probeIntervalMs ?? (remote.kind === 'unix' ? 0 : DEFAULT_PROBE_MS),
      ...(this.options.maxMessageBytes === undefined ? {} : {maxMessageBytes: this.options.maxMessageBytes}),
    })
    let serverMonitor: ClientMonitor | undefined
    rpc.on('notification', (method, params) => {
      if (params[0] === SERVER_MONITOR_ID) serverMonitor?.handleNotification(method, params)
      else this.onNotification(rpc, method, params)
    })
    const call: Call = (method, params, updates) => rpc.call(method, params, this.timeoutMs, updates)
    // Sent at once, not one after the other: each round trip waits for a server that may be busy.
    const schemaReading = this.fetchedSchema ? undefined : call('get_schema', [this.database])
    // Awaited below, after the server check, whose failure explains more.
    schemaReading?.catch(() => {})
    try {
      serverMonitor = await this.watchServer(rpc, name, call)
      if (schemaReading) this.fetchedSchema = parseSchema(await schemaReading)
      return {rpc, remote: name}
    } catch (error) {
      rpc.destroy(error instanceof OvsdbError ? error : new OvsdbError(String(error)))
      if (error instanceof RpcError && error.method === 'get_schema') {
        throw new ConnectionError(`${name}: cannot get the schema of ${this.database}: ${error.error}${error.details ? ` (${error.details})` : ''}`, name)
      }
      throw error
    }
  }

  /**
   * Checks the remote serves the database as we need it (leader, connected to its cluster) and
   * keeps watching: when that stops being true the session is dropped and the client moves on.
   */
  private async watchServer(rpc: RpcConnection, name: string, call: Call): Promise<ClientMonitor | undefined> {
    const monitor = new ClientMonitor(
      SERVER_MONITOR_ID,
      '_Server',
      SERVER_SCHEMA,
      // Every database's row, not just ours: a server old enough to know only plain monitor,
      // which cannot filter, must still get to say it has no _Server.
      {Database: {}},
      {},
      call,
      () => Promise.resolve(),
    )
    try {
      await monitor.establish(call)
    } catch (error) {
      // Servers before OVS 2.9 have no _Server database and no clusters.
      if (error instanceof RpcError && error.error === 'unknown database') return undefined
      throw error
    }
    const database = (): Row | undefined => {
      for (const row of monitor.replica.table('Database').rows()) if (row.name === this.database) return row
      return undefined
    }
    if (!database()) throw new ConnectionError(`${name}: the server has no database ${this.database}`, name)
    const check = (): string | undefined => {
      const row = database()
      if (!row) return `${name}: database ${this.database} was removed from the server`
      if (row.model !== 'clustered') return undefined
      if (row.connected !== true) return `${name}: not connected to its cluster`
      if ((this.options.leaderOnly ?? true) && row.leader !== true) return `${name}: not the cluster leader`
      const index = typeof row.index === 'number' ? row.index : 0
      if (index < this.highestIndex) return `${name}: has older data (index ${index} < ${this.highestIndex})`
      this.highestIndex = index
      return undefined
    }
    const problem = check()
    if (problem) throw new UnsuitableServer(problem)
    monitor.on('change', () => {
      const moved = check()
      if (moved && rpc === this.session?.rpc) rpc.destroy(new NotLeaderError(`${moved}; moving to another server`))
    })
    return monitor
  }

  private adopt(session: Session): void {
    if (this.closed) {
      void session.rpc.close()
      return
    }
    this.session = session
    session.rpc.once('close', (error) => this.onLost(session, error))
    for (const waiter of this.waiters.splice(0)) waiter.resolve(session)
    this.emit('connected', session.remote)
  }

  /**
   * Puts back what the previous session had: change awareness, locks, monitors. A step that
   * fails while the session is up is reported as 'restoreFailed' and the next steps still run;
   * one that fails because the session dropped is left to the next session.
   */
  private async restore(session: Session): Promise<void> {
    const call: Call = (method, params, updates) => session.rpc.call(method, params, this.timeoutMs, updates)
    const attempt = async (step: () => Promise<void>, failure: (error: Error) => RestoreFailure): Promise<void> => {
      try {
        await step()
      } catch (error) {
        if (!session.rpc.closed) this.emit('restoreFailed', failure(error as Error))
      }
    }
    if (this.dbChangeAware) {
      await attempt(
        async () => void (await call('set_db_change_aware', [true])),
        (error) => ({step: 'setDbChangeAware', error}),
      )
    }
    for (const name of this.locks.keys()) {
      await attempt(
        async () => {
          const {locked} = (await call('lock', [name])) as {locked: boolean}
          this.locks.set(name, locked)
          if (locked) this.emit('locked', name)
        },
        (error) => ({step: 'lock', name, error}),
      )
    }
    for (const monitor of this.monitors.values()) {
      // One that was never established is still being set up by its own monitor() call; one
      // being resumed, by resume().
      if (monitor.method === undefined || monitor.isResuming) continue
      await attempt(
        () =>
          monitor.establish(call).catch((error: unknown) => {
            if (!session.rpc.closed && monitor.listenerCount('error') > 0) monitor.emit('error', error as Error)
            throw error
          }),
        (error) => ({step: 'monitor', monitor, error}),
      )
    }
  }

  private onLost(session: Session, error: OvsdbError | undefined): void {
    if (this.session !== session) return
    this.session = undefined
    for (const monitor of this.monitors.values()) monitor.markIncomplete()
    for (const name of this.locks.keys()) this.locks.set(name, false)
    this.emit('disconnected', error)
    if (this.closed) return
    // Moving off a follower is part of leaderOnly, so it happens even without the reconnect option.
    if (this.options.reconnect || error instanceof NotLeaderError) void this.reconnect(Boolean(this.options.reconnect))
    else this.failWaiters(error ?? new ConnectionError(`connection to ${session.remote} lost`, session.remote))
  }

  private async reconnect(forever: boolean): Promise<void> {
    this.reconnecting = true
    const deadline = Date.now() + this.timeoutMs
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const session = await this.connectOnce()
        this.reconnecting = false
        this.adopt(session)
        await this.restore(session)
        return
      } catch (error) {
        if (!forever && Date.now() >= deadline) {
          this.reconnecting = false
          this.failWaiters(error as Error)
          return
        }
        await this.backoff(attempt)
      }
    }
    this.reconnecting = false
  }

  /** Sleeps min·2^attempt, capped, with jitter so that many clients do not return in step; close() cuts it short. */
  private backoff(attempt: number): Promise<void> {
    const settings = typeof this.options.reconnect === 'object' ? this.options.reconnect : {}
    const min = settings.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS
    const max = settings.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS
    const delay = Math.min(max, min * 2 ** Math.min(attempt, 30)) * (0.5 + Math.random() / 2)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = undefined
        resolve()
      }, delay)
      this.wakeBackoff = () => {
        clearTimeout(timer)
        this.wakeBackoff = undefined
        resolve()
      }
    })
  }

  private onNotification(rpc: RpcConnection, method: string, params: unknown[]): void {
    if (rpc !== this.session?.rpc) return
    switch (method) {
      case 'update':
      case 'update2':
      case 'update3':
        this.monitors.get(String(params[0]))?.handleNotification(method, params)
        break
      case 'locked': {
        // ovsdb-server also sends 'locked' to the holder whenever a client that was only waiting
        // leaves the queue (unlocks or disconnects): for a lock already held that is no news.
        const name = String(params[0])
        if (this.locks.get(name) === true) break
        if (this.locks.has(name)) this.locks.set(name, true)
        this.emit('locked', name)
        break
      }
      case 'stolen': {
        const name = String(params[0])
        if (this.locks.has(name)) this.locks.set(name, false)
        this.emit('stolen', name)
        break
      }
      case 'monitor_canceled':
        this.monitors.get(String(params[0]))?.markIncomplete()
        break
    }
  }
}
