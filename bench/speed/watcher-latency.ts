/**
 * The watcher's SB commit -> local commit alone (issue #23's (a) and (c)), in one sandbox, for
 * iterating on that path: hv1 plugged by `reconcile --watch`, hv2 by ovn-controller. With
 * --background lports plugged per chassis, --plugs single plugs (each timed from the NB commit and
 * from the SB commit to each chassis's commit), then one bulk plug of --bulk lports per chassis
 * (SB commit -> each chassis's commit), all by the databases' commit records.
 *
 * Beside them, the floor the watcher cannot go under: when the Southbound update reaches a client
 * that follows hv1's bindings as the watcher does (same columns, same condition), connected right
 * after it. ovsdb-server composes and sends a commit's updates one session after another, in the
 * order they connected, so this probe hears of the commit just after the watcher does ("delivery");
 * what is left of the watcher's time after that is its own work and the local server's commit.
 * With --cpu-prof DIR the watcher runs under `node --cpu-prof`, its profile summarised.
 * Prints one JSON line: medians of the single plugs, and the bulk plug.
 *
 *   npm run build && npx tsx bench/speed/watcher-latency.ts [--plugs 15] [--background 200] [--bulk 1000] [--cpu-prof DIR] [--node PATH]
 */
import path from 'node:path'
import {parseArgs} from 'node:util'

import {ensureRuntime} from '../../scripts/runtimes.js'
import {setInsert} from '../../src/ovsdb/index.js'
import type {Sandbox} from '../../src/sandbox/sandbox.js'
import {printProfile, summariseProfile} from '../cpu-profile.js'
import {between, bindingsObserver, changeDates, deleteSwitches, inSandbox, lportRow, median, pluggedCounter, readSandboxCommits, requestPorts, runTracked, settle, whenCount, whenTrue} from '../reconcile/measure.js'

const {values} = parseArgs({
  options: {
    plugs: {type: 'string', default: '15'},
    background: {type: 'string', default: '200'},
    bulk: {type: 'string', default: '1000'},
    'cpu-prof': {type: 'string'},
    node: {type: 'string'},
  },
})
const count = (flag: 'plugs' | 'background' | 'bulk') => {
  const value = Number(values[flag])
  if (!(Number.isInteger(value) && value >= 0)) throw new Error(`--${flag} takes a whole number`)
  return value
}

const plugs = count('plugs')
const background = count('background')
const bulk = count('bulk')
const cpuProf = values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof'])
const node = values.node ?? (await ensureRuntime('embedded')).node
const CHASSIS = ['hv1', 'hv2'] as const

/** ms from each commit, null where a record (or the probe's sighting) is missing. */
interface Split {
  /** NB commit -> SB commit (ovn-northd). */
  northd: number | null
  /** SB commit -> the probe has the update. */
  delivery: number | null
  /** SB commit -> each chassis's commit. */
  sbOurs: number | null
  sbTheirs: number | null
  /** The probe has the update -> hv1's commit: the watcher's own work and the local server's commit. */
  afterDelivery: number | null
  /** NB commit -> each chassis's commit. */
  nbOurs: number | null
  nbTheirs: number | null
  ratio: number | null
}

const result = await inSandbox(async ({sandbox, nb, closeLater}) => {
  const [hv1, hv2] = sandbox.chassis as [Sandbox['chassis'][0], Sandbox['chassis'][0]]
  const sides = [await pluggedCounter(hv1.db), await pluggedCounter(hv2.db)] as const
  for (const side of sides) closeLater(side.client)
  const nodeArgs = cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProf]
  const watcher = runTracked(['reconcile', '--watch', '--log-format', 'json'], {OVS_RUNDIR: hv1.dir}, {node, nodeArgs})
  try {
    while (!/acquired the/.test(watcher.output())) await new Promise((resolve) => setTimeout(resolve, 10))
    // The probe: connected after the watcher, so the SB server serves it right after the watcher.
    const probe = await bindingsObserver(sandbox.sbDb, 'hv1')
    closeLater(probe.client)
    const plugged = async (total: number) => {
      const now = performance.now()
      const done = await Promise.all(sides.map((side) => whenCount(side.monitor, side.count, total, now)))
      if (done.includes(null)) throw new Error(`not all ${total} plugged: ${sides.map((side) => side.count()).join(' and ')}`)
      await settle(sandbox)
    }

    const split = async (since: number, n: number, lastLport: string): Promise<Split> => {
      const dates = changeDates(await readSandboxCommits(sandbox, since), 'inserted', n, since)
      const probed = probe.arrivedAt(lastLport) ?? null
      const nbOurs = between(dates.nb, dates.ours)
      const nbTheirs = between(dates.nb, dates.theirs)
      return {
        northd: between(dates.nb, dates.sb),
        delivery: between(dates.sb, probed),
        sbOurs: between(dates.sb, dates.ours),
        sbTheirs: between(dates.sb, dates.theirs),
        afterDelivery: between(probed, dates.ours),
        nbOurs,
        nbTheirs,
        ratio: nbOurs === null || nbTheirs === null ? null : nbOurs / nbTheirs,
      }
    }

    if (background > 0) {
      await requestPorts(nb, background, [...CHASSIS], 'bg')
      await plugged(background)
    }

    const single: Split[] = []
    for (let index = 0; index < plugs; index++) {
      const lports = CHASSIS.map((chassis) => `single-${chassis}-${index}`)
      const since = Date.now()
      const tx = nb.transaction()
      for (const [side, chassis] of CHASSIS.entries()) {
        const ref = tx.insert('Logical_Switch_Port', lportRow(lports[side]!, chassis))
        // Without a background, each single lport gets a switch of its own.
        if (background > 0) tx.mutate('Logical_Switch', [['name', '==', `bg-${chassis}`]], [setInsert('ports', [ref])])
        else tx.insert('Logical_Switch', {name: `single-${chassis}-${index}`, ports: [ref]})
      }

      const now = performance.now()
      const added = Promise.all(sides.map((side, i) => whenTrue(side.monitor, () => side.has(lports[i]!), now)))
      await tx.commit()
      await added
      await settle(sandbox)
      single.push(await split(since, 1, lports[0]!))
    }

    let bulkSplit: Split | undefined
    if (bulk > 0) {
      const since = Date.now()
      await requestPorts(nb, bulk, [...CHASSIS], 'hot')
      await plugged(background + plugs + bulk)
      bulkSplit = await split(since, bulk, `hot-hv1-${bulk - 1}`)
      await deleteSwitches(nb, ['hot-hv1', 'hot-hv2'])
      await plugged(background + plugs)
    }

    const medians = Object.fromEntries((Object.keys(single[0] ?? {}) as (keyof Split)[]).map((key) => [key, median(single.map((row) => row[key]))]))
    return {single: medians, bulk: bulkSplit}
  } finally {
    watcher.stop()
    await watcher.exited
  }
})
console.log(JSON.stringify({date: new Date().toISOString(), plugs, background, bulkLports: bulk, ...result}))
if (cpuProf !== undefined) printProfile('the watcher', await summariseProfile(cpuProf))
