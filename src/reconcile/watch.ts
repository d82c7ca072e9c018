import {messageOf} from '../lib/errors.js'
import {monotonicMs} from '../lib/monotonic-clock.js'
import {WriteRefusedError} from '../lib/write-refusal.js'
import {describeProviderFailure, type ProviderFailure, type ProviderRegistry} from '../providers/registry.js'
import type {PassResult, Reconciler} from './reconciler.js'
import {reportEntries, type ReportedEntry} from './report.js'
import {backoffMs, type PassFailure, type WatcherState} from './watch-state.js'

/** Told of every pass the watcher runs, e.g. to export metrics; must not throw. */
export interface PassObserver {
  passed(result: PassResult, durationSeconds: number): void
  failed(error: unknown, durationSeconds: number): void
}

export interface WatchOptions {
  /** Passes start at most this often: changes arriving within this window of the last pass's start wait for the next one. */
  batchMs: number
  /** After a failed pass, wait this long before the next; the pause doubles with each failure in a row. */
  retryMs: number
  /** The longest pause between failing passes. */
  maxRetryMs: number
  /** How often to retry the init of providers whose init failed. */
  retryInitMs: number
  /**
   * With no change announced, a pass runs this long after the last one ended anyway: it catches
   * what no notification announces, and it is how a healthy idle watcher shows it is alive.
   */
  resyncMs: number
  signal: AbortSignal
  log(line: {level: 'info' | 'warn' | 'error'; message: string} & Partial<ReportedEntry>): void
  /** Called with the watcher's state at start and whenever it changes (the lock, failing passes). */
  publish?(state: WatcherState): void
  observer?: PassObserver
}

const seconds = (ms: number) => `${ms / 1000} s`

/**
 * Keeps the chassis reconciled until the signal aborts: every database or provider change
 * schedules a pass, and so does a quiet resync interval; bursts are batched; one pass runs at a
 * time; a failed pass is retried.
 * Resolves after the pass in flight (if any) has finished.
 */
export async function watchAndReconcile(reconciler: Reconciler, providers: ProviderRegistry, options: WatchOptions): Promise<void> {
  const loop = new PassLoop(reconciler, options)
  const stopFollowing = followChanges(reconciler, providers, options, () => loop.schedule())
  loop.schedule(0)
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve()
    else options.signal.addEventListener('abort', () => resolve(), {once: true})
  })
  stopFollowing()
  // Let the transaction in flight finish: a pass is never cut in half.
  await loop.stop()
}

/**
 * Subscribes `schedule` to every change that may alter the plan (databases, providers, a
 * provider's init recovering) and logs the lock and provider failures; returns the unsubscriber.
 */
function followChanges(reconciler: Reconciler, providers: ProviderRegistry, options: WatchOptions, schedule: () => void): () => void {
  const onChange = () => schedule()
  reconciler.on('changed', onChange)
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

  return () => {
    clearInterval(initRetry)
    reconciler.off('changed', onChange)
    stopFailureWarnings()
    for (const unsubscribe of unsubscribers) unsubscribe()
  }
}

/** Runs passes one at a time, batches what changes meanwhile, and backs off while passes fail. */
class PassLoop {
  /** Cancels the next pass, when one is scheduled (by a timer, or when due now by setImmediate). */
  private cancelNextPass: (() => void) | undefined
  private resyncTimer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private lastPassStarted = Number.NEGATIVE_INFINITY
  /** The last pass threw: the next waits (a pause that grows with each failure) rather than following at once. */
  private failed = false
  private pauseMs = 0
  /** Set while passes fail. */
  private failing: PassFailure | undefined
  /** What was last reported per lport, so a steady state is not logged on every pass. */
  private readonly lastReported = new Map<string, string>()
  private readonly startedAt = new Date().toISOString()
  private readonly onStatus = (message: string) => {
    this.options.log({level: 'info', message})
    this.publish()
  }

  constructor(
    private readonly reconciler: Reconciler,
    private readonly options: WatchOptions,
  ) {
    // A status message may be a change of the lock.
    reconciler.on('status', this.onStatus)
    this.onStatus(reconciler.lockStatus())
  }

  /** Starts nothing more; resolves once the pass in flight has finished. */
  async stop(): Promise<void> {
    this.cancelNextPass?.()
    this.cancelNextPass = undefined
    clearTimeout(this.resyncTimer)
    this.reconciler.off('status', this.onStatus)
    await this.running
  }

  /**
   * After a quiet spell a change starts a pass at once: right after the I/O at hand (setImmediate,
   * not a timer, which waits at least 1 ms), so all the row changes of the updates that arrived
   * together are in it. Changes during a pass, or soon after one started, are gathered into the
   * next.
   */
  schedule(delayMs = Math.max(0, this.lastPassStarted + this.options.batchMs - monotonicMs())): void {
    if (this.options.signal.aborted) return
    if (this.running) {
      this.again = true
      return
    }

    if (this.cancelNextPass) return
    if (delayMs > 0) {
      const timer = setTimeout(() => this.startPasses(), delayMs)
      this.cancelNextPass = () => clearTimeout(timer)
    } else {
      const immediate = setImmediate(() => this.startPasses())
      this.cancelNextPass = () => clearImmediate(immediate)
    }
  }

  private startPasses(): void {
    this.cancelNextPass = undefined
    this.running = this.drain()
  }

  private async drain(): Promise<void> {
    clearTimeout(this.resyncTimer)
    do {
      this.again = false
      this.lastPassStarted = monotonicMs()
      await this.runPass()
    } while (this.again && !this.failed && !this.options.signal.aborted)
    this.running = undefined
    if (this.failed) {
      this.failed = false
      this.schedule(this.pauseMs)
    } else if (!this.options.signal.aborted) {
      // A pass already timed (a change in its batch window) makes the resync's pass needless.
      this.resyncTimer = setTimeout(() => {
        if (!this.cancelNextPass) this.startPasses()
      }, this.options.resyncMs)
    }
  }

  private async runPass(): Promise<void> {
    const started = monotonicMs()
    const elapsed = () => (monotonicMs() - started) / 1000
    let result: PassResult
    try {
      result = await this.reconciler.pass()
    } catch (error) {
      this.options.observer?.failed(error, elapsed())
      this.pauseMs = this.onFailure(error)
      return
    }

    this.options.observer?.passed(result, elapsed())
    this.logChanges(result)
    if (this.failing) {
      this.options.log({level: 'info', message: `passes work again, after ${this.failing.attempts} failed since ${this.failing.since}`})
      this.failing = undefined
      this.publish()
    }
  }

  /** Logs each lport whose reported outcome changed since the last pass. */
  private logChanges(result: PassResult): void {
    for (const entry of reportEntries(result.plan.entries, result.applied)) {
      const key = `${entry.interface ?? ''}|${entry.result}|${entry.reason}`
      if (entry.result === 'unchanged' || this.lastReported.get(entry.lport) === key) continue
      this.lastReported.set(entry.lport, key)
      this.options.log({level: entry.settled ? 'info' : 'warn', message: entry.reason, ...entry})
    }

    const planned = new Set(result.plan.entries.map((entry) => entry.lport))
    for (const lport of this.lastReported.keys()) {
      if (!planned.has(lport)) this.lastReported.delete(lport)
    }
  }

  /** Says once what is wrong (again only when the error changes); returns the pause before the next try. */
  private onFailure(error: unknown): number {
    const message = messageOf(error)
    // A refused write is published as what is wrong; its fix is in the log line and in doctor's.
    const problem = error instanceof WriteRefusedError ? error.problem : message
    const attempts = (this.failing?.attempts ?? 0) + 1
    const pauseMs = backoffMs(attempts, this.options.retryMs, this.options.maxRetryMs)
    if (this.failing?.message !== problem) {
      this.options.log({
        level: 'error',
        message: `pass failed: ${message}; retrying in ${seconds(pauseMs)}, then ever less often, at least every ${seconds(this.options.maxRetryMs)}; not logged again unless the error changes`,
      })
    }

    const now = Date.now()
    this.failing = {
      kind: error instanceof WriteRefusedError ? error.refusal.kind : 'error',
      message: problem,
      since: this.failing?.since ?? new Date(now).toISOString(),
      attempts,
      nextAttemptAt: new Date(now + pauseMs).toISOString(),
    }
    this.failed = true
    this.publish()
    return pauseMs
  }

  private publish(): void {
    this.options.publish?.({
      pid: process.pid,
      chassis: this.reconciler.chassis,
      db: this.reconciler.localDb,
      startedAt: this.startedAt,
      lock: this.reconciler.lockHeld ? 'held' : 'waiting',
      ...(this.failing ? {failing: this.failing} : {}),
    })
  }
}
