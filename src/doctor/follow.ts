import type {MonitorRequests, OvsdbClient, Replica} from '../ovsdb/index.js'

/**
 * Monitors the rows asked for until `done` holds for them or timeoutMs passes, and returns
 * `done`'s last verdict with the rows as they were then. The monitor's updates wake it: no polling.
 */
export async function followUntil(client: OvsdbClient, requests: MonitorRequests, done: (replica: Replica) => boolean, timeoutMs: number): Promise<{done: boolean; replica: Replica}> {
  const monitor = await client.monitor(requests)
  try {
    const reached = done(monitor.replica) || (await new Promise<boolean>((resolve) => {
      const finish = (verdict: boolean) => {
        clearTimeout(timer)
        monitor.off('change', check)
        resolve(verdict)
      }

      const check = () => {
        if (done(monitor.replica)) finish(true)
      }

      const timer = setTimeout(() => finish(false), timeoutMs)
      monitor.on('change', check)
    }))
    return {done: reached, replica: monitor.replica}
  } finally {
    await monitor.cancel().catch(() => undefined)
  }
}
