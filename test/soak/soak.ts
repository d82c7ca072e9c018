/**
 * The reconcile soak: `reconcile --watch` (two watchers, one lock) keeps a chassis with many
 * requested lports plugged while a driver keeps adding, moving and deleting lports, and faults
 * kill -9 the Southbound server, the local OVS server, ovn-northd or the active watcher, then
 * restart it. Invariants are checked continuously; after each fault the time to converge is
 * measured. Used by test/integration/reconcile/soak.test.ts (short profile) and by
 * `npm run soak` (long profile).
 */
import {readFile} from 'node:fs/promises'

import {type Monitor, OvsdbClient, type Row} from '../../src/ovsdb/index.js'
import {killSandboxDaemon, restartSandboxDaemon, type Sandbox} from '../../src/sandbox/sandbox.js'
import {CliProcess} from '../helpers/process.js'
import {seededRandom} from '../helpers/prng.js'

export interface SoakProfile {
  /** Lports requested for the chassis and never touched by the driver: they must never be unplugged. */
  stableLports: number
  /** Lports the driver adds, moves and deletes (at most this many at once). */
  churnLports: number
  faults: number
  /** How long the state may take to converge after a fault before the soak fails. */
  convergeBoundMs: number
}

export const SHORT_PROFILE: SoakProfile = {stableLports: 1000, churnLports: 100, faults: 8, convergeBoundMs: 30_000}
export const LONG_PROFILE: SoakProfile = {stableLports: 1000, churnLports: 200, faults: 50, convergeBoundMs: 30_000}

export type FaultKind = 'sb/ovsdb-server' | 'hv1/ovsdb-server' | 'northd/ovn-northd' | 'watcher'
const FAULT_KINDS: readonly FaultKind[] = ['sb/ovsdb-server', 'hv1/ovsdb-server', 'northd/ovn-northd', 'watcher']

export interface FaultRecord {
  kind: FaultKind
  convergeMs: number
}

export interface SoakResult {
  faults: FaultRecord[]
  driverOperations: number
  /** Every invariant violation seen (must be none). */
  violations: string[]
  /** VmRSS (MB) of the longest-lived watcher after each convergence it saw. */
  watcherRssMb: number[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function rssMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) / 1024 : undefined
}

function pluggedLports(monitor: Monitor): Map<string, string[]> {
  const byLport = new Map<string, string[]>()
  for (const row of monitor.replica.table('Interface').rows()) {
    const ids = row.external_ids as Record<string, string>
    if (ids['ovn-plugged'] === undefined || ids['iface-id'] === undefined) continue
    byLport.set(ids['iface-id'], [...(byLport.get(ids['iface-id']) ?? []), row.name as string])
  }

  return byLport
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }

  return items
}

const asArray = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : value === undefined ? [] : [value as string])

/** What a transaction cut in half would leave: an Interface in no Port, a Port on no bridge, a Port without Interface. */
function halfDone(monitor: Monitor): string[] {
  const problems: string[] = []
  const portsOnBridges = new Set([...monitor.replica.table('Bridge').rows()].flatMap((bridge) => asArray(bridge.ports)))
  const interfacesInPorts = new Set<string>()
  for (const port of monitor.replica.table('Port').rows()) {
    const interfaces = asArray(port.interfaces)
    for (const uuid of interfaces) interfacesInPorts.add(uuid)
    if (interfaces.length === 0) problems.push(`port ${String(port.name)} has no interface`)
    if (!portsOnBridges.has(port._uuid)) problems.push(`port ${String(port.name)} is on no bridge`)
  }

  for (const iface of monitor.replica.table('Interface').rows()) {
    if (!interfacesInPorts.has(iface._uuid)) problems.push(`interface ${String(iface.name)} is in no port`)
  }

  return problems
}

/** Lports NB asks to plug on hv1: what the plugged set must converge to. */
function requestedLports(nbMonitor: Monitor): Set<string> {
  const wanted = new Set<string>()
  for (const row of nbMonitor.replica.table('Logical_Switch_Port').rows()) {
    const options = row.options as Record<string, string>
    if (options['requested-chassis'] === 'hv1' && options['vif-plug-type'] === 'dummy') wanted.add(row.name as string)
  }

  return wanted
}

/** Adds, moves (requested-chassis hv1 <-> elsewhere) and deletes churn lports until stopped. */
function churnDriver(nb: OvsdbClient, nbMonitor: Monitor, rand: () => number, maxChurn: number): {start(): void; stop(): Promise<void>; operations(): number} {
  let operations = 0
  let serial = 0
  let running: Promise<void> | undefined
  let driving = false
  const step = async () => {
    const churn = [...nbMonitor.replica.table('Logical_Switch_Port').rows()].filter((row) => String(row.name).startsWith('churn'))
    const roll = rand()
    const op = nb.transaction()
    if (churn.length === 0 || (churn.length < maxChurn && roll < 0.5)) {
      const port = op.insert('Logical_Switch_Port', {name: `churn${serial++}`, options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}})
      op.mutate('Logical_Switch', [['name', '==', 'sw-churn']], [['ports', 'insert', [port]]])
    } else {
      const victim = churn[Math.floor(rand() * churn.length)]!
      if (roll < 0.75) {
        const moved = (victim.options as Record<string, string>)['requested-chassis'] === 'hv1' ? 'elsewhere' : 'hv1'
        op.mutate('Logical_Switch_Port', [['_uuid', '==', victim._uuid]], [['options', 'delete', ['requested-chassis']], ['options', 'insert', {'requested-chassis': moved}]])
      } else {
        op.mutate('Logical_Switch', [['name', '==', 'sw-churn']], [['ports', 'delete', [victim._uuid]]])
      }
    }

    await op.commit()
    operations++
  }

  return {
    start() {
      driving = true
      running = (async () => {
        while (driving) {
          await step()
          await sleep(5 + rand() * 20)
        }
      })()
    },
    async stop() {
      driving = false
      await running
    },
    operations: () => operations,
  }
}

export async function runSoak(sandbox: Sandbox, profile: SoakProfile, seed = 1, log: (line: string) => void = () => {}): Promise<SoakResult> {
  const rand = seededRandom(seed)
  const hv1 = sandbox.chassis[0]!
  const violations: string[] = []
  const faults: FaultRecord[] = []
  const watcherRss = new Map<CliProcess, number[]>()
  const nb = await OvsdbClient.connect(sandbox.nbDb, {database: 'OVN_Northbound', reconnect: true, timeoutMs: 30_000})
  const ovs = await OvsdbClient.connect(hv1.db, {database: 'Open_vSwitch', reconnect: {minBackoffMs: 20, maxBackoffMs: 200}, timeoutMs: 30_000})
  const watchers: CliProcess[] = []
  const startWatcher = () => {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1.db, '--log-format', 'json'])
    watchers.push(watcher)
    watcherRss.set(watcher, [])
    return watcher
  }

  try {
    // The stable lports, in one NB transaction.
    const tx = nb.transaction()
    const stable = Array.from({length: profile.stableLports}, (_, index) =>
      tx.insert('Logical_Switch_Port', {name: `stable${index}`, options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}}),
    )
    tx.insert('Logical_Switch', {name: 'sw-stable', ports: stable})
    tx.insert('Logical_Switch', {name: 'sw-churn'})
    await tx.commit()
    const nbMonitor = await nb.monitor({Logical_Switch_Port: {columns: ['name', 'options']}})
    const ovsMonitor = await ovs.monitor({
      Interface: {columns: ['name', 'external_ids']},
      Port: {columns: ['name', 'interfaces']},
      Bridge: {columns: ['name', 'ports']},
    })

    // Invariants on every OVS change: stable lports are never unplugged; no lport has two interfaces.
    let stablePlugged = false
    ovsMonitor.on('change', ({kind, old}) => {
      const lport = ((old as Row | undefined)?.external_ids as Record<string, string> | undefined)?.['iface-id']
      if (stablePlugged && kind === 'delete' && lport?.startsWith('stable')) violations.push(`stable lport ${lport}'s interface was removed`)
    })
    ovsMonitor.on('change', () => {
      for (const [lport, names] of pluggedLports(ovsMonitor)) {
        if (names.length > 1) violations.push(`lport ${lport} has ${names.length} interfaces: ${names.join(', ')}`)
      }
    })

    startWatcher()
    startWatcher()
    const converged = async (what: string): Promise<number> => {
      const started = performance.now()
      for (;;) {
        const wanted = requestedLports(nbMonitor)
        const plugged = pluggedLports(ovsMonitor)
        if (nbMonitor.isComplete && ovsMonitor.isComplete && wanted.size === plugged.size && [...wanted].every((lport) => plugged.has(lport))) {
          return performance.now() - started
        }

        if (performance.now() - started > profile.convergeBoundMs) {
          const missing = [...wanted].filter((lport) => !plugged.has(lport))
          const extra = [...plugged.keys()].filter((lport) => !wanted.has(lport))
          throw new Error(`${what}: not converged within ${profile.convergeBoundMs} ms (missing ${missing.slice(0, 5).join(',')}…${missing.length}, extra ${extra.slice(0, 5).join(',')}…${extra.length})`)
        }

        await sleep(20)
      }
    }

    const initialMs = await converged('initial plug')
    stablePlugged = true
    log(`initial: ${profile.stableLports} stable lports plugged in ${initialMs.toFixed(0)} ms`)

    const driver = churnDriver(nb, nbMonitor, rand, profile.churnLports)
    driver.start()
    // Random order, but every kind in each round of four, so even the short profile hits them all.
    const kinds = Array.from({length: Math.ceil(profile.faults / FAULT_KINDS.length)}, () => shuffle([...FAULT_KINDS], rand)).flat()
    for (let index = 0; index < profile.faults; index++) {
      const kind = kinds[index]!
      await sleep(200 + rand() * 800)
      if (kind === 'watcher') {
        // The active one (holding the lock), so the other has to take over.
        const active = watchers.find((watcher) => watcher.lines.some((line) => line.includes('acquired the'))) ?? watchers[0]!
        active.kill('SIGKILL')
        await active.exited
        watchers.splice(watchers.indexOf(active), 1)
        await sleep(100 + rand() * 400)
        startWatcher()
      } else {
        await killSandboxDaemon(sandbox, kind)
        await sleep(100 + rand() * 400)
        await restartSandboxDaemon(sandbox, kind)
      }

      // Pause the churn, so that "converged" means caught up with a wanted state that holds still.
      await driver.stop()
      const convergeMs = await converged(`after fault ${index + 1} (${kind})`)
      faults.push({kind, convergeMs})
      violations.push(...halfDone(ovsMonitor).map((problem) => `after fault ${index + 1} (${kind}): ${problem}`))
      for (const watcher of watchers) {
        const rss = await rssMb(watcher.pid)
        if (rss !== undefined) watcherRss.get(watcher)!.push(rss)
      }

      log(`fault ${index + 1}/${profile.faults}: ${kind}, converged in ${convergeMs.toFixed(0)} ms`)
      driver.start()
    }

    await driver.stop()
    const longest = [...watcherRss.values()].sort((a, b) => b.length - a.length)[0] ?? []
    return {faults, driverOperations: driver.operations(), violations, watcherRssMb: longest}
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.stop()))
    await Promise.allSettled([nb.close(), ovs.close()])
  }
}
