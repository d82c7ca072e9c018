import {WriteRefusedError} from '../lib/write-refusal.js'
import {describeProviderFailure, type ProviderFailure, type ProviderRegistry} from '../providers/registry.js'
import type {Reconciler} from './reconciler.js'
import {reportEntries, type ReportedEntry} from './report.js'
import {backoffMs, type PassFailure, type WatcherState} from './watch-state.js'

export interface WatchOptions {
  /** Passes start at most this often: changes arriving within this window of the last pass's start wait for the next one. */
  batchMs: number
  /** After a failed pass, wait this long before the next; the pause doubles with each failure in a row. */
  retryMs: number
  /** The longest pause between failing passes. */
  maxRetryMs: number
  /** How often to retry the init of providers whose init failed. */
  retryInitMs: number
  signal: AbortSignal
  log(line: {level: 'info' | 'warn' | 'error'; message: string} & Partial<ReportedEntry>): void
  /** Called with the watcher's state at start and whenever it changes (the lock, failing passes). */
  publish?(state: WatcherState): void
}

const seconds = (ms: number) => `${ms / 1000} s`

/**
 * Keeps the chassis reconciled until the signal aborts: every database or provider change
 * schedules a pass; bursts are batched; one pass runs at a time; a failed pass is retried.
 * Resolves after the pass in flight (if any) has finished.
 */
export async function watchAndReconcile(reconciler: Reconciler, providers: ProviderRegistry, options: WatchOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let lastPassStarted = Number.NEGATIVE_INFINITY
  /** The last pass threw: the next waits (a pause that grows with each failure) rather than following at once. */
  let failed = false
  /** Set while passes fail. */
  let failing: PassFailure | undefined
  /** What was last reported per lport, so a steady state is not logged on every pass. */
  const lastReported = new Map<string, string>()
  const startedAt = new Date().toISOString()
  const publish = () =>
    options.publish?.({
      pid: process.pid,
      chassis: reconciler.chassis,
      db: reconciler.localDb,
      startedAt,
      lock: reconciler.lockHeld ? 'held' : 'waiting',
      ...(failing ? {failing} : {}),
    })

  /** Says once what is wrong (again only when the error changes) and when the next try is. */
  const onFailure = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    // A refused write is published as what is wrong; its fix is in the log line and in doctor's.
    const problem = error instanceof WriteRefusedError ? error.problem : message
    const attempts = (failing?.attempts ?? 0) + 1
    const pauseMs = backoffMs(attempts, options.retryMs, options.maxRetryMs)
    if (failing?.message !== problem) {
      options.log({
        level: 'error',
        message: `pass failed: ${message}; retrying in ${seconds(pauseMs)}, then ever less often, at least every ${seconds(options.maxRetryMs)}; not logged again unless the error changes`,
      })
    }

    const now = Date.now()
    failing = {
      kind: error instanceof WriteRefusedError ? error.refusal.kind : 'error',
      message: problem,
      since: failing?.since ?? new Date(now).toISOString(),
      attempts,
      nextAttemptAt: new Date(now + pauseMs).toISOString(),
    }
    failed = true
    publish()
    return pauseMs
  }

  let pauseMs = 0

  const runPass = async (): Promise<void> => {
    try {
      const result = await reconciler.pass()
      for (const entry of reportEntries(result.plan.entries, result.applied)) {
        const key = `${entry.interface ?? ''}|${entry.result}|${entry.reason}`
        if (entry.result === 'unchanged' || lastReported.get(entry.lport) === key) continue
        lastReported.set(entry.lport, key)
        options.log({level: entry.settled ? 'info' : 'warn', message: entry.reason, ...entry})
      }

      const planned = new Set(result.plan.entries.map((entry) => entry.lport))
      for (const lport of lastReported.keys()) {
        if (!planned.has(lport)) lastReported.delete(lport)
      }

      if (failing) {
        options.log({level: 'info', message: `passes work again, after ${failing.attempts} failed since ${failing.since}`})
        failing = undefined
        publish()
      }
    } catch (error) {
      pauseMs = onFailure(error)
    }
  }

  const drain = async (): Promise<void> => {
    do {
      again = false
      lastPassStarted = performance.now()
      await runPass()
    } while (again && !failed && !options.signal.aborted)
    running = undefined
    if (failed) {
      failed = false
      schedule(pauseMs)
    }
  }

  /**
   * After a quiet spell a change starts a pass at once (on the next turn of the event loop, so
   * all the row changes of one database update are in it); changes during a pass, or soon after
   * one started, are gathered into the next.
   */
  function schedule(delayMs = Math.max(0, lastPassStarted + options.batchMs - performance.now())): void {
    if (options.signal.aborted) return
    if (running) {
      again = true
      return
    }

    if (timer) return
    timer = setTimeout(() => {
      timer = undefined
      running = drain()
    }, delayMs)
  }

  const onChange = () => schedule()
  // A status message may be a change of the lock.
  const onStatus = (message: string) => {
    options.log({level: 'info', message})
    publish()
  }
  reconciler.on('changed', onChange)
  reconciler.on('status', onStatus)
  onStatus(reconciler.lockStatus())
  const unsubscribers = providers.entries.flatMap((entry) => (entry.provider.onChange ? [entry.provider.onChange(onChange)] : []))
  const failureWarning = (type: string, failure: ProviderFailure) =>
    options.log({level: 'warn', message: `${describeProviderFailure(type, failure)}; its ports stay pending and its interfaces are not unplugged; retrying every ${options.retryInitMs} ms`})
  for (const entry of providers.entries) {
    if (entry.failure) failureWarning(entry.provider.type, entry.failure)
  }
  const stopFailureWarnings = providers.onFailure(failureWarning)

  const initRetry = setInterval(() => {
    if (!providers.entries.some((entry) => entry.failure)) return
    void providers.retryFailedInits().then((recovered) => {
      if (recovered.length === 0) return
      options.log({level: 'info', message: `provider ${recovered.join(', ')} initialised`})
      schedule()
    })
  }, options.retryInitMs)
  initRetry.unref()
  schedule(0)

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve()
    else options.signal.addEventListener('abort', () => resolve(), {once: true})
  })
  clearTimeout(timer)
  clearInterval(initRetry)
  reconciler.off('changed', onChange)
  reconciler.off('status', onStatus)
  stopFailureWarnings()
  for (const unsubscribe of unsubscribers) unsubscribe()
  // Let the transaction in flight finish: a pass is never cut in half.
  await running
}
