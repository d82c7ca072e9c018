import type {MonitorRequests, OvsdbClient, Replica, Tables, UntypedTables} from '../ovsdb/index.js'

/** How following ended: the condition held, or the time was up, the connection was lost, or the signal aborted. */
export type FollowEnd = 'reached' | 'timed out' | 'disconnected' | 'interrupted'

export interface FollowOptions {
  /** Give up after this long: 0 checks the rows as first read and no more; Infinity never gives up. */
  timeoutMs: number
  /** Aborting it ends the follow ('interrupted'). */
  signal?: AbortSignal
}

/**
 * Monitors the rows asked for until `reached` holds for them, and says how that ended, with the
 * rows as they were then. The monitor's updates wake it, no polling: `reached` is checked once at
 * the start and once per update, not once per row it changes, since it may read every row and an
 * update of thousands of ports checked row by row is quadratic. A lost connection ends it at
 * once, since no update can come on it. The monitor is cancelled before it returns.
 */
export async function followUntil<T extends Tables<T> = UntypedTables>(
  client: OvsdbClient,
  requests: MonitorRequests<NoInfer<T>>,
  reached: (replica: Replica<NoInfer<T>>) => boolean,
  options: FollowOptions,
): Promise<{end: FollowEnd; replica: Replica<T>}> {
  const monitor = await client.monitor<T>(requests)
  try {
    const end = await new Promise<FollowEnd>((resolve) => {
      let ended = false
      let checkQueued = false
      const queueCheck = () => {
        if (checkQueued) return
        checkQueued = true
        queueMicrotask(() => {
          checkQueued = false
          if (!ended && reached(monitor.replica)) finish('reached')
        })
      }

      const lost = () => finish('disconnected')
      const interrupted = () => finish('interrupted')
      const timer = Number.isFinite(options.timeoutMs) ? setTimeout(() => finish('timed out'), options.timeoutMs) : undefined
      function finish(how: FollowEnd): void {
        ended = true
        clearTimeout(timer)
        monitor.off('change', queueCheck)
        client.off('disconnected', lost)
        options.signal?.removeEventListener('abort', interrupted)
        resolve(how)
      }

      if (reached(monitor.replica)) return finish('reached')
      if (options.signal?.aborted) return finish('interrupted')
      monitor.on('change', queueCheck)
      client.on('disconnected', lost)
      options.signal?.addEventListener('abort', interrupted)
    })
    return {end, replica: monitor.replica}
  } finally {
    await monitor.cancel().catch(() => undefined)
  }
}
