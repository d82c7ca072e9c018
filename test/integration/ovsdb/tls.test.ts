import {rm} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ConnectionError, OvsdbClient} from '../../../src/ovsdb/index.js'
import {freePort} from '../../../src/sandbox/ovsdb-server.js'
import {type KeyPair, makeCert} from '../../helpers/certificates.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {TEST_SCHEMA_FILE, testDir} from './helpers.js'

describe('ssl: remotes', () => {
  let dir: string
  let ca: KeyPair
  let client: KeyPair
  const servers: OvsdbServer[] = []
  let trusted: string
  let impostor: string

  beforeAll(async () => {
    dir = await testDir('tls')
    ca = await makeCert(dir, 'ca')
    const otherCa = await makeCert(dir, 'other-ca')
    const [server, impostorCert] = await Promise.all([makeCert(dir, 'server', ca), makeCert(dir, 'impostor', otherCa)])
    client = await makeCert(dir, 'client', ca)
    for (const [name, cert] of [['trusted', server], ['impostor', impostorCert]] as const) {
      const port = await freePort()
      servers.push(await startOvsdbServer({
        dir: path.join(dir, name),
        schemaFile: TEST_SCHEMA_FILE,
        remotes: [`pssl:${port}:127.0.0.1`],
        // Both servers accept our client certificate; only the first has a certificate from our CA.
        tls: {privateKey: cert.key, certificate: cert.cert, caCert: ca.cert},
      }))
      if (name === 'trusted') trusted = `ssl:127.0.0.1:${port}`
      else impostor = `ssl:127.0.0.1:${port}`
    }
  })
  afterAll(async () => {
    await Promise.all(servers.map(stopOvsdbServer))
    await rm(dir, {recursive: true, force: true})
  })

  it('talks to a server whose certificate is signed by the given CA', async () => {
    const ovsdb = await OvsdbClient.connect(trusted, {database: 'Test', tls: {privateKey: client.key, certificate: client.cert, caCert: ca.cert}})
    try {
      const tx = ovsdb.transaction()
      tx.insert('Child', {name: 'over-tls'})
      await tx.commit()
      expect(await ovsdb.echo('secure')).toEqual(['secure'])
    } finally {
      await ovsdb.close()
    }
  })

  it('refuses a server whose certificate is not signed by the given CA', async () => {
    const error = await OvsdbClient.connect(impostor, {database: 'Test', tls: {privateKey: client.key, certificate: client.cert, caCert: ca.cert}}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as Error).message).toBe(`${impostor}: TLS: the server certificate is not signed by the given CA certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`)
  })

  it('with verifyServer false, needs no CA certificate and accepts any server certificate', async () => {
    const ovsdb = await OvsdbClient.connect(impostor, {database: 'Test', tls: {privateKey: client.key, certificate: client.cert, verifyServer: false}})
    try {
      expect(await ovsdb.echo('unverified')).toEqual(['unverified'])
    } finally {
      await ovsdb.close()
    }
  })

  it('says which TLS file is missing', async () => {
    const error = await OvsdbClient.connect(trusted, {database: 'Test', tls: {caCert: ca.cert}}).catch((e: unknown) => e)
    expect((error as Error).message).toBe(`${trusted}: an ssl: remote needs TLS files; missing privateKey, certificate`)
  })
})
