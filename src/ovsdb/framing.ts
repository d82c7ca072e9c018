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

/**
 * Splits a stream of concatenated JSON objects/arrays (JSON-RPC over a raw socket has no
 * delimiters) into parsed values. It scans bytes rather than characters: every byte of a
 * multi-byte UTF-8 sequence is >= 0x80, so it can never be mistaken for a bracket or quote,
 * and a chunk boundary inside a character is harmless because decoding waits for the whole value.
 */
export class JsonSplitter {
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** The closing byte each open bracket expects, innermost last. */
  private readonly closers: number[] = []
  private inString = false
  private escaped = false
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
    let start = 0
    let i = 0
    const length = chunk.length
    while (i < length) {
      const byte = chunk[i]!
      if (this.closers.length === 0) {
        if (isWhitespace(byte)) {
          i++
          start = i
          continue
        }
        if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET) {
          throw new FramingError(`expected a JSON object or array, got byte 0x${byte.toString(16).padStart(2, '0')}`)
        }
      }

      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (byte === BACKSLASH) this.escaped = true
        else if (byte === QUOTE) this.inString = false
      } else if (byte === QUOTE) {
        this.inString = true
      } else if (byte === OPEN_BRACE) {
        this.closers.push(CLOSE_BRACE)
      } else if (byte === OPEN_BRACKET) {
        this.closers.push(CLOSE_BRACKET)
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (this.closers.pop() !== byte) throw new FramingError(`unbalanced '${String.fromCharCode(byte)}' in JSON stream`)
        if (this.closers.length === 0) {
          values.push(this.complete(chunk.subarray(start, i + 1)))
          start = i + 1
        }
      }
      i++
    }

    if (this.closers.length > 0 && start < length) this.append(chunk.subarray(start, length))
    return values
  }

  private append(piece: Buffer): void {
    this.checkSize(this.pendingBytes + piece.length)
    this.pendingBytes += piece.length
    // Copied: the socket may reuse the chunk's memory once this call returns.
    this.pending.push(Buffer.from(piece))
  }

  private checkSize(bytes: number): void {
    if (bytes > this.maxMessageBytes) {
      throw new FramingError(`a message from the server exceeds the ${this.maxMessageBytes}-byte limit (maxMessageBytes)`)
    }
  }

  private complete(tail: Buffer): unknown {
    let whole = tail
    if (this.pending.length === 0) {
      this.checkSize(tail.length)
    } else {
      this.checkSize(this.pendingBytes + tail.length)
      whole = Buffer.concat([...this.pending, tail])
      this.pending = []
      this.pendingBytes = 0
    }

    try {
      return JSON.parse(whole.toString('utf8')) as unknown
    } catch (error) {
      throw new FramingError(`invalid JSON from the server: ${(error as Error).message}`)
    }
  }
}
