import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, open, readdir, rm, writeFile} from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {JsonSplitter} from '../../../src/ovsdb/framing.js'
import {run} from '../../../src/sandbox/daemon.js'
import {runCli, type CliResult} from '../../helpers/cli.js'
import {listRows} from '../../helpers/ovs.js'
import {useSandbox} from '../../helpers/sandbox.js'

const REPRESENTOR_FIXTURE = fileURLToPath(new URL('../../fixtures/providers/representor/dpu-2pf-8vf', import.meta.url))
const HOST_PF0 = '0c:42:a1:00:00:01'
const REMOTE_FORMS = /; use unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT \(IPv6 hosts in brackets, e\.g\. tcp:\[::1\]:6641\), comma-separated for a list$/

/** How a fake OVSDB server misbehaves towards every client that connects. */
type Misbehaviour = 'garbage' | 'huge' | 'silent'

/** A unix-socket server that is not an OVSDB server: it writes garbage, one endless message, or nothing. */
async function startFakeServer(socketPath: string, misbehaviour: Misbehaviour): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    if (misbehaviour === 'garbage') socket.write('HTTP/1.1 400 Bad Request\r\n\r\n<html>not OVSDB</html>\n{]')
    // The start of a reply, then 100 MiB of one string: far over the client's 64 MiB message limit.
    if (misbehaviour === 'huge') writeEndlessMessage(socket, 100)
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
}

function writeEndlessMessage(socket: net.Socket, mebibytes: number): void {
  const chunk = 'a'.repeat(1024 * 1024)
  let written = 0
  const writeMore = () => {
    while (written < mebibytes && !socket.destroyed) {
      written++
      if (!socket.write(chunk)) return
    }
  }

  socket.write('{"id":0,"error":null,"result":"')
  socket.on('drain', writeMore)
  writeMore()
}

interface Case {
  args: () => string[]
  exitCode: number
  /** The one stderr line (without "ovn-vif-ctl: "), or for doctor the line of its failing check. */
  message: RegExp
}

describe('bad input to every command: one line, the documented exit code, no stack trace, nothing written', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  let dir: string
  const file = (name: string) => path.join(dir, name)
  const fake = (misbehaviour: Misbehaviour) => `unix:${file(`${misbehaviour}.sock`)}`
  const stopFakes: Array<() => Promise<void>> = []

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bad-input-'))
    for (const misbehaviour of ['garbage', 'huge', 'silent'] as const) stopFakes.push(await startFakeServer(file(`${misbehaviour}.sock`), misbehaviour))
    // --wait=hv: ovn-northd sets bad1's up column, and NB_Global.hv_cfg follows once hv1's
    // ovn-controller has caught up; both must happen before the first "nothing written" dump.
    await nbctl('--wait=hv', 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'bad1')
    await mkdir(file('broken-state'))
    await writeFile(file('broken-state/sandbox.json'), '{"dir": "/tmp/x", "daemons": [')
    await writeFile(file('quote.csv'), 'lsp,chassis,type\nbad1,hv1,"dummy\n')
    await writeFile(file('array.jsonl'), '["bad1", "hv1", "dummy"]\n')
    await writeFile(file('equals-key.jsonl'), '{"lsp": "bad1", "chassis": "hv1", "type": "dummy", "vif-plug:dummy:a=b": "1"}\n')
    await writeFile(file('space-key.csv'), 'lsp,chassis,type,vif-plug:dummy:a b\nbad1,hv1,dummy,1\n')
    await writeFile(file('not-a-dump.json'), '{"port": 5}\n')
    // 3 GiB, sparse: far over the 16 MiB the representor provider reads, and over what Node.js can read into a string.
    const huge = await open(file('huge-dump.json'), 'w')
    await huge.truncate(3 * 1024 ** 3)
    await huge.close()
  })
  afterAll(async () => {
    await Promise.all(stopFakes.map((stop) => stop()))
    await rm(dir, {recursive: true, force: true})
  })

  // What ovn-vif-ctl may write: the Northbound DB and the chassis's integration bridge.
  const dumpWritable = async () => [
    await run('ovsdb-client', ['dump', sandbox().nbDb, 'OVN_Northbound']),
    await listRows('ovs-vsctl', hv1().db, 'Port', ['_uuid', 'name', 'interfaces']),
    await listRows('ovs-vsctl', hv1().db, 'Interface', ['_uuid', 'name', 'type', 'options', 'mtu_request']),
  ]

  function expectOneLineRefusal(result: CliResult, {exitCode, message}: Omit<Case, 'args'>, command: string): void {
    expect(result.exitCode, result.stderr).toBe(exitCode)
    expect(result.stderr).not.toContain('\n    at ')
    if (command === 'doctor' && exitCode === 4) {
      // doctor reports every check on stdout; the one that failed says why.
      expect(result.stdout.split('\n').filter((line) => message.test(line.replace(/^FAIL\s+/, '')))).toHaveLength(1)
      return
    }

    // oclif's parse errors add a pointer to --help; nothing else follows the one line.
    const lines = result.stderr.trimEnd().split('\n').filter((line) => !line.startsWith("See 'ovn-vif-ctl "))
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]!.replace(/^ovn-vif-ctl: /, '')).toMatch(message)
    expect(result.stdout).toBe('')
  }

  const plugBad1 = ['plug', 'bad1', '--chassis', 'hv1']
  const central = () => ['--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb]
  const local = () => ['--db', hv1().db]
  const representor = ['--devlink-json', path.join(REPRESENTOR_FIXTURE, 'devlink.json'), '--sysfs-root', path.join(REPRESENTOR_FIXTURE, 'sysfs')]

  const cases: Record<string, Case> = {
    'status: a remote without a port': {args: () => ['status', '--db', 'tcp:host', '--nb-db', sandbox().nbDb], exitCode: 2, message: /^--db tcp:host: bad OVSDB remote 'tcp:host': the port is missing/},
    'reconcile: a remote with an unknown method': {args: () => ['reconcile', ...local(), '--sb-db', 'bogus:x'], exitCode: 2, message: /^--sb-db bogus:x: bad OVSDB remote 'bogus:x': unknown method 'bogus'/},
    'doctor: a unix: remote without a path': {args: () => ['doctor', '--db', 'unix:'], exitCode: 2, message: /^--db unix:: bad OVSDB remote 'unix:': the socket path is missing/},
    'status: an empty --nb-db, though the Northbound DB is optional here': {args: () => ['status', ...local(), '--nb-db', ''], exitCode: 2, message: /^--nb-db : bad OVSDB remote '': it is empty/},
    'status: an ssl: --nb-db without TLS files': {args: () => ['status', ...local(), '--nb-db', 'ssl:127.0.0.1:6641'], exitCode: 2,
      message: /^--nb-db ssl:127\.0\.0\.1:6641 is an ssl: remote: give --private-key, --certificate, --ca-cert/},
    'status --all-chassis: a port out of range': {args: () => ['status', '--all-chassis', '--nb-db', 'tcp:127.0.0.1:70000', '--sb-db', sandbox().sbDb], exitCode: 2, message: /^--nb-db tcp:127\.0\.0\.1:70000: bad OVSDB remote 'tcp:127\.0\.0\.1:70000': port 70000 is out of range 1-65535/},
    'unplug: a list with an empty element': {args: () => ['unplug', 'bad1', '--nb-db', `${sandbox().nbDb},`], exitCode: 2, message: REMOTE_FORMS},
    'plug: --nb-db at the Southbound DB': {args: () => [...plugBad1, '--type', 'dummy', '--nb-db', sandbox().sbDb, '--sb-db', sandbox().sbDb], exitCode: 4,
      message: /^cannot reach the OVN_Northbound database at unix:\S+sb\.sock \(unix:\S+: the server has no database OVN_Northbound\): check --nb-db$/},
    'status --all-chassis: --sb-db at the Northbound DB': {args: () => ['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().nbDb], exitCode: 4,
      message: /^cannot reach the OVN_Southbound database at unix:\S+nb\.sock \(unix:\S+: the server has no database OVN_Southbound\): check --sb-db$/},
    'reconcile: --db at the Northbound DB': {args: () => ['reconcile', '--db', sandbox().nbDb], exitCode: 4,
      message: /^cannot reach the Open_vSwitch database at unix:\S+nb\.sock \(unix:\S+: the server has no database Open_vSwitch\): check --db$/},
    'doctor: --db at the Southbound DB': {args: () => ['doctor', '--db', sandbox().sbDb], exitCode: 4, message: /^local OVS DB\s+cannot reach the Open_vSwitch database at unix:\S+sb\.sock \(unix:\S+: the server has no database Open_vSwitch\): check --db$/},
    'plug: a negative vf-num': {args: () => [...plugBad1, '--type', 'representor', '--pf-mac', HOST_PF0, '--vf-num', '-1', ...central()], exitCode: 3, message: /^vf-num "-1" is not an integer from 0 to 65535/},
    'plug: a non-numeric vf-num': {args: () => [...plugBad1, '--type', 'representor', '--pf-mac', HOST_PF0, '--vf-num', 'abc', ...central()], exitCode: 3, message: /^vf-num "abc" is not an integer from 0 to 65535/},
    'plug: a 20-digit vf-num': {args: () => [...plugBad1, '--type', 'representor', '--pf-mac', HOST_PF0, '--vf-num', '99999999999999999999', ...central()], exitCode: 3, message: /^vf-num "99999999999999999999" is not an integer/},
    'plug: an empty pf-mac': {args: () => [...plugBad1, '--type', 'representor', '--pf-mac', '', ...central()], exitCode: 3, message: /^option vif-plug:representor:pf-mac has an empty value/},
    'plug: a non-numeric MTU': {args: () => [...plugBad1, '--type', 'dummy', '--mtu', 'abc', ...central()], exitCode: 3, message: /^mtu "abc" is not an integer from 68 to 65535$/},
    'plug: a negative MTU': {args: () => [...plugBad1, '--type', 'dummy', '--mtu', '-1', ...central()], exitCode: 3, message: /^mtu "-1" is not an integer from 68 to 65535$/},
    'plug: a 23-digit MTU': {args: () => [...plugBad1, '--type', 'dummy', '--mtu', '9'.repeat(23), ...central()], exitCode: 3, message: /^mtu "9+" is not an integer from 68 to 65535$/},
    'plug: an --option with an empty key': {args: () => [...plugBad1, '--type', 'dummy', '--option', '=x', '--force', ...central()], exitCode: 3, message: /^an option has an empty key/},
    'plug: an --option with an empty value': {args: () => [...plugBad1, '--type', 'dummy', '--option', 'k=', '--force', ...central()], exitCode: 3, message: /^option vif-plug:dummy:k has an empty value/},
    'plug: an empty port name': {args: () => ['plug', '', '--chassis', 'hv1', '--type', 'dummy', ...central()], exitCode: 3, message: /^no logical switch port given/},
    'plug: a CSV line with an unterminated quote': {args: () => ['plug', '--from-file', file('quote.csv'), ...central()], exitCode: 3, message: /quote\.csv line 2: /},
    'plug: a JSON line that is not an object': {args: () => ['plug', '--from-file', file('array.jsonl'), ...central()], exitCode: 3, message: /array\.jsonl line 1: /},
    'plug: a JSON line with an option key holding =': {args: () => ['plug', '--from-file', file('equals-key.jsonl'), '--force', ...central()], exitCode: 3,
      message: /equals-key\.jsonl line 1: option key "vif-plug:dummy:a=b" contains '=' or whitespace/},
    'plug: a CSV column with an option key holding a space': {args: () => ['plug', '--from-file', file('space-key.csv'), '--force', ...central()], exitCode: 3,
      message: /space-key\.csv line 2: option key "vif-plug:dummy:a b" contains '=' or whitespace/},
    'plug: a --from-file that does not exist': {args: () => ['plug', '--from-file', file('gone.csv'), ...central()], exitCode: 2, message: /^Parsing --from-file; No file found at \S+gone\.csv$/},
    'providers inventory: a devlink dump of the wrong shape': {args: () => ['providers', 'inventory', 'representor', '--devlink-json', file('not-a-dump.json')], exitCode: 3, message: /^provider representor failed to initialise: /},
    'providers inventory: a 3 GiB devlink dump': {args: () => ['providers', 'inventory', 'representor', '--devlink-json', file('huge-dump.json')], exitCode: 3,
      message: /^provider representor failed to initialise: devlink port dump is 3072\.0 MiB, more than the 16\.0 MiB this tool reads/},
    'sandbox status: a corrupt state file': {args: () => ['sandbox', 'status', '--dir', file('broken-state')], exitCode: 3, message: /^\S+sandbox\.json is not a sandbox state file \(.+\): stop its daemons by their pidfiles in \S+, then remove it$/},
    'sandbox stop: no sandbox there': {args: () => ['sandbox', 'stop', '--dir', file('nowhere')], exitCode: 3, message: /^no sandbox in \S+nowhere: start one with/},
  }

  it.each(Object.entries(cases))('%s', async (name, testCase) => {
    const before = await dumpWritable()
    expectOneLineRefusal(await runCli(testCase.args(), {timeoutMs: 20_000}), testCase, name.split(/[ :]/)[0]!)
    expect(await dumpWritable()).toEqual(before)
  })

  describe('a server that is not OVSDB: garbage, a 100 MiB message, or silence', () => {
    const commands: Record<string, (remote: string) => string[]> = {
      plug: (remote) => [...plugBad1, '--type', 'dummy', '--nb-db', remote, '--sb-db', sandbox().sbDb],
      unplug: (remote) => ['unplug', 'bad1', '--nb-db', remote],
      'status --all-chassis': (remote) => ['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', remote],
      status: (remote) => ['status', '--db', remote, '--nb-db', sandbox().nbDb],
      reconcile: (remote) => ['reconcile', '--db', remote],
      doctor: (remote) => ['doctor', '--db', remote],
    }
    const refusals: Record<Misbehaviour, {timeout: string; message: RegExp}> = {
      garbage: {timeout: '1', message: /\(not an OVSDB \(JSON-RPC\) server: it sent "HTTP\/1\.1 400 Bad Request", which looks like an HTTP server\)/},
      // Long enough for 64 MiB to arrive on a busy machine: the size limit, not the timeout, must stop it.
      huge: {timeout: '20', message: /a message from the server exceeds the 67108864-byte limit/},
      silent: {timeout: '1', message: /no reply from unix:\S+silent\.sock within 1000 ms/},
    }
    const rows = (misbehaviours: readonly Misbehaviour[]) =>
      misbehaviours.flatMap((misbehaviour) => Object.keys(commands).map((command) => [misbehaviour, command] as const))

    async function expectRefused(misbehaviour: Misbehaviour, command: string): Promise<void> {
      const before = await dumpWritable()
      const {timeout, message} = refusals[misbehaviour]
      const result = await runCli([...commands[command]!(fake(misbehaviour)), '--timeout', timeout], {timeoutMs: 40_000})
      expectOneLineRefusal(result, {exitCode: 4, message}, command)
      expect(await dumpWritable()).toEqual(before)
    }

    // Concurrently: these rows mostly wait for a 1 s timeout or a closed connection.
    it.concurrent.each(rows(['garbage', 'silent']))('%s: %s exits 4 in one line within its --timeout', expectRefused)
    // One at a time: each client buffers 64 MiB before giving up.
    it.each(rows(['huge']))('%s: %s exits 4 in one line within its --timeout', expectRefused)
  })

  describe('a connection lost with the write in flight', () => {
    /**
     * A unix-socket proxy to the Northbound DB that passes everything through, except that once a
     * client has sent a transaction commented "ovn-vif-ctl plug", the server's next reply is
     * dropped and the client disconnected: the write is committed, but the client never hears so.
     */
    async function startReplyDroppingProxy(socketPath: string, target: string): Promise<() => Promise<void>> {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((client) => {
        const upstream = net.connect({path: target})
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('error', () => socket.destroy())
        }

        const splitter = new JsonSplitter()
        let writeSent = false
        client.on('data', (chunk: Buffer) => {
          const messages = splitter.push(chunk) as Array<{method?: string; params?: unknown}>
          writeSent ||= messages.some((message) => message.method === 'transact' && JSON.stringify(message.params).includes('"comment":"ovn-vif-ctl plug'))
          upstream.write(chunk)
        })
        upstream.on('data', (chunk: Buffer) => {
          if (!writeSent) client.write(chunk)
          else client.destroy()
        })
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      await new Promise<void>((resolve) => server.listen(socketPath, resolve))
      return async () => {
        for (const socket of sockets) socket.destroy()
        await new Promise((resolve) => server.close(resolve))
      }
    }

    it('plug exits 4 saying the write may have happened; running it again changes nothing', async () => {
      await nbctl('lsp-add', 'sw0', 'inflight1')
      const stopProxy = await startReplyDroppingProxy(file('proxy.sock'), sandbox().nbDb.slice('unix:'.length))
      try {
        const plug = ['plug', 'inflight1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', '1400', '--sb-db', sandbox().sbDb]
        const lost = await runCli([...plug, '--nb-db', `unix:${file('proxy.sock')}`])
        expectOneLineRefusal(lost, {exitCode: 4, message: /^no answer from the Northbound DB to the write \(.+\): it may or may not have been written; run the same command again, which changes nothing if it was$/}, 'plug')

        const again = await runCli([...plug, '--nb-db', sandbox().nbDb, '--json'])
        expect(again.exitCode).toBe(0)
        expect(JSON.parse(again.stdout)).toMatchObject({committed: false, ports: [{lsp: 'inflight1', status: 'unchanged'}]})
      } finally {
        await stopProxy()
      }
    })
  })

  describe('lport names a netdev cannot carry', () => {
    it('reconcile names their interfaces within 15 bytes, cut on a UTF-8 boundary, and reports two names that collide as a conflict', async () => {
      const long = 'x'.repeat(40)
      const names = ['ünïcødé-long-port-name', long, `${long}y`, `sp ace$(touch ${file('pwned-dummy')})`]
      await nbctl(...names.flatMap((name) => ['--', 'lsp-add', 'sw0', name, '--', 'set', 'Logical_Switch_Port', name, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy']))
      await nbctl('--wait=sb', 'sync')

      const result = await runCli(['reconcile', ...local(), '--json', '--provider', 'dummy'])
      const entries = new Map((JSON.parse(result.stdout) as {entries: Array<{lport: string; result: string; interface?: string; reason: string}>}).entries.map((entry) => [entry.lport, entry]))
      expect(entries.get(names[0]!)).toMatchObject({result: 'created', interface: 'ünïcødé-lon'})
      expect(entries.get(names[1]!)).toMatchObject({result: 'created', interface: 'x'.repeat(15)})
      expect(entries.get(names[2]!)).toMatchObject({result: 'conflict', reason: `netdev ${'x'.repeat(15)} is also wanted by lport ${long}`})
      expect(entries.get(names[3]!)).toMatchObject({result: 'created', interface: 'sp ace$(touch /'})
      const interfaces = (await listRows('ovs-vsctl', hv1().db, 'Interface', ['name'])).map((row) => String(row.name))
      expect(interfaces).toEqual(expect.arrayContaining(['ünïcødé-lon', 'x'.repeat(15), 'sp ace$(touch /']))
      for (const name of interfaces) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(15)
      expect(existsSync(file('pwned-dummy'))).toBe(false)
    })
  })

  describe('security: no value from the database reaches a shell', () => {
    it('reconcile with the representor provider creates no file from $(...) in options or lport names', async () => {
      const marker = (what: string) => file(`pwned-${what}`)
      const lports: Array<[name: string, options: Record<string, string>]> = [
        ['inj-mac', {'vif-plug:representor:pf-mac': `$(touch ${marker('mac')})`, 'vif-plug:representor:vf-num': '3'}],
        ['inj-vf', {'vif-plug:representor:pf-mac': HOST_PF0, 'vif-plug:representor:vf-num': `1;touch ${marker('vf')}`}],
        [`inj-$(touch ${marker('name')})`, {'vif-plug:representor:pf-mac': HOST_PF0, 'vif-plug:representor:vf-num': `\`touch ${marker('tick')}\``}],
        ['inj-ok', {'vif-plug:representor:pf-mac': HOST_PF0, 'vif-plug:representor:vf-num': '2'}],
      ]
      await nbctl(...lports.flatMap(([name, options]) => [
        '--', 'lsp-add', 'sw0', name,
        '--', 'set', 'Logical_Switch_Port', name, 'options:requested-chassis=hv1', 'options:vif-plug-type=representor',
        ...Object.entries(options).map(([key, value]) => `options:"${key}"="${value.replaceAll('"', '\\"')}"`),
      ]))
      await nbctl('--wait=sb', 'sync')

      const result = await runCli(['reconcile', ...local(), '--json', '--provider', 'representor', ...representor])
      const entries = (JSON.parse(result.stdout) as {entries: Array<{lport: string; result: string; interface?: string}>}).entries
      const byLport = new Map(entries.map((entry) => [entry.lport, entry]))
      expect(byLport.get('inj-ok')).toMatchObject({interface: 'c1pf0vf2'})
      for (const [name] of lports.slice(0, 3)) expect(byLport.get(name)?.result).toBe('pending')
      expect((await readdir(dir)).filter((name) => name.startsWith('pwned-'))).toEqual([])
      expect(existsSync(marker('name'))).toBe(false)
    })
  })
})
