import {spawn} from 'node:child_process'

import type {CliProcess} from './process.js'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy

/** The samples of a text exposition, label values unescaped; comments skipped. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    LABEL.lastIndex = 0
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped))
    samples.push({name: match[1]!, labels, value: Number(match[3])})
  }

  return samples
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value
}

/** The port a reconcile --watch --metrics-address serves on, from its log line. */
export async function metricsPortOf(watcher: CliProcess): Promise<number> {
  const line = await watcher.waitForLine(/serving metrics on http:/)
  return Number(/:(\d+)\/metrics/.exec(line)![1])
}

export async function scrape(port: number, path = '/metrics'): Promise<{status: number; body: string}> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return {status: response.status, body: await response.text()}
}

/** Runs promtool with `input` on stdin. */
export function promtool(args: readonly string[], input: string): Promise<{exitCode: number | null; output: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args)
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({exitCode, output}))
    child.stdin.end(input)
  })
}
