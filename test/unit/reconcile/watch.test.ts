import {EventEmitter} from 'node:events'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {ExitCode} from '../../../src/lib/exit-codes.js'
import {createDummyProvider} from '../../../src/providers/dummy.js'
import {ProviderRegistry} from '../../../src/providers/registry.js'
import type {PlanEntry} from '../../../src/reconcile/plan.js'
import type {PassResult, Reconciler} from '../../../src/reconcile/reconciler.js'
import type {WatcherState} from '../../../src/reconcile/watch-state.js'
import {watchAndReconcile, type WatchOptions} from '../../../src/reconcile/watch.js'

const BATCH_MS = 100
const EMPTY_VIEW: PassResult['view'] = {chassisUuid: 'c', chassis: {name: 'hv1'}, bridgeUuid: 'b', bindings: [], interfaces: [], complete: true}
const RETRY_MS = 1000
/** Longer than any other span these tests advance through, but for the resync tests'. */
const RESYNC_MS = 300_000

/**
 * Stands in for the Reconciler's side the scheduler uses: 'changed' events and pass(). Each pass
 * stays in flight until the test settles it, so the test decides when a pass ends.
 */
class ScriptedReconciler extends EventEmitter {
  readonly started: number[] = []
  private settlers: Array<(outcome: PassResult | Error) => void> = []
  entries: PlanEntry[] = [{lport: 'a', outcome: 'unchanged', reason: 'as requested'}]
  lockHeld = true
  readonly chassis = 'hv1'
  readonly localDb = 'unix:/run/openvswitch/db.sock'

  async pass(): Promise<PassResult> {
    this.started.push(Date.now())
    const outcome = await new Promise<PassResult | Error>((resolve) => this.settlers.push(resolve))
    if (outcome instanceof Error) throw outcome
    return outcome
  }

  lockStatus(): string {
    return 'acquired the ovn_vif_ctl_reconcile lock'
  }

  get inFlight(): number {
    return this.settlers.length
  }

  /** Ends the oldest pass in flight. */
  finish(outcome: PassResult | Error = {view: EMPTY_VIEW, plan: {entries: this.entries, actions: []}, applied: true, converged: true}): void {
    const settle = this.settlers.shift()
    if (!settle) throw new Error('no pass in flight')
    settle(outcome)
  }
}

describe('watchAndReconcile: the pass scheduler', () => {
  let reconciler: ScriptedReconciler
  let controller: AbortController
  let lines: Array<Parameters<WatchOptions['log']>[0]>
  let watching: Promise<void>

  function start(providers = new ProviderRegistry([]), retryInitMs = 5000, publish?: WatchOptions['publish']): void {
    watching = watchAndReconcile(reconciler as unknown as Reconciler, providers, {
      ...(publish ? {publish} : {}),
      batchMs: BATCH_MS,
      retryMs: RETRY_MS,
      maxRetryMs: 60 * RETRY_MS,
      retryInitMs,
      resyncMs: RESYNC_MS,
      signal: controller.signal,
      log: (line) => lines.push(line),
    })
  }

  /** Runs the timers due within `ms` and the promise callbacks they lead to. */
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms)

  beforeEach(() => {
    vi.useFakeTimers({now: 0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'hrtime']})
    reconciler = new ScriptedReconciler()
    controller = new AbortController()
    lines = []
  })

  afterEach(async () => {
    controller.abort()
    while (reconciler.inFlight > 0) reconciler.finish()
    await watching
    vi.useRealTimers()
  })

  it('starts a pass at once, and none while nothing changes until the resync interval', async () => {
    start()
    await advance(0)
    expect(reconciler.started).toHaveLength(1)
    reconciler.finish()
    await advance(RESYNC_MS - 1)
    expect(reconciler.started).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(2) // the providers' init retry and the resync, no pass scheduled
  })

  it('with nothing announced, passes once per resync interval after the last pass ended', async () => {
    start()
    await advance(0)
    await advance(500)
    reconciler.finish()
    await advance(RESYNC_MS)
    expect(reconciler.started).toEqual([0, 500 + RESYNC_MS])
    await advance(700)
    reconciler.finish()
    await advance(RESYNC_MS - 1)
    expect(reconciler.started).toHaveLength(2)
    await advance(1)
    expect(reconciler.started).toEqual([0, 500 + RESYNC_MS, 500 + RESYNC_MS + 700 + RESYNC_MS])
  })

  it('counts the resync interval from the last pass, whatever started it, and never overlaps a pass', async () => {
    start()
    await advance(0)
    reconciler.finish()
    await advance(RESYNC_MS / 2)
    reconciler.emit('changed')
    await advance(0)
    expect(reconciler.started).toEqual([0, RESYNC_MS / 2])
    // That pass stays in flight past the first pass's resync time: nothing starts beside it.
    await advance(RESYNC_MS)
    expect(reconciler.inFlight).toBe(1)
    expect(reconciler.started).toHaveLength(2)
    reconciler.finish()
    await advance(RESYNC_MS - 1)
    expect(reconciler.started).toHaveLength(2)
    await advance(1)
    expect(reconciler.started).toEqual([0, RESYNC_MS / 2, RESYNC_MS / 2 + RESYNC_MS + RESYNC_MS])
  })

  it('gathers a burst of changes within the batch window into one pass', async () => {
    start()
    await advance(0)
    reconciler.finish()
    await advance(0)
    for (let change = 0; change < 50; change++) reconciler.emit('changed')
    await advance(BATCH_MS - 1)
    expect(reconciler.started).toEqual([0])
    await advance(1)
    expect(reconciler.started).toEqual([0, BATCH_MS])
  })

  it('starts a change after a quiet spell at once: right after the I/O at hand, with no timer to wait on', async () => {
    start()
    await advance(0)
    reconciler.finish()
    await advance(10 * BATCH_MS)
    reconciler.emit('changed')
    // The fake clock stands still: only a pass that waits on no timer can start.
    await new Promise((resolve) => setImmediate(resolve))
    expect(reconciler.started).toEqual([0, 10 * BATCH_MS])
  })

  it('runs one pass at a time: changes during a pass make exactly one more after it', async () => {
    start()
    await advance(0)
    for (let change = 0; change < 5; change++) reconciler.emit('changed')
    await advance(10 * BATCH_MS)
    expect(reconciler.inFlight).toBe(1)
    reconciler.finish()
    await advance(0)
    expect(reconciler.started).toEqual([0, 10 * BATCH_MS])
    reconciler.finish()
    await advance(60_000)
    expect(reconciler.started).toHaveLength(2)
  })

  it('retries a failed pass after a pause that doubles, not sooner and not in a loop, and logs the same error once', async () => {
    start()
    await advance(0)
    reconciler.finish(new Error('Interface.type is not a string'))
    await advance(0)
    expect(lines.at(-1)).toEqual({level: 'error', message: 'pass failed: Interface.type is not a string; retrying in 1 s, then ever less often, at least every 60 s; not logged again unless the error changes'})
    // A change during the pause does not cut it short.
    reconciler.emit('changed')
    await advance(RETRY_MS - 1)
    expect(reconciler.started).toEqual([0])
    await advance(1)
    expect(reconciler.started).toEqual([0, RETRY_MS])

    // Failing again: the pause doubles.
    reconciler.finish(new Error('Interface.type is not a string'))
    await advance(2 * RETRY_MS - 1)
    expect(reconciler.started).toEqual([0, RETRY_MS])
    await advance(1)
    expect(reconciler.started).toEqual([0, RETRY_MS, 3 * RETRY_MS])
    expect(lines.filter((line) => line.message.startsWith('pass failed'))).toHaveLength(1)
  })

  it('goes back to following changes at once after a pass succeeds again', async () => {
    start()
    await advance(0)
    reconciler.finish(new Error('broken'))
    await advance(RETRY_MS)
    reconciler.finish()
    await advance(10 * BATCH_MS)
    reconciler.emit('changed')
    await advance(0)
    expect(reconciler.started).toEqual([0, RETRY_MS, RETRY_MS + 10 * BATCH_MS])
  })

  it('logs an lport when what is reported for it changes, not on every pass', async () => {
    reconciler.entries = [{lport: 'a', outcome: 'pending', reason: 'no such VF'}]
    start()
    await advance(0)
    reconciler.finish()
    reconciler.emit('changed')
    await advance(BATCH_MS)
    reconciler.finish()
    await advance(0)
    expect(reconciler.started).toHaveLength(2)
    expect(lines.filter((line) => line.lport === 'a')).toEqual([expect.objectContaining({level: 'warn', result: 'pending', reason: 'no such VF'})])

    reconciler.entries = [{lport: 'a', outcome: 'create', reason: 'plugged', interfaceName: 'a', action: {kind: 'create'} as PlanEntry['action']}]
    reconciler.emit('changed')
    await advance(BATCH_MS)
    reconciler.finish()
    await advance(0)
    expect(lines.filter((line) => line.lport === 'a').map((line) => line.result)).toEqual(['pending', 'created'])
  })

  it('on abort, starts nothing new and resolves only once the pass in flight has finished', async () => {
    start()
    await advance(0)
    let resolved = false
    void watching.then(() => (resolved = true))
    reconciler.emit('changed')
    controller.abort()
    await advance(60_000)
    expect(resolved).toBe(false)
    reconciler.finish()
    await advance(0)
    expect(resolved).toBe(true)
    expect(reconciler.started).toEqual([0])
    expect(reconciler.listenerCount('changed')).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('passes again when a provider whose init failed recovers, and says so', async () => {
    let ready = false
    const provider = {
      ...createDummyProvider(),
      type: 'late',
      init: async () => {
        if (!ready) throw new Error('not ready')
      },
    }
    const providers = new ProviderRegistry([{provider, origin: 'test', failure: {call: 'init', reason: 'not ready', exitCode: ExitCode.Connection}}])
    start(providers, 500)
    await advance(0)
    reconciler.finish()
    expect(lines).toContainEqual({level: 'warn', message: 'provider late failed to initialise: not ready; its ports stay pending and its interfaces are not unplugged; retrying every 500 ms'})
    await advance(500)
    expect(reconciler.started).toHaveLength(1)
    ready = true
    await advance(500)
    expect(lines).toContainEqual({level: 'info', message: 'provider late initialised'})
    // The retry's promise chain schedules the pass once the timers of that advance have run.
    await advance(BATCH_MS)
    expect(reconciler.started).toHaveLength(2)
    expect(reconciler.started[1]).toBeGreaterThanOrEqual(1000)
  })

  it("starts a pass when a provider reports a change, and stops listening to it on abort", async () => {
    const listeners = new Set<() => void>()
    const provider = {
      ...createDummyProvider(),
      onChange: (listener: () => void) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    start(new ProviderRegistry([{provider, origin: 'test'}]))
    await advance(0)
    reconciler.finish()
    await advance(0)
    expect(reconciler.started).toHaveLength(1)
    expect(listeners.size).toBe(1)
    for (const listener of listeners) listener()
    await advance(BATCH_MS)
    expect(reconciler.started).toHaveLength(2)
    reconciler.finish()
    controller.abort()
    await watching
    expect(listeners.size).toBe(0)
  })

  it("publishes the watcher's state: at start, on a lock change, while passes fail, and once they work again", async () => {
    const published: WatcherState[] = []
    start(undefined, undefined, (state) => published.push(state))
    expect(published).toEqual([expect.objectContaining({chassis: 'hv1', db: 'unix:/run/openvswitch/db.sock', lock: 'held', pid: process.pid})])
    await advance(0)

    reconciler.lockHeld = false
    reconciler.emit('status', 'the ovn_vif_ctl_reconcile lock was stolen; standing by')
    expect(published.at(-1)).toMatchObject({lock: 'waiting'})
    expect(lines.at(-1)).toEqual({level: 'info', message: 'the ovn_vif_ctl_reconcile lock was stolen; standing by'})

    reconciler.finish(new Error('read-only'))
    await advance(0)
    expect(published.at(-1)).toMatchObject({failing: {kind: 'error', message: 'read-only', attempts: 1}})
    await advance(RETRY_MS)
    reconciler.finish(new Error('read-only'))
    await advance(0)
    expect(published.at(-1)).toMatchObject({failing: {message: 'read-only', attempts: 2, since: published.at(-2)!.failing!.since}})

    await advance(2 * RETRY_MS)
    reconciler.finish()
    await advance(0)
    expect(published.at(-1)!.failing).toBeUndefined()
    expect(lines.at(-1)).toMatchObject({level: 'info', message: expect.stringMatching(/^passes work again, after 2 failed since /)})
  })
})
