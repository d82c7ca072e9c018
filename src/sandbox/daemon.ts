import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** Runs a program with fixed arguments (never through a shell) and returns its stdout. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() || error.message
          reject(new Error(`${file} ${args.join(' ')}: ${detail}`))
          return
        }

        resolve(stdout)
      },
    )
  })
}

export interface DaemonSpec {
  /** A short label, for messages and the sandbox's state file. */
  name: string
  binary: string
  args: readonly string[]
  env: NodeJS.ProcessEnv
  pidfile: string
  logfile: string
  /** Signals the daemon starts with ignored (a disposition exec keeps), set by a shell in between. */
  ignoredSignals?: readonly NodeJS.Signals[]
}

/**
 * Starts an OVS/OVN daemon with --detach: the program itself returns only once it is ready
 * (its sockets are listening), so no polling is needed, and it outlives this process.
 */
export async function startDaemon(spec: DaemonSpec): Promise<number> {
  const argv = [spec.binary, '--detach', '--no-chdir', `--pidfile=${spec.pidfile}`, `--log-file=${spec.logfile}`, ...spec.args]
  const ignored = (spec.ignoredSignals ?? []).map((signal) => signal.replace(/^SIG/, ''))
  // The program and its arguments reach the shell as positional parameters, never as script text.
  const [file, ...args] = ignored.length > 0 ? ['/bin/sh', '-c', `trap '' ${ignored.join(' ')}; exec "$@"`, 'sh', ...argv] : argv
  await run(file!, args, {env: spec.env})
  const pid = await readPid(spec.pidfile)
  if (pid === undefined) throw new Error(`${spec.name} started but wrote no pidfile at ${spec.pidfile}`)
  return pid
}

export async function readPid(pidfile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidfile, 'utf8')).trim(), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * True when pid is alive and its command line names the pidfile we gave it. The check keeps a
 * stale pidfile whose pid was reused by an unrelated process from getting that process killed.
 */
export async function isOurDaemon(pid: number, pidfile: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes(pidfile)
  } catch {
    return false
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Stops the daemon recorded in pidfile: SIGTERM, then SIGKILL if it is still there after graceMs. */
export async function stopDaemon(pidfile: string, graceMs = 3000): Promise<'stopped' | 'not-running'> {
  const pid = await readPid(pidfile)
  if (pid === undefined || !(await isOurDaemon(pid, pidfile))) return 'not-running'
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return 'not-running'
  }

  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!(await isOurDaemon(pid, pidfile))) return 'stopped'
    await sleep(20)
  }

  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // It exited between the last check and the kill.
  }

  while (await isOurDaemon(pid, pidfile)) await sleep(10)
  return 'stopped'
}
