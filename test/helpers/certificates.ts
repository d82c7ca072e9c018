import {randomBytes} from 'node:crypto'
import path from 'node:path'

import {run} from '../../src/sandbox/daemon.js'

export interface KeyPair {
  key: string
  cert: string
}

/**
 * Makes, with openssl, a self-signed CA (without `ca`) or a certificate signed by `ca`, as PEM
 * files DIR/NAME.key and DIR/NAME.pem. `expired` makes one whose validity ended a day ago.
 */
export async function makeCert(dir: string, name: string, ca?: KeyPair, {expired = false} = {}): Promise<KeyPair> {
  const key = path.join(dir, `${name}.key`)
  const cert = path.join(dir, `${name}.pem`)
  const subject = `/CN=${name}`
  const days = expired ? '-1' : '1'
  if (!ca) {
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', days, '-subj', subject])
    return {key, cert}
  }

  const csr = path.join(dir, `${name}.csr`)
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject])
  // A random serial of its own, not -CAcreateserial: certificates signed in parallel would
  // share, and race on, the CA's one serial file.
  const serial = `0x${randomBytes(16).toString('hex').replace(/^./, (digit) => (Number.parseInt(digit, 16) & 7).toString(16))}`
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial, '-out', cert, '-days', days])
  return {key, cert}
}
