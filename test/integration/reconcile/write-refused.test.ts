import {stat} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {readWatcherState} from '../../../src/reconcile/watch-state.js'
import {readPid, run} from '../../../src/sandbox/daemon.js'
import {VSWITCH_SCHEMA} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {afterNextAttemptMs, eventually, listRows, waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

interface Check {
  id: string
  result: string
  detail: string
  fix?: string
}

async function doctorChecks(args: string[]): Promise<{exitCode: number; checks: Record<string, Check>}> {
  const result = await runCli(['doctor', '--json', '--provider', 'dummy', '--controller-wait', '0', '--northd-wait', '0', ...args])
  const {checks} = JSON.parse(result.stdout) as {checks: Check[]}
  return {exitCode: result.exitCode, checks: Object.fromEntries(checks.map((check) => [check.id, check]))}
}

describe('reconcile and doctor against a local OVS DB that refuses writes, with real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const servers: OvsdbServer[] = []
  const watchers: CliProcess[] = []
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()))
  })
  afterAll(async () => {
    await Promise.all(servers.map(stopOvsdbServer))
  })

  describe('a read-only backup server (ovsdb-server --sync-from)', () => {
    let backup: OvsdbServer
    beforeAll(async () => {
      const hv1 = sandbox().chassis[0]!
      backup = await startOvsdbServer({dir: path.join(sandbox().dir, 'backup'), schemaFile: VSWITCH_SCHEMA, syncFrom: hv1.db})
      servers.push(backup)
      await eventually('the backup to copy the active server', async () => {
        const [root] = await listRows('ovs-vsctl', backup.unixRemote, 'Open_vSwitch', ['external_ids'])
        return (root?.external_ids as Record<string, string> | undefined)?.['system-id'] === 'hv1' ? root : undefined
      })
    })

    const readOnlyLine = () =>
      new RegExp(`^ovn-vif-ctl: the local Open_vSwitch DB at ${backup.unixRemote} is read-only \\(a backup server, ovsdb-server --sync-from\\): point --db at the active server, or make this one active \\(ovs-appctl -t ovsdb-server ovsdb-server/disconnect-active-ovsdb-server\\)\\n$`)

    it('reconcile exits 4 with one line naming the fix, for a one-shot and for --watch', async () => {
      const oneShot = await runCli(['reconcile', '--db', backup.unixRemote, '--provider', 'dummy'])
      expect(oneShot.stderr).toMatch(readOnlyLine())
      expect(oneShot.exitCode).toBe(4)

      const watch = await runCli(['reconcile', '--watch', '--db', backup.unixRemote, '--provider', 'dummy'])
      expect(watch.stderr).toMatch(readOnlyLine())
      expect(watch.exitCode).toBe(4)
    })

    it('doctor fails its writable check with a fix, exit 4', async () => {
      const {exitCode, checks} = await doctorChecks(['--db', backup.unixRemote, '--nb-db', sandbox().nbDb])
      expect(checks['ovs-db']?.result).toBe('pass')
      expect(checks['ovs-db-writable']).toMatchObject({
        result: 'fail',
        detail: `${backup.unixRemote} is read-only: a backup server (ovsdb-server --sync-from) refuses every write`,
        fix: 'point --db at the active server, or make this one active (ovs-appctl -t ovsdb-server ovsdb-server/disconnect-active-ovsdb-server)',
      })
      expect(exitCode).toBe(4)
    })
  })

  describe('a full disk under the local OVS DB (its file may not grow: a file size limit on a server that ignores SIGXFSZ)', () => {
    const chassis = 'hvfull'
    let local: OvsdbServer
    beforeAll(async () => {
      local = await startOvsdbServer({dir: path.join(sandbox().dir, 'full'), schemaFile: VSWITCH_SCHEMA, survivesFileSizeLimit: true})
      servers.push(local)
      await run('ovs-vsctl', [`--db=${local.unixRemote}`, '--no-wait', '--', 'init', '--', 'set', 'Open_vSwitch', '.',
        `external_ids:system-id=${chassis}`, `external_ids:ovn-remote=${sandbox().sbDb}`, '--', 'add-br', 'br-int'])
      await run('ovn-sbctl', [`--db=${sandbox().sbDb}`, 'chassis-add', chassis, 'geneve', '127.0.0.99'])
    })

    const request = (lport: string) => ['--', 'lsp-add', 'sw-full', lport, '--', 'set', 'Logical_Switch_Port', lport, `options:requested-chassis=${chassis}`, 'options:vif-plug-type=dummy']

    it('reconcile --watch backs off, says once what is wrong, status and doctor report it, and it recovers once there is room', async () => {
      const watcher = new CliProcess(['reconcile', '--watch', '--db', local.unixRemote, '--provider', 'dummy', '--log-format', 'json'])
      watchers.push(watcher)
      await watcher.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
      await nbctl('ls-add', 'sw-full', ...request('full1'))
      await waitForPluggedInterfaces(local.unixRemote, 'full', ['full1'])

      const pid = (await readPid(local.pidfile))!
      await run('prlimit', ['--pid', String(pid), `--fsize=${(await stat(local.dbFile)).size}:unlimited`])
      await nbctl(...request('full2'))
      await watcher.waitForLine(
        /"message":"pass failed: the local Open_vSwitch DB at unix:\S+ cannot store writes \(I\/O error: \S+: write failed \(File too large\)\): free space on the disk that holds its database file \(or lift the file size limit\); nothing was written; retrying in 1 s/,
      )
      const state = await eventually('three failed passes', async () => {
        const current = await readWatcherState(local.unixRemote)
        return (current?.failing?.attempts ?? 0) >= 3 ? current : undefined
      })
      const problem = expect.stringMatching(/^the local Open_vSwitch DB at unix:\S+ cannot store writes \(I\/O error: \S+: write failed \(File too large\)\)$/)
      expect(state).toMatchObject({chassis, lock: 'held', failing: {kind: 'io-error', message: problem}})
      expect(watcher.lines.filter((line) => line.includes('pass failed'))).toHaveLength(1)

      const status = await runCli(['status', '--db', local.unixRemote, '--nb-db', sandbox().nbDb, '--provider', 'dummy'])
      expect(status.stderr).toMatch(/^ovn-vif-ctl: warning: reconcile --watch cannot reconcile this chassis: the local Open_vSwitch DB at unix:\S+ cannot store writes \(I\/O error: .*\) \(since \S+, \d+ failed passes; next try at \S+\); ovn-vif-ctl doctor says how to fix it$/m)
      const doctor = await doctorChecks(['--db', local.unixRemote, '--nb-db', sandbox().nbDb])
      expect(doctor.checks.reconciler).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(/^running \(pid \d+, holds the lock\) but its passes fail: the local Open_vSwitch DB at unix:\S+ cannot store writes \(I\/O error: .*\) \(since \S+, \d+ failed; next try at \S+\)$/),
        fix: 'free space on the disk that holds its database file (or lift the file size limit); nothing was written',
        unreachable: true,
      })
      expect(doctor.exitCode).toBe(4)

      await run('prlimit', ['--pid', String(pid), '--fsize=unlimited'])
      const timeoutMs = await afterNextAttemptMs(local.unixRemote)
      await waitForPluggedInterfaces(local.unixRemote, 'full', ['full1', 'full2'], timeoutMs)
      await watcher.waitForLine(/passes work again, after \d+ failed since /)
      // The state file is rewritten just after the log line.
      const cleared = await eventually('the published state to clear', async () => {
        const current = await readWatcherState(local.unixRemote)
        return current && !current.failing ? current : undefined
      })
      expect(cleared.lock).toBe('held')
      await nbctl('ls-del', 'sw-full')
    })
  })
})
