import {ConnectionError, InterruptedError} from '../lib/errors.js'
import {databaseError} from '../lib/database.js'
import type {Monitor, MonitorRequests, OvsdbClient} from '../ovsdb/index.js'
import {BINDING_COLUMNS, bindingRow, CHASSIS_COLUMNS, chassisRow} from './apply.js'
import type {BindingRow, PortPlan} from './plan.js'
import {type PortWaitState, portWaitState} from './wait-state.js'

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
 * Monitors `requests` until `reached` says so, re-checking after every update. Fails with a
 * connection error when the connection is lost, or when timeoutMs passes, and with an
 * InterruptedError when options.signal aborts (each message from `pending`, which names what is
 * still missing).
 */
export async function waitUntil(client: OvsdbClient, requests: MonitorRequests, reached: (monitor: Monitor) => boolean, pending: () => string, options: WaitOptions): Promise<void> {
  let monitor: Monitor
  try {
    monitor = await client.monitor(requests)
  } catch (error) {
    throw databaseError(error, `cannot monitor the ${client.database} database`)
  }

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const check = () => {
        if (!settled && reached(monitor)) finish()
      }

      const lost = () => finish(new ConnectionError(`lost the connection to the ${client.database} database while waiting; ${pending()}`))
      const interrupted = () => finish(new InterruptedError(`interrupted: ${pending()}`))
      const timer = options.timeoutMs > 0 ? setTimeout(() => finish(new ConnectionError(`timed out after ${seconds(options.timeoutMs)}: ${pending()}`)), options.timeoutMs) : undefined
      function finish(error?: Error): void {
        settled = true
        clearTimeout(timer)
        monitor.off('change', queueCheck)
        client.off('disconnected', lost)
        options.signal?.removeEventListener('abort', interrupted)
        if (error) reject(error)
        else resolve()
      }

      // Once per update, not once per row it changes: `reached` reads every row, and an update
      // of thousands of ports checked row by row is quadratic.
      let checkQueued = false
      const queueCheck = () => {
        if (checkQueued) return
        checkQueued = true
        queueMicrotask(() => {
          checkQueued = false
          check()
        })
      }

      monitor.on('change', queueCheck)
      client.on('disconnected', lost)
      options.signal?.addEventListener('abort', interrupted)
      check()
      if (!settled && options.signal?.aborted) interrupted()
    })
  } finally {
    await monitor.cancel().catch(() => undefined)
  }
}

/**
 * Waits until NB_Global.sb_cfg (ovn-northd has put the change in the Southbound DB) or hv_cfg
 * (every chassis's ovn-controller has applied it) reaches nbCfg, as ovn-nbctl --wait does.
 */
export async function waitForCfg(nb: OvsdbClient, column: 'sb_cfg' | 'hv_cfg', nbCfg: number, options: WaitOptions): Promise<void> {
  let current: number | undefined
  const reached = (monitor: Monitor) => {
    const [global] = monitor.replica.table('NB_Global').rows()
    current = global?.[column] as number | undefined
    return current !== undefined && current >= nbCfg
  }

  const who = column === 'sb_cfg' ? 'ovn-northd (has it updated the Southbound DB?)' : 'ovn-controller on every chassis (is each one running and connected?)'
  const pending = () => `the requests are written, but NB_Global.${column} is ${current ?? 'unset'}, not yet ${nbCfg}: waiting for ${who}`
  await waitUntil(nb, {NB_Global: {columns: ['nb_cfg', column]}}, reached, pending, options)
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
  const reached = (monitor: Monitor) => {
    const chassis = [...monitor.replica.table('Chassis').rows()].map((row) => chassisRow(row))
    const bindings = new Map<string, BindingRow>()
    for (const row of monitor.replica.table('Port_Binding').rows()) bindings.set(row.logical_port as string, bindingRow(row))
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

  const requests: MonitorRequests = {
    Port_Binding: {columns: BINDING_COLUMNS, where: plans.map((plan) => ['logical_port', '==', plan.lsp])},
    Chassis: {columns: CHASSIS_COLUMNS},
  }
  await waitUntil(sb, requests, reached, pending, options)
  return states
}
