import {RemoteSyntaxError} from './errors.js'

export type Remote =
  | {readonly kind: 'unix'; readonly path: string}
  | {readonly kind: 'tcp' | 'ssl'; readonly host: string; readonly port: number}

const ACCEPTED_FORMS = 'unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT (IPv6 hosts in brackets, e.g. tcp:[::1]:6641)'

function fail(text: string, problem: string): never {
  throw new RemoteSyntaxError(`bad OVSDB remote '${text}': ${problem}; use ${ACCEPTED_FORMS}, comma-separated for a list`)
}

function parsePort(text: string, port: string): number {
  if (!/^\d{1,5}$/.test(port)) fail(text, `'${port}' is not a port number`)
  const number = Number(port)
  if (number < 1 || number > 65535) fail(text, `port ${number} is out of range 1-65535`)
  return number
}

function parseHostPort(text: string, rest: string): {host: string; port: number} {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:(.*)$/.exec(rest)
  if (bracketed) return {host: bracketed[1]!, port: parsePort(text, bracketed[2]!)}
  const colon = rest.lastIndexOf(':')
  if (colon < 0) fail(text, 'the port is missing')
  const host = rest.slice(0, colon)
  if (host === '') fail(text, 'the host is missing')
  if (host.includes(':')) fail(text, 'an IPv6 address must be in brackets')
  if (!/^[A-Za-z0-9._-]+$/.test(host)) fail(text, `'${host}' is not a host name or address`)
  return {host, port: parsePort(text, rest.slice(colon + 1))}
}

export function parseRemote(text: string): Remote {
  const trimmed = text.trim()
  const colon = trimmed.indexOf(':')
  if (colon < 0) fail(text, 'it has no method')
  const method = trimmed.slice(0, colon)
  const rest = trimmed.slice(colon + 1)
  switch (method) {
    case 'unix':
      if (rest === '') fail(text, 'the socket path is missing')
      return {kind: 'unix', path: rest}
    case 'tcp':
    case 'ssl':
      return {kind: method, ...parseHostPort(text, rest)}
    default:
      return fail(text, `unknown method '${method}'`)
  }
}

/** Parses `tcp:a:6641,tcp:b:6641`: every element must be valid, and there must be at least one. */
export function parseRemotes(text: string): Remote[] {
  if (text.trim() === '') fail(text, 'it is empty')
  return text.split(',').map(parseRemote)
}

export function formatRemote(remote: Remote): string {
  if (remote.kind === 'unix') return `unix:${remote.path}`
  const host = remote.host.includes(':') ? `[${remote.host}]` : remote.host
  return `${remote.kind}:${host}:${remote.port}`
}
