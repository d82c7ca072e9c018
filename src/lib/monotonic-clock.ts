/**
 * Milliseconds on a monotonic clock, as performance.now() counts them but from another origin:
 * the global `performance` loads node:perf_hooks and a dozen of Node's modules on its first use,
 * which then stay resident, and `reconcile --watch` times each of its passes for weeks.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
