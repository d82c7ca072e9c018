/** What the benches read of a running process from Linux's /proc. */
import {readFile} from 'node:fs/promises'

import {readPid} from '../src/sandbox/daemon.js'
import type {Sandbox} from '../src/sandbox/sandbox.js'

/** A size field of /proc/<pid>/status in kB (VmRSS now, VmHWM its peak), or undefined once the process is gone. */
export async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/** CPU seconds (user + sys) a live process has used so far (utime and stime, in 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** The pid of a sandbox daemon (say `hv2/ovn-controller`), from its pidfile. */
export async function daemonPid(sandbox: Sandbox, daemon: string): Promise<number> {
  const pid = await readPid(sandbox.daemons.find((candidate) => candidate.name === daemon)!.pidfile)
  if (pid === undefined) throw new Error(`${daemon} has no pid: did it stop?`)
  return pid
}
