import {execFile} from 'node:child_process'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT} from '../../../scripts/gen-man.js'
import {run} from '../../../src/sandbox/daemon.js'
import {sandboxEnv} from '../../../src/sandbox/sandbox.js'
import {runProgram} from '../../helpers/cli.js'
import {eventually} from '../../helpers/ovs.js'
import {useSandbox} from '../../helpers/sandbox.js'

const exec = promisify(execFile)
const UNIT = path.join(ROOT, 'contrib', 'ovn-vif-ctl-reconcile.service')

const outcome = runProgram

/**
 * The package as an operator gets it: `npm pack` of the build, installed globally into a
 * temporary prefix (from the npm cache, as `npm ci` filled it), run from another directory.
 */
describe('the npm package, installed globally', () => {
  const sandbox = useSandbox()
  let work = ''
  let prefix = ''
  let installed = ''

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-package-'))
    prefix = path.join(work, 'prefix')
    // The tests run after `npm run build`: pack that build instead of building again (prepack).
    const {stdout} = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {cwd: ROOT})
    const [{filename}] = JSON.parse(stdout) as [{filename: string}]
    await exec('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(work, filename)], {cwd: work})
    installed = path.join(prefix, 'bin', 'ovn-vif-ctl')
  }, 120_000)

  afterAll(async () => {
    if (work) await rm(work, {recursive: true, force: true})
  })

  it('ships only what runs it, and its runtime dependencies', async () => {
    const packageDir = path.join(prefix, 'lib', 'node_modules', 'ovn-vif-ctl')
    const {stdout} = await exec('npm', ['ls', '--depth=0', '--json', '--omit=dev'], {cwd: packageDir})
    const {dependencies} = JSON.parse(stdout) as {dependencies: Record<string, unknown>}
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {dependencies: Record<string, string>}
    expect(Object.keys(dependencies).sort()).toEqual(Object.keys(manifest.dependencies).sort())
    expect((await readdir(packageDir)).sort()).toEqual(['README.md', 'bin', 'dist', 'man', 'node_modules', 'oclif.manifest.json', 'package.json'])
  })

  it('answers --help from any directory, and installs its man page', async () => {
    const {stdout, exitCode} = await outcome(installed, ['--help'], {cwd: os.tmpdir()})
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^ {2}reconcile /m)
    expect(await readFile(path.join(prefix, 'share', 'man', 'man8', 'ovn-vif-ctl.8'), 'utf8')).toBe(await readFile(path.join(ROOT, 'man', 'ovn-vif-ctl.8'), 'utf8'))
  })

  it('plugs, reconciles and shows the port plugged against real servers', async () => {
    const env = sandboxEnv(sandbox())
    await run('ovn-nbctl', [`--db=${sandbox().nbDb}`, 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'vm1'])
    const cli = (...args: string[]) => outcome(installed, args, {cwd: work, env})
    expect((await cli('plug', 'vm1', '--chassis', 'hv1', '--type', 'dummy', '--wait', 'sb')).exitCode).toBe(0)
    const reconciled = await cli('reconcile')
    expect(reconciled.stdout).toMatch(/^created +vm1 /m)
    const status = await eventually('vm1 claimed and up', async () => {
      const shown = await cli('status', '-f', 'json')
      return shown.exitCode === 0 ? shown : undefined
    })
    expect(JSON.parse(status.stdout)).toMatchObject({rows: [{lport: 'vm1', state: 'plugged'}]})
  })

  it('is what contrib/ovn-vif-ctl-reconcile.service runs: systemd-analyze verify finds nothing wrong', async () => {
    const unit = path.join(work, path.basename(UNIT))
    const text = await readFile(UNIT, 'utf8')
    expect(text).toContain('ExecStart=/usr/bin/ovn-vif-ctl ')
    await writeFile(unit, text.replace('ExecStart=/usr/bin/ovn-vif-ctl ', `ExecStart=${installed} `))
    // Documentation=man:ovn-vif-ctl(8) is checked with man(1): the installed page must be found.
    const {stdout, stderr, exitCode} = await outcome('systemd-analyze', ['verify', unit], {env: {MANPATH: path.join(prefix, 'share', 'man'), SYSTEMD_LOG_LEVEL: 'notice'}})
    expect(stderr).toBe('')
    expect(stdout).toBe('')
    expect(exitCode).toBe(0)
  })
})
