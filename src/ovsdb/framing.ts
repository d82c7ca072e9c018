import {StringDecoder} from 'node:string_decoder'

import {FramingError} from './errors.js'

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c

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
 * Where the rows of a reply's <table-updates> go when they are streamed: each <row-update> is
 * handed over, parsed, by the end of the chunk that completes it, and the reply itself arrives
 * with that <table-updates> object empty. A monitor's snapshot of tens of thousands of rows is
 * then decoded as it arrives, and the parsed JSON of each chunk's rows dies young, instead of
 * one tree of the whole reply outliving its parse and its decode.
 */
export interface StreamedUpdates {
  /** Where the <table-updates> sits: 2 when it is the reply's result (monitor_cond), 3 when it is an element of it (monitor_cond_since). */
  readonly depth: 2 | 3
  /** Takes one <row-update>, parsed; must not throw, for it runs inside the framing. */
  row(table: string, uuid: string, update: unknown): void
}

/**
 * A reply that opens with its id and then its result, as ovsdb-server writes one, and the
 * bracket its result opens with; any other is parsed whole.
 */
const REPLY_HEAD = /^\{\s*"id"\s*:\s*(\d+)\s*,\s*"result"\s*:\s*([[{])$/
/** Beyond this, a reply's head is not what streaming needs. */
const REPLY_HEAD_BYTES = 64

/** What comes next between the rows of a streamed <table-updates>, an object of objects. */
type Expected = 'key-or-end' | 'key' | 'colon' | 'value' | 'comma-or-end'

/**
 * A reply whose <table-updates> is being streamed: where the scan is in it, the table name in
 * progress, and the batch of rows in progress. The rows of a table are parsed in batches, all
 * those a chunk completes at once, as one object: a JSON.parse per row costs more than it saves.
 */
class UpdatesInProgress {
  phase: 'before' | 'inside' | 'after' = 'before'
  expect: Expected = 'key-or-end'
  table = ''
  /** Inside a table's name; where it starts in the current chunk, at its opening quote; its earlier chunks' bytes. */
  inTableName = false
  tableNameStart = 0
  tableNamePieces: Buffer[] = []
  /** Where the batch starts in the current chunk (0 when it began in an earlier one, whose text is in batchPieces), -1 with no batch. */
  batchStart = -1
  batchPieces: string[] = []
  /** Where the batch's last whole row ends in the current chunk, -1 with none. */
  batchEnd = -1
  /** A row's key has begun and the row has not ended; where that key starts in the current chunk. */
  inRow = false
  rowStart = 0

  constructor(readonly updates: StreamedUpdates) {}
}

function invalidUpdates(what: string): FramingError {
  return new FramingError(`invalid JSON from the server: ${what} in a <table-updates>`)
}

/** A bracket or punctuation byte where the grammar of a <table-updates> has no place for it. */
function outOfPlace(byte: number): FramingError {
  return invalidUpdates(`a '${String.fromCharCode(byte)}' out of place`)
}

/**
 * Splits a stream of concatenated JSON objects/arrays (JSON-RPC over a raw socket has no
 * delimiters) into parsed values. It scans bytes rather than characters: every byte of a
 * multi-byte UTF-8 sequence is >= 0x80, so it can never be mistaken for a bracket or quote.
 * A value that spans chunks (a monitor update of thousands of rows spans hundreds) is decoded
 * chunk by chunk as it arrives and joined once whole, for JSON.parse: each chunk's memory is
 * then free as soon as it is decoded, rather than all of them held until the value is whole
 * and then copied once more into one buffer beside them. A reply whose request asked for its
 * <table-updates> streamed (updatesFor) has its rows handed over as the chunks complete them.
 */
export class JsonSplitter {
  /** The kept text of the value in progress, before the current chunk. */
  private pending: string[] = []
  /** The bytes of the value in progress before the current chunk, kept or not. */
  private messageBytes = 0
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
  /** The text of an object in progress, up to the current chunk, until its first nested bracket says whether to stream it. */
  private head: string | undefined
  private stream: UpdatesInProgress | undefined

  constructor(
    private readonly maxMessageBytes = 64 * 1024 * 1024,
    /** The streaming asked for by the request of this id, if any. */
    private readonly updatesFor?: (id: number) => StreamedUpdates | undefined,
  ) {}

  /** Returns every value completed by this chunk; throws FramingError, and keeps throwing after. */
  push(chunk: Buffer): unknown[] {
    if (this.failed) throw this.failed
    try {
      return this.scan(chunk)
    } catch (error) {
      this.failed = error instanceof FramingError ? error : new FramingError(String(error))
      this.pending = []
      this.head = undefined
      this.stream = undefined
      throw this.failed
    }
  }

  /** Throws if the stream ended inside a value. */
  end(): void {
    if (this.failed) throw this.failed
    if (this.closers.length > 0) {
      this.failed = new FramingError(`stream ended inside a JSON value after ${this.messageBytes} bytes`)
      throw this.failed
    }
  }

  private scan(chunk: Buffer): unknown[] {
    const values: unknown[] = []
    const {closers} = this
    const length = chunk.length
    // This chunk's part of the value in progress starts at `start`; its text to keep, at
    // `keepFrom` (-1: none, inside a streamed <table-updates>).
    let start = 0
    let keepFrom = this.stream?.phase === 'inside' ? -1 : 0
    let i = 0
    let inString = this.inString
    let escaped = this.escaped
    let stream = this.stream
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
            if (stream?.inTableName) this.endTableName(stream, chunk, i)
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
        keepFrom = i
        if (byte === OPEN_BRACE && this.updatesFor) this.head = ''
      } else if (stream !== undefined && stream.phase === 'inside' && closers.length <= stream.updates.depth + 1) {
        if (byte === QUOTE) {
          if (stream.expect !== 'key-or-end' && stream.expect !== 'key') throw invalidUpdates('a string where a key cannot be')
          stream.expect = 'colon'
          if (closers.length === stream.updates.depth) {
            stream.inTableName = true
            stream.tableNameStart = i
          } else {
            if (stream.batchStart < 0) stream.batchStart = i
            stream.inRow = true
            stream.rowStart = i
          }
        } else if (byte === COLON) {
          if (stream.expect !== 'colon') throw outOfPlace(byte)
          stream.expect = 'value'
        } else if (byte === COMMA) {
          if (stream.expect !== 'comma-or-end') throw outOfPlace(byte)
          stream.expect = 'key'
        } else if (byte !== OPEN_BRACE && byte !== CLOSE_BRACE && byte !== OPEN_BRACKET && byte !== CLOSE_BRACKET && !isWhitespace(byte)) {
          throw invalidUpdates(`byte 0x${byte.toString(16).padStart(2, '0')} where a table or a row must be`)
        }
      }

      if (byte === QUOTE) {
        inString = true
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        closers.push(byte + 2)
        if (this.head !== undefined && closers.length === 2) stream = this.stream = this.streamOf(chunk, keepFrom, i)
        // What a row holds is the batch's to parse.
        if (stream !== undefined && stream.phase !== 'after' && closers.length <= stream.updates.depth + 2) keepFrom = this.opened(stream, chunk, i, keepFrom)
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (stream !== undefined && stream.phase !== 'after' && closers.length <= stream.updates.depth + 2) keepFrom = this.closing(stream, chunk, i, keepFrom)
        if (closers.pop() !== byte) throw new FramingError(`unbalanced '${String.fromCharCode(byte)}' in JSON stream`)
        if (closers.length === 0) {
          values.push(this.complete(chunk, start, keepFrom, i + 1))
          start = i + 1
          this.head = undefined
          stream = this.stream = undefined
        }
      }
      i++
    }

    this.inString = inString
    this.escaped = escaped
    if (closers.length > 0) this.carry(chunk, start, keepFrom)
    return values
  }

  /**
   * The streaming asked for this reply, at its first nested bracket (at `end`), when it opens
   * with its id and then its result, as that bracket.
   */
  private streamOf(chunk: Buffer, from: number, end: number): UpdatesInProgress | undefined {
    const head = REPLY_HEAD.exec(this.head + chunk.toString('latin1', from, end + 1))
    this.head = undefined
    const updates = head ? this.updatesFor!(Number(head[1])) : undefined
    // The result is the <table-updates> itself, an object, or holds it, in an array.
    if (!updates || head![2] !== (updates.depth === 2 ? '{' : '[')) return undefined
    return new UpdatesInProgress(updates)
  }

  /** After the bracket at `at` opened, not inside a row: enters the <table-updates>, a table or a row. Returns the new keepFrom. */
  private opened(stream: UpdatesInProgress, chunk: Buffer, at: number, keepFrom: number): number {
    const {depth} = stream.updates
    const level = this.closers.length
    if (stream.phase === 'before') {
      if (level !== depth) return keepFrom
      // Only an object is a <table-updates>: anything else is left in the reply, parsed whole.
      if (chunk[at] !== OPEN_BRACE) {
        stream.phase = 'after'
        return keepFrom
      }
      stream.phase = 'inside'
      this.keep(chunk, keepFrom, at + 1)
      return -1
    }
    if (stream.expect !== 'value') throw outOfPlace(chunk[at]!)
    if (level === depth + 1) {
      if (chunk[at] !== OPEN_BRACE) throw invalidUpdates(`a table's rows in a '['`)
      stream.expect = 'key-or-end'
    }
    return keepFrom
  }

  /** Before the bracket at `at` closes, not inside a row: ends a row, a table, the <table-updates> or the result. Returns the new keepFrom. */
  private closing(stream: UpdatesInProgress, chunk: Buffer, at: number, keepFrom: number): number {
    const {depth} = stream.updates
    const level = this.closers.length
    if (stream.phase === 'before') {
      // The result ends without a <table-updates>: nothing after it is one.
      if (level === 2) stream.phase = 'after'
      return keepFrom
    }
    if (level === depth + 2) {
      stream.batchEnd = at + 1
      stream.inRow = false
      stream.expect = 'comma-or-end'
    } else if (level <= depth + 1) {
      if (stream.expect !== 'key-or-end' && stream.expect !== 'comma-or-end') throw outOfPlace(chunk[at]!)
      stream.expect = 'comma-or-end'
      if (level === depth + 1) this.handOver(stream, chunk)
      if (level === depth) {
        stream.phase = 'after'
        return at
      }
    }
    return keepFrom
  }

  /** Parses the batch's whole rows, from their first key to the last one's end, and hands them over. */
  private handOver(stream: UpdatesInProgress, chunk: Buffer): void {
    if (stream.batchEnd < 0) return
    let text: string
    if (stream.batchPieces.length === 0) {
      text = chunk.toString('utf8', stream.batchStart, stream.batchEnd)
    } else {
      // A row ends on a bracket, so the decoder holds nothing after this.
      stream.batchPieces.push(this.decoder.write(chunk.subarray(stream.batchStart, stream.batchEnd)))
      text = stream.batchPieces.join('')
      stream.batchPieces = []
    }
    stream.batchStart = -1
    stream.batchEnd = -1
    const rows = this.parse(`{${text}}`) as Record<string, unknown>
    for (const uuid in rows) stream.updates.row(stream.table, uuid, rows[uuid])
  }

  /** The table name whose closing quote is at `at`. */
  private endTableName(stream: UpdatesInProgress, chunk: Buffer, at: number): void {
    const piece = chunk.subarray(stream.tableNameStart, at + 1)
    const text = stream.tableNamePieces.length === 0 ? piece.toString('utf8') : Buffer.concat([...stream.tableNamePieces, piece]).toString('utf8')
    stream.tableNamePieces = []
    stream.inTableName = false
    stream.table = this.parse(text) as string
  }

  /** At a chunk's end inside a value: counts its bytes, keeps its text, carries a streamed key or row over. */
  private carry(chunk: Buffer, start: number, keepFrom: number): void {
    const bytes = this.messageBytes + chunk.length - start
    this.checkSize(bytes)
    this.messageBytes = bytes
    if (keepFrom >= 0) this.keep(chunk, keepFrom, chunk.length)
    if (this.head !== undefined) {
      this.head += chunk.toString('latin1', keepFrom, chunk.length)
      if (this.head.length > REPLY_HEAD_BYTES) this.head = undefined
    }
    const stream = this.stream
    if (stream === undefined || stream.phase !== 'inside') return
    if (stream.inTableName) {
      stream.tableNamePieces.push(Buffer.from(chunk.subarray(stream.tableNameStart)))
      stream.tableNameStart = 0
    }
    // The rows this chunk completed go now; the row in progress, from its key, waits for the next.
    if (stream.batchEnd >= 0) {
      this.handOver(stream, chunk)
      if (stream.inRow) stream.batchStart = stream.rowStart
    }
    if (stream.batchStart >= 0) {
      stream.batchPieces.push(this.decoder.write(chunk.subarray(stream.batchStart)))
      stream.batchStart = 0
      stream.rowStart = 0
    }
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    if (end > start) this.pending.push(this.decoder.write(chunk.subarray(start, end)))
  }

  private checkSize(bytes: number): void {
    if (bytes > this.maxMessageBytes) {
      throw new FramingError(`a message from the server exceeds the ${this.maxMessageBytes}-byte limit (maxMessageBytes)`)
    }
  }

  private complete(chunk: Buffer, start: number, keepFrom: number, end: number): unknown {
    this.checkSize(this.messageBytes + end - start)
    this.messageBytes = 0
    let text: string
    if (this.pending.length === 0) {
      text = chunk.toString('utf8', keepFrom, end)
    } else {
      this.pending.push(this.decoder.end(chunk.subarray(keepFrom, end)))
      text = this.pending.join('')
      this.pending = []
    }
    return this.parse(text)
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw new FramingError(`invalid JSON from the server: ${(error as Error).message}`)
    }
  }
}
