import {readFile} from 'node:fs/promises'
import net from 'node:net'
import type tls from 'node:tls'

import {ConnectionError} from './errors.js'
import {formatRemote, type Remote} from './remote.js'

/**
 * PEM file paths for ssl: remotes, as ovsdb-server's --private-key, --certificate and --ca-cert.
 * All three are needed; they are optional here so that callers can pass what they collected
 * from flags and get one clear error naming what is missing.
 */
export interface TlsFiles {
  privateKey?: string
  certificate?: string
  caCert?: string
  /**
   * false accepts any server certificate, and caCert is then not needed: insecure (anyone on the
   * path can pose as the server), for a deployment whose CA is not at hand. Default true.
   */
  verifyServer?: boolean
}

const EXPLANATIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is ovsdb-server running and listening there?',
  ENOENT: 'no such socket file: is ovsdb-server running with this --remote?',
  EACCES: 'permission denied on the socket: run as a user that may open it',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'host name not found',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate is not signed by the given CA certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed and not the given CA certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: the server certificate chain ends in a CA other than the given one',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  // Alerts the server sends when it refuses our certificate. The code follows OpenSSL's reason
  // text: "sslv3 alert ..." before OpenSSL 3.2 (a Node.js built against the system's OpenSSL 3.0),
  // "ssl/tls alert ..." after (the official builds of Node.js 22 and later).
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'TLS: the server refused our certificate: it has expired',
  'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED': 'TLS: the server refused our certificate: it has expired',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'TLS: the server refused our certificate: it is not signed by a CA the server trusts',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'TLS: the server refused our certificate',
  'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE': 'TLS: the server refused our certificate',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'TLS: the server requires a client certificate',
  // Our own files, found wanting before anything is sent.
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: 'TLS: the private key does not belong to the certificate',
  ERR_OSSL_PEM_NO_START_LINE: 'TLS: a key or certificate file is not in PEM format',
}

/**
 * The first line of an error message. OpenSSL's run over several lines as
 * `HEX:error:CODE:LIBRARY:FUNCTION:REASON:FILE:LINE:...`, of which only REASON means something to an operator.
 */
function oneLine(message: string): string {
  const line = message.split('\n')[0]!.trim()
  const reason = /^(?:[0-9A-F]+:)?error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(line)?.[1]
  return reason ? `TLS: ${reason}` : line
}

/** Turns a socket error into a one-line ConnectionError that names the remote. */
export function explainSocketError(remote: string, error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error
  const code = (error as NodeJS.ErrnoException).code
  const explanation = (code && EXPLANATIONS[code]) ?? oneLine((error as Error).message ?? String(error))
  return new ConnectionError(`${remote}: ${explanation}${code && EXPLANATIONS[code] ? ` (${code})` : ''}`, remote, code, {cause: error})
}

async function tlsOptions(files: TlsFiles | undefined, remote: string): Promise<tls.ConnectionOptions> {
  const {privateKey, certificate, caCert, verifyServer = true} = files ?? {}
  if (!privateKey || !certificate || (verifyServer && !caCert)) {
    const wanted = verifyServer ? {privateKey, certificate, caCert} : {privateKey, certificate}
    const missing = Object.entries(wanted).filter(([, file]) => !file).map(([name]) => name)
    throw new ConnectionError(`${remote}: an ssl: remote needs TLS files; missing ${missing.join(', ')}`, remote)
  }
  try {
    const [key, cert, ca] = await Promise.all([readFile(privateKey), readFile(certificate), caCert ? readFile(caCert) : undefined])
    // Like OVS, trust is the CA signature alone: certificates name no host, so no host name check.
    return {key, cert, ...(ca ? {ca} : {}), rejectUnauthorized: verifyServer, checkServerIdentity: () => undefined}
  } catch (error) {
    throw new ConnectionError(`${remote}: cannot read TLS file: ${(error as Error).message}`, remote, undefined, {cause: error})
  }
}

/** What opens a stream to the remote; for ssl: once the TLS files are read. */
async function socketOpener(remote: Remote, name: string, tlsFiles?: TlsFiles): Promise<() => net.Socket> {
  if (remote.kind === 'unix') return () => net.connect({path: remote.path})
  if (remote.kind === 'tcp') return () => net.connect({host: remote.host, port: remote.port})
  const secure = await tlsOptions(tlsFiles, name)
  // Loaded only here: importing node:tls as a module reads every root certificate Node carries, a few ms of each start.
  const {connect} = await import('node:tls')
  return () => connect({host: remote.host, port: remote.port, ...secure})
}

/** Opens a stream to the remote; for ssl: the promise settles after the TLS handshake. */
export async function openSocket(remote: Remote, timeoutMs: number, tlsFiles?: TlsFiles): Promise<net.Socket> {
  const name = formatRemote(remote)
  const open = await socketOpener(remote, name, tlsFiles)
  return new Promise((resolve, reject) => {
    let socket: net.Socket
    const readyEvent = remote.kind === 'ssl' ? 'secureConnect' : 'connect'
    try {
      socket = open()
    } catch (error) {
      // tls.connect throws at once when the key and certificate do not fit together.
      reject(explainSocketError(name, error))
      return
    }

    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ConnectionError(`${name}: connection timed out after ${timeoutMs} ms`, name, 'ETIMEDOUT'))
    }, timeoutMs)
    const onError = (error: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      reject(explainSocketError(name, error))
    }
    socket.once('error', onError)
    socket.once(readyEvent, () => {
      clearTimeout(timer)
      socket.off('error', onError)
      socket.setNoDelay?.(true)
      resolve(socket)
    })
  })
}
