import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {VSWITCH_SCHEMA} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {eventually, listRows} from '../../helpers/ovs.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../helpers/ovsdb-server.js'
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
  const servers: OvsdbServer[] = []
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
})
