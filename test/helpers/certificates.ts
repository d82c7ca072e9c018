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
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', days])
  return {key, cert}
}
