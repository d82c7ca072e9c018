import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readCommits} from '../../../bench/reconcile/commit-log.js'
import {type Monitor, OvsdbClient} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {eventually, listRows, waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

const PORTS = 200
/** The definition of settled: neither plugger writes the bridge for this long. */
const QUIET_MS = 10_000
/** How long a phase may take to settle before the test calls it flapping. */
const SETTLE_DEADLINE_MS = 90_000
/** How ovsdb-server words a transaction that breaks the unique index on Interface.name, as both pluggers log it. */
const CONSTRAINT_VIOLATION = /constraint violation|identical values/i

/**
 * Every change to the rows a plugger writes on br-int, as the local ovsdb-server tells a
 * monitor: the test's clock for "nobody writes any more". Only the columns ovs-vswitchd keeps
 * up to date (ofport, mtu, statistics, ...) are left out; external_ids stays in, so a plugger
 * rewriting the other's ids, or ovn-controller's ovn-installed, would show.
 */
class BridgeWrites {
  private lastChangeAt = Date.now()
  private changes = 0
  private readonly wakers = new Set<() => void>()

  private constructor(private readonly monitor: Monitor) {
    monitor.on('change', () => {
      this.changes++
      this.lastChangeAt = Date.now()
      for (const wake of this.wakers) wake()
    })
  }

  static async open(client: OvsdbClient): Promise<BridgeWrites> {
    return new BridgeWrites(
      await client.monitor({
        Bridge: {columns: ['name', 'ports']},
        Port: {columns: ['name', 'interfaces', 'external_ids']},
        Interface: {columns: ['name', 'type', 'options', 'mtu_request', 'external_ids']},
      }),
    )
  }

  /**
   * Resolves once the monitor has seen no change for QUIET_MS; fails after SETTLE_DEADLINE_MS
   * of changes that keep coming, with their count. Every update resets the wait, so this
   * follows what the server reports rather than assuming that a pause means nothing happened.
   */
  async quiet(): Promise<void> {
    const deadline = Date.now() + SETTLE_DEADLINE_MS
    const startCount = this.changes
    for (;;) {
      const quietFor = Date.now() - this.lastChangeAt
      if (quietFor >= QUIET_MS) return
      if (Date.now() > deadline) throw new Error(`the bridge never stayed unchanged for ${QUIET_MS / 1000} s: ${this.changes - startCount} changes in ${SETTLE_DEADLINE_MS / 1000} s`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, QUIET_MS - quietFor)
        function done() {
          clearTimeout(timer)
          resolve()
        }

        this.wakers.add(done)
      }).finally(() => this.wakers.clear())
    }
  }

  cancel(): Promise<void> {
    return this.monitor.cancel()
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** The constraint-violation lines that occur more than once, row uuids taken off: the same name refused again. */
function repeated(lines: readonly string[]): string[] {
  const violations = lines.filter((line) => CONSTRAINT_VIOLATION.test(line)).map((line) => line.replaceAll(UUID, 'UUID'))
  return [...new Set(violations.filter((line, index) => violations.indexOf(line) !== index))]
}

describe('reconcile --watch next to ovn-controller --enable-dummy-vif-plug, both plugging type dummy on one chassis', () => {
  const sandbox = useSandbox({chassis: ['hv1'], controllerVifPlug: true})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const lports = Array.from({length: PORTS}, (_, index) => `co${index}`)
  let watcher: CliProcess
  let ovs: OvsdbClient
  let writes: BridgeWrites
  let startedAt: number

  beforeAll(async () => {
    startedAt = Date.now()
    ovs = await OvsdbClient.connect(hv1().db, {database: 'Open_vSwitch'})
    writes = await BridgeWrites.open(ovs)
    watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--provider', 'dummy', '--log-format', 'json'])
    await watcher.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
  }, 60_000)

  afterAll(async () => {
    await watcher?.stop()
    await writes?.cancel().catch(() => undefined)
    await ovs?.close()
  })

  async function pluggedRows() {
    const interfaces = (await listRows('ovs-vsctl', hv1().db, 'Interface', ['_uuid', 'name', 'type', 'options', 'mtu_request', 'external_ids'])).filter((row) =>
      String(row.name).startsWith('co'),
    )
    const ports = (await listRows('ovs-vsctl', hv1().db, 'Port', ['name', 'interfaces'])).filter((row) => String(row.name).startsWith('co'))
    return {interfaces, ports}
  }

  /** One Interface per lport, in its own Port of the same name, built as ovn-controller's dummy provider builds it. */
  async function expectOneInterfacePerLport(mtu: number) {
    const {interfaces, ports} = await pluggedRows()
    const byLport = new Map<string, typeof interfaces>()
    for (const row of interfaces) {
      const lport = String((row.external_ids as Record<string, string>)['iface-id'])
      byLport.set(lport, [...(byLport.get(lport) ?? []), row])
    }

    expect([...byLport.keys()].sort()).toEqual([...lports].sort())
    for (const [lport, rows] of byLport) {
      expect(rows, lport).toHaveLength(1)
      const {'ovn-installed': _installed, 'ovn-installed-ts': _installedAt, ...ids} = rows[0]!.external_ids as Record<string, string>
      expect({name: rows[0]!.name, type: rows[0]!.type, options: rows[0]!.options, mtu_request: rows[0]!.mtu_request, external_ids: ids}).toEqual({
        name: lport,
        type: 'internal',
        options: {'vif-plug-dummy-option': 'value'},
        mtu_request: mtu,
        external_ids: {'iface-id': lport, 'ovn-plugged': 'dummy'},
      })
    }

    expect(ports.map((port) => [port.name, port.interfaces]).sort()).toEqual(interfaces.map((row) => [row.name, row._uuid]).sort())
  }

  it(`plugs ${PORTS} ports, follows an MTU change and unplugs them all: one interface per lport, as ovn-controller builds it, settled after each change`, async () => {
    const lsps = lports.flatMap((lport) => [
      '--', 'lsp-add', 'sw-co', lport,
      '--', 'set', 'Logical_Switch_Port', lport, 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy', 'options:vif-plug-mtu-request=1500',
    ])
    await nbctl('ls-add', 'sw-co', ...lsps)
    await waitForPluggedInterfaces(hv1().db, 'co', lports, 60_000)
    await expectOneInterfacePerLport(1500)

    await nbctl(...lports.flatMap((lport) => ['--', 'set', 'Logical_Switch_Port', lport, 'options:vif-plug-mtu-request=1400']))
    await eventually(`every interface's mtu_request to be 1400`, async () => ((await pluggedRows()).interfaces.every((row) => row.mtu_request === 1400) ? true : undefined), 60_000)
    await writes.quiet()
    await expectOneInterfacePerLport(1400)

    await nbctl('ls-del', 'sw-co')
    await waitForPluggedInterfaces(hv1().db, 'co', [], 60_000)
    await writes.quiet()
    expect(await pluggedRows()).toEqual({interfaces: [], ports: []})

    // The local server's own record of what was committed: each Interface created once and
    // removed once, whoever did it; a plugger undoing the other's work would add to either count.
    const commits = await readCommits(path.join(hv1().dir, 'conf.db'), startedAt)
    const count = (change: 'inserted' | 'deleted') => commits.reduce((sum, commit) => sum + (commit[change].get('Interface') ?? 0), 0)
    expect({inserted: count('inserted'), deleted: count('deleted')}).toEqual({inserted: PORTS, deleted: PORTS})

    // Which of the two plugs a port is a race, and either may lose a first insert to the other
    // (the unique index on Interface.name); the same error again would be a plugger stuck on it.
    const controllerLog = await readFile(path.join(hv1().dir, 'ovn-controller.log'), 'utf8')
    expect(repeated(controllerLog.split('\n').map((line) => line.replace(/^[^|]*\|\d+\|/, '')))).toEqual([])
    expect(repeated(watcher.lines.map((line) => line.replace(/"time":"[^"]*",/, '')))).toEqual([])
  }, 240_000)
})
