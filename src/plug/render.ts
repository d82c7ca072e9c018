import {ux} from '@oclif/core'

import {formatChange} from './diff.js'
import type {PlugResult} from './run.js'
import type {PortWaitState} from './wait-state.js'

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** The per-port option diff (or "already as requested") and a one-line summary of what was written. */
export function renderChanges(result: PlugResult): string {
  const lines: string[] = []
  for (const port of result.ports) {
    if (port.status === 'no-request') {
      lines.push(...port.notes.map((note) => `${port.lsp}: ${note}`))
      continue
    }

    if (port.changes.length === 0) lines.push(`${port.lsp}: already as requested`)
    for (const change of port.changes) lines.push(`${port.lsp}: ${formatChange(change)}`)
    for (const note of port.notes) lines.push(`${port.lsp}: note: ${note}`)
  }

  const unchanged = result.ports.filter((port) => port.status === 'unchanged').length
  const noRequest = result.ports.filter((port) => port.status === 'no-request').length
  const changing = result.ports.length - unchanged - noRequest
  const left = [
    ...(unchanged > 0 ? [`${count(unchanged, 'port')} already as requested`] : []),
    ...(noRequest > 0 ? [`${count(noRequest, 'port')} without a plug request`] : []),
  ]
  const leftNote = changing > 0 && left.length > 0 ? `; ${left.join(', ')}` : ''
  if (result.dryRun) lines.push(`Dry run: ${count(changing, 'port')} would change${leftNote}; nothing written.`)
  else if (result.committed) lines.push(`Wrote ${count(changing, 'port')} in one transaction${leftNote}.`)
  else if (unchanged === 0 && noRequest > 0) lines.push(`Nothing to write: no port named has a plug request.`)
  else lines.push(`Nothing to write: every port is already as requested${noRequest > 0 ? ` or has no plug request` : ''}.`)
  return lines.join('\n')
}

/** What the wait established, once it is over. */
export function renderWaitOutcome(result: PlugResult): string | undefined {
  if (result.wait === 'sb' && result.nbCfg !== undefined) return `ovn-northd has put it in the Southbound DB (sb_cfg ${result.nbCfg}).`
  if (result.wait === 'hv' && result.nbCfg !== undefined) return `Every chassis's ovn-controller has applied it (hv_cfg ${result.nbCfg}).`
  if (result.wait !== 'plugged') return undefined
  const waited = result.ports.flatMap((port) => (port.waited === undefined ? [] : [`${port.lsp}: ${port.waited}`]))
  return waited.length > 0 ? waited.join('\n') : undefined
}

export interface WaitProgress {
  update(states: readonly PortWaitState[]): void
  /** Ends the display with how the wait ended, e.g. "done" or "failed". */
  stop(outcome: string): void
  /** Ends the display leaving nothing of it on the screen. */
  clear(): void
}

/**
 * --wait plugged progress on stderr: a spinner with counts on a terminal; otherwise a plain
 * line per port as it gets there, so logs stay readable.
 */
export function waitProgress(command: PlugResult['command'], interactive: boolean): WaitProgress {
  const goal = command === 'plug' ? 'plugged' : 'released'
  if (interactive) {
    let started = false
    return {
      update(states) {
        const status = `${states.filter((state) => state.done).length}/${states.length} ${goal}`
        if (started) ux.action.status = status
        else ux.action.start(`Waiting for the ports to be ${goal}`, status)
        started = true
      },
      stop(outcome) {
        if (started) ux.action.stop(outcome)
      },
      clear() {
        // pause() erases the spinner's line and stops it; with its task gone, it does not come back.
        if (started) ux.action.pause(() => {
          ux.action.task = undefined
        })
      },
    }
  }

  const reported = new Set<string>()
  return {
    update(states) {
      const done = states.filter((state) => state.done)
      for (const state of done) {
        if (reported.has(state.lsp)) continue
        reported.add(state.lsp)
        process.stderr.write(`${state.lsp}: ${state.detail} (${reported.size}/${states.length})\n`)
      }
    },
    stop() {},
    clear() {},
  }
}
