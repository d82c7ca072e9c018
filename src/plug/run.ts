import type {ConnectionSettings} from '../lib/connection.js'
import {ValidationError} from '../lib/errors.js'
import {closeDatabases, commitPlans, openDatabases, type PlugDatabases, readSnapshot} from './apply.js'
import {chassisWithSerial, resolveCardSerial} from './card-serial.js'
import type {OptionChange} from './diff.js'
import type {Chassis} from '../ovn/rows.js'
import {planPlug, planUnplug, type PlugSnapshot, type PortPlan, type UnplugTarget} from './plan.js'
import {type PlugEntry, type PlugRequest, type ProviderSpecs, rejection} from './request.js'
import {sameNetdevWarnings} from './same-netdev.js'
import {waitForCfg, waitForPlugged} from './wait.js'
import type {PortWaitState, WaitMode} from './wait-state.js'

const MAX_PORTS_IN_COMMENT = 5

export interface PortResult {
  lsp: string
  /** would-change only with --dry-run; no-request: unplug found no plug request (no vif-plug-type) and left the port as it is. */
  status: 'changed' | 'unchanged' | 'would-change' | 'no-request'
  changes: OptionChange[]
  notes: string[]
  /** With --wait plugged: where the port ended up, e.g. "plugged on hv1". */
  waited?: string
}

/** What plug and unplug return (and print with --json); documented in the commands' descriptions. */
export interface PlugResult {
  command: 'plug' | 'unplug'
  dryRun: boolean
  /** True when a transaction was written; false when every port was already as requested, or for --dry-run. */
  committed: boolean
  wait: WaitMode
  /** With --wait sb|hv after a write: the NB_Global.nb_cfg that was waited for. */
  nbCfg?: number
  ports: PortResult[]
  /** plug: ports that ask one chassis for one netdev (only one can be plugged); also printed on stderr. */
  warnings: string[]
}

export interface RunOptions {
  settings: ConnectionSettings
  dryRun: boolean
  wait: WaitMode
  onWaitProgress?: (states: readonly PortWaitState[]) => void
  /** Called once the write is done (or found unnecessary, or skipped by --dry-run), before any wait. */
  onPlanned?: (result: PlugResult) => void
  /** Aborting it ends a wait with an InterruptedError naming the ports still pending. */
  signal?: AbortSignal
}

/** What plug or unplug does: its ports, the chassis its requests name, and its planner. */
interface Command {
  command: PlugResult['command']
  lsps: readonly string[]
  /** The chassis the requests name, given the Southbound's chassis (a card serial names one by its ovn-cms-options). */
  requestedChassis?: (chassis: readonly Chassis[]) => readonly string[]
  plan: (snapshot: PlugSnapshot) => Promise<{plans: PortPlan[]; warnings: string[]}>
}

async function execute({command, lsps, requestedChassis, plan}: Command, options: RunOptions): Promise<PlugResult> {
  const needsSouthbound = command === 'plug' || (options.wait === 'plugged' && !options.dryRun)
  const databases: PlugDatabases = await openDatabases(options.settings, {southbound: needsSouthbound})
  try {
    const {plans, warnings} = await plan(await readSnapshot(databases, lsps, requestedChassis))
    const ports: PortResult[] = plans.map(({lsp, changes, notes, noRequest}) => ({
      lsp,
      status: noRequest ? 'no-request' : changes.length === 0 ? 'unchanged' : options.dryRun ? 'would-change' : 'changed',
      changes,
      notes,
    }))
    const result: PlugResult = {command, dryRun: options.dryRun, committed: false, wait: options.wait, ports, warnings}
    if (options.dryRun) {
      options.onPlanned?.(result)
      return result
    }

    const bumpNbCfg = options.wait === 'sb' || options.wait === 'hv'
    const named = lsps.length <= MAX_PORTS_IN_COMMENT ? lsps.join(' ') : `${lsps.length} ports`
    const outcome = await commitPlans(databases.nb, plans, {bumpNbCfg, comment: `ovn-vif-ctl ${command} ${named}`})
    result.committed = outcome.committed
    if (outcome.nbCfg !== undefined) result.nbCfg = outcome.nbCfg
    options.onPlanned?.(result)

    const waitOptions = {timeoutMs: options.settings.timeoutMs, ...(options.signal ? {signal: options.signal} : {})}
    if (outcome.nbCfg !== undefined) {
      await waitForCfg(databases.nb, options.wait === 'sb' ? 'sb_cfg' : 'hv_cfg', outcome.nbCfg, waitOptions)
    } else if (options.wait === 'plugged') {
      // A port left alone is not this command's to wait for: whoever bound it keeps it claimed.
      const awaited = plans.filter((plan) => !plan.noRequest)
      const states = await waitForPlugged(databases.sb!, awaited, {...waitOptions, onProgress: options.onWaitProgress})
      const waited = new Map(states.map((state) => [state.lsp, state.detail]))
      for (const port of ports) {
        const detail = waited.get(port.lsp)
        if (detail !== undefined) port.waited = detail
      }
    }

    return result
  } finally {
    await closeDatabases(databases)
  }
}

/**
 * The requests with each card serial number resolved to its chassis's hostname, as Neutron
 * writes requested-chassis; a ValidationError (naming the file line) for a serial no chassis,
 * or more than one, carries.
 */
export function resolveEntries(entries: readonly PlugEntry[], chassis: readonly Chassis[]): PlugRequest[] {
  return entries.map((entry) => {
    if (entry.cardSerial === undefined) return entry
    const {cardSerial, ...request} = entry
    try {
      return {...request, chassis: resolveCardSerial(chassis, cardSerial)}
    } catch (error) {
      if (error instanceof ValidationError) throw rejection(request.where, error.message)
      throw error
    }
  })
}

/**
 * Validates the requests against the databases and writes them in one transaction, then waits
 * as asked. Warns of ports asking one chassis for one netdev (the providers' identifying options).
 */
export function plugPorts(entries: readonly PlugEntry[], options: RunOptions & {force: boolean; providers: ProviderSpecs}): Promise<PlugResult> {
  return execute({
    command: 'plug',
    lsps: entries.map((entry) => entry.lsp),
    requestedChassis: (chassis) => [...new Set(entries.flatMap((entry) => (entry.cardSerial === undefined ? [entry.chassis] : chassisWithSerial(chassis, entry.cardSerial).map((row) => row.name))))],
    plan: async (snapshot) => {
      const requests = resolveEntries(entries, snapshot.chassis)
      return {
        plans: await planPlug(requests, snapshot, {force: options.force}),
        warnings: sameNetdevWarnings(requests, snapshot.requestedOnChassis, snapshot.chassis, options.providers),
      }
    },
  }, options)
}

/** Removes the plug requests of the ports in one transaction, then waits as asked. */
export function unplugPorts(ports: readonly UnplugTarget[], options: RunOptions & {clearChassis: boolean}): Promise<PlugResult> {
  return execute({
    command: 'unplug',
    lsps: ports.map((port) => port.lsp),
    plan: async (snapshot) => ({plans: await planUnplug(ports, snapshot, {clearChassis: options.clearChassis}), warnings: []}),
  }, options)
}
