/**
 * Where a process's time went, from the profile `node --cpu-prof` wrote: self time per function
 * (the samples taken while it was on top of the stack) and per script, largest first.
 */
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  /** Microseconds from the sample before (the first: from startTime). */
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  ms: number
  share: number
}

export interface ProfileSummary {
  file: string
  totalMs: number
  functions: SelfTime[]
  scripts: SelfTime[]
}

/**
 * A script's URL made short: node_modules/<package>, dist/<file>, or node:<module>. Without a URL,
 * V8's own entries ((idle), (garbage collector), (program)) stand for themselves, the rest is native.
 */
function scriptOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/')
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!
  }

  return url.startsWith('node:') ? url : path.relative(process.cwd(), url.replace(/^file:\/\//, ''))
}

function largest(totals: Map<string, number>, totalMs: number, top: number): SelfTime[] {
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({name, ms, share: ms / totalMs}))
}

/** The top self-time entries of the one profile in dir (the process's main thread). */
export async function summariseProfile(dir: string, top = 8): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'))
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`)
  const file = path.join(dir, files.sort().at(-1)!)
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const functions = new Map<string, number>()
  const scripts = new Map<string, number>()
  let totalMs = 0
  // A sample stands for the time until the next one.
  for (let index = 0; index < profile.samples.length; index++) {
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000
    const {functionName, url, lineNumber} = nodes.get(profile.samples[index]!)!.callFrame
    const script = scriptOf(url, functionName)
    const name = url === '' ? functionName : `${functionName || '(anonymous)'} ${script}:${lineNumber + 1}`
    functions.set(name, (functions.get(name) ?? 0) + ms)
    scripts.set(script, (scripts.get(script) ?? 0) + ms)
    totalMs += ms
  }

  return {file, totalMs, functions: largest(functions, totalMs, top), scripts: largest(scripts, totalMs, top)}
}

export function printProfile(title: string, {file, totalMs, functions, scripts}: ProfileSummary): void {
  console.log(`\n${title}: ${totalMs.toFixed(0)} ms sampled (${file})`)
  const print = (heading: string, entries: SelfTime[]) => {
    console.log(`  ${heading}`)
    for (const {name, ms, share} of entries) console.log(`    ${ms.toFixed(1).padStart(7)} ms ${(100 * share).toFixed(1).padStart(5)}%  ${name}`)
  }

  print('self time by function:', functions)
  print('self time by script:', scripts)
}
