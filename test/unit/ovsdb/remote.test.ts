import {describe, expect, it} from 'vitest'

import {RemoteSyntaxError} from '../../../src/ovsdb/errors.js'
import {formatRemote, parseRemote, parseRemotes} from '../../../src/ovsdb/remote.js'

describe('parseRemote', () => {
  it.each([
    ['unix:/run/ovn/ovnnb_db.sock', {kind: 'unix', path: '/run/ovn/ovnnb_db.sock'}],
    ['tcp:127.0.0.1:6641', {kind: 'tcp', host: '127.0.0.1', port: 6641}],
    ['tcp:db.example.com:6641', {kind: 'tcp', host: 'db.example.com', port: 6641}],
    ['tcp:[::1]:6641', {kind: 'tcp', host: '::1', port: 6641}],
    ['ssl:10.0.0.1:6642', {kind: 'ssl', host: '10.0.0.1', port: 6642}],
    ['ssl:[fe80::1]:1', {kind: 'ssl', host: 'fe80::1', port: 1}],
  ])('parses %s', (text, expected) => {
    expect(parseRemote(text)).toEqual(expected)
    expect(formatRemote(parseRemote(text))).toBe(text)
  })

  it.each([
    ['', 'no method'],
    ['/run/ovn/ovnnb_db.sock', 'no method'],
    ['unix:', 'socket path is missing'],
    ['tcp:127.0.0.1', 'port is missing'],
    ['tcp::6641', 'host is missing'],
    ['tcp:::1:6641', 'must be in brackets'],
    ['tcp:1.2.3.4:0', 'out of range'],
    ['tcp:1.2.3.4:65536', 'out of range'],
    ['tcp:1.2.3.4:http', 'not a port number'],
    ['tcp:bad host:1', 'not a host name'],
    ['ptcp:6641', "unknown method 'ptcp'"],
    ['udp:1.2.3.4:1', "unknown method 'udp'"],
  ])('rejects %j naming the problem and the accepted forms', (text, problem) => {
    expect(() => parseRemote(text)).toThrow(RemoteSyntaxError)
    expect(() => parseRemote(text)).toThrow(problem)
    expect(() => parseRemote(text)).toThrow('unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT')
  })
})

describe('parseRemotes', () => {
  it('parses a comma-separated list in order', () => {
    expect(parseRemotes('tcp:a:6641,tcp:b:6641, unix:/x').map(formatRemote)).toEqual(['tcp:a:6641', 'tcp:b:6641', 'unix:/x'])
  })

  it('rejects an empty list and a list with one bad element', () => {
    expect(() => parseRemotes(' ')).toThrow(RemoteSyntaxError)
    expect(() => parseRemotes('tcp:a:6641,tcp:b')).toThrow("bad OVSDB remote 'tcp:b'")
  })
})
