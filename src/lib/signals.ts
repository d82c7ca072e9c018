/** The signals that ask a long-running command (a --watch) to stop. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

export interface SignalAbort {
  /** Aborts on the first of the signals received while armed; its reason is the signal's name. */
  readonly signal: AbortSignal
  /** From now on the signals abort `signal` instead of taking their default action. */
  arm(): void
  /** The signals take their default action again. */
  disarm(): void
}

/**
 * An AbortSignal for process signals, armed and disarmed by the caller: for a command that lets
 * a signal end what it is doing (a watch, a wait) rather than the process, and only from the
 * moment it can finish on its own terms. Each signal aborts once; a second one takes the default.
 */
export function signalAbort(signals: readonly NodeJS.Signals[] = STOP_SIGNALS): SignalAbort {
  const controller = new AbortController()
  const handlers = signals.map((name) => [name, () => controller.abort(name)] as const)
  let armed = false
  return {
    signal: controller.signal,
    arm() {
      if (armed) return
      armed = true
      for (const [name, handler] of handlers) process.once(name, handler)
    },
    disarm() {
      armed = false
      for (const [name, handler] of handlers) process.off(name, handler)
    },
  }
}

/**
 * Runs `work` with a signal that aborts on the first SIGINT or SIGTERM, so that the command can
 * finish what is in flight and exit on its own terms. The handlers are removed when `work`
 * settles: a later signal takes Node's default.
 */
export async function untilStopSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = signalAbort()
  stop.arm()
  try {
    return await work(stop.signal)
  } finally {
    stop.disarm()
  }
}
