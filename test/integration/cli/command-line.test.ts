import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {findBinary} from '../../../src/sandbox/binaries.js'
import {run, startDaemon, stopDaemon} from '../../../src/sandbox/daemon.js'
import {freePort} from '../../../src/sandbox/ovsdb-server.js'
import {STATES} from '../../../src/status/model.js'
import {makeCert} from '../../helpers/certificates.js'
import {type CliResult, runCli} from '../../helpers/cli.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {CliProcess} from '../../helpers/process.js'
import {TEST_SANDBOX_ROOT, useSandbox} from '../../helpers/sandbox.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const NAMED_PROVIDER = path.join(ROOT, 'test/fixtures/providers/modules/named-provider.mjs')
const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'

interface ManifestCommand {
  id: string
  hidden?: boolean
  aliases: string[]
  enableJsonFlag?: boolean
}

async function manifestCommands(): Promise<ManifestCommand[]> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
  return Object.values(manifest.commands).filter((command) => !command.aliases.includes(command.id))
}

const spoken = (id: string) => id.split(':')

/** The one stderr line of a refusal, without the program's prefix; nothing on stdout. */
function refusal(result: CliResult, exitCode: number): string {
  expect(result.exitCode, result.stderr).toBe(exitCode)
  expect(result.stdout).toBe('')
  expect(result.stderr).not.toContain('\n    at ')
  const lines = result.stderr.trimEnd().split('\n').filter((line) => !line.startsWith("See 'ovn-vif-ctl "))
  expect(lines, result.stderr).toHaveLength(1)
  return lines[0]!.replace(/^ovn-vif-ctl: /, '')
}

/** The --json error document, alone on stdout, with nothing on stderr. */
function jsonError(result: CliResult): {message: string; exitCode: number; kind: string} {
  expect(result.stderr).toBe('')
  const {error} = JSON.parse(result.stdout) as {error: {message: string; exitCode: number; kind: string}}
  expect(error.exitCode).toBe(result.exitCode)
  return error
}

describe('the command line: errors, --json, flags and ports, against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const central = () => ['--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb]
  const local = () => ['--db', hv1().db, '--nb-db', sandbox().nbDb]
  let dir: string
  const file = (name: string) => path.join(dir, name)

  beforeAll(async () => {
    dir = await mkdtemp(path.join(TEST_SANDBOX_ROOT, 'command-line-'))
    const requested = (lport: string, type: string, ...options: string[]) => [
      '--', 'lsp-add', 'sw0', lport,
      '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', `options:vif-plug-type=${type}`, ...options,
    ]
    await nbctl('ls-add', 'sw0', ...requested('vm1', 'dummy'), ...requested('vm2', 'dummy'), ...requested('vm15', 'named', 'options:"vif-plug:named:netdev"=eth15'), '--', 'lsp-add', 'sw0', 'vm3')
    await nbctl('--wait=sb', 'sync')
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  describe('--json errors', () => {
    it('every command with --json gives a flag it cannot parse as the error document on stdout, exit 2', async () => {
      const commands = (await manifestCommands()).filter((command) => command.enableJsonFlag)
      expect(commands.map((command) => command.id)).toEqual(expect.arrayContaining(['plug', 'unplug', 'status', 'reconcile', 'doctor', 'providers', 'sandbox:start']))
      const results = await Promise.all(commands.map(async (command) => ({id: command.id, result: await runCli([...spoken(command.id), '--json', '--bogus'])})))
      for (const {id, result} of results) {
        expect(result.exitCode, id).toBe(2)
        expect(jsonError(result), id).toEqual({message: 'Nonexistent flag: --bogus', exitCode: 2, kind: 'UsageError'})
      }
    })

    it('a value outside a flag\'s choices is the same document', async () => {
      const result = await runCli(['status', '--json', '--state', 'bogus', ...local()])
      expect(jsonError(result)).toEqual({message: `Expected --state=bogus to be one of: ${STATES.join(', ')}`, exitCode: 2, kind: 'UsageError'})
    })

    describe('an OVSDB server that answers with an error: a read-only backup of the Northbound DB', () => {
      let backup: string
      const pidfile = () => file('backup.pid')
      beforeAll(async () => {
        const schema = file('nb.ovsschema')
        await writeFile(schema, await run('ovsdb-client', ['get-schema', sandbox().nbDb, 'OVN_Northbound']))
        await run('ovsdb-tool', ['create', file('backup.db'), schema])
        backup = `unix:${file('backup.sock')}`
        await startDaemon({
          name: 'ovsdb-server',
          binary: (await findBinary('ovsdb-server'))!,
          args: [`--remote=p${backup}`, `--unixctl=${file('backup.ctl')}`, `--sync-from=${sandbox().nbDb}`, file('backup.db')],
          env: process.env,
          pidfile: pidfile(),
          logfile: file('backup.log'),
        })
      })
      afterAll(async () => {
        await stopDaemon(pidfile())
      })

      const plug = () => ['plug', 'vm3', '--chassis', 'hv1', '--type', 'dummy', '--nb-db', backup, '--sb-db', sandbox().sbDb]
      const refused = /^the database server refused the request \(transaction failed at operation \d+ \(mutate\): not allowed: mutate operation not allowed when database server is in read only mode\): check that the remote is the active, writable server; its log says more$/

      it('is one line and exit 4, not the library\'s wrapped report', async () => {
        expect(refusal(await runCli(plug()), 4)).toMatch(refused)
      })

      it('with --json carries exitCode 4 and kind ServerError', async () => {
        const result = await runCli([...plug(), '--json'])
        expect(result.exitCode).toBe(4)
        const error = jsonError(result)
        expect(error).toMatchObject({exitCode: 4, kind: 'ServerError'})
        expect(error.message).toMatch(refused)
      })
    })
  })

  describe('--json with --watch', () => {
    it('status --json --watch prints, per redraw, the line -f json --watch prints', async () => {
      const lines: string[] = []
      for (const json of [['--json'], ['-f', 'json']]) {
        const watcher = new CliProcess(['status', ...local(), ...json, '--watch', 'vm1'])
        try {
          lines.push(await watcher.waitForLine(/^\{"mode":"local"/))
          watcher.kill('SIGINT')
          expect(await watcher.exited).toBe(0)
        } finally {
          await watcher.stop()
        }
      }

      const [withJson, withFormat] = lines.map((line) => JSON.parse(line) as {rows: Array<{lport: string; state: string}>; updatedAt: string})
      expect(withJson!.rows).toEqual([expect.objectContaining({lport: 'vm1', state: 'pending'})])
      // Each watcher stamps its own reading time; everything else is the same document.
      expect(withJson!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect({...withJson, updatedAt: undefined}).toEqual({...withFormat, updatedAt: undefined})
    })

  })

  describe('ports after repeatable flags stay ports', () => {
    async function statusRows(...args: string[]): Promise<Array<{lport: string; state: string}>> {
      const result = await runCli(['status', ...local(), '-f', 'json', ...args])
      expect(result.stderr).not.toMatch(/Expected|unknown column|cannot load/)
      return (JSON.parse(result.stdout) as {rows: Array<{lport: string; state: string}>}).rows
    }

    it('status --state pending vm1', async () => {
      expect((await statusRows('--state', 'pending', 'vm1')).map((row) => row.lport)).toEqual(['vm1'])
    })

    it('status --provider dummy vm1', async () => {
      expect((await statusRows('--provider', 'dummy', 'vm1')).map((row) => row.lport)).toEqual(['vm1'])
    })

    it('status --provider-module ./named.mjs vm15', async () => {
      expect(await statusRows('--provider-module', NAMED_PROVIDER, 'vm15')).toEqual([expect.objectContaining({lport: 'vm15', state: 'pending'})])
    })

    it('status --columns lport,state vm1', async () => {
      const result = await runCli(['status', ...local(), '-f', 'csv', '--columns', 'lport,state', 'vm1'])
      expect(result.stdout.trim().split('\n')).toEqual(['lport,state', 'vm1,pending'])
    })

    it('plug --option netdev=eth3 --provider-module ./named.mjs vm3', async () => {
      const result = await runCli(['plug', '--chassis', 'hv1', '--type', 'named', '--option', 'netdev=eth3', '--provider-module', NAMED_PROVIDER, 'vm3', '--dry-run', '--json', ...central()])
      expect(result.exitCode, result.stdout + result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({dryRun: true, ports: [{lsp: 'vm3', status: 'would-change'}]})
    })

    it('providers inventory --provider-module ./named.mjs named', async () => {
      const result = await runCli(['providers', 'inventory', '--provider-module', NAMED_PROVIDER, 'named', '--json'])
      expect(result.exitCode, result.stdout + result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual([])
    })
  })

  describe('help', () => {
    it('help with no such command or topic is the one line of a mistyped command', async () => {
      expect(refusal(await runCli(['help', 'nosuch']), 2)).toBe("'nosuch' is not a command. See 'ovn-vif-ctl help'.")
      expect(refusal(await runCli(['help', 'sandbox', 'strat']), 2)).toBe("'sandbox strat' is not a command. Did you mean 'ovn-vif-ctl sandbox start'? See 'ovn-vif-ctl help'.")
    })

    it('help --json is an unknown flag, in one line', async () => {
      expect(refusal(await runCli(['help', '--json']), 2)).toBe('Nonexistent flag: --json')
    })

    it('-h shows what --help shows, for every command', async () => {
      const commands = (await manifestCommands()).filter((command) => !command.hidden && command.id !== 'help')
      const results = await Promise.all(commands.map(async ({id}) => ({id, short: await runCli([...spoken(id), '-h']), long: await runCli([...spoken(id), '--help'])})))
      for (const {id, short, long} of results) {
        expect(short.exitCode, id).toBe(0)
        expect(short.stdout, id).toContain('USAGE')
        expect(short.stdout, id).toBe(long.stdout)
      }
    })
  })

  describe('errors name where a remote came from', () => {
    it('$OVN_NB_DB, malformed or unreachable', async () => {
      expect(refusal(await runCli(['unplug', 'vm1'], {env: {OVN_NB_DB: 'tcp:host'}}), 2)).toMatch(/^\$OVN_NB_DB tcp:host: bad OVSDB remote 'tcp:host': the port is missing/)
      const gone = `unix:${file('gone.sock')}`
      expect(refusal(await runCli(['unplug', 'vm1'], {env: {OVN_NB_DB: gone}}), 4)).toMatch(/^cannot reach the OVN_Northbound database at unix:\S+gone\.sock \(.+\): check \$OVN_NB_DB, or give --nb-db$/)
    })

    it('$OVN_SB_DB', async () => {
      const result = await runCli(['status', '--all-chassis', '--nb-db', sandbox().nbDb], {env: {OVN_SB_DB: `unix:${file('gone.sock')}`}})
      expect(refusal(result, 4)).toMatch(/^cannot reach the OVN_Southbound database at unix:\S+gone\.sock \(.+\): check \$OVN_SB_DB, or give --sb-db$/)
    })

    it('$OVS_RUNDIR', async () => {
      const result = await runCli(['reconcile'], {env: {OVS_RUNDIR: dir}})
      expect(refusal(result, 4)).toMatch(/^cannot reach the Open_vSwitch database at unix:\S+db\.sock \(.+\): check \$OVS_RUNDIR, or give --db$/)
    })

    describe("the chassis's external_ids:ovn-remote", () => {
      let ovs: OvsdbServer
      beforeAll(async () => {
        ovs = await startOvsdbServer({dir: file('ovs'), schemaFile: VSWITCH_SCHEMA})
        await run('ovs-vsctl', [`--db=${ovs.unixRemote}`, '--no-wait', 'init', '--', 'set', 'Open_vSwitch', '.', 'external_ids:system-id=hv9', `external_ids:ovn-remote=unix:${file('gone.sock')}`])
      })
      afterAll(async () => {
        if (ovs) await stopOvsdbServer(ovs)
      })

      it('is named, with how to read it', async () => {
        const result = await runCli(['reconcile', '--db', ovs.unixRemote], {env: {OVN_SB_DB: sandbox().sbDb}})
        expect(refusal(result, 4)).toMatch(
          /^cannot reach the OVN_Southbound database at unix:\S+gone\.sock \(.+\): check this chassis's external_ids:ovn-remote \(ovs-vsctl get Open_vSwitch \. external_ids:ovn-remote\), or give --sb-db$/,
        )
      })
    })
  })

  describe('filters that cannot apply are refused', () => {
    it('--columns with JSON', async () => {
      expect(refusal(await runCli(['status', ...local(), '-f', 'json', '--columns', 'lport']), 2)).toBe(
        '--columns picks the columns of table and csv; JSON always has every field: drop --columns, or use -f csv',
      )
      expect(jsonError(await runCli(['status', ...local(), '--json', '--columns', 'lport']))).toMatchObject({kind: 'UsageError', message: expect.stringMatching(/^--columns picks/)})
    })

    it('--json with another -f', async () => {
      expect(jsonError(await runCli(['status', ...local(), '--json', '-f', 'csv']))).toMatchObject({kind: 'UsageError', message: '--json prints JSON: drop -f csv or --json'})
    })

    it('--all-chassis with a column only local mode fills', async () => {
      expect(refusal(await runCli(['status', '--all-chassis', ...central(), '--columns', 'lport,interface,netdev']), 2)).toBe(
        '--all-chassis reads no local OVS DB, so it cannot fill interface, netdev: drop them from --columns, or run status on the chassis without --all-chassis',
      )
    })

    it('--all-chassis with a state only local mode finds', async () => {
      expect(refusal(await runCli(['status', '--all-chassis', ...central(), '--state', 'pending,orphaned']), 2)).toBe(
        '--all-chassis sees no interfaces, so no port is ever orphaned there: drop --state orphaned, or run status on the chassis without --all-chassis',
      )
    })

    it('an unknown column is a usage error, as an unknown --state is', async () => {
      expect(refusal(await runCli(['status', ...local(), '--columns', 'lport,colour']), 2)).toMatch(/^unknown column colour; choose from lport/)
    })
  })

  describe('CSV, by default, has every column the mode can fill (docs/status.md)', () => {
    it('local mode: all of them', async () => {
      const result = await runCli(['status', ...local(), '-f', 'csv', 'vm1'])
      expect(result.stdout.split('\n')[0]).toBe('lport,state,chassis,card-serial,claimed-by,up,type,options,mtu,interface,ofport,error,netdev,reason')
    })

    it('--all-chassis: all but the local ones', async () => {
      const result = await runCli(['status', '--all-chassis', ...central(), '-f', 'csv', 'vm1'])
      expect(result.stdout.split('\n')[0]).toBe('lport,state,chassis,card-serial,claimed-by,up,type,options,mtu,reason')
    })
  })

  describe('an endpoint that is not an OVSDB server', () => {
    it('an HTTP server is named as one', async () => {
      const server = http.createServer((_request, response) => response.end('hello'))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const {port} = server.address() as AddressInfo
        const result = await runCli(['status', '--all-chassis', '--nb-db', `tcp:127.0.0.1:${port}`, '--sb-db', sandbox().sbDb, '--timeout', '5'])
        expect(refusal(result, 4)).toBe(
          `cannot reach the OVN_Northbound database at tcp:127.0.0.1:${port} (not an OVSDB (JSON-RPC) server: it sent "HTTP/1.1 400 Bad Request", which looks like an HTTP server): check --nb-db`,
        )
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })

    it('an OVSDB server that speaks TLS, reached over tcp:, is named as a possible ssl: remote', async () => {
      const ca = await makeCert(dir, 'ca')
      const cert = await makeCert(dir, 'server', ca)
      const port = await freePort()
      const server = await startOvsdbServer({dir: file('tls-db'), schemaFile: NB_SCHEMA, remotes: [`pssl:${port}:127.0.0.1`], tls: {privateKey: cert.key, certificate: cert.cert, caCert: ca.cert}})
      try {
        const result = await runCli(['unplug', 'vm1', '--nb-db', `tcp:127.0.0.1:${port}`, '--timeout', '5'])
        expect(refusal(result, 4)).toBe(
          `cannot reach the OVN_Northbound database at tcp:127.0.0.1:${port} (tcp:127.0.0.1:${port}: connection closed before answering anything, as a TLS server does to a plain connection: if it is one, use ssl:): check --nb-db`,
        )
      } finally {
        await stopOvsdbServer(server)
      }
    })
  })

  describe('sandbox start --dir', () => {
    it('a regular file is refused in one line naming the fix, and left as it was', async () => {
      await writeFile(file('not-a-dir'), 'keep me\n')
      expect(refusal(await runCli(['sandbox', 'start', '--dir', file('not-a-dir')]), 3)).toBe(
        `sandbox directory ${file('not-a-dir')} is not a directory: a file is in the way: give --dir a directory (new, or empty), or leave --dir out for a new temp dir`,
      )
      expect(await readFile(file('not-a-dir'), 'utf8')).toBe('keep me\n')
    })
  })

  // Last: the watcher plugs the dummy ports the tests above find pending.
  describe('reconcile --watch with --json', () => {
    it('reconcile --watch --json logs JSON lines, as --log-format json does, for its whole life', async () => {
      const watcher = new CliProcess(['reconcile', '--db', hv1().db, '--provider', 'dummy', '--watch', '--json'])
      try {
        await watcher.waitForLine(/"message":"reconciling chassis hv1 on br-int"/)
        await watcher.waitForLine(/"lport":"vm1"/)
        watcher.kill('SIGINT')
        expect(await watcher.exited).toBe(0)
      } finally {
        await watcher.stop()
      }

      const logged = watcher.lines.filter((line) => line !== '' && !line.startsWith('ovn-vif-ctl: warning: '))
      const entries = logged.map((line) => JSON.parse(line) as {level: string; message?: string; lport?: string; result?: string})
      expect(entries.find((entry) => entry.lport === 'vm1')).toMatchObject({level: 'info', result: 'created'})
      expect(entries.at(-1)).toMatchObject({level: 'info', message: 'stopped'})
    })

    it('reconcile --watch --json refuses --log-format text; a one-shot reconcile refuses --log-format', async () => {
      expect(jsonError(await runCli(['reconcile', '--db', hv1().db, '--watch', '--json', '--log-format', 'text']))).toMatchObject({
        message: '--watch --json logs JSON lines: drop --log-format text or --json',
        kind: 'UsageError',
      })
      expect(refusal(await runCli(['reconcile', '--db', hv1().db, '--log-format', 'json']), 2)).toBe(
        '--log-format applies to --watch, whose log it formats; a one-shot reconcile prints a report: use --json for JSON',
      )
    })
  })
})
