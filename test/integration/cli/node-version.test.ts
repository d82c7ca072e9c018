import {execFileSync} from 'node:child_process'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJs, runProgram} from '../../helpers/cli.js'

// The distribution's own Node.js, older than the floor, as a user's PATH may have it.
const OLD_NODE = '/usr/bin/node'
const WARNING = /^ovn-vif-ctl: Node\.js v\d+\.\d+\.\d+ is older than 22, the oldest it supports: run it on Node\.js 22 or later, or install the \.deb or tarball, which carry their own\n$/

describe('the CLI on a Node.js older than the floor', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-node-version-'))
  })
  afterAll(async () => rm(dir, {recursive: true, force: true}))

  it('runs on a runtime older than 22 here', () => {
    expect(Number(execFileSync(OLD_NODE, ['-p', 'process.versions.node'], {encoding: 'utf8'}).split('.')[0])).toBeLessThan(22)
  })

  it('says so in one line on stderr, and still answers --version', async () => {
    const result = await runProgram(OLD_NODE, [runJs, '--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^ovn-vif-ctl\/\S+ linux-\S+ node-v\d+\./)
    expect(result.stderr).toMatch(WARNING)
  })

  it('answers --help as on a supported runtime, with no compile cache', async () => {
    const cacheHome = path.join(dir, 'cache')
    const old = await runProgram(OLD_NODE, [runJs, 'status', '--help'], {env: {XDG_CACHE_HOME: cacheHome, NODE_COMPILE_CACHE: undefined}})
    const supported = await runCli(['status', '--help'])
    expect(old.exitCode).toBe(0)
    expect(old.stderr).toMatch(WARNING)
    expect(old.stdout).toBe(supported.stdout)
    expect(await readdir(dir)).toEqual([])
  })

  it('says nothing on a supported runtime', async () => {
    const result = await runCli(['--version'])
    expect(result.stderr).toBe('')
  })
})
