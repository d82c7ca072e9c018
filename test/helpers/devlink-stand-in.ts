import {chmod, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {eventually} from './ovs.js'

/** One run of the stand-in's `devlink -j port show`: when, and which dump it printed (undefined: it failed). */
export interface DevlinkCall {
  atMs: number
  served?: string
}

/**
 * A program named `devlink` that the representor provider runs from PATH (its default) in
 * place of iproute2's: `-j port show` prints the dump last given to serve(), or exits 1 after
 * fail(); `-j monitor port` exits 1, so the provider polls. Every `port show` is recorded, so a
 * test waits for the provider to have read (or failed to read) rather than for a while.
 */
export class DevlinkStandIn {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<DevlinkStandIn> {
    const standIn = new DevlinkStandIn(dir)
    const script = [
      '#!/bin/sh',
      `dir='${dir}'`,
      'case "$*" in *monitor*) echo "devlink stand-in: no monitor" >&2; exit 1 ;; esac',
      'if [ -e "$dir/fail" ]; then echo "$(date +%s%3N) -" >> "$dir/calls"; echo "kernel answers EIO (stand-in)" >&2; exit 1; fi',
      // The label first: a dump that changes after this line is read again on the next poll.
      'label=$(cat "$dir/label")',
      'cat "$dir/port-show.json" || exit 1',
      'echo "$(date +%s%3N) $label" >> "$dir/calls"',
      '',
    ].join('\n')
    await writeFile(path.join(dir, 'devlink'), script)
    await chmod(path.join(dir, 'devlink'), 0o755)
    return standIn
  }

  /** The environment that makes a child run this stand-in as devlink. */
  env(): NodeJS.ProcessEnv {
    return {PATH: `${this.dir}:${process.env.PATH ?? ''}`}
  }

  /** From now on print this dump (labelled, to tell in calls() which dump a read got). */
  async serve(json: string, label: string): Promise<void> {
    await writeFile(path.join(this.dir, 'port-show.json.tmp'), json)
    await rename(path.join(this.dir, 'port-show.json.tmp'), path.join(this.dir, 'port-show.json'))
    await writeFile(path.join(this.dir, 'label'), label)
    await rm(path.join(this.dir, 'fail'), {force: true})
  }

  /** From now on exit 1, as devlink does when the kernel cannot be asked. */
  async fail(): Promise<void> {
    await writeFile(path.join(this.dir, 'fail'), '')
  }

  async calls(): Promise<DevlinkCall[]> {
    const text = await readFile(path.join(this.dir, 'calls'), 'utf8').catch(() => '')
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [at, label] = line.split(' ')
        return {atMs: Number(at), ...(label === '-' ? {} : {served: label})}
      })
  }

  /** Resolves with the first call from sinceMs (epoch) on that matches. */
  async waitForCall(what: string, sinceMs: number, matches: (call: DevlinkCall) => boolean, timeoutMs = 30_000): Promise<DevlinkCall> {
    return eventually(`devlink stand-in: ${what}`, async () => (await this.calls()).find((call) => call.atMs >= sinceMs && matches(call)), timeoutMs)
  }
}
