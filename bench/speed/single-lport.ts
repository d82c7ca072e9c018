/**
 * Issue #23's targets (c) and (f, idle), in one sandbox as bench/reconcile has it: hv1 plugged by
 * `reconcile --watch`, hv2 by ovn-controller --enable-dummy-vif-plug.
 *
 * (f) idle: `idle` lports requested per chassis and plugged, the chassis settled and nothing
 * announced for IDLE_MS; then the watcher's RSS, and ovn-controller's beside it; and both again
 * STEADY_IDLE_MS later, still idle.
 * (c) with `background` lports plugged per chassis: `plugs` times, one NB transaction adds one lport
 * for each chassis to its switch; then one deletes both. Each is timed from the NB commit to each
 * chassis's commit of the interface (and of its removal) by the databases' commit records
 * (bench/reconcile/commit-log.ts), with ovn-northd's NB -> SB beside it. An interface that is still
 * there UNPLUG_GIVE_UP_MS after the delete is a missed unplug.
 */
import {setDelete, setInsert} from '../../src/ovsdb/index.js'
import type {Sandbox} from '../../src/sandbox/sandbox.js'
import {daemonPid, statusKb} from '../proc.js'
import {SHIPPED_WATCHER_ENV} from '../shipped-watcher.js'
import {between, changeDates, type ChangeDates, inSandbox, lportRow, pluggedCounter, type PluggedCounter, readSandboxCommits, requestPorts, runTracked, settle, UNPLUG_GIVE_UP_MS, whenCount, whenTrue} from '../reconcile/measure.js'

/** How long the chassis must have had nothing announced to count as idle. */
const IDLE_MS = 5000
/**
 * How long an idle watcher is left before its RSS is read again: a watcher runs for weeks, and by
 * then V8's memory reducer, which starts once allocation has stopped for a while, has run.
 */
const STEADY_IDLE_MS = 60_000
const CHASSIS = ['hv1', 'hv2'] as const

export interface SingleLportOptions {
  /** The runtime that runs ovn-vif-ctl. */
  node: string
  plugs: number
  background: number
  idle: number
}

/** One plug or one unplug, ms from the NB commit; null where a side did not do it (or a record is missing). */
export interface SingleChange {
  /** ovn-northd: NB commit to SB commit. */
  northdMs: number | null
  oursMs: number | null
  ovnControllerMs: number | null
  /** As a client following each local DB saw it, from just before the NB commit was sent (null: gave up). */
  observed: {oursMs: number | null; ovnControllerMs: number | null}
}

export interface SingleLports {
  plugs: SingleChange[]
  unplugs: SingleChange[]
  /** Unplugs a side had not done UNPLUG_GIVE_UP_MS after the delete. */
  missedUnplugs: {ours: number; ovnController: number}
  /** RSS IDLE_MS after settling, and STEADY_IDLE_MS after that. */
  idle: {lports: number; watcherRssMb: number; ovnControllerRssMb: number; steady: {watcherRssMb: number; ovnControllerRssMb: number}}
  /** The watcher's peak RSS over the whole run. */
  watcherPeakRssMb: number
}

function fromNb(dates: ChangeDates, [oursMs, ovnControllerMs]: (number | null)[]): SingleChange {
  return {northdMs: between(dates.nb, dates.sb), oursMs: between(dates.nb, dates.ours), ovnControllerMs: between(dates.nb, dates.theirs), observed: {oursMs: oursMs ?? null, ovnControllerMs: ovnControllerMs ?? null}}
}

/** Resolves once each side's interface for its lport is there (present) or gone: how long that took, null for a side that gave up. */
function bothSides(sides: readonly [PluggedCounter, PluggedCounter], lports: readonly string[], present: boolean, giveUpMs?: number): Promise<(number | null)[]> {
  const now = performance.now()
  return Promise.all(sides.map((side, index) => whenTrue(side.monitor, () => side.has(lports[index]!) === present, now, giveUpMs)))
}

async function rssMb(pid: number): Promise<number> {
  return ((await statusKb(pid, 'VmRSS')) ?? Number.NaN) / 1024
}

export function measureSingleLports({node, plugs, background, idle}: SingleLportOptions): Promise<SingleLports> {
  return inSandbox(async ({sandbox, nb, closeLater}) => {
    const [hv1, hv2] = sandbox.chassis as [Sandbox['chassis'][0], Sandbox['chassis'][0]]
    const sides = [await pluggedCounter(hv1.db), await pluggedCounter(hv2.db)] as const
    for (const side of sides) closeLater(side.client)
    const watcher = runTracked(['reconcile', '--watch', '--log-format', 'json'], {...SHIPPED_WATCHER_ENV, OVS_RUNDIR: hv1.dir}, {node})
    try {
      const plugged = async (count: number) => {
        const now = performance.now()
        const done = await Promise.all(sides.map((side) => whenCount(side.monitor, side.count, count, now)))
        if (done.includes(null)) throw new Error(`not all ${count} lports per chassis were plugged: ${sides.map((side) => side.count()).join(' and ')}`)
        await settle(sandbox)
      }

      // (f) idle.
      await requestPorts(nb, idle, [...CHASSIS], 'idle')
      await plugged(idle)
      const ovnControllerPid = await daemonPid(sandbox, 'hv2/ovn-controller')
      const readRss = async () => ({watcherRssMb: ((await watcher.rssKb()) ?? Number.NaN) / 1024, ovnControllerRssMb: await rssMb(ovnControllerPid)})
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
      const settledRss = await readRss()
      await new Promise((resolve) => setTimeout(resolve, STEADY_IDLE_MS))
      const idleRss = {lports: idle, ...settledRss, steady: await readRss()}

      // (c) the background, then one lport per chassis at a time, on the background's switches.
      await requestPorts(nb, background - idle, [...CHASSIS], 'bg')
      await plugged(background)
      const result: SingleLports = {plugs: [], unplugs: [], missedUnplugs: {ours: 0, ovnController: 0}, idle: idleRss, watcherPeakRssMb: 0}
      for (let index = 0; index < plugs; index++) {
        const lports = CHASSIS.map((chassis) => `single-${chassis}-${index}`)
        const plugSince = Date.now()
        const tx = nb.transaction()
        const refs = CHASSIS.map((chassis, side) => {
          const ref = tx.insert('Logical_Switch_Port', lportRow(lports[side]!, chassis))
          tx.mutate('Logical_Switch', [['name', '==', `bg-${chassis}`]], [setInsert('ports', [ref])])
          return ref
        })
        const added = bothSides(sides, lports, true)
        const committed = await tx.commit()
        const seenAdded = await added
        await settle(sandbox)

        const unplugSince = Date.now()
        const removed = bothSides(sides, lports, false, UNPLUG_GIVE_UP_MS)
        const removal = nb.transaction()
        CHASSIS.forEach((chassis, side) => removal.mutate('Logical_Switch', [['name', '==', `bg-${chassis}`]], [setDelete('ports', [committed.uuid(refs[side]!)])]))
        await removal.commit()
        const seenRemoved = await removed
        if (seenRemoved[0] === null) result.missedUnplugs.ours++
        if (seenRemoved[1] === null) result.missedUnplugs.ovnController++
        await settle(sandbox)

        const commits = await readSandboxCommits(sandbox, plugSince)
        result.plugs.push(fromNb(changeDates(commits, 'inserted', 1, plugSince), seenAdded))
        result.unplugs.push(fromNb(changeDates(commits, 'deleted', 1, unplugSince), seenRemoved))
      }

      result.watcherPeakRssMb = watcher.peakKb() / 1024
      return result
    } finally {
      watcher.stop()
      await watcher.exited
    }
  })
}
