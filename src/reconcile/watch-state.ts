import {readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {isRunning} from '../lib/processes.js'
import type {WriteRefusalKind} from '../lib/write-refusal.js'

/** Why passes fail: the local OVS DB refuses writes (read-only, a full disk), or anything else. */
export type PassFailureKind = WriteRefusalKind | 'error'

export interface PassFailure {
  kind: PassFailureKind
  /** The last error, one line. */
  message: string
  /** When the first pass of this run of failures failed (ISO 8601). */
  since: string
  /** Failed passes in a row. */
  attempts: number
  /** When the next pass is due (ISO 8601): the pause doubles after each failure, up to a cap. */
  nextAttemptAt: string
}

/**
 * What a running `reconcile --watch` says about itself, each time it changes: for `status` and
 * `doctor` (through a file in the run directory), and for metrics.
 */
export interface WatcherState {
  pid: number
  chassis: string
  /** The local Open_vSwitch DB it reconciles, as its --db (or default) names it. */
  db: string
  startedAt: string
  /** 'held': it acts; 'waiting': another reconciler holds the lock and it stands by. */
  lock: 'held' | 'waiting'
  /** Present while passes fail. */
  failing?: PassFailure
}

/** The pause before the next pass after `attempts` failed passes in a row: doubling from firstMs, capped at maxMs. */
export function backoffMs(attempts: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30))
}

const PREFIX = 'ovn-vif-ctl-reconcile.'

/**
 * Where watchers of this local DB leave their state: next to its unix socket (the run
 * directory the service may write), else $OVN_RUNDIR. One file per watcher process, so a
 * second watcher standing by never overwrites the active one's state.
 */
export function watcherStateDir(ovsDb: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return ovsDb.startsWith('unix:') ? path.dirname(ovsDb.slice('unix:'.length)) : env.OVN_RUNDIR || '/var/run/ovn'
}

/** A file's watcher still runs: its pid is alive and is a reconcile (not a reused pid). */
async function isWatcher(pid: number): Promise<boolean> {
  if (!(await isRunning(pid))) return false
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  return cmdline === undefined || cmdline.includes('reconcile')
}

async function readStates(dir: string): Promise<Array<{file: string; state: WatcherState | undefined}>> {
  const names = (await readdir(dir).catch((): string[] => [])).filter((name) => name.startsWith(PREFIX) && name.endsWith('.json'))
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name)
      const text = await readFile(file, 'utf8').catch(() => undefined)
      try {
        return {file, state: text === undefined ? undefined : (JSON.parse(text) as WatcherState)}
      } catch {
        return {file, state: undefined}
      }
    }),
  )
}

/** The state of the watcher of this local DB that runs, preferring the one holding the lock; undefined when none runs. */
export async function readWatcherState(ovsDb: string, env?: Readonly<Record<string, string | undefined>>): Promise<WatcherState | undefined> {
  const running: WatcherState[] = []
  for (const {state} of await readStates(watcherStateDir(ovsDb, env))) {
    if (state?.db === ovsDb && typeof state.pid === 'number' && (await isWatcher(state.pid))) running.push(state)
  }

  return running.find((state) => state.lock === 'held') ?? running[0]
}

/** This process's state file: each write replaces it whole (a rename), in order; remove() at exit. */
export class WatcherStateFile {
  readonly file: string
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly dir: string,
    private readonly onError: (error: Error) => void,
  ) {
    this.file = path.join(dir, `${PREFIX}${process.pid}.json`)
  }

  /** Removes the files of watchers that died without removing theirs (SIGKILL, a crash). */
  async sweep(): Promise<void> {
    for (const {file, state} of await readStates(this.dir)) {
      if (file !== this.file && (state === undefined || !(await isWatcher(state.pid)))) await rm(file, {force: true})
    }
  }

  write(state: WatcherState): Promise<void> {
    const temporary = `${this.file}.tmp`
    this.writing = this.writing
      .then(() => writeFile(temporary, `${JSON.stringify(state)}\n`))
      .then(() => rename(temporary, this.file))
      .catch((error: unknown) => this.onError(error as Error))
    return this.writing
  }

  async remove(): Promise<void> {
    await this.writing
    await rm(this.file, {force: true})
  }
}
