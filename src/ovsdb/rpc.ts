import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'

import {ConnectionError, OvsdbError, RpcError, TimeoutError} from './errors.js'
import {JsonSplitter, type StreamedUpdates} from './framing.js'
import {explainSocketError} from './transport.js'

export interface RpcOptions {
  /** The remote's text, for messages. */
  remote: string
  maxMessageBytes?: number
  /** Send an echo after this long without a message from the server, and give up after as long again; 0 disables. */
  probeIntervalMs?: number
}

export interface RequestOptions {
  /** Runs once the whole request has left for the server. */
  onWritten?: () => void
  /** Streams the <table-updates> of the reply, if the server writes it as JsonSplitter needs. */
  updates?: StreamedUpdates
}

interface Pending {
  method: string
  updates: StreamedUpdates | undefined
  resolve: (result: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | undefined
}

interface Message {
  id?: unknown
  method?: unknown
  params?: unknown
  result?: unknown
  error?: unknown
}

export interface RpcEvents {
  notification: [method: string, params: unknown[]]
  /** Emitted once; the error says why, unless close() was called. */
  close: [error: OvsdbError | undefined]
}

function rpcError(method: string, error: unknown): RpcError {
  if (error !== null && typeof error === 'object') {
    const {error: name, details} = error as {error?: unknown; details?: unknown}
    return new RpcError(method, String(name ?? JSON.stringify(error)), typeof details === 'string' ? details : undefined)
  }
  return new RpcError(method, String(error))
}

/** One JSON-RPC 1.0 session over a connected socket, as OVSDB uses it. */
export class RpcConnection extends EventEmitter<RpcEvents> {
  private readonly pending = new Map<number, Pending>()
  private readonly splitter: JsonSplitter
  /** Echo after this much silence from the server, give up after as long again with nothing heard; 0: no probe. */
  readonly probeIntervalMs: number
  private probeTimer: NodeJS.Timeout | undefined
  /** An echo is out and nothing has been heard since it was sent. */
  private probeOutstanding = false
  private nextId = 1
  private closeError: OvsdbError | undefined
  private isClosed = false
  /** Whether the server sent anything at all: a TLS server closes a plain connection without a word. */
  private heardFromServer = false
  private corked = false

  constructor(
    private readonly socket: Socket,
    private readonly options: RpcOptions,
  ) {
    super()
    this.splitter = new JsonSplitter(options.maxMessageBytes, (id) => this.pending.get(id)?.updates)
    this.probeIntervalMs = options.probeIntervalMs ?? 0
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.fail(explainSocketError(options.remote, error)))
    socket.on('end', () => socket.end())
    socket.on('close', () => this.onClose())
    this.armProbe()
  }

  get remote(): string {
    return this.options.remote
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Sends a request; `id` is what cancel() takes. */
  request(method: string, params: unknown[], timeoutMs: number, {onWritten, updates}: RequestOptions = {}): {id: number; result: Promise<unknown>} {
    const id = this.nextId++
    const result = this.reply(id, method, timeoutMs, updates)
    this.send({method, params, id}, onWritten)
    return {id, result}
  }

  /**
   * The reply to request `id`, failed after timeoutMs (0: never). Apart from request(): the
   * timer's closure lives until the reply, and must not keep the request's params (a large
   * transaction's operations) alive that long.
   */
  private reply(id: number, method: string, timeoutMs: number, updates: StreamedUpdates | undefined): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.isClosed) {
        reject(this.closedError())
        return
      }
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id)
              reject(new TimeoutError(`${method}: no reply from ${this.remote} within ${timeoutMs} ms`))
            }, timeoutMs)
          : undefined
      this.pending.set(id, {method, updates, resolve, reject, timer})
    })
  }

  call(method: string, params: unknown[], timeoutMs: number, updates?: StreamedUpdates): Promise<unknown> {
    return this.request(method, params, timeoutMs, {updates}).result
  }

  /**
   * Asks the server to drop a pending request and fails it here with RpcError "canceled":
   * ovsdb-server drops it without ever replying, although RFC 7047 says it should reply.
   */
  cancel(id: number): void {
    const pending = this.pending.get(id)
    this.notify('cancel', [id])
    if (!pending) return
    this.pending.delete(id)
    clearTimeout(pending.timer)
    pending.reject(new RpcError(pending.method, 'canceled'))
  }

  notify(method: string, params: unknown[]): void {
    this.send({method, params, id: null})
  }

  /**
   * Closes the session; pending requests fail with ConnectionError. Resolves once the socket is
   * closed, which is when the server has closed its side too. Only half-closing until then lets
   * the server send what it still had for us (a monitor update, say) into a socket that reads
   * it. Closing at once is faster with a busy server, which gets round to our end only after
   * its other clients' updates, but the server then writes into a closed socket and logs
   * "send error: Broken pipe" and "connection dropped" as warnings, for every run.
   */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve()
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.closeError = new ConnectionError(`${this.remote}: connection closed by the client`, this.remote)
      this.socket.end()
      // A server that stops reading would keep the connection open for ever.
      const backstop = setTimeout(() => this.socket.destroy(), 1000)
      backstop.unref()
    })
  }

  /** Drops the connection at once, e.g. after a protocol error or to move to another server. */
  destroy(error: OvsdbError): void {
    this.fail(error)
  }

  private send(message: unknown, onWritten?: () => void): void {
    if (this.isClosed || this.socket.destroyed) return
    if (!this.corked) {
      // Requests made in one go leave in one write. On a TLS connection whose server refuses our
      // certificate, a second write would fail with EPIPE before the server's alert is read, and
      // the operator would see "connection closed" instead of why.
      this.corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    this.socket.write(
      JSON.stringify(message),
      onWritten &&
        ((error) => {
          if (!error) onWritten()
        }),
    )
  }

  private fail(error: OvsdbError): void {
    this.closeError ??= error
    this.socket.destroy()
  }

  private closedError(): OvsdbError {
    if (this.closeError) return this.closeError
    const tlsHint = !this.heardFromServer && this.remote.startsWith('tcp:') ? ' before answering anything, as a TLS server does to a plain connection: if it is one, use ssl:' : ''
    return new ConnectionError(`${this.remote}: connection closed${tlsHint}`, this.remote)
  }

  private onClose(): void {
    if (this.isClosed) return
    this.isClosed = true
    clearTimeout(this.probeTimer)
    const error = this.closedError()
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(error)
    }
    this.pending.clear()
    this.emit('close', this.closeError)
  }

  private onData(chunk: Buffer): void {
    this.heardFromServer = true
    let messages: unknown[]
    try {
      messages = this.splitter.push(chunk)
    } catch (error) {
      this.fail(error as OvsdbError)
      return
    }
    this.probeOutstanding = false
    this.probeTimer?.refresh()
    for (const message of messages) this.dispatch(message as Message)
  }

  private dispatch(message: Message): void {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return
    if (typeof message.method === 'string') {
      const params = Array.isArray(message.params) ? (message.params as unknown[]) : []
      if (message.id === null || message.id === undefined) {
        this.emit('notification', message.method, params)
      } else if (message.method === 'echo') {
        this.send({result: params, error: null, id: message.id})
      } else {
        this.send({result: null, error: {error: 'unknown method', details: message.method}, id: message.id})
      }
      return
    }

    if (typeof message.id !== 'number') return
    const pending = this.pending.get(message.id)
    if (!pending) return
    this.pending.delete(message.id)
    clearTimeout(pending.timer)
    if (message.error !== null && message.error !== undefined) pending.reject(rpcError(pending.method, message.error))
    else pending.resolve(message.result)
  }

  /**
   * As OVS's reconnect state machine: after a probe interval of silence, an echo; after another
   * with nothing at all heard (not only no echo reply: a server busy sending a large update
   * answers the echo after it), the connection is dead.
   */
  private armProbe(): void {
    if (this.probeIntervalMs <= 0) return
    this.probeTimer = setTimeout(() => {
      if (this.probeOutstanding) {
        this.fail(new ConnectionError(`${this.remote}: no answer to the inactivity probe within ${this.probeIntervalMs} ms`, this.remote))
        return
      }

      this.probeOutstanding = true
      // The string id, as OVS's own probes use, matches no pending request: the reply is only heard.
      this.send({method: 'echo', params: [], id: 'echo'})
      this.probeTimer?.refresh()
    }, this.probeIntervalMs)
    this.probeTimer.unref()
  }
}
