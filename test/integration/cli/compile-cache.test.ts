import {chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

/** The compiled code a run kept under `directory`, as file paths relative to it. */
async function cachedFiles(directory: string): Promise<string[]> {
  return (await readdir(directory, {recursive: true, withFileTypes: true})).filter((entry) => entry.isFile()).map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
}

describe("the runtime's compile cache", () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-compile-cache-'))
  })
  afterAll(async () => rm(dir, {recursive: true, force: true}))

  // Answered by oclif, whose bundle is compiled at every start like a command's.
  const help = (cacheHome: string) => runCli(['status', '--help'], {env: {XDG_CACHE_HOME: cacheHome, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined}})

  it("is kept in $XDG_CACHE_HOME/ovn-vif-ctl, created 0700, and a run from it answers the same", async () => {
    const cacheHome = path.join(dir, 'home-cache')
    const first = await help(cacheHome)
    expect(first.exitCode).toBe(0)
    const cache = path.join(cacheHome, 'ovn-vif-ctl')
    expect((await stat(cache)).mode & 0o777).toBe(0o700)
    expect(await cachedFiles(cache)).not.toEqual([])

    const second = await help(cacheHome)
    expect(second).toEqual(first)
  })

  it('is left out, the command answering the same, where the directory cannot be created', async () => {
    const reference = await help(path.join(dir, 'reference'))
    // A path under a regular file: no user, root included, can create it.
    const file = path.join(dir, 'a-file')
    await writeFile(file, '')
    expect(await help(path.join(file, 'cache'))).toEqual(reference)
  })

  it('is left out, and no home created, where the home does not exist', async () => {
    const home = path.join(dir, 'no-such-home')
    const result = await runCli(['status', '--help'], {env: {HOME: home, XDG_CACHE_HOME: undefined, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined}})
    expect(result.exitCode).toBe(0)
    await expect(stat(home)).rejects.toMatchObject({code: 'ENOENT'})
  })

  it('is left out where others can write the directory: the runtime would run the code found there', async () => {
    const cacheHome = path.join(dir, 'shared')
    await mkdir(path.join(cacheHome, 'ovn-vif-ctl'), {recursive: true})
    await chmod(path.join(cacheHome, 'ovn-vif-ctl'), 0o777)
    const result = await help(cacheHome)
    expect(result.exitCode).toBe(0)
    expect(await cachedFiles(path.join(cacheHome, 'ovn-vif-ctl'))).toEqual([])
  })
})
