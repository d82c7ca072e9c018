import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {isOurDaemon, readPid} from '../../src/sandbox/daemon.js'
import {readSandboxState, startSandbox, stopSandbox} from '../../src/sandbox/sandbox.js'
import {runCli} from '../helpers/cli.js'
import {TEST_SANDBOX_ROOT} from '../helpers/sandbox.js'

// Where Debian's OVS/OVN put runtime files by default: a sandbox must write none of them.
const SYSTEM_DIRS = ['/var/run/openvswitch', '/var/log/openvswitch', '/var/run/ovn', '/var/log/ovn', '/etc/openvswitch', '/etc/ovn']

async function listSystemFiles(): Promise<string[]> {
  const all = await Promise.all(SYSTEM_DIRS.map(async (dir) => (await readdir(dir).catch(() => [])).map((f) => path.join(dir, f))))
  return all.flat().sort()
}

async function newDir(): Promise<string> {
  await mkdir(TEST_SANDBOX_ROOT, {recursive: true})
  return mkdtemp(path.join(TEST_SANDBOX_ROOT, 'life-'))
}

async function runningPids(pidfiles: string[]): Promise<number[]> {
  const pids: number[] = []
  for (const pidfile of pidfiles) {
    const pid = await readPid(pidfile)
    if (pid !== undefined && (await isOurDaemon(pid, pidfile))) pids.push(pid)
  }

  return pids
}

/** Live processes whose command line mentions path: what a sandbox in path would have started. */
async function processesMentioning(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`)
  }

  return found
}

describe('sandbox lifecycle', () => {
  const started: string[] = []
  afterAll(async () => {
    for (const dir of started) await stopSandbox(dir).catch(() => undefined)
  })

  it('runs two sandboxes side by side and stops exactly its own processes, leaving nothing behind', async () => {
    const systemBefore = await listSystemFiles()
    const [a, b] = await Promise.all([newDir(), newDir()])
    started.push(a, b)
    const [first, second] = await Promise.all([startSandbox({dir: a}), startSandbox({dir: b, chassis: ['hv1', 'hv2']})])
    expect(await runningPids(first.daemons.map((d) => d.pidfile))).toHaveLength(6)
    expect(await runningPids(second.daemons.map((d) => d.pidfile))).toHaveLength(9)

    await stopSandbox(a)
    expect(await runningPids(first.daemons.map((d) => d.pidfile))).toEqual([])
    expect(existsSync(a)).toBe(false)
    // The other sandbox is untouched and still works.
    expect(await runningPids(second.daemons.map((d) => d.pidfile))).toHaveLength(9)
    expect((await runCli(['sandbox', 'status', '--dir', b])).stdout).toContain('running  hv2/ovn-controller')

    await stopSandbox(b)
    expect(existsSync(b)).toBe(false)
    expect([...(await processesMentioning(a)), ...(await processesMentioning(b))]).toEqual([])
    expect(await listSystemFiles()).toEqual(systemBefore)
  })

  it('cleans up what it started when a start fails half-way', async () => {
    const dir = await newDir()
    // A file where hv1's directory must go: the central servers start, then the chassis fails.
    await writeFile(path.join(dir, 'hv1'), 'in the way')
    await expect(startSandbox({dir})).rejects.toThrow(/hv1/)
    // The central servers did start (their logs are there), and none of them is left running.
    expect(existsSync(path.join(dir, 'northd', 'ovn-northd.log'))).toBe(true)
    expect(await processesMentioning(dir)).toEqual([])
    await expect(readSandboxState(dir)).rejects.toThrow(/no sandbox/)
  })

  it('is driven from the CLI: start, env, status, stop', async () => {
    const dir = path.join(await newDir(), 'cli')
    started.push(dir)
    const start = await runCli(['sandbox', 'start', '--dir', dir, '--chassis', 'hv1,hv2', '--controller-vif-plug', '--vif-plug-chassis', 'hv2'])
    expect(start.exitCode).toBe(0)
    expect(start.stdout).toContain(`chassis hv2: unix:${dir}/hv2/db.sock (encap 127.0.0.12, ovn-controller, --enable-dummy-vif-plug)`)
    expect(start.stdout).toContain(`chassis hv1: unix:${dir}/hv1/db.sock (encap 127.0.0.11, ovn-controller)`)

    const env = await runCli(['sandbox', 'env', '--dir', dir, '--chassis', 'hv2'])
    expect(env.stdout.split('\n')).toEqual(
      expect.arrayContaining([`export OVN_NB_DB=unix:${dir}/nb/nb.sock`, `export OVN_SB_DB=unix:${dir}/sb/sb.sock`, `export OVS_RUNDIR=${dir}/hv2`]),
    )

    const status = await runCli(['sandbox', 'status', '--json'], {env: {OVN_VIF_CTL_SANDBOX: dir}})
    const daemons = JSON.parse(status.stdout).daemons as {name: string; running: boolean}[]
    expect(daemons.filter((d) => d.running).map((d) => d.name).sort()).toEqual([
      'hv1/ovn-controller', 'hv1/ovs-vswitchd', 'hv1/ovsdb-server',
      'hv2/ovn-controller', 'hv2/ovs-vswitchd', 'hv2/ovsdb-server',
      'nb/ovsdb-server', 'northd/ovn-northd', 'sb/ovsdb-server',
    ])

    const stop = await runCli(['sandbox', 'stop', '--dir', dir])
    expect(stop).toMatchObject({exitCode: 0, stdout: `stopped 9 daemons; removed ${dir}\n`})
    expect(existsSync(dir)).toBe(false)
  })

  it('names the Debian packages and exits 5 when the OVN programs are missing', async () => {
    const result = await runCli(['sandbox', 'start'], {env: {PATH: '/nonexistent'}})
    expect(result.exitCode).toBe(5)
    expect(result.stderr.trim()).toMatch(/^ovn-vif-ctl: missing .*ovn-nbctl.*: install them with 'apt-get install openvswitch-switch ovn-central ovn-host'$/)
  })

  it('refuses a bad chassis name with exit 3, and unknown flags with exit 2, in one line', async () => {
    const bad = await runCli(['sandbox', 'start', '--chassis', 'hv1,bad name'])
    expect(bad).toMatchObject({exitCode: 3})
    expect(bad.stderr).toContain("ovn-vif-ctl: bad chassis name 'bad name'")
    const unknown = await runCli(['sandbox', 'start', '--chasis', 'hv1'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).not.toMatch(/\n\s+at /)
    const noDir = await runCli(['sandbox', 'stop', '--dir', '/nonexistent/sandbox'])
    expect(noDir.exitCode).not.toBe(0)
    expect(noDir.stderr).not.toMatch(/\n\s+at /)
  })
})
