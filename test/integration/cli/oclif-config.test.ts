import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'

/**
 * oclif's user plugins live in its data directory ($XDG_DATA_HOME/ovn-vif-ctl/package.json, as
 * `plugins install` writes it): this CLI has no such command, and loads none of them.
 */
describe('a user plugin in the data directory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-user-plugin-'))
    const plugin = path.join(dir, 'plugin')
    await mkdir(plugin)
    await writeFile(path.join(plugin, 'package.json'), JSON.stringify({name: 'user-plugin', version: '1.0.0', oclif: {hooks: {init: './init.cjs'}}}))
    await writeFile(path.join(plugin, 'init.cjs'), "module.exports = async function () { process.stderr.write('the user plugin ran\\n') }\n")
    await mkdir(path.join(dir, 'data', 'ovn-vif-ctl'), {recursive: true})
    const plugins = [{type: 'link', name: 'user-plugin', root: plugin}]
    await writeFile(path.join(dir, 'data', 'ovn-vif-ctl', 'package.json'), JSON.stringify({private: true, oclif: {schema: 1, plugins}}))
  })
  afterAll(async () => rm(dir, {recursive: true, force: true}))

  it('is neither loaded nor run', async () => {
    const result = await runCli(['status', '--help'], {env: {XDG_DATA_HOME: path.join(dir, 'data')}})
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('USAGE')
  })
})
