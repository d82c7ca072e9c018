import {mkdir, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {freePort} from '../../../src/sandbox/ovsdb-server.js'
import {type KeyPair, makeCert} from '../../helpers/certificates.js'
import {runCli} from '../../helpers/cli.js'
import {eventually} from '../../helpers/ovs.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {TEST_SANDBOX_ROOT, useSandbox} from '../../helpers/sandbox.js'

const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'

describe('ssl: everywhere: NB, SB and the chassis\'s own SB connection', () => {
  // The certificates must exist before the sandbox starts: this hook is registered first, so it runs first.
  const certDir = path.join(TEST_SANDBOX_ROOT, 'tls-certificates')
  const file = (name: string) => path.join(certDir, name)
  let ca: KeyPair
  let client: KeyPair
  let otherCa: KeyPair
  let expiredClient: KeyPair
  let expiredServer: OvsdbServer
  let expiredServerRemote: string
  beforeAll(async () => {
    await mkdir(certDir, {recursive: true})
    ;[ca, otherCa] = await Promise.all([makeCert(certDir, 'ca'), makeCert(certDir, 'other-ca')])
    ;[client, expiredClient] = await Promise.all([
      makeCert(certDir, 'client', ca),
      makeCert(certDir, 'expired-client', ca, {expired: true}),
      makeCert(certDir, 'server', ca),
      makeCert(certDir, 'expired-server', ca, {expired: true}),
    ])
    const port = await freePort()
    expiredServerRemote = `ssl:127.0.0.1:${port}`
    expiredServer = await startOvsdbServer({
      dir: path.join(certDir, 'expired-server-db'),
      schemaFile: NB_SCHEMA,
      remotes: [`pssl:${port}:127.0.0.1`],
      tls: {privateKey: file('expired-server.key'), certificate: file('expired-server.pem'), caCert: file('ca.pem')},
    })
  })
  afterAll(async () => {
    if (expiredServer) await stopOvsdbServer(expiredServer)
    await rm(certDir, {recursive: true, force: true})
  })

  const sandbox = useSandbox({chassis: ['hv1'], tls: {privateKey: file('server.key'), certificate: file('server.pem'), caCert: file('ca.pem')}})
  const hv1 = () => sandbox().chassis[0]!
  const clientFlags = () => ['-p', client.key, '-c', client.cert, '-C', ca.cert]
  const central = () => ['--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb]
  const nbctl = (...args: string[]) => run('ovn-nbctl', [...clientFlags(), `--db=${sandbox().nbDb}`, ...args])
  const dump = (remote: string) => run('ovsdb-client', [`--private-key=${client.key}`, `--certificate=${client.cert}`, `--ca-cert=${ca.cert}`, 'dump', remote, 'OVN_Northbound'])

  /** The base64 lines of the client's private key: none may ever appear in any output. */
  async function keyBodyLines(key: string): Promise<string[]> {
    return (await readFile(key, 'utf8')).split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'))
  }

  it('plugs, reconciles and reports a port, and ovn-controller claims it, all over ssl:', async () => {
    expect(sandbox().nbDb).toMatch(/^ssl:127\.0\.0\.1:\d+$/)
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'tls1', '--', 'lsp-add', 'sw0', 'tls2')
    const plug = await runCli(['plug', 'tls1', '--chassis', 'hv1', '--type', 'dummy', ...central(), ...clientFlags()])
    expect(plug.stderr).toBe('')
    expect(plug.exitCode).toBe(0)

    // No --sb-db: reconcile and status follow the chassis's ovn-remote, an ssl: remote too.
    await eventually('reconcile to plug tls1', async () => {
      const reconcile = await runCli(['reconcile', '--db', hv1().db, ...clientFlags()])
      return reconcile.exitCode === 0 && /tls1/.test(reconcile.stdout) ? reconcile : undefined
    })
    const status = await eventually('tls1 claimed by hv1 (its ovn-controller talks ssl: to SB)', async () => {
      const result = await runCli(['status', 'tls1', '--db', hv1().db, '-f', 'csv', '--columns', 'lport,state', ...clientFlags()])
      return result.exitCode === 0 ? result : undefined
    })
    expect(status.stdout.trim().split('\n')).toEqual(['lport,state', 'tls1,plugged'])
  })

  it('--no-verify-server connects without a CA certificate, and warns in one line', async () => {
    const result = await runCli(['plug', 'tls2', '--chassis', 'hv1', '--type', 'dummy', ...central(), '-p', client.key, '-c', client.cert, '--no-verify-server'])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toMatch(/^ovn-vif-ctl: warning: --no-verify-server: the certificate of ssl:\S+ is not checked; anyone on the network path can pose as the database\n$/)
  })

  describe('refusals: one line, the documented exit code, no key material, and nothing written', () => {
    const plugArgs = ['plug', 'tls1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', '1400']
    const cases: Array<[name: string, args: () => string[], exitCode: number, message: RegExp, remote?: () => string]> = [
      ['a server certificate from another CA', () => [...plugArgs, ...central(), '-p', client.key, '-c', client.cert, '-C', otherCa.cert], 4,
        /^cannot reach the OVN_Northbound database at ssl:\S+ \(ssl:\S+: TLS: the server certificate chain ends in a CA other than the given one \(SELF_SIGNED_CERT_IN_CHAIN\)\): check --nb-db$/],
      ['an expired server certificate', () => [...plugArgs, '--nb-db', expiredServerRemote, ...clientFlags()], 4,
        /^cannot reach the OVN_Northbound database at ssl:\S+ \(ssl:\S+: TLS: the server certificate has expired \(CERT_HAS_EXPIRED\)\): check --nb-db$/, () => expiredServer.unixRemote],
      ['an expired client certificate', () => [...plugArgs, ...central(), '-p', expiredClient.key, '-c', expiredClient.cert, '-C', ca.cert], 4,
        /^cannot reach the OVN_Northbound database at ssl:\S+ \(ssl:\S+: TLS: the server refused our certificate: it has expired \(ERR_SSL_(?:SSLV3|SSL\/TLS)_ALERT_CERTIFICATE_EXPIRED\)\): check --nb-db$/],
      ['a private key that does not belong to the certificate', () => [...plugArgs, ...central(), '-p', otherCa.key, '-c', client.cert, '-C', ca.cert], 4,
        /^cannot reach the OVN_Northbound database at ssl:\S+ \(ssl:\S+: TLS: the private key does not belong to the certificate \(ERR_OSSL_X509_KEY_VALUES_MISMATCH\)\): check --nb-db$/],
      ['the private key given as the certificate', () => [...plugArgs, ...central(), '-p', client.key, '-c', client.key, '-C', ca.cert], 4,
        /^cannot reach the OVN_Northbound database at ssl:\S+ \(ssl:\S+: TLS: a key or certificate file is not in PEM format \(ERR_OSSL_PEM_NO_START_LINE\)\): check --nb-db$/],
      ['no private key', () => [...plugArgs, ...central(), '-c', client.cert, '-C', ca.cert], 2,
        /^--nb-db ssl:\S+ is an ssl: remote: give --private-key$/],
      ['a private key file that does not exist', () => [...plugArgs, ...central(), '-p', path.join(certDir, 'gone.key'), '-c', client.cert, '-C', ca.cert], 2,
        /^Parsing --private-key; No file found at \S+gone\.key$/],
      ['no CA certificate', () => [...plugArgs, ...central(), '-p', client.key, '-c', client.cert], 2,
        /^--nb-db ssl:\S+ is an ssl: remote: give --ca-cert \(--no-verify-server skips checking the server, insecurely\)$/],
      ['reconcile with the chassis\'s ssl: ovn-remote and a server certificate from another CA', () => ['reconcile', '--db', hv1().db, '-p', client.key, '-c', client.cert, '-C', otherCa.cert], 4,
        /^cannot reach the OVN_Southbound database at ssl:\S+ \(ssl:\S+: TLS: the server certificate chain ends in a CA other than the given one \(SELF_SIGNED_CERT_IN_CHAIN\)\): check this chassis's external_ids:ovn-remote \(ovs-vsctl get Open_vSwitch \. external_ids:ovn-remote\), or give --sb-db$/],
    ]

    it.each(cases)('%s', async (_name, args, exitCode, message, remote = () => sandbox().nbDb) => {
      const before = await dump(remote())
      const result = await runCli(args())
      expect(result.exitCode).toBe(exitCode)
      const lines = result.stderr.trimEnd().split('\n').filter((line) => !line.startsWith("See 'ovn-vif-ctl "))
      expect(lines, result.stderr).toHaveLength(1)
      expect(lines[0]!.replace(/^ovn-vif-ctl: /, '')).toMatch(message)
      expect(result.stderr).not.toContain('\n    at ')
      const output = result.stdout + result.stderr
      for (const key of [client.key, expiredClient.key, otherCa.key]) {
        for (const line of await keyBodyLines(key)) expect(output).not.toContain(line)
      }

      expect(await dump(remote())).toBe(before)
    })
  })
})
