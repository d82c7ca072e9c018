import {InterruptedError, UnreachableError} from '../lib/errors.js'
import {databaseError} from '../lib/database.js'
import {followUntil} from '../lib/follow.js'
import {COLUMNS, decodeChassis, decodePortBinding, type NorthboundTables, type PortBinding, type SouthboundTables} from '../ovn/rows.js'
import type {MonitorRequests, OvsdbClient, Replica, Tables, UntypedTables} from '../ovsdb/index.js'
import type {PortPlan} from './plan.js'
import {type PortWaitState, portWaitState} from './wait-state.js'

/** What --wait plugged monitors. */
type BindingTables = Pick<SouthboundTables, 'Chassis' | 'Port_Binding'>

export interface WaitOptions {
  /** 0 waits forever. */
  timeoutMs: number
  /** Aborting it ends the wait with an InterruptedError that names what is still pending. */
  signal?: AbortSignal
}

function seconds(timeoutMs: number): string {
  return `${timeoutMs / 1000} s`
}

/**
 * Follows `requests` until `reached` holds (src/lib/follow.ts). Fails with a connection error
 * when the connection is lost or when timeoutMs passes, and with an InterruptedError when
 * options.signal aborts, each message from `pending`, which names what is still missing.
 */
export async function waitUntil<T extends Tables<T> = UntypedTables>(
  client: OvsdbClient,
  requests: MonitorRequests<NoInfer<T>>,
  reached: (replica: Replica<NoInfer<T>>) => boolean,
  pending: () => string,
  options: WaitOptions,
): Promise<void> {
  const {end} = await followUntil<T>(client, requests, reached, {timeoutMs: options.timeoutMs > 0 ? options.timeoutMs : Infinity, signal: options.signal}).catch((error: unknown) => {
    throw databaseError(error, `cannot monitor the ${client.database} database`)
  })

  if (end === 'disconnected') throw new UnreachableError(`lost the connection to the ${client.database} database while waiting; ${pending()}`)
  if (end === 'interrupted') throw new InterruptedError(`interrupted: ${pending()}`)
  if (end === 'timed out') throw new UnreachableError(`timed out after ${seconds(options.timeoutMs)}: ${pending()}`)
}

/**
 * Waits until NB_Global.sb_cfg (ovn-northd has put the change in the Southbound DB) or hv_cfg
 * (every chassis's ovn-controller has applied it) reaches nbCfg, as ovn-nbctl --wait does.
 */
export async function waitForCfg(nb: OvsdbClient, column: 'sb_cfg' | 'hv_cfg', nbCfg: number, options: WaitOptions): Promise<void> {
  let current: number | undefined
  const reached = (replica: Replica<Pick<NorthboundTables, 'NB_Global'>>) => {
    const [global] = replica.table('NB_Global').rows()
    current = global?.[column]
    return current !== undefined && current >= nbCfg
  }

  const who = column === 'sb_cfg' ? 'ovn-northd (has it updated the Southbound DB?)' : 'ovn-controller on every chassis (is each one running and connected?)'
  const pending = () => `the requests are written, but NB_Global.${column} is ${current ?? 'unset'}, not yet ${nbCfg}: waiting for ${who}`
  await waitUntil<Pick<NorthboundTables, 'NB_Global'>>(nb, {NB_Global: {columns: ['nb_cfg', column]}}, reached, pending, options)
}

/**
 * Waits until every port is where --wait plugged wants it: claimed by its requested chassis
 * and up (plug), or claimed by no chassis (unplug). Calls onProgress whenever a port gets
 * there, and returns the final states.
 */
export async function waitForPlugged(
  sb: OvsdbClient,
  plans: readonly Pick<PortPlan, 'lsp' | 'claimBy'>[],
  options: WaitOptions & {onProgress?: (states: readonly PortWaitState[]) => void},
): Promise<PortWaitState[]> {
  if (plans.length === 0) return []
  let states: PortWaitState[] = []
  let doneCount = -1
  const reached = (replica: Replica<BindingTables>) => {
    const chassis = [...replica.table('Chassis').rows()].map(decodeChassis)
    const bindings = new Map<string, PortBinding>()
    for (const row of replica.table('Port_Binding').rows()) bindings.set(row.logical_port, decodePortBinding(row))
    states = plans.map((plan) => portWaitState(plan, bindings.get(plan.lsp), chassis))
    const done = states.filter((state) => state.done).length
    if (done !== doneCount) options.onProgress?.(states)
    doneCount = done
    return done === states.length
  }

  const pending = () => {
    const waiting = states.filter((state) => !state.done)
    return `the requests are written, but ${waiting.length} of ${states.length} port${states.length === 1 ? ' is' : 's are'} not there yet: ${waiting.map((state) => `${state.lsp} (${state.detail})`).join(', ')}`
  }

  const requests: MonitorRequests<BindingTables> = {
    Port_Binding: {columns: COLUMNS.Port_Binding, where: plans.map((plan) => ['logical_port', '==', plan.lsp])},
    Chassis: {columns: COLUMNS.Chassis},
  }
  await waitUntil<BindingTables>(sb, requests, reached, pending, options)
  return states
}
