import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {readPid} from '../sandbox/daemon.js'

type Env = Readonly<Record<string, string | undefined>>

/**
 * Whether a process runs: signal 0 checks without sending anything (EPERM: it runs, as another
 * user). A zombie (killed, not yet reaped by its parent) answers signal 0 too: /proc tells.
 */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }

  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  // The state follows the parenthesised command name, which may itself hold spaces or parentheses.
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
}

/** Where a daemon's pidfile may be: next to the local DB socket, then $OVN_RUNDIR, then $OVS_RUNDIR. */
export function pidfileCandidates(daemon: string, ovsDb: string, env: Env): string[] {
  const dirs = [
    ...(ovsDb.startsWith('unix:') ? [path.dirname(ovsDb.slice('unix:'.length))] : []),
    env.OVN_RUNDIR || '/var/run/ovn',
    env.OVS_RUNDIR || '/var/run/openvswitch',
  ]
  return [...new Set(dirs)].map((dir) => path.join(dir, `${daemon}.pid`))
}

/** The first of the candidate pidfiles that names a pid. */
export async function readPidfile(candidates: readonly string[]): Promise<{file: string; pid: number} | undefined> {
  for (const file of candidates) {
    const pid = await readPid(file)
    if (pid !== undefined) return {file, pid}
  }

  return undefined
}

/** An OVS/OVN database remote as a daemon takes it on its command line. */
const REMOTE_ARGUMENT = /^(unix|tcp|ssl):/

/**
 * A running process of this program (by /proc/PID/comm) whose command line names the remote,
 * or, when `remoteIsDefault`, names no remote at all (it uses its default socket): how a daemon
 * started without a pidfile where we look, or in another run directory, is still found.
 */
export async function findProcess(program: string, remote: string, remoteIsDefault: boolean): Promise<number | undefined> {
  const pids = (await readdir('/proc').catch((): string[] => [])).filter((entry) => /^\d+$/.test(entry))
  for (const pid of pids) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')
    // comm is cut at 15 bytes.
    if (comm.trim() !== program.slice(0, 15)) continue
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').slice(1)
    const remotes = args.filter((arg) => REMOTE_ARGUMENT.test(arg))
    if (remotes.includes(remote) || (remoteIsDefault && remotes.length === 0)) return Number(pid)
  }

  return undefined
}
