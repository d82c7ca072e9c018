import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon, restartSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {eventually} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const representorFixture = path.resolve(here, '../../fixtures/providers/representor/dpu-2pf-8vf')
const PF_MAC = '0c:42:a1:00:00:01'

interface Row {
  lport: string
  state: string
  reason: string
  chassis: string | null
  interface: string | null
  netdev: string | null
  [key: string]: unknown
}

describe('status against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1', 'hv2']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const providerArgs = ['--provider-module', path.join(here, 'fixtures/bad-type.mjs'), '--devlink-json', path.join(representorFixture, 'devlink.json'), '--sysfs-root', path.join(representorFixture, 'sysfs')]
  const local = (...args: string[]) => runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, ...providerArgs, ...args])
  const watchers: CliProcess[] = []
  afterAll(async () => Promise.all(watchers.map((watcher) => watcher.stop())))

  async function request(lport: string, options: Record<string, string>): Promise<void> {
    // Keys such as vif-plug:representor:pf-mac hold colons: ovn-nbctl needs them quoted.
    const settings = Object.entries(options).map(([key, value]) => `options:"${key}"="${value}"`)
    await nbctl('--may-exist', 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', lport, '--', 'set', 'Logical_Switch_Port', lport, ...settings)
  }

  async function rows(...args: string[]): Promise<{exitCode: number; rows: Row[]; counts: Record<string, number>; stderr: string}> {
    const result = await local('-f', 'json', ...args)
    const parsed = JSON.parse(result.stdout) as {rows: Row[]; counts: Record<string, number>}
    return {exitCode: result.exitCode, rows: parsed.rows, counts: parsed.counts, stderr: result.stderr}
  }

  const byLport = (list: Row[]) => Object.fromEntries(list.map((row) => [row.lport, row]))

  it('shows each port plugged, pending or orphaned with its reason, as reconcile left them', async () => {
    const hv1Dummy = {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}
    await request('s-ok', hv1Dummy)
    await request('s-moved', hv1Dummy)
    await request('s-noprov', {'requested-chassis': 'hv1', 'vif-plug-type': 'smartnic9'})
    await request('s-novf', {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '99'})
    await request('s-rep', {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '3'})
    await request('s-err', {'requested-chassis': 'hv1', 'vif-plug-type': 'bad-type'})
    await nbctl('--wait=sb', 'sync')
    expect((await runCli(['reconcile', '--db', hv1().db, ...providerArgs])).exitCode).toBe(1)

    await request('s-later', hv1Dummy)
    await nbctl('--wait=sb', 'set', 'Logical_Switch_Port', 's-moved', 'options:requested-chassis=hv2', '--', 'lsp-del', 's-rep')

    const result = await eventually('ovn-controller to claim s-ok', async () => {
      const current = await rows()
      return byLport(current.rows)['s-ok']?.state === 'plugged' ? current : undefined
    })
    expect(result.exitCode).toBe(1)
    const shown = byLport(result.rows)
    expect(shown['s-ok']).toMatchObject({state: 'plugged', reason: 'plugged as s-ok and claimed by this chassis', chassis: 'hv1', claimedBy: 'hv1', up: true, interface: 's-ok', netdev: 's-ok'})
    expect(shown['s-noprov']).toMatchObject({state: 'pending', reason: "no VIF plug provider for vif-plug-type 'smartnic9'"})
    expect(shown['s-novf']).toMatchObject({state: 'pending', reason: expect.stringMatching(/^no VF representor for pf-mac 0c:42:a1:00:00:01 vf 99 /), options: {'pf-mac': PF_MAC, 'vf-num': '99'}})
    expect(shown['s-err']).toMatchObject({state: 'pending', reason: expect.stringMatching(/^OVS reports an error on interface s-err: could not open network device s-err/), ofport: -1})
    expect(shown['s-later']).toMatchObject({state: 'pending', reason: 'not reconciled yet: reconcile would plug s-later'})
    expect(shown['s-moved']).toMatchObject({state: 'orphaned', reason: 'its logical port is requested for another chassis', chassis: 'hv2', interface: 's-moved'})
    expect(shown['s-rep']).toMatchObject({
      state: 'orphaned',
      reason: 'its logical port is gone, or no longer requested for this chassis; representor netdev c1pf0vf3 stays in use until it is unplugged',
      type: 'representor',
      netdev: 'c1pf0vf3',
    })
    expect(result.counts).toEqual({plugged: 1, pending: 4, orphaned: 2, conflict: 0, additional: 0})
  })

  it('prints a table with a summary, CSV with chosen columns, and exits 0 when all shown ports are plugged', async () => {
    const table = await local()
    expect(table.exitCode).toBe(1)
    expect(table.stdout).toMatch(/^LPORT +STATE +CHASSIS +TYPE +INTERFACE +OFPORT +UP +REASON$/m)
    expect(table.stdout).toMatch(/^s-ok +plugged +hv1 +dummy +s-ok +\d+ +true +plugged as s-ok and claimed by this chassis$/m)
    expect(table.stdout).toMatch(/^7 ports on chassis hv1: 1 plugged, 4 pending, 2 orphaned, 0 conflict$/m)
    expect(table.stdout).not.toContain('\u001B[')

    const csv = await local('-f', 'csv', '--columns', 'lport,state,netdev', '--state', 'plugged,orphaned')
    expect(csv.stdout.trim().split('\n')).toEqual(['lport,state,netdev', 's-moved,orphaned,', 's-ok,plugged,s-ok', 's-rep,orphaned,c1pf0vf3'])
    expect(csv.exitCode).toBe(1)

    expect((await local('s-ok')).exitCode).toBe(0)
    expect((await local('--state', 'plugged')).exitCode).toBe(0)
    const json = await local('s-ok', '--json')
    expect(JSON.parse(json.stdout)).toMatchObject({mode: 'local', chassis: 'hv1', counts: {plugged: 1}, rows: [{lport: 's-ok', state: 'plugged'}]})
  })

  it('refuses a named port that is not requested here with exit 3, and bad columns with exit 2, in one line', async () => {
    await request('s-there', {'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    const elsewhere = await local('s-there', 'nope')
    expect(elsewhere.exitCode).toBe(3)
    expect(elsewhere.stderr.trim()).toBe('ovn-vif-ctl: logical port s-there is requested for hv2, not for hv1: see --all-chassis; no logical port nope')
    const columns = await local('--columns', 'lport,colour')
    expect(columns.exitCode).toBe(2)
    expect(columns.stderr).toMatch(/unknown column colour; choose from lport/)
  })

  it('reports a port not maintained by OVN carrying the iface-id as a conflict', async () => {
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'add-port', 'br-int', 'tap-foreign', '--', 'set', 'Interface', 'tap-foreign', 'type=internal', 'external_ids:iface-id=s-foreign'])
    await request('s-foreign', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    const result = await rows('s-foreign')
    expect(result.exitCode).toBe(1)
    expect(result.rows).toEqual([
      expect.objectContaining({state: 'conflict', reason: 'a port not maintained by OVN already exists: interface tap-foreign has iface-id=s-foreign but no ovn-plugged', interface: 'tap-foreign'}),
    ])
  })

  it('still answers from the Southbound DB when the Northbound DB cannot be reached', async () => {
    const result = await runCli(['status', '--db', hv1().db, '--nb-db', 'unix:/nonexistent/nb.sock', 's-ok'])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toMatch(/^ovn-vif-ctl: warning: cannot reach the OVN_Northbound database at unix:\/nonexistent\/nb.sock.*ports not yet in the Southbound DB are not shown/)
  })

  it('reads a port requested by name for a chassis without a Chassis row from the Southbound DB alone', async () => {
    await request('s-ghost', {'requested-chassis': 'hv-ghost', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    try {
      const result = await runCli(['status', '--db', hv1().db, '--nb-db', 'unix:/nonexistent/nb.sock', '--chassis', 'hv-ghost', '--allow-foreign-chassis', '-f', 'json'])
      expect(result.exitCode).toBe(1)
      // (hv1's plugged interfaces are orphans from hv-ghost's point of view.)
      expect((JSON.parse(result.stdout) as {rows: Row[]}).rows.filter((row) => row.lport === 's-ghost')).toEqual([
        expect.objectContaining({state: 'pending', reason: expect.stringContaining('requested chassis hv-ghost is unknown in the Southbound DB')}),
      ])
    } finally {
      await nbctl('--wait=sb', 'lsp-del', 's-ghost')
    }
  })

  it('shows a port requested here that northd has not bound yet as pending, from the Northbound DB', async () => {
    const northd = (command: string) => run('ovn-appctl', ['-t', path.join(sandbox().dir, 'northd', 'ovn-northd.ctl'), command])
    await northd('pause')
    try {
      await request('s-nb-only', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
      const {exitCode, rows: shown} = await rows('--state', 'pending')
      expect(exitCode).toBe(1)
      expect(byLport(shown)['s-nb-only']).toEqual(expect.objectContaining({state: 'pending', reason: 'not in the Southbound DB yet: is ovn-northd running?'}))
    } finally {
      await nbctl('lsp-del', 's-nb-only')
      await northd('resume')
      await nbctl('--wait=sb', 'sync')
    }
  })

  it('--all-chassis uses the central databases only and counts per chassis', async () => {
    const result = await runCli(['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb, '--db', 'unix:/nonexistent/db.sock'])
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/^s-ok +plugged +hv1 +hv1 +true +dummy +claimed by hv1 and up$/m)
    expect(result.stdout).toMatch(/^s-there +pending +hv2 +false +dummy +not claimed yet: not plugged on hv2, or its ovn-controller has not bound it$/m)
    // ovn-controller claims s-foreign through the foreign tap: from the central databases it looks plugged.
    expect(result.stdout).toMatch(/^ {2}hv1: 2 plugged, \d+ pending, 0 orphaned, 0 conflict$/m)
    expect(result.stdout).toMatch(/^ {2}hv2: 0 plugged, 2 pending, 0 orphaned, 0 conflict$/m)
    const json = JSON.parse((await runCli(['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb, '--json'])).stdout) as {byChassis: Record<string, unknown>}
    expect(Object.keys(json.byChassis)).toEqual(['hv1', 'hv2'])
  })

  it("--all-chassis shows each requested chassis's card serial, and says what a requested-chassis naming no chassis resembles", async () => {
    const hv2 = sandbox().chassis[1]!
    await run('ovs-vsctl', [`--db=${hv2.db}`, 'set', 'Open_vSwitch', '.', 'external_ids:ovn-cms-options="enable-chassis-as-gw,card-serial-number=MT2232X01234"'])
    await run('ovn-sbctl', [`--db=${sandbox().sbDb}`, '--timeout=20', 'wait-until', 'Chassis', 'hv2', 'other_config:ovn-cms-options="enable-chassis-as-gw,card-serial-number=MT2232X01234"'])
    await request('s-by-serial', {'requested-chassis': 'MT2232X01234', 'vif-plug-type': 'dummy'})
    await request('s-upper', {'requested-chassis': 'HV2', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    try {
      const all = ['status', '--all-chassis', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb]
      const table = await runCli([...all, '--columns', 'lport,card-serial,reason'])
      expect(table.stdout).toMatch(/^s-there +MT2232X01234 +not claimed yet: not plugged on hv2/m)
      expect(table.stdout).toMatch(/^s-ok {2,}claimed by hv1 and up$/m)
      const json = JSON.parse((await runCli([...all, '--json'])).stdout) as {rows: Row[]}
      expect(byLport(json.rows)).toMatchObject({
        's-there': {chassis: 'hv2', cardSerial: 'MT2232X01234'},
        's-ok': {chassis: 'hv1', cardSerial: null},
        's-by-serial': {
          state: 'pending',
          cardSerial: null,
          reason: 'requested chassis MT2232X01234 is unknown in the Southbound DB: it is the card serial of chassis hv2; Neutron writes the hostname: requested-chassis=hv2',
        },
        's-upper': {state: 'pending', reason: 'requested chassis HV2 is unknown in the Southbound DB: it is chassis hv2 in another case; OVN compares names exactly'},
      })
    } finally {
      await nbctl('lsp-del', 's-by-serial', '--', 'lsp-del', 's-upper')
      await run('ovs-vsctl', [`--db=${hv2.db}`, 'remove', 'Open_vSwitch', '.', 'external_ids', 'ovn-cms-options'])
    }
  })

  it('--watch redraws on a change and exits 0 on SIGTERM', async () => {
    await request('s-watch', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    const watcher = new CliProcess(['status', '--watch', '-f', 'json', '--db', hv1().db, '--nb-db', sandbox().nbDb, 's-ok', 's-watch'])
    watchers.push(watcher)
    await watcher.waitForLine(/"lport":"s-watch","state":"pending","reason":"not reconciled yet/)
    const from = watcher.lines.length
    await runCli(['reconcile', '--db', hv1().db])
    await watcher.waitForLine(/"lport":"s-watch","state":"plugged"/, {from})
    watcher.kill('SIGTERM')
    expect(await watcher.exited).toBe(0)
  })

  it('--watch shows a database outage and the time of its data, and clears it once the database is back', async () => {
    const table = new CliProcess(['status', '--watch', '--db', hv1().db, '--nb-db', sandbox().nbDb])
    const json = new CliProcess(['status', '--watch', '-f', 'json', '--db', hv1().db, '--nb-db', sandbox().nbDb])
    watchers.push(table, json)
    const asOf = await table.waitForLine(/^--- \S+, data as of \S+$/)
    await json.waitForLine(/"mode":"local"/)
    const updatedAt = /data as of (\S+)$/.exec(asOf)![1]!
    const [tableFrom, jsonFrom] = [table.lines.length, json.lines.length]

    await killSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    try {
      const down = await table.waitForLine(/DATABASE DOWN/, {from: tableFrom})
      expect(down).toMatch(new RegExp(`^--- \\S+: DATABASE DOWN, reconnecting: the Southbound DB since \\S+; the rows below are as of ${updatedAt.replaceAll('.', '\\.')} and may be stale$`))
      const line = await json.waitForLine(/"down":\[\{/, {from: jsonFrom})
      expect(JSON.parse(line)).toMatchObject({updatedAt: expect.any(String), down: [{database: 'Southbound DB', since: expect.any(String)}], mode: 'local'})
    } finally {
      await restartSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    }

    const back = table.lines.length
    await table.waitForLine(/^--- \S+, data as of \S+$/, {from: back})
    await json.waitForLine(/"down":\[\]/, {from: jsonFrom})
  })

  it('aligns its table by display width: a port named in wide characters takes two columns a character', async () => {
    // The built CLI measures such a cell with string-width, which it loads on the first cell that is not printable ASCII.
    await request('端口-wide', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    await nbctl('--wait=sb', 'sync')
    const table = await local('端口-wide')
    const [header, row] = table.stdout.split('\n')
    expect(row).toMatch(/^端口-wide +pending /)
    // 端口 is 2 characters in 4 columns: STATE starts 2 characters further left in the row than in the header.
    expect(row!.indexOf('pending')).toBe(header!.indexOf('STATE') - 2)
  })
})
