/**
 * Issue #23's target (f) at scale, alone and cheaply: the peak RSS of `reconcile --watch`, run
 * as the packaged unit runs it, while one NB transaction requests N lports on its chassis and
 * another deletes them. One sandbox serves every run; each run is a fresh watcher, started once
 * the chassis is idle, and stopped once the unplug is done. With --against, another build's
 * watcher runs in turns with this one's, so both see the same load.
 *
 * For each run: the peak (VmHWM), the CPU time (user + sys) over the run, the plug's and the
 * unplug's time as a client of the local DB saw them, and where the RSS was highest: during the
 * plug or the unplug, and how long after that step's NB commit. Numbers only; nothing asserts them.
 *
 *   npm run build && npx tsx bench/reconcile/peak-rss.ts [--lports 10000] [--runs 3] [--against DIR] [--node PATH]
 *       [--node-arg FLAG ...] [--output-dir DIR]
 *
 * --node-arg passes a runtime flag to the watchers (say --trace-gc); --output-dir keeps there
 * each watcher's whole output, as <build>-<run>.log, with the bench's step marks and each
 * change of its RSS by more than 0.5 MB in it, and its /proc smaps at its highest RSS sample
 * above 100 MB (<build>-<run>.peak.smaps) and at the end (<build>-<run>.smaps).
 */
import {spawn} from 'node:child_process'
import {createWriteStream, readFileSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {loadavg} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {ensureRuntime} from '../../scripts/runtimes.js'
import {cpuSeconds, statusKb} from '../proc.js'
import {unitEnvironment} from '../shipped-watcher.js'
import {deleteSwitches, inSandbox, median, pluggedCounter, requestPorts, settle, whenCount} from './measure.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const {values} = parseArgs({options: {lports: {type: 'string', default: '10000'}, runs: {type: 'string', default: '3'}, against: {type: 'string'}, node: {type: 'string'}, 'node-arg': {type: 'string', multiple: true, default: []}, 'output-dir': {type: 'string'}}})
const n = Number(values.lports)
const runs = Number(values.runs)
const node = values.node ?? (await ensureRuntime('embedded')).node
/** Each build's watcher runs with the environment its own unit file gives it. */
const builds = [root, ...(values.against ? [path.resolve(values.against)] : [])].map((dir, index) => ({
  name: index === 0 ? 'this' : 'against',
  dir,
  env: unitEnvironment(readFileSync(path.join(dir, 'contrib', 'ovn-vif-ctl-reconcile.service'), 'utf8')),
}))

interface Run {
  build: string
  peakMb: number
  cpuMs: number
  plugMs: number | null
  unplugMs: number | null
  /** Where the highest RSS sample fell: the step, and ms after its NB commit. */
  peakAt: string
  load: number
}

const results: Run[] = []
await inSandbox(async ({sandbox, nb, closeLater}) => {
  const hv1 = sandbox.chassis[0]!
  const ours = await pluggedCounter(hv1.db)
  closeLater(ours.client)
  for (let run = 1; run <= runs; run++) {
    // Alternate which build goes first, so neither always follows the other's aftermath.
    const order = run % 2 === 1 ? builds : [...builds].reverse()
    for (const build of order) {
      const child = spawn(node, [...values['node-arg'], path.join(build.dir, 'bin', 'run.cjs'), 'reconcile', '--watch', '--log-format', 'json'], {env: {...process.env, ...build.env, OVS_RUNDIR: hv1.dir}})
      let output = ''
      const log = values['output-dir'] === undefined ? undefined : createWriteStream(path.join(values['output-dir'], `${build.name}-${run}.log`))
      const mark = (what: string) => log?.write(`BENCH ${new Date().toISOString()} ${what}\n`)
      for (const stream of [child.stdout, child.stderr]) {
        stream.on('data', (chunk: Buffer) => {
          output = (output + chunk.toString()).slice(-4096)
          log?.write(chunk)
        })
      }
      const exited = new Promise((resolve) => child.on('exit', resolve))
      while (!/acquired the/.test(output)) await new Promise((resolve) => setTimeout(resolve, 10))
      await settle(sandbox)
      let step = 'start'
      let stepStarted = performance.now()
      let highest = {kb: 0, at: 'start'}
      let lastKb = 0
      let smapsAtPeak: Buffer | undefined
      const sampler = setInterval(() => {
        void statusKb(child.pid!, 'VmRSS').then((kb) => {
          if (kb === undefined) return
          const at = `${step} +${(performance.now() - stepStarted).toFixed(0)} ms`
          if (kb > highest.kb) {
            highest = {kb, at}
            if (values['output-dir'] !== undefined && kb > 100 * 1024) void readFile(`/proc/${child.pid}/smaps`).then((text) => (smapsAtPeak = text)).catch(() => undefined)
          }
          if (kb > lastKb + 512 || kb < lastKb - 512) mark(`RSS ${(kb / 1024).toFixed(1)} MB at ${at}`)
          lastKb = kb
        })
      }, 5)
      step = 'plug'
      stepStarted = performance.now()
      mark('plug: NB commit sent')
      const plugged = whenCount(ours.monitor, ours.count, n, stepStarted)
      await requestPorts(nb, n, ['hv1'], `r${run}`)
      const plugMs = await plugged
      mark('plug: all plugged')
      await settle(sandbox)
      step = 'unplug'
      stepStarted = performance.now()
      mark('unplug: NB commit sent')
      const unplugged = whenCount(ours.monitor, ours.count, 0, stepStarted)
      await deleteSwitches(nb, [`r${run}-hv1`])
      const unplugMs = await unplugged
      mark('unplug: none left')
      await settle(sandbox)
      clearInterval(sampler)
      const peakKb = (await statusKb(child.pid!, 'VmHWM')) ?? Number.NaN
      const cpu = (await cpuSeconds(child.pid!)) * 1000
      if (values['output-dir'] !== undefined) {
        await writeFile(path.join(values['output-dir'], `${build.name}-${run}.smaps`), await readFile(`/proc/${child.pid}/smaps`))
        if (smapsAtPeak) await writeFile(path.join(values['output-dir'], `${build.name}-${run}.peak.smaps`), smapsAtPeak)
      }
      child.kill('SIGTERM')
      await exited
      log?.end()
      results.push({build: build.name, peakMb: peakKb / 1024, cpuMs: cpu, plugMs, unplugMs, peakAt: highest.at, load: loadavg()[0]!})
      process.stderr.write(`${JSON.stringify(results.at(-1))}\n`)
    }
  }
})

const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits))
console.log(`N=${n}, ${runs} runs per build, in turns; each watcher as its build's unit runs it (${builds.map((build) => `${build.name}: ${JSON.stringify(build.env)}`).join('; ')})`)
console.log('build    peak MB  CPU ms  plug ms  unplug ms  load  highest RSS sample at')
for (const r of results) {
  console.log(`${r.build.padEnd(7)}  ${fixed(r.peakMb, 1).padStart(7)}  ${fixed(r.cpuMs, 0).padStart(6)}  ${fixed(r.plugMs, 0).padStart(7)}  ${fixed(r.unplugMs, 0).padStart(9)}  ${r.load.toFixed(1).padStart(4)}  ${r.peakAt}`)
}
for (const build of builds) {
  const mine = results.filter((r) => r.build === build.name)
  const of = (pick: (r: Run) => number | null) => fixed(median(mine.map(pick)), 0)
  console.log(`median ${build.name} (${build.dir}): peak ${fixed(median(mine.map((r) => r.peakMb)), 1)} MB, CPU ${of((r) => r.cpuMs)} ms, plug ${of((r) => r.plugMs)} ms, unplug ${of((r) => r.unplugMs)} ms`)
}
