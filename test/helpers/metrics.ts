import {spawn} from 'node:child_process'
import {connect, type Socket} from 'node:net'

import type {CliProcess} from './process.js'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy

/** The samples of a text exposition, label values unescaped; comments skipped. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    LABEL.lastIndex = 0
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped))
    samples.push({name: match[1]!, labels, value: Number(match[3])})
  }

  return samples
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value
}

/** The port a reconcile --watch --metrics-address serves on, from its log line. */
export async function metricsPortOf(watcher: CliProcess): Promise<number> {
  const line = await watcher.waitForLine(/serving metrics on http:/)
  return Number(/:(\d+)\/metrics/.exec(line)![1])
}

export async function scrape(port: number, path = '/metrics'): Promise<{status: number; body: string}> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return {status: response.status, body: await response.text()}
}

/** Runs promtool with `input` on stdin. */
export function promtool(args: readonly string[], input: string): Promise<{exitCode: number | null; output: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args)
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({exitCode, output}))
    child.stdin.end(input)
  })
}

/** What a raw connection got before it closed: whether the server ended it, and the error (a reset) that closed it, if any. */
export interface RawClosed {
  received: string
  ended: boolean
  failure?: NodeJS.ErrnoException
}

export interface RawConnection {
  socket: Socket
  /** Resolves once what was received matches. */
  until(what: RegExp): Promise<void>
  closed: Promise<RawClosed>
}

/**
 * A raw TCP connection to a metrics server on loopback, which first sends `send` when given.
 * With allowHalfOpen it keeps its own side open when the server closes its own.
 */
export function rawConnection(port: number, {send, allowHalfOpen = false}: {send?: string | Buffer; allowHalfOpen?: boolean} = {}): RawConnection {
  const socket = connect({host: '127.0.0.1', port, allowHalfOpen})
  let received = ''
  let ended = false
  let failure: NodeJS.ErrnoException | undefined
  socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk))
  // A connection the server drops may be reset rather than closed: both are a close.
  socket.on('end', () => (ended = true)).on('error', (error) => (failure = error))
  if (send !== undefined) socket.write(send)
  const until = (what: RegExp) => new Promise<void>((resolve) => socket.on('data', () => what.test(received) && resolve()))
  const closed = new Promise<RawClosed>((resolve) => socket.on('close', () => resolve({received, ended, failure})))
  return {socket, until, closed}
}
