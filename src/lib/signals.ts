/** The signals that ask a long-running command (a --watch, plug --wait) to stop. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

export type StopSignal = (typeof STOP_SIGNALS)[number]

/**
 * Runs `work` with a signal that aborts on the first SIGINT or SIGTERM, its reason the name of
 * the signal received, so that the command can finish what is in flight and exit on its own
 * terms. The handlers are removed when `work` settles: a later signal gets Node's default.
 */
export async function untilStopSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = () => controller.abort(name)
    process.once(name, handler)
    return [name, handler] as const
  })
  try {
    return await work(controller.signal)
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler)
  }
}
