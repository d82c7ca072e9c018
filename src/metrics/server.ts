/**
 * The HTTP endpoint of `reconcile --watch --metrics-address`: /metrics and /healthz on
 * node:http, hardened so that no client can stall the watcher it runs in: every request has a
 * deadline for its headers and for itself, headers are small, connections are few, and
 * anything but GET or HEAD of the two paths is refused at once.
 */
import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import {isIPv6, type Socket} from 'node:net'

import {UnreachableError, UsageError} from '../lib/errors.js'
import type {Health} from './watcher.js'

export interface ListenAddress {
  host: string
  port: number
}

export const DEFAULT_METRICS_HOST = '127.0.0.1'

/** [HOST:]PORT, with an IPv6 host in brackets ([::1]:9476); a bare port is on loopback. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(text)
  const port = Number(match?.[3])
  if (!match || port > 65_535 || (match[1] !== undefined && !isIPv6(match[1]))) {
    throw new UsageError(`--metrics-address ${JSON.stringify(text)} is not [HOST:]PORT: give a port (9476, on 127.0.0.1), HOST:PORT (0.0.0.0:9476) or [IPv6]:PORT ([::1]:9476)`)
  }

  return {host: match[1] ?? match[2] ?? DEFAULT_METRICS_HOST, port}
}

export function formatListenAddress({host, port}: ListenAddress): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

export interface MetricsEndpoints {
  metrics(): Promise<{contentType: string; body: string}>
  health(): Health
}

export interface ServerLimits {
  /** A client must have sent its request headers within this time of connecting, or is cut off. */
  headersTimeoutMs: number
  maxConnections: number
  maxHeaderBytes: number
}

export const DEFAULT_LIMITS: ServerLimits = {headersTimeoutMs: 10_000, maxConnections: 64, maxHeaderBytes: 8192}

const PATHS = new Set(['/metrics', '/healthz'])

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly address: ListenAddress,
  ) {}

  /** Binds at once; an address in use or that cannot be bound is exit 4, in one line naming it. */
  static async start(address: ListenAddress, endpoints: MetricsEndpoints, limits: ServerLimits = DEFAULT_LIMITS): Promise<MetricsServer> {
    // Loaded here, so that a watcher without --metrics-address does not carry node:http; as the
    // exports object, not an ES module namespace, whose creation would run node:http's lazy getters.
    const {createServer} = process.getBuiltinModule('node:http')
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        // The whole request, body included; a scrape's request has none.
        requestTimeout: 2 * limits.headersTimeoutMs,
        keepAliveTimeout: 5000,
        maxHeaderSize: limits.maxHeaderBytes,
        // The deadlines above are checked this often.
        connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
      },
      (request, response) => void respond(request, response, endpoints),
    )
    // Past this many, new connections are closed as they arrive.
    server.maxConnections = limits.maxConnections
    // A client that stops reading a response, or goes quiet between requests.
    server.timeout = 4 * limits.headersTimeoutMs
    server.on('timeout', (socket) => socket.destroy())
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => refuse(error, socket, limits.headersTimeoutMs))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new UnreachableError(`cannot serve metrics on ${formatListenAddress(address)}: ${bindProblem(error)}`)))
      server.listen({host: address.host, port: address.port, exclusive: true}, resolve)
    })
    const bound = server.address()
    return new MetricsServer(server, typeof bound === 'object' && bound ? {host: address.host, port: bound.port} : address)
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      // Refused connections still lingering too.
      this.server.closeAllConnections()
    })
  }
}

/** Connections refused and lingering: node:http reports each later chunk of one, and its deadlines, again. */
const refused = new WeakSet<Socket>()

/**
 * Answers a request that cannot be parsed, or whose headers are too big or too late, with its
 * status, then closes the connection the way RFC 9112 section 9.6 asks: our side first, then
 * reading and discarding what the client still sends until it closes too, or for at most
 * `lingerMs`. Closing at once, as node:http does, leaves the client's unread bytes in our
 * socket, and the reset the kernel then sends can destroy the response before the client
 * reads it: a client still sending an oversized header would see no 431.
 */
function refuse(error: NodeJS.ErrnoException, socket: Socket, lingerMs: number): void {
  if (refused.has(socket)) return
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy()
    return
  }

  refused.add(socket)
  const deadline = setTimeout(() => socket.destroy(), lingerMs)
  socket.once('close', () => clearTimeout(deadline))
  socket.end(`HTTP/1.1 ${refusalStatus(error.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

function refusalStatus(code: string | undefined): string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return '431 Request Header Fields Too Large'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return '408 Request Timeout'
    default:
      return '400 Bad Request'
  }
}

function bindProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the address is already in use: stop what listens there, or choose another --metrics-address'
    case 'EADDRNOTAVAIL':
      return 'no interface of this host has that address: choose one it has, or 127.0.0.1'
    case 'EACCES':
      return 'permission denied: ports below 1024 need privileges, choose a higher one'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve: give an address'
    default:
      return error.message
  }
}

async function respond(request: IncomingMessage, response: ServerResponse, endpoints: MetricsEndpoints): Promise<void> {
  const path = (request.url ?? '').split('?')[0]!
  if (!PATHS.has(path)) return send(response, 404, `not found: the paths are /metrics and /healthz\n`)
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, `${request.method} is not allowed: use GET or HEAD\n`, {Allow: 'GET, HEAD'})
  if (path === '/healthz') {
    const {healthy, reason} = endpoints.health()
    return send(response, healthy ? 200 : 503, `${reason}\n`)
  }

  try {
    const {contentType, body} = await endpoints.metrics()
    send(response, 200, body, {'Content-Type': contentType})
  } catch (error) {
    send(response, 500, `cannot collect the metrics: ${(error as Error).message}\n`)
  }
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers})
  response.end(body)
}
