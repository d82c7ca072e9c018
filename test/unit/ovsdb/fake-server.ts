import {mkdtempSync, rmSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {JsonSplitter} from '../../../src/ovsdb/framing.js'

export type Message = Record<string, unknown>
export type Handler = (message: Message, reply: (text: string) => void) => void

export interface FakeServer {
  /** unix:PATH of its socket, or tcp:127.0.0.1:PORT. */
  remote: string
  socketPath: string
  /** Every message any client sent, in order. */
  received: Message[]
  /** Drops every client connection, as a server restart would. */
  dropConnections(): void
  close(): Promise<void>
}

/**
 * A scripted OVSDB peer on a unix socket (or, with tcp, on a loopback port): each message a
 * client sends goes to `handler`, which may write back raw text.
 */
export async function startFakeServer(handler: Handler, {tcp = false} = {}): Promise<FakeServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ovsdb-fake-'))
  const socketPath = path.join(dir, 's.sock')
  const received: Message[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const splitter = new JsonSplitter()
    socket.on('data', (chunk: Buffer) => {
      for (const message of splitter.push(chunk) as Message[]) {
        received.push(message)
        handler(message, (text) => socket.write(text))
      }
    })
  })
  await new Promise<void>((resolve) => (tcp ? server.listen(0, '127.0.0.1', resolve) : server.listen(socketPath, resolve)))
  return {
    remote: tcp ? `tcp:127.0.0.1:${(server.address() as net.AddressInfo).port}` : `unix:${socketPath}`,
    socketPath,
    received,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

export function reply(id: unknown, result: unknown): string {
  return JSON.stringify({id, result, error: null})
}

export function errorReply(id: unknown, error: string): string {
  return JSON.stringify({id, result: null, error: {error}})
}
