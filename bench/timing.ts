/**
 * What the start-up benches share: each command's wall times and CPU time against `node -e 0`.
 * On a shared machine the wall time follows the load; the CPU time (user + sys) of the command
 * itself varies much less, so both are printed.
 */
import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {promisify} from 'node:util'

const exec = promisify(execFile)

/** CPU seconds of this process's children that have ended (Linux: cutime and cstime in /proc, in 1/100 s). */
export async function childrenCpuSeconds(): Promise<number> {
  const fields = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ')
  return (Number(fields[13]) + Number(fields[14])) / 100
}

export function median(samples: readonly number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!
}

/** The runtime's bare start: the median wall time of `node -e 0` over `runs` starts, in ms. */
export async function bareStartMs(node: string, runs = 9): Promise<number> {
  const samples: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    await exec(node, ['-e', '0'])
    samples.push(performance.now() - started)
  }

  return median(samples)
}

/** The runtime's bare RSS: what `node -e` reports for itself at the end of a start, in MB. */
export async function bareRssMb(node: string): Promise<number> {
  const {stdout} = await exec(node, ['-e', 'process.stdout.write(String(process.memoryUsage.rss()))'])
  return Number(stdout) / 1024 / 1024
}

export interface Measured {
  wallMs: number[]
  /** CPU time over all the measured runs. */
  cpuMs: number
}

export interface Row {
  name: string
  medianMs: number
  minMs: number
  maxMs: number
  ratio: number
  cpuMs: number
  cpuRatio: number
}

/** Each command's median, spread and mean CPU time, and both ratios to `base`. */
export function summarise(measured: ReadonlyMap<string, Measured>, base: string): Row[] {
  const reference = measured.get(base)!
  return [...measured].map(([name, {wallMs, cpuMs}]) => ({
    name,
    medianMs: median(wallMs),
    minMs: Math.min(...wallMs),
    maxMs: Math.max(...wallMs),
    ratio: median(wallMs) / median(reference.wallMs),
    cpuMs: cpuMs / wallMs.length,
    cpuRatio: cpuMs / wallMs.length / (reference.cpuMs / reference.wallMs.length),
  }))
}

export function printRows(rows: readonly Row[]): void {
  const width = Math.max(...rows.map((row) => row.name.length))
  console.log(`${'command'.padEnd(width)} ${'median ms'.padStart(9)}  ${'(min-max)'.padEnd(15)} ${'ratio'.padStart(6)}  ${'CPU ms'.padStart(6)} ${'CPU ratio'.padStart(9)}`)
  for (const row of rows) {
    console.log(`${row.name.padEnd(width)} ${row.medianMs.toFixed(0).padStart(9)}  ${`(${row.minMs.toFixed(0)}-${row.maxMs.toFixed(0)})`.padEnd(15)} ${`${row.ratio.toFixed(2)}x`.padStart(6)}  ${row.cpuMs.toFixed(0).padStart(6)} ${`${row.cpuRatio.toFixed(2)}x`.padStart(9)}`)
  }
}

/**
 * Each row beside the row named `againstName(row.name)`, where there is one: both median wall
 * times and mean CPU times, and this one's over the other's (below 1: this one is faster).
 */
export function printSideBySide(rows: readonly Row[], againstName: (name: string) => string): void {
  const byName = new Map(rows.map((row) => [row.name, row]))
  const pairs = rows.flatMap((row) => {
    const other = byName.get(againstName(row.name))
    return other === undefined ? [] : [{row, other}]
  })
  const width = Math.max(...pairs.map(({row}) => row.name.length), 'command'.length)
  console.log(`${'command'.padEnd(width)} ${'wall ms'.padStart(7)} ${'against'.padStart(7)} ${'ratio'.padStart(6)}  ${'CPU ms'.padStart(6)} ${'against'.padStart(7)} ${'ratio'.padStart(6)}`)
  for (const {row, other} of pairs) {
    const wall = `${row.medianMs.toFixed(0).padStart(7)} ${other.medianMs.toFixed(0).padStart(7)} ${`${(row.medianMs / other.medianMs).toFixed(2)}x`.padStart(6)}`
    const cpu = `${row.cpuMs.toFixed(0).padStart(6)} ${other.cpuMs.toFixed(0).padStart(7)} ${`${(row.cpuMs / other.cpuMs).toFixed(2)}x`.padStart(6)}`
    console.log(`${row.name.padEnd(width)} ${wall}  ${cpu}`)
  }
}
