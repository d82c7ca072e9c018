import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const runJs = path.join(root, 'bin', 'run.cjs')

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
}

/** Runs a program to its end, resolving also on a non-zero exit (the test asserts the code). */
export function runProgram(
  file: string,
  args: readonly string[],
  options: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string} = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      // Far above any output a test reads: beyond maxBuffer, execFile kills the child, which reads as exit 1.
      {cwd: options.cwd, env: {...process.env, NO_COLOR: '1', ...options.env}, timeout: options.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024},
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        // A program that could not be started (ENOENT, EACCES) says so in stderr, as a shell would.
        const spawnError = error && typeof error.code === 'string' ? `${error.message}\n` : ''
        resolve({stdout, stderr: spawnError + stderr, exitCode})
      },
    )
    // Without input, stdin stays an open pipe, as under a supervisor that never closes it.
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}

/**
 * Runs the built CLI as an operator would (a separate process, real exit code). The tests
 * run after `npm run build`; run it first when calling vitest by hand.
 */
export function runCli(args: readonly string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CliResult> {
  if (!existsSync(path.join(root, 'dist', 'ovn-vif-ctl.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the CLI tests')
  }

  return runProgram(process.execPath, [runJs, ...args], options)
}
