/**
 * For reconcile --watch and status --watch, which keep running for weeks. Their live data is
 * small, but every bulk update brings tens of MB of short-lived objects, and with V8's defaults
 * the heap grows to several times the live data before it is collected. --optimize-for-size
 * makes V8 collect sooner without slowing a pass beyond noise. The flag steers heap sizing at
 * each collection, so setting it after start-up takes effect. reconcile --watch sets it at
 * start: its peak RSS must stay under 150 MB at 10k ports. status --watch sets it once its first
 * read is done, so that the first screen is not delayed. Figures: bench/RESULTS.md.
 */
export function favourMemoryOverSpeed(): void {
  setV8Flag('--optimize-for-size')
}

/**
 * For reconcile --watch, idle most of its life: no on-stack replacement. V8 still optimises a
 * function once it is called often, so a pass's per-row work is optimised as before; what it no
 * longer does is switch a loop that runs once to optimised code mid-loop. Start-up has such a
 * loop (the JSON splitter over the servers' schemas), and compiling it was the only use of
 * TurboFan in an idle watcher: the optimising compiler's own code then stayed resident for the
 * process's life. Set at run time: NODE_OPTIONS does not take the flag.
 */
export function optimiseOnlyOnCall(): void {
  setV8Flag('--no-use-osr')
}

// node:v8 is loaded here, by the commands that set a flag, not by every command importing this module.
function setV8Flag(flag: string): void {
  process.getBuiltinModule('node:v8').setFlagsFromString(flag)
}
