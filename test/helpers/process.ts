import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const runJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/run.cjs')

/** A long-running CLI process (reconcile --watch, status --watch) whose output lines a test can await. */
export class CliProcess {
  readonly lines: string[] = []
  readonly exited: Promise<number | null>
  private readonly child: ChildProcessWithoutNullStreams
  private waiters: Array<() => void> = []

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [runJs, ...args], {env: {...process.env, NO_COLOR: '1', ...env}})
    let pending = ''
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const parts = pending.split('\n')
      pending = parts.pop() ?? ''
      this.lines.push(...parts)
      for (const wake of this.waiters.splice(0)) wake()
    }

    this.child.stdout.on('data', onData)
    this.child.stderr.on('data', onData)
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const wake of this.waiters.splice(0)) wake()
      resolve(code)
    }))
  }

  get pid(): number {
    return this.child.pid!
  }

  /** Resolves with the first line (from `from` on) that matches, or fails after timeoutMs showing the output. */
  async waitForLine(pattern: RegExp, {from = 0, timeoutMs = 20_000} = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.slice(from).find((line) => pattern.test(line))
      if (found !== undefined) return found
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no line matching ${pattern} (exit ${this.child.exitCode}); output:\n${this.lines.join('\n')}`)
      }

      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal)
  }

  /** Stops it (SIGKILL if SIGTERM is not enough): for afterAll/afterEach. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.kill('SIGTERM')
    const timer = setTimeout(() => this.kill('SIGKILL'), 5000)
    await this.exited
    clearTimeout(timer)
  }
}
