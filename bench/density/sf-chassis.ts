/**
 * What the SF density benches share (bench/density, bench/oneshot): one sandbox chassis, hv1,
 * asked for one lport per SF of a generated devlink dump, with ovs-vswitchd and ovn-controller
 * stopped (adding thousands of dummy ports takes ovs-vswitchd minutes on two shared cores), so
 * the local server only stores the rows; and the one-shot `reconcile` and the local server's own
 * time for the same transaction, timed on it.
 */
import {execFile} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {OvsdbClient} from '../../src/ovsdb/index.js'
import {loadProviders} from '../../src/providers/registry.js'
import {addPlanToTransaction} from '../../src/reconcile/apply.js'
import {IFACE_ID, OVN_PLUGGED} from '../../src/ovn/keys.js'
import type {PlanAction} from '../../src/reconcile/plan.js'
import {Reconciler} from '../../src/reconcile/reconciler.js'
import {run} from '../../src/sandbox/daemon.js'
import {killSandboxDaemon, type Sandbox, startSandbox} from '../../src/sandbox/sandbox.js'
import type {SfDump} from '../../test/helpers/sf-dump.js'
import {readCommits} from '../reconcile/commit-log.js'

/** ovn-controller 23.03 settles far sooner with the ports spread over switches of 100 (bench/RESULTS.md, status). */
const PORTS_PER_SWITCH = 100
export const WAIT_MS = 600_000
const DATAPATH_DAEMONS = ['ovs-vswitchd', 'ovn-controller'] as const

export const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Wall time of one run of a program to its end (a non-zero exit, say status with pending ports, still counts). */
export function timeProgram(file: string, args: readonly string[]): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(file, args, {maxBuffer: 256 * 1024 * 1024}, (error) => {
      if (error && typeof error.code !== 'number') reject(error)
      else resolve(performance.now() - started)
    })
  })
}

export interface SfChassis {
  dump: SfDump
  sandbox: Sandbox
  /** A client of hv1's local Open_vSwitch DB, connected for the whole bench. */
  ovs: OvsdbClient
  dumpFile: string
  sysfsRoot: string
}

/** The flags that point the representor provider at the dump and at an empty sysfs. */
export const representorSource = (chassis: SfChassis) => ['--devlink-json', chassis.dumpFile, '--sysfs-root', chassis.sysfsRoot]

/** Writes the dump and an empty sysfs (the netdevs do not exist here, and this machine's /sys is not to be read) into dir. */
export async function writeSfSource(dir: string, dump: SfDump): Promise<{dumpFile: string; sysfsRoot: string}> {
  const dumpFile = path.join(dir, 'devlink.json')
  const sysfsRoot = path.join(dir, 'sys')
  await writeFile(dumpFile, dump.json)
  await mkdir(sysfsRoot)
  return {dumpFile, sysfsRoot}
}

/**
 * Starts a sandbox in dir/sandbox with chassis hv1, stops its datapath daemons and requests one
 * lport per SF of the dump (written by writeSfSource) on hv1, on switches of 100, in one NB
 * transaction. Stop it with stopSandbox(dir/sandbox) after closing the chassis's ovs client.
 */
export async function startSfChassis(dir: string, dump: SfDump, source: {dumpFile: string; sysfsRoot: string}): Promise<SfChassis> {
  const sandbox = await startSandbox({dir: path.join(dir, 'sandbox'), chassis: ['hv1']})
  const hv1 = sandbox.chassis[0]!
  for (const daemon of DATAPATH_DAEMONS) await killSandboxDaemon(sandbox, `${hv1.name}/${daemon}`)
  const nb = await OvsdbClient.connect(sandbox.nbDb, {database: 'OVN_Northbound', timeoutMs: WAIT_MS})
  try {
    const tx = nb.transaction()
    for (let start = 0; start < dump.sfs.length; start += PORTS_PER_SWITCH) {
      const ports = dump.sfs.slice(start, start + PORTS_PER_SWITCH).map((sf) =>
        tx.insert('Logical_Switch_Port', {
          name: `sf-${sf.pf}-${sf.sfnum}`,
          options: {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': sf.pfMac, 'vif-plug:representor:sf-num': String(sf.sfnum)},
        }),
      )
      tx.insert('Logical_Switch', {name: `ls-${start / PORTS_PER_SWITCH}`, ports})
    }

    await tx.commit()
  } finally {
    await nb.close()
  }

  await run('ovn-nbctl', [`--db=${sandbox.nbDb}`, '--timeout=600', '--wait=sb', 'sync'], {timeoutMs: WAIT_MS})
  const ovs = await OvsdbClient.connect(hv1.db, {database: 'Open_vSwitch', timeoutMs: WAIT_MS})
  return {dump, sandbox, ovs, ...source}
}

/** A dry-run Reconciler of hv1, as the CLI opens it, with the representor provider reading the dump; closed after `use`. */
async function withDryRunReconciler<T>(chassis: SfChassis, use: (reconciler: Reconciler) => Promise<T>): Promise<T> {
  const providers = await loadProviders({only: ['representor'], representor: {devlinkJson: chassis.dump.json, sysfsRoot: chassis.sysfsRoot}})
  const settings = {nbDb: chassis.sandbox.nbDb, sbDbFlag: chassis.sandbox.sbDb, ovsDb: chassis.sandbox.chassis[0]!.db, timeoutMs: WAIT_MS, leaderOnly: false}
  const reconciler = await Reconciler.open({settings, providers, replace: true, dryRun: true, watch: false})
  try {
    await reconciler.whenComplete(settings.timeoutMs)
    return await use(reconciler)
  } finally {
    await Promise.all([reconciler.close(), providers.destroy()])
  }
}

/** Unplugs every plugged interface in one transaction, as a pass would. */
export function unplugAll(chassis: SfChassis): Promise<void> {
  return withDryRunReconciler(chassis, async (reader) => {
    const view = reader.view()
    const removals: PlanAction[] = view.interfaces
      .filter((iface) => iface.externalIds[OVN_PLUGGED] !== undefined)
      .map((current) => ({kind: 'remove', lport: current.externalIds[IFACE_ID]!, current}))
    const tx = chassis.ovs.transaction()
    addPlanToTransaction(tx, removals, {bridgeUuid: view.bridgeUuid})
    await tx.commit()
  })
}

/**
 * The local server alone: the one-shot's transaction, planned as the CLI plans it (a dry-run
 * pass), sent by the client already connected; the time from sending to the server's answer.
 * Leaves every lport plugged.
 */
export async function serverTimeMs(chassis: SfChassis): Promise<number> {
  const {actions, bridgeUuid} = await withDryRunReconciler(chassis, async (planner) => ({actions: (await planner.pass()).plan.actions, bridgeUuid: planner.view().bridgeUuid}))
  const lports = chassis.dump.sfs.length
  if (actions.length !== lports) throw new Error(`the plan has ${actions.length} actions, expected ${lports} creations`)
  const tx = chassis.ovs.transaction()
  addPlanToTransaction(tx, actions, {bridgeUuid})
  const started = performance.now()
  await tx.commit()
  return performance.now() - started
}

/**
 * One-shot reconcile from a cold start, by the CLI at `cli` (a bin/run.cjs) on this bench's
 * runtime; checks from the local DB's records that it plugged all in one transaction.
 */
export async function oneShotMs(chassis: SfChassis, cli: string): Promise<number> {
  const hv1 = chassis.sandbox.chassis[0]!
  const since = Date.now()
  const wallMs = await timeProgram(process.execPath, [cli, 'reconcile', '--db', hv1.db, ...representorSource(chassis)])
  const inserting = (await readCommits(path.join(hv1.dir, 'conf.db'), since)).filter((commit) => (commit.inserted.get('Interface') ?? 0) > 0)
  const counts = inserting.map((commit) => commit.inserted.get('Interface'))
  const lports = chassis.dump.sfs.length
  if (counts.length !== 1 || counts[0] !== lports) throw new Error(`the one-shot's Interface inserts by commit: [${counts.join(', ')}], expected [${lports}]`)
  return wallMs
}
