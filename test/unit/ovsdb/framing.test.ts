import {describe, expect, it} from 'vitest'

import {FramingError} from '../../../src/ovsdb/errors.js'
import {JsonSplitter} from '../../../src/ovsdb/framing.js'
import {randomInt, seededRandom} from '../../helpers/prng.js'

const TRICKY_STRINGS = ['', 'plain', 'br{ace}s [and] brackets', 'quote " inside', 'back\\slash\\', '\\"', 'ünïcødé', '日本語', '🦀 emoji', '\u0000\u001f', '}]"']

function randomValue(random: () => number, depth: number): unknown {
  const pick = randomInt(random, depth > 3 ? 5 : 7)
  switch (pick) {
    case 0:
      return TRICKY_STRINGS[randomInt(random, TRICKY_STRINGS.length)]
    case 1:
      return randomInt(random, 2_000_000) - 1_000_000
    case 2:
      return random() * 1e6
    case 3:
      return random() < 0.5
    case 4:
      return null
    case 5:
      return Array.from({length: randomInt(random, 4)}, () => randomValue(random, depth + 1))
    default:
      return Object.fromEntries(Array.from({length: randomInt(random, 4)}, (_, i) => [`${TRICKY_STRINGS[randomInt(random, TRICKY_STRINGS.length)]}${i}`, randomValue(random, depth + 1)]))
  }
}

function randomMessage(random: () => number): unknown {
  return random() < 0.8 ? {id: randomInt(random, 1000), method: 'update2', params: [randomValue(random, 0)]} : [randomValue(random, 1)]
}

function randomSplit(random: () => number, bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  while (at < bytes.length) {
    const size = 1 + randomInt(random, random() < 0.3 ? 3 : 64)
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  return chunks
}

function feed(splitter: JsonSplitter, chunks: Buffer[]): unknown[] {
  return chunks.flatMap((chunk) => splitter.push(chunk))
}

describe('JsonSplitter', () => {
  it('yields the same messages for any chunk split of a random stream (200 seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed)
      const messages = Array.from({length: 1 + randomInt(random, 8)}, () => randomMessage(random))
      const separators = ['', ' ', '\n', '\r\n\t ']
      const stream = Buffer.from(messages.map((m) => JSON.stringify(m) + separators[randomInt(random, separators.length)]).join(''))
      const splitter = new JsonSplitter()
      expect(feed(splitter, randomSplit(random, stream)), `seed ${seed}`).toEqual(messages)
      expect(() => splitter.end()).not.toThrow()
    }
  })

  it('splits inside multi-byte UTF-8 characters and escapes', () => {
    const message = {s: 'a\\"b🦀ü"}'}
    const bytes = Buffer.from(JSON.stringify(message))
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = new JsonSplitter()
      expect(feed(splitter, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([message])
    }
  })

  it('finds the end of strings of backslash runs cut anywhere into three chunks', () => {
    const messages = [{a: '\\', b: ['\\\\"', '"\\\\\\'], c: '}\\]'}, ['x\\"y', '']]
    const bytes = Buffer.from(messages.map((message) => JSON.stringify(message)).join(''))
    for (let first = 1; first < bytes.length; first++) {
      for (let second = first; second < bytes.length; second++) {
        const splitter = new JsonSplitter()
        expect(feed(splitter, [bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)]), `cuts ${first} ${second}`).toEqual(messages)
      }
    }
  })

  it('fails on random garbage with a FramingError, never a crash or silent hang (500 seeds)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = seededRandom(seed)
      const garbage = Buffer.from(Array.from({length: 1 + randomInt(random, 200)}, () => randomInt(random, 256)))
      const splitter = new JsonSplitter(1024)
      let failure: unknown
      try {
        feed(splitter, randomSplit(random, garbage))
        splitter.end()
      } catch (error) {
        failure = error
      }
      // Garbage may happen to contain a valid value, but the stream as a whole cannot be clean.
      expect(failure, `seed ${seed}`).toBeInstanceOf(FramingError)
    }
  })

  it.each([
    ['a non-object at top level', '42'],
    ['an unbalanced closer', '{"a":1]'],
    ['invalid JSON inside balanced brackets', '{"a":}'],
    ['a stray closer', '}'],
  ])('rejects %s', (_, text) => {
    expect(() => {
      new JsonSplitter().push(Buffer.from(text))
    }).toThrow(FramingError)
  })

  it('reports a stream that ends inside a value', () => {
    const splitter = new JsonSplitter()
    expect(splitter.push(Buffer.from('{"a":1}{"b":'))).toEqual([{a: 1}])
    expect(() => splitter.end()).toThrow('stream ended inside a JSON value')
  })

  it('enforces maxMessageBytes across chunks and keeps failing afterwards', () => {
    const splitter = new JsonSplitter(16)
    expect(splitter.push(Buffer.from('{"a":"0123456"}'))).toEqual([{a: '0123456'}])
    splitter.push(Buffer.from('{"a":"012'))
    expect(() => splitter.push(Buffer.from('3456789"}'))).toThrow('exceeds the 16-byte limit')
    expect(() => splitter.push(Buffer.from('{}'))).toThrow(FramingError)
  })

  it('enforces maxMessageBytes on a message that arrives in one chunk', () => {
    expect(() => new JsonSplitter(8).push(Buffer.from('{"a":"0123456789"}'))).toThrow('exceeds the 8-byte limit')
  })

  describe('streaming the <table-updates> of a reply', () => {
    type Row = [table: string, uuid: string, update: unknown]

    /** A splitter that streams the replies to `depths` (id -> depth) into `rows`. */
    function streaming(depths: ReadonlyMap<number, 2 | 3>, rows: Row[], maxMessageBytes?: number): JsonSplitter {
      return new JsonSplitter(maxMessageBytes, (id) => {
        const depth = depths.get(id)
        return depth && {depth, row: (table, uuid, update) => rows.push([table, uuid, update])}
      })
    }

    function randomUpdates(random: () => number): Record<string, Record<string, unknown>> {
      const key = () => `${TRICKY_STRINGS[randomInt(random, TRICKY_STRINGS.length)]}${randomInt(random, 100)}`
      const rowUpdate = () => (random() < 0.8 ? {initial: randomValue(random, 1)} : [randomValue(random, 2)])
      return Object.fromEntries(Array.from({length: randomInt(random, 4)}, () => [key(), Object.fromEntries(Array.from({length: randomInt(random, 5)}, () => [key(), rowUpdate()]))]))
    }

    it('hands over every row and yields the reply with it emptied, for any chunk split, among other messages (300 seeds)', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const random = seededRandom(seed)
        const depths = new Map<number, 2 | 3>()
        const sent: unknown[] = []
        const expected: unknown[] = []
        const expectedRows: Row[] = []
        for (let id = 1; id <= 1 + randomInt(random, 6); id++) {
          const updates = randomUpdates(random)
          const kind = randomInt(random, 5)
          if (kind === 0) {
            depths.set(id, 2)
            sent.push({id, result: updates, error: null})
            expected.push({id, result: {}, error: null})
          } else if (kind === 1) {
            depths.set(id, 3)
            sent.push({id, result: [false, 'txn', updates], error: null})
            expected.push({id, result: [false, 'txn', {}], error: null})
          } else if (kind === 2) {
            // Asked for, but written otherwise: parsed whole, nothing streamed.
            depths.set(id, 2)
            const whole = random() < 0.5 ? {result: updates, id, error: null} : {id, result: null, error: {error: 'unknown method', details: [updates]}}
            sent.push(whole)
            expected.push(whole)
          } else {
            const other = kind === 3 ? {id, result: updates, error: null} : {id: null, method: 'update2', params: ['m', updates]}
            sent.push(other)
            expected.push(other)
          }
          if (kind < 2) expectedRows.push(...Object.entries(updates).flatMap(([table, rows]) => Object.entries(rows).map(([uuid, update]): Row => [table, uuid, update])))
        }
        const separators = ['', ' ', '\n']
        const stream = Buffer.from(sent.map((m) => JSON.stringify(m, null, random() < 0.2 ? 1 : undefined) + separators[randomInt(random, separators.length)]).join(''))
        const rows: Row[] = []
        const splitter = streaming(depths, rows)
        expect(feed(splitter, randomSplit(random, stream)), `seed ${seed}`).toEqual(expected)
        expect(rows, `seed ${seed}`).toEqual(expectedRows)
        expect(() => splitter.end()).not.toThrow()
      }
    })

    it('streams nothing of a reply whose request did not ask', () => {
      const rows: Row[] = []
      const reply = {id: 7, result: {T: {u: {initial: {}}}}, error: null}
      expect(streaming(new Map([[8, 2]]), rows).push(Buffer.from(JSON.stringify(reply)))).toEqual([reply])
      expect(rows).toEqual([])
    })

    it.each([
      ['a key without its colon', '{"T":{"u" {}}}'],
      ['a row that is not an object or array', '{"T":{"u":1}}'],
      ['a table that is an array', '{"T":[{}]}'],
      ['a trailing comma', '{"T":{"u":{},}}'],
      ['a missing comma', '{"T":{"u":{}} "V":{}}'],
      ['a string in place of a table', '{"T":"x"}'],
      ['invalid JSON inside a row', '{"T":{"u":{"initial":}}}'],
    ])('rejects %s between or inside the rows', (_, updates) => {
      const splitter = streaming(new Map([[1, 2]]), [])
      expect(() => splitter.push(Buffer.from(`{"id":1,"result":${updates},"error":null}`))).toThrow(FramingError)
    })

    it('counts the streamed bytes against maxMessageBytes', () => {
      const splitter = streaming(new Map([[1, 3]]), [], 64)
      const reply = Buffer.from(JSON.stringify({id: 1, result: [false, 'txn', {T: {u1: {initial: {name: 'x'.repeat(40)}}, u2: {initial: {name: 'y'.repeat(40)}}}}], error: null}))
      expect(() => feed(splitter, [reply.subarray(0, 50), reply.subarray(50)])).toThrow('exceeds the 64-byte limit')
    })
  })

  describe('a peer that is not a JSON-RPC server, from what it opens with', () => {
    const opening = (text: string | Buffer) => () => new JsonSplitter().push(typeof text === 'string' ? Buffer.from(text) : text)

    it.each([
      ['a web server', 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', 'not an OVSDB (JSON-RPC) server: it sent "HTTP/1.1 400 Bad Request", which looks like an HTTP server'],
      ['an SSH server', 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n', 'not an OVSDB (JSON-RPC) server: it sent "SSH-2.0-OpenSSH_9.2p1 Debian-2", which looks like an SSH server'],
      ['a TLS alert', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]), 'not an OVSDB (JSON-RPC) server: it sent bytes 15 03 03 00 02 02 46, which looks like a TLS record: the server expects TLS (an ssl: remote)'],
      ['some other text, after blank lines', '\n\n+OK POP3 ready\r\n', 'not an OVSDB (JSON-RPC) server: it sent "+OK POP3 ready"'],
    ])('names %s', (_, text, message) => {
      expect(opening(text)).toThrow(new FramingError(message))
    })

    it('keeps the byte-level message for garbage after a first good value', () => {
      const splitter = new JsonSplitter()
      expect(splitter.push(Buffer.from('{"id":1}'))).toEqual([{id: 1}])
      expect(() => splitter.push(Buffer.from('HTTP/1.1'))).toThrow(new FramingError('expected a JSON object or array, got byte 0x48'))
    })
  })
})
