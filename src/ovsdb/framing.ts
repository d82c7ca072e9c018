import {StringDecoder} from 'node:string_decoder'

import {FramingError} from './errors.js'

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

const SAMPLE_BYTES = 60

/**
 * What a peer that opens with something other than JSON seems to be, from its first bytes: the
 * usual mistakes are a remote pointing at a web server, at an SSH server, or at a TLS server
 * over a plain connection. The sample is the first line when it is printable text, else hex.
 */
export function describeForeignPeer(start: Buffer): string {
  const head = start.subarray(0, SAMPLE_BYTES)
  const text = head.toString('latin1')
  const firstLine = text.split(/\r?\n/, 1)[0]!
  const sample = /^[\x20-\x7e]+$/.test(firstLine) ? `"${firstLine}"` : `bytes ${[...head.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')}`
  const looksLike = text.startsWith('HTTP/')
    ? ', which looks like an HTTP server'
    : text.startsWith('SSH-')
      ? ', which looks like an SSH server'
      : (head[0] === 0x15 || head[0] === 0x16) && head[1] === 0x03
        ? ', which looks like a TLS record: the server expects TLS (an ssl: remote)'
        : ''
  return `not an OVSDB (JSON-RPC) server: it sent ${sample}${looksLike}`
}

/**
 * Splits a stream of concatenated JSON objects/arrays (JSON-RPC over a raw socket has no
 * delimiters) into parsed values. It scans bytes rather than characters: every byte of a
 * multi-byte UTF-8 sequence is >= 0x80, so it can never be mistaken for a bracket or quote.
 * A value that spans chunks (a monitor update of thousands of rows spans hundreds) is decoded
 * chunk by chunk as it arrives and joined once whole, for JSON.parse: each chunk's memory is
 * then free as soon as it is decoded, rather than all of them held until the value is whole
 * and then copied once more into one buffer beside them.
 */
export class JsonSplitter {
  /** The value in progress, before the current chunk, as decoded text. */
  private pending: string[] = []
  private pendingBytes = 0
  /** Holds a multi-byte character cut by a chunk's end until the next chunk completes it. */
  private readonly decoder = new StringDecoder('utf8')
  /** The closing byte each open bracket expects, innermost last. */
  private readonly closers: number[] = []
  private inString = false
  /** Inside a string, the chunk ended on a backslash: the next chunk's first byte is escaped. */
  private escaped = false
  /** Until the first byte that is not whitespace: what a peer opens with says what it is. */
  private atStart = true
  private failed: FramingError | undefined

  constructor(private readonly maxMessageBytes = 64 * 1024 * 1024) {}

  /** Returns every value completed by this chunk; throws FramingError, and keeps throwing after. */
  push(chunk: Buffer): unknown[] {
    if (this.failed) throw this.failed
    try {
      return this.scan(chunk)
    } catch (error) {
      this.failed = error instanceof FramingError ? error : new FramingError(String(error))
      this.pending = []
      throw this.failed
    }
  }

  /** Throws if the stream ended inside a value. */
  end(): void {
    if (this.failed) throw this.failed
    if (this.closers.length > 0) {
      this.failed = new FramingError(`stream ended inside a JSON value after ${this.pendingBytes} bytes`)
      throw this.failed
    }
  }

  private scan(chunk: Buffer): unknown[] {
    const values: unknown[] = []
    const {closers} = this
    const length = chunk.length
    let start = 0
    let i = 0
    let inString = this.inString
    let escaped = this.escaped
    while (i < length) {
      if (inString) {
        // Most of what OVSDB sends is strings: their bytes are skipped in this loop alone.
        if (escaped) {
          escaped = false
          i++
        }
        while (i < length) {
          const byte = chunk[i]!
          if (byte === QUOTE) {
            inString = false
            i++
            break
          }
          if (byte === BACKSLASH) {
            if (i + 1 === length) escaped = true
            i += 2
          } else {
            i++
          }
        }
        continue
      }

      const byte = chunk[i]!
      if (closers.length === 0) {
        if (isWhitespace(byte)) {
          i++
          start = i
          continue
        }
        if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET) {
          if (this.atStart) throw new FramingError(describeForeignPeer(chunk.subarray(i)))
          throw new FramingError(`expected a JSON object or array, got byte 0x${byte.toString(16).padStart(2, '0')}`)
        }

        this.atStart = false
      }

      if (byte === QUOTE) {
        inString = true
      } else if (byte === OPEN_BRACE) {
        closers.push(CLOSE_BRACE)
      } else if (byte === OPEN_BRACKET) {
        closers.push(CLOSE_BRACKET)
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (closers.pop() !== byte) throw new FramingError(`unbalanced '${String.fromCharCode(byte)}' in JSON stream`)
        if (closers.length === 0) {
          values.push(this.complete(chunk, start, i + 1))
          start = i + 1
        }
      }
      i++
    }

    this.inString = inString
    this.escaped = escaped
    if (closers.length > 0 && start < length) this.append(chunk, start, length)
    return values
  }

  private append(chunk: Buffer, start: number, end: number): void {
    this.checkSize(this.pendingBytes + end - start)
    this.pendingBytes += end - start
    this.pending.push(this.decoder.write(chunk.subarray(start, end)))
  }

  private checkSize(bytes: number): void {
    if (bytes > this.maxMessageBytes) {
      throw new FramingError(`a message from the server exceeds the ${this.maxMessageBytes}-byte limit (maxMessageBytes)`)
    }
  }

  private complete(chunk: Buffer, start: number, end: number): unknown {
    let text: string
    if (this.pending.length === 0) {
      this.checkSize(end - start)
      text = chunk.toString('utf8', start, end)
    } else {
      const bytes = this.pendingBytes + end - start
      this.checkSize(bytes)
      this.pending.push(this.decoder.end(chunk.subarray(start, end)))
      text = this.pending.join('')
      this.pending = []
      this.pendingBytes = 0
    }

    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw new FramingError(`invalid JSON from the server: ${(error as Error).message}`)
    }
  }
}
