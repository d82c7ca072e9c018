import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(root, 'bin', 'run.cjs'), ...args], (error, stdout) => (error ? reject(error) : resolve(stdout)))
  })
}

describe('--version', () => {
  it('prints what oclif would (its user agent), without loading oclif', async () => {
    const config = await Config.load(root)
    expect(await run(['--version'])).toBe(`${config.userAgent}\n`)
    expect(await run(['-v'])).toBe(`${config.userAgent}\n`)
  })
})
