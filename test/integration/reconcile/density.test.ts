/**
 * SF representors at density, against real servers: a generated devlink dump of 2 PFs with
 * 2,000 host SFs each, 4,000 lports requested on one chassis. The netdevs do not exist; the
 * dummy datapath takes the rows all the same.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readCommits} from '../../../bench/reconcile/commit-log.js'
import {OvsdbClient, type Row} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon, restartSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {DevlinkStandIn} from '../../helpers/devlink-stand-in.js'
import {eventually, listRows} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {makeTestDir, useSandbox} from '../../helpers/sandbox.js'
import {type GeneratedSf, generateSfDump, sfNetdev} from '../../helpers/sf-dump.js'

/** ovn-controller 23.03 claims ports much faster spread over switches of 100 than on one switch. */
const SWITCH_SIZE = 100
/** Long waits: 4,000 interfaces keep ovs-vswitchd and ovn-controller busy on a shared two-core machine. */
const DENSITY_WAIT_MS = 240_000
const DENSITY_TEST_MS = 600_000

const lportOf = (sf: Pick<GeneratedSf, 'pf' | 'sfnum'>) => `sf-${sf.pf}-${sf.sfnum}`
const switchOf = (sf: Pick<GeneratedSf, 'pf' | 'sfnum'>) => `ls-sf-${sf.pf}-${Math.floor(sf.sfnum / SWITCH_SIZE)}`

/** A plug --from-file CSV: one line per lport, the SF it asks for. */
function requestFile(requests: ReadonlyArray<{lport: string; sf: GeneratedSf}>): string {
  return ['lsp,pf-mac,sf-num', ...requests.map(({lport, sf}) => `${lport},${sf.pfMac},${sf.sfnum}`)].join('\n') + '\n'
}

interface PluggedInterface {
  uuid: string
  name: string
  lport: string
}

describe('SF representors at density: 2 PFs x 2,000 host SFs, 4,000 lports on one chassis', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const dump = generateSfDump()
  const requests = dump.sfs.map((sf) => ({lport: lportOf(sf), sf}))
  let work: string
  let dumpFile: string
  let sysfsRoot: string
  let nb: OvsdbClient
  /** The interfaces the first test plugged; the later tests start from that chassis. */
  let plugged: PluggedInterface[] = []

  beforeAll(async () => {
    work = await makeTestDir('density-')
    dumpFile = path.join(work, 'devlink.json')
    await writeFile(dumpFile, dump.json)
    // The netdevs do not exist: an empty sysfs, so nothing of this machine's /sys is read.
    sysfsRoot = path.join(work, 'sys')
    await mkdir(sysfsRoot)
    nb = await OvsdbClient.connect(sandbox().nbDb, {database: 'OVN_Northbound', timeoutMs: 60_000})
  })
  afterAll(async () => {
    await nb?.close()
  })

  /** Creates the lports (no options yet) in one NB transaction, on switches of SWITCH_SIZE. */
  async function createLports(sfs: readonly GeneratedSf[]): Promise<void> {
    const tx = nb.transaction()
    for (const [name, members] of Map.groupBy(sfs, switchOf)) {
      tx.insert('Logical_Switch', {name, ports: members.map((sf) => tx.insert('Logical_Switch_Port', {name: lportOf(sf)}))})
    }

    await tx.commit()
  }

  async function plugFromFile(name: string, lines: ReadonlyArray<{lport: string; sf: GeneratedSf}>): Promise<void> {
    const file = path.join(work, name)
    await writeFile(file, requestFile(lines))
    const result = await runCli(['plug', '--nb-db', sandbox().nbDb, '--sb-db', sandbox().sbDb, '--from-file', file, '--chassis', 'hv1', '--type', 'representor', '--wait', 'sb', '--json'], {timeoutMs: 120_000})
    expect(result.exitCode, result.stdout + result.stderr).toBe(0)
    expect(result.stderr).toBe('')
  }

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args], {timeoutMs: 120_000})
  const reconcile = () => runCli(['reconcile', '--db', hv1().db, '--devlink-json', dumpFile, '--sysfs-root', sysfsRoot, '--json'], {timeoutMs: 120_000})

  /** The representors OVN plugged on hv1 (not the fault test's dummy probes), by the independent ovs-vsctl. */
  async function pluggedInterfaces(): Promise<PluggedInterface[]> {
    const rows = await listRows('ovs-vsctl', hv1().db, 'Interface', ['_uuid', 'name', 'external_ids'])
    return rows
      .filter((row) => (row.external_ids as Record<string, string>)['ovn-plugged'] === 'representor')
      .map((row) => ({uuid: String(row._uuid), name: String(row.name), lport: (row.external_ids as Record<string, string>)['iface-id']!}))
  }

  const namesByLport = (interfaces: readonly PluggedInterface[]) => new Map(interfaces.map((iface) => [iface.lport, iface.name]))
  const expectedNames = (lines: ReadonlyArray<{lport: string; sf: GeneratedSf}>) => new Map(lines.map(({lport, sf}) => [lport, sf.netdev]))

  async function statusOf(env: NodeJS.ProcessEnv = {}, sources: string[] = []): Promise<{rows: Array<{lport: string; state: string; reason: string; interface?: string}>; counts: Record<string, number>}> {
    const result = await runCli(['status', '--db', hv1().db, '--json', ...sources], {env, timeoutMs: 120_000})
    return JSON.parse(result.stdout) as {rows: Array<{lport: string; state: string; reason: string; interface?: string}>; counts: Record<string, number>}
  }

  /** Waits until ovn-controller has claimed these lports for hv1, as the Southbound DB says. */
  async function claimedByHv1(lports: ReadonlySet<string>): Promise<void> {
    const sb = await OvsdbClient.connect(sandbox().sbDb, {database: 'OVN_Southbound', timeoutMs: 60_000})
    try {
      const monitor = await sb.monitor({Chassis: {columns: ['name']}, Port_Binding: {columns: ['logical_port', 'chassis']}})
      await eventually(`ovn-controller to claim ${lports.size} lports`, async () => {
        const chassis = [...monitor.replica.table('Chassis').rows()].find((row) => row.name === 'hv1')
        const claimed = [...monitor.replica.table('Port_Binding').rows()].filter((row) => lports.has(row.logical_port as string) && row.chassis === chassis?._uuid)
        return claimed.length === lports.size ? true : undefined
      }, DENSITY_WAIT_MS)
    } finally {
      await sb.close()
    }
  }

  it(
    'plug --from-file requests 4,000 SF lports; one reconcile plugs them in one transaction; status reports them plugged once claimed',
    async () => {
      await createLports(dump.sfs)
      await plugFromFile('all.csv', requests)

      const conf = path.join(hv1().dir, 'conf.db')
      const plugSince = Date.now()
      const first = await reconcile()
      expect(first.exitCode, first.stderr).toBe(0)
      const created = (JSON.parse(first.stdout) as {entries: Array<{result: string}>}).entries.filter((entry) => entry.result === 'created')
      expect(created).toHaveLength(4000)
      // The local DB's own record of its transactions: one commit inserted every Interface.
      const inserting = (await readCommits(conf, plugSince)).filter((commit) => (commit.inserted.get('Interface') ?? 0) > 0)
      expect(inserting.map((commit) => commit.inserted.get('Interface'))).toEqual([4000])
      plugged = await pluggedInterfaces()
      expect(namesByLport(plugged)).toEqual(expectedNames(requests))

      await claimedByHv1(new Set(requests.map(({lport}) => lport)))
      const status = await statusOf({}, ['--devlink-json', dumpFile, '--sysfs-root', sysfsRoot])
      expect(status.counts).toMatchObject({plugged: 4000, pending: 0, orphaned: 0, conflict: 0})
    },
    DENSITY_TEST_MS,
  )

  it(
    'with 4,000 plugged, reconcile --watch keeps every valid interface through SB and local server crashes, 30 s of devlink failure and a vanished PF, and converges',
    async () => {
      // From the chassis the first test left: 4,000 plugged and claimed.
      const wanted = expectedNames(requests)

      const standInDir = path.join(work, 'devlink-stand-in')
      await mkdir(standInDir)
      const devlink = await DevlinkStandIn.create(standInDir)
      await devlink.serve(dump.json, 'full')
      const ovs = await OvsdbClient.connect(hv1().db, {database: 'Open_vSwitch', reconnect: {minBackoffMs: 20, maxBackoffMs: 200}, timeoutMs: 60_000})
      let watcher: CliProcess | undefined
      try {
        const monitor = await ovs.monitor({Interface: {columns: ['name', 'external_ids']}})
        const pluggedNames = () => {
          const names = new Map<string, string>()
          for (const row of monitor.replica.table('Interface').rows()) {
            const ids = row.external_ids as Record<string, string>
            if (ids['ovn-plugged'] === 'representor' && ids['iface-id'] !== undefined) names.set(ids['iface-id'], row.name as string)
          }

          return names
        }

        // Valid: the interface an lport asks for. Watched continuously, from before the watcher plugs them.
        const removedValid: string[] = []
        monitor.on('change', ({kind, old}) => {
          const ids = (old as Row | undefined)?.external_ids as Record<string, string> | undefined
          const lport = ids?.['iface-id']
          if (kind === 'delete' && lport !== undefined && wanted.get(lport) === (old as Row).name) removedValid.push(`${lport} (${String((old as Row).name)})`)
        })
        const active = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--sysfs-root', sysfsRoot, '--log-format', 'json'], devlink.env())
        watcher = active
        const converged = (what: string) =>
          eventually(`${what}: all 4,000 plugged as requested`, async () => {
            const names = pluggedNames()
            return names.size === wanted.size && [...wanted].every(([lport, name]) => names.get(lport) === name) ? true : undefined
          }, DENSITY_WAIT_MS)
        // Connected to both databases and holding the lock: from here on, a lost server is one it reconnects to.
        await active.waitForLine(/acquired the/, {timeoutMs: 60_000})
        await converged('the watcher')

        let probes = 0
        /** A dummy lport requested on hv1, plugged only by a watcher whose passes work: the proof that one ran after a fault. */
        const probePass = async (what: string) => {
          const lport = `probe-${++probes}`
          await nbctl('--may-exist', 'ls-add', 'ls-probe', '--', 'lsp-add', 'ls-probe', lport, '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
          await eventually(`${what}: a pass to plug ${lport}`, async () => ([...monitor.replica.table('Interface').rows()].some((row) => row.name === lport) ? true : undefined), DENSITY_WAIT_MS)
        }

        /** kill -9 a server; while it is down a local change (an interface OVN does not own) asks the watcher for a pass. */
        const crash = async (daemon: string, lost: RegExp, back: RegExp) => {
          const from = active.lines.length
          await killSandboxDaemon(sandbox(), daemon)
          await active.waitForLine(lost, {from, timeoutMs: 60_000})
          if (daemon === 'sb/ovsdb-server') await run('ovs-vsctl', [`--db=${hv1().db}`, '--no-wait', 'add-port', 'br-int', `stray-${probes}`])
          await restartSandboxDaemon(sandbox(), daemon)
          await active.waitForLine(back, {from, timeoutMs: 60_000})
          await probePass(`after ${daemon} restarted`)
          await converged(`after ${daemon} restarted`)
        }

        await crash('sb/ovsdb-server', /lost the Southbound DB/, /connected to the Southbound DB/)
        await crash('hv1/ovsdb-server', /lost the local Open_vSwitch DB/, /acquired the/)

        // devlink fails for 30 s: every read fails, passes go on with the last table read.
        const failedFrom = Date.now()
        await devlink.fail()
        const firstFailure = await devlink.waitForCall('a failed read', failedFrom, (call) => call.served === undefined)
        await probePass('with devlink failing')
        await devlink.waitForCall('a failed read 30 s after the first', firstFailure.atMs + 30_000, (call) => call.served === undefined, 60_000)

        // Then a readable table without PF 1: its 2,000 lports are pending, their interfaces kept.
        const pf1 = requests.filter(({sf}) => sf.pf === 1)
        const missingFrom = active.lines.length
        await devlink.serve(generateSfDump({withoutPf: 1}).json, 'without-pf1')
        await devlink.waitForCall('the table without PF 1', failedFrom, (call) => call.served === 'without-pf1')
        await eventually('the watcher to report PF 1\'s lports pending', async () => {
          const pending = active.lines.slice(missingFrom).filter((line) => line.includes('"result":"pending"') && line.includes(dump.pfMacs[1]!))
          return pending.length >= pf1.length ? true : undefined
        }, DENSITY_WAIT_MS)
        const status = await statusOf(devlink.env(), ['--sysfs-root', sysfsRoot])
        const pf1Rows = status.rows.filter((row) => row.lport.startsWith('sf-1-'))
        expect(pf1Rows).toHaveLength(2000)
        expect(pf1Rows.filter((row) => row.interface !== sfNetdev(1, Number(row.lport.split('-')[2])) || !row.reason.includes(`no PF representor for pf-mac ${dump.pfMacs[1]}`))).toEqual([])
        // PF 0's lports keep their interfaces, and nothing is said against them.
        const pf0Rows = status.rows.filter((row) => row.lport.startsWith('sf-0-'))
        expect(pf0Rows.filter((row) => row.interface !== sfNetdev(0, Number(row.lport.split('-')[2])) || row.reason.includes('no PF representor'))).toEqual([])
        expect(pluggedNames()).toEqual(wanted)

        // The whole table again: everything converges.
        await devlink.serve(dump.json, 'full-again')
        await devlink.waitForCall('the whole table again', failedFrom, (call) => call.served === 'full-again')
        await probePass('with the whole table again')
        await converged('with the whole table again')
        await eventually('status to report 4,000 plugged', async () => {
          const again = await statusOf(devlink.env(), ['--sysfs-root', sysfsRoot])
          return again.rows.filter((row) => row.lport.startsWith('sf-') && row.state === 'plugged').length === 4000 ? true : undefined
        }, DENSITY_WAIT_MS)
        expect(removedValid).toEqual([])
      } finally {
        await watcher?.stop()
        await ovs.close()
      }
    },
    DENSITY_TEST_MS,
  )

  it(
    'deleting 2,000 lports unplugs exactly those; moving 100 to another SF replaces exactly those',
    async () => {
      // Delete every odd SF's lport (1,000 per PF) in one NB transaction: exactly those are unplugged.
      const deleted = requests.filter(({sf}) => sf.sfnum % 2 === 1)
      const kept = requests.filter(({sf}) => sf.sfnum % 2 === 0)
      await nbctl('--wait=sb', ...deleted.flatMap(({lport}) => ['--', 'lsp-del', lport]))
      const second = await reconcile()
      expect(second.exitCode, second.stderr).toBe(0)
      const afterDelete = await pluggedInterfaces()
      expect(namesByLport(afterDelete)).toEqual(expectedNames(kept))
      // The survivors are the very rows they were: not recreated.
      const uuidOf = new Map(plugged.map((iface) => [iface.lport, iface.uuid]))
      expect(afterDelete.filter((iface) => iface.uuid !== uuidOf.get(iface.lport))).toEqual([])

      // Move 100 lports (50 per PF) to the SF after theirs, freed by the delete: exactly those are replaced.
      const moved = kept.filter(({sf}) => sf.sfnum < 100).map(({lport, sf}) => ({lport, sf: dump.sfs.find((other) => other.pf === sf.pf && other.sfnum === sf.sfnum + 1)!}))
      expect(moved).toHaveLength(100)
      await plugFromFile('moved.csv', moved)
      const third = await reconcile()
      expect(third.exitCode, third.stderr).toBe(0)
      const replaced = (JSON.parse(third.stdout) as {entries: Array<{lport: string; result: string}>}).entries.filter((entry) => entry.result !== 'unchanged')
      expect(replaced.map((entry) => entry.result)).toEqual(Array(100).fill('replaced'))
      const afterMove = await pluggedInterfaces()
      const movedLports = new Set(moved.map(({lport}) => lport))
      expect(namesByLport(afterMove)).toEqual(new Map([...expectedNames(kept), ...expectedNames(moved)]))
      expect(afterMove.filter((iface) => !movedLports.has(iface.lport) && iface.uuid !== uuidOf.get(iface.lport))).toEqual([])
      expect(afterMove.filter((iface) => movedLports.has(iface.lport) && iface.uuid === uuidOf.get(iface.lport))).toEqual([])
    },
    DENSITY_TEST_MS,
  )
})
