import path from 'node:path'

import {type ConnectionSettings, defaultOvsDb} from '../lib/connection.js'
import {followUntil} from '../lib/follow.js'
import {REFUSAL_FIXES} from '../lib/write-refusal.js'
import type {NorthboundTables, SouthboundTables} from '../ovn/rows.js'
import {type OvsdbClient, RpcError} from '../ovsdb/index.js'
import {findProcess, isRunning, pidfileCandidates, readPidfile} from '../lib/processes.js'
import type {WatcherState} from '../reconcile/watch-state.js'
import {sandboxOfLocalDb} from '../sandbox/sandbox.js'
import type {StatusRow} from '../status/model.js'
import type {CheckOutcome} from './report.js'

type Outcome = Omit<CheckOutcome, 'id' | 'title'>
type Env = Readonly<Record<string, string | undefined>>

/** The OVSDB lock ovn-northd holds on the Southbound DB while it is the active instance. */
export const NORTHD_LOCK = 'ovn_northd'

/**
 * The fix for a daemon that does not run: on a packaged system its unit (Debian and Ubuntu also
 * have the package's own); for a sandbox's database, the sandbox's own way, naming the daemon as
 * the sandbox does (`hv1/ovn-controller`, `northd/ovn-northd`).
 */
export function startFix(daemon: 'ovn-controller' | 'ovn-northd', packageUnit: string, sandbox?: {dir: string; name: string}): string {
  if (sandbox) return `start it: ovn-vif-ctl sandbox restart --dir ${sandbox.dir} ${sandbox.name} (this is a sandbox's database)`
  return `start it: systemctl start ${daemon} (or the package's unit, systemctl start ${packageUnit}), then see its log`
}

/** The sandbox daemon's name for this program, when the local DB is a sandbox's. */
async function sandboxDaemonOf(ovsDb: string, program: 'ovn-controller' | 'ovn-northd'): Promise<{dir: string; name: string} | undefined> {
  const found = await sandboxOfLocalDb(ovsDb)
  if (!found) return undefined
  const name = program === 'ovn-controller' ? `${found.chassis.name}/ovn-controller` : 'northd/ovn-northd'
  return found.sandbox.daemons.some((daemon) => daemon.name === name) ? {dir: found.sandbox.dir, name} : undefined
}

/** What the ovn-controller check follows: the nb_cfg to reach, and this chassis's. */
type ControllerProgress = Pick<SouthboundTables, 'SB_Global' | 'Chassis_Private'>
/** What the ovn-northd check follows. */
type NorthdProgress = Pick<NorthboundTables, 'NB_Global'>

/**
 * ovn-controller copies SB_Global.nb_cfg into its Chassis_Private row once it has processed
 * that state: lagging for longer than the wait means it is stuck or cut off. Whether it runs at
 * all comes first: its pidfile, else a process using this chassis's local DB. A stopped
 * ovn-controller leaves its last nb_cfg behind, which proves nothing.
 */
export async function checkController(sb: OvsdbClient, systemId: string, settings: ConnectionSettings, waitMs: number, env: Env): Promise<Outcome> {
  const {ovsDb} = settings
  const candidates = pidfileCandidates('ovn-controller', ovsDb, env)
  const pidfile = await readPidfile(candidates)
  const fix = startFix('ovn-controller', 'ovn-host', await sandboxDaemonOf(ovsDb, 'ovn-controller'))
  if (pidfile && !(await isRunning(pidfile.pid))) {
    return {result: 'fail', detail: `not running: ${pidfile.file} names pid ${pidfile.pid}, which has exited`, fix, unreachable: true}
  }

  const pid = pidfile?.pid ?? (await findProcess('ovn-controller', ovsDb, ovsDb === defaultOvsDb(env)))
  if (pid === undefined) {
    const dirs = candidates.map((file) => path.dirname(file)).join(', ')
    return {result: 'fail', detail: `not running: no ovn-controller process uses ${ovsDb}, and no pidfile in ${dirs}`, fix, unreachable: true}
  }

  let target = 0
  let applied: number | undefined
  const {end} = await followUntil<ControllerProgress>(
    sb,
    {SB_Global: {columns: ['nb_cfg']}, Chassis_Private: {columns: ['nb_cfg'], where: [['name', '==', systemId]]}},
    (replica) => {
      const [global] = replica.table('SB_Global').rows()
      const [own] = replica.table('Chassis_Private').rows()
      target = global?.nb_cfg ?? 0
      applied = own?.nb_cfg
      return applied !== undefined && applied >= target
    },
    {timeoutMs: waitMs},
  )
  const who = `running (pid ${pid}${pidfile ? '' : ', no pidfile'})`
  const progress = `has applied nb_cfg ${applied ?? 'none'} of ${target}`
  if (end === 'reached') return {result: 'pass', detail: `${who}; ${progress}`}
  return {
    result: 'warn',
    detail: `${who} but ${progress} after ${waitMs / 1000} s: busy, or cut off from the Southbound DB`,
    fix: 'see the ovn-controller log (ovn-appctl -t ovn-controller connection-status)',
  }
}

/**
 * Whether some ovn-northd is active on this Southbound server: the active one holds the
 * ovn_northd lock there. Asking for the lock tells: granted means nobody held it. The request
 * is withdrawn at once, so a northd starting meanwhile only waits that long.
 */
async function northdHoldsLock(sb: OvsdbClient): Promise<boolean> {
  const granted = await sb.lock(NORTHD_LOCK)
  await sb.unlock(NORTHD_LOCK)
  return !granted
}

/**
 * ovn-northd runs, and the Southbound DB has caught up with the Northbound DB: northd copies
 * NB_Global.nb_cfg to SB_Global and, once the Southbound DB has it, to NB_Global.sb_cfg. A lag
 * is allowed for up to the wait, for a change being processed right now.
 */
export async function checkNorthd(sb: OvsdbClient, nb: OvsdbClient | undefined, settings: ConnectionSettings, waitMs: number): Promise<Outcome> {
  let running: boolean
  try {
    running = await northdHoldsLock(sb)
  } catch (error) {
    if (!(error instanceof RpcError)) throw error
    return {result: 'warn', detail: `cannot tell whether ovn-northd runs: the Southbound server refuses the lock request (${error.message})`, fix: 'on the central node: ovn-appctl -t ovn-northd status'}
  }

  if (!running) {
    const sandbox = await sandboxDaemonOf(settings.ovsDb, 'ovn-northd')
    return {
      result: 'fail',
      detail: `not running: nobody holds the ${NORTHD_LOCK} lock on the Southbound DB, so Northbound changes do not reach it`,
      fix: sandbox ? startFix('ovn-northd', 'ovn-central', sandbox) : `${startFix('ovn-northd', 'ovn-central')}, on the central node`,
      unreachable: true,
    }
  }

  if (!nb) return {result: 'pass', detail: `running (holds the ${NORTHD_LOCK} lock); its progress is unknown without the Northbound DB`}
  let nbCfg = 0
  let sbCfg = 0
  const {end} = await followUntil<NorthdProgress>(
    nb,
    {NB_Global: {columns: ['nb_cfg', 'sb_cfg']}},
    (replica) => {
      const [global] = replica.table('NB_Global').rows()
      nbCfg = global?.nb_cfg ?? 0
      sbCfg = global?.sb_cfg ?? 0
      return sbCfg >= nbCfg
    },
    {timeoutMs: waitMs},
  )
  const progress = `the Southbound DB has nb_cfg ${sbCfg} of ${nbCfg}`
  if (end === 'reached') return {result: 'pass', detail: `running (holds the ${NORTHD_LOCK} lock); ${progress}`}
  return {
    result: 'fail',
    detail: `running (holds the ${NORTHD_LOCK} lock) but ${progress} after ${waitMs / 1000} s: it lags, or cannot write the Southbound DB`,
    fix: 'see the ovn-northd log on the central node (ovn-appctl -t ovn-northd status)',
  }
}

/**
 * The reconcile --watch of this local DB, from the state it publishes: failing passes are a
 * failure (exit 4 when the DB refuses writes). None running is fine for a one-shot user, and a
 * warning only while ports wait for a reconcile.
 */
export function checkWatcher(state: WatcherState | undefined, rows: readonly StatusRow[] | undefined): Outcome {
  if (!state) {
    const waiting = rows?.filter((row) => row.state === 'pending' && row.reason.startsWith('not reconciled yet')).length ?? 0
    const detail = 'none runs for this local DB: ports are plugged only when reconcile runs'
    if (waiting === 0) return {result: 'pass', detail}
    return {result: 'warn', detail: `${detail}, and ${waiting} port${waiting === 1 ? ' waits' : 's wait'} for it`, fix: 'systemctl enable --now ovn-vif-ctl-reconcile, or ovn-vif-ctl reconcile once'}
  }

  const who = `pid ${state.pid}, ${state.lock === 'held' ? 'holds the lock' : 'stands by: another reconciler holds the lock'}`
  const {failing} = state
  if (!failing) return {result: 'pass', detail: `running (${who})`}
  return {
    result: 'fail',
    detail: `running (${who}) but its passes fail: ${failing.message} (since ${failing.since}, ${failing.attempts} failed; next try at ${failing.nextAttemptAt})`,
    fix: failing.kind === 'error' ? 'see its log: journalctl -u ovn-vif-ctl-reconcile' : REFUSAL_FIXES[failing.kind],
    unreachable: failing.kind !== 'error',
  }
}
