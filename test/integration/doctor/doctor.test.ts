import {access, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {useSandbox} from '../../helpers/sandbox.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const initFails = path.resolve(here, '../../fixtures/providers/modules/init-fails.mjs')
// A machine without NICs, so that the card-serial check does not depend on this host's own.
const noNic = path.resolve(here, '../../fixtures/dpu/no-nic')

interface Check {
  id: string
  result: string
  detail: string
  fix?: string
}

describe('doctor against real servers, breaking one thing at a time', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${hv1().db}`, ...args])
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])

  /** Runs doctor on hv1 with only the dummy provider; `flags` replace those defaults. */
  async function doctor(flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<{exitCode: number; checks: Record<string, Check>}> {
    const all = {
      '--db': hv1().db,
      '--nb-db': sandbox().nbDb,
      '--provider': 'dummy',
      '--controller-wait': '1',
      '--northd-wait': '1',
      '--sysfs-root': path.join(noNic, 'sysfs'),
      '--devlink-info-json': path.join(noNic, 'devlink-info.json'),
      ...flags,
    }
    const result = await runCli(['doctor', '--json', ...Object.entries(all).flat()], {env})
    const parsed = JSON.parse(result.stdout) as {checks: Check[]}
    return {exitCode: result.exitCode, checks: Object.fromEntries(parsed.checks.map((check) => [check.id, check]))}
  }

  const results = (checks: Record<string, Check>) => Object.fromEntries(Object.entries(checks).map(([id, check]) => [id, check.result]))

  it('passes every check on a healthy chassis, and prints one line per check', async () => {
    const {exitCode, checks} = await doctor()
    expect(results(checks)).toEqual({
      'ovs-db': 'pass',
      'ovs-db-writable': 'pass',
      'system-id': 'pass',
      'integration-bridge': 'pass',
      southbound: 'pass',
      chassis: 'pass',
      'ovn-controller': 'pass',
      'card-serial': 'info',
      'ovn-controller-version': 'info',
      coexistence: 'pass',
      northbound: 'pass',
      northd: 'pass',
      'provider:dummy': 'pass',
      orphans: 'pass',
      conflicts: 'pass',
      'interface-errors': 'pass',
      reconciler: 'pass',
    })
    expect(exitCode).toBe(0)
    const text = await runCli(['doctor', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--provider', 'dummy'])
    expect(text.stdout).toMatch(/^PASS {2}ovn-controller +running \(pid \d+\); has applied nb_cfg \d+ of \d+$/m)
  })

  it('fails an unreachable local OVS DB with exit 4 and skips what depends on it', async () => {
    const {exitCode, checks} = await doctor({'--db': 'unix:/nonexistent/db.sock'})
    expect(checks['ovs-db']).toMatchObject({result: 'fail', fix: expect.stringContaining('start ovsdb-server')})
    expect(checks['system-id']).toMatchObject({result: 'skip', detail: 'skipped: needs a passing local OVS DB check'})
    expect(checks['integration-bridge']?.result).toBe('skip')
    expect(exitCode).toBe(4)
  })

  it('warns, not fails, when the Northbound DB is not reachable', async () => {
    const {exitCode, checks} = await doctor({'--nb-db': 'unix:/nonexistent/nb.sock'})
    expect(checks.northbound).toMatchObject({result: 'warn', detail: expect.stringMatching(/cannot reach the OVN_Northbound database/)})
    expect(exitCode).toBe(1)
  })

  it('fails a provider whose init throws when a port requested here uses it, and warns about an unused one (devlink missing)', async () => {
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'flaky1', '--', 'set', 'Logical_Switch_Port', 'flaky1', 'options:requested-chassis=hv1', 'options:vif-plug-type=flaky')
    await nbctl('--wait=sb', 'sync')
    const {exitCode, checks} = await doctor({'--provider-module': initFails, '--provider': 'dummy,flaky'})
    expect(checks['provider:flaky']).toMatchObject({result: 'fail', detail: 'failed to initialise: no flaky NIC found; 1 port requested here uses it'})
    expect(exitCode).toBe(1)
    await nbctl('--wait=sb', 'lsp-del', 'flaky1')

    const noDevlink = await doctor({'--provider': 'dummy,representor'}, {PATH: '/nonexistent'})
    expect(noDevlink.checks['provider:representor']).toMatchObject({
      result: 'warn',
      detail: 'failed to initialise: devlink not found: install the iproute2 package (apt-get install iproute2); 0 ports requested here use it',
    })
  })

  it("names the ovn-controller release and the providers built into it, as information that never fails", async () => {
    const {checks} = await doctor({'--provider': 'dummy,representor'})
    expect(checks['ovn-controller-version']).toMatchObject({
      result: 'info',
      detail: expect.stringMatching(/^23\.03\.1 \(from \/usr\/bin\/ovn-controller --version\): a plug may fail with .*identical values.*; it does not unplug for about 10 s after it starts .*; it refuses a VIF whose netdev changed/),
    })
    // Debian's 23.03 binary names vif-plug:representor:pf-mac: it carries the representor provider.
    expect(checks.coexistence).toMatchObject({result: 'info', detail: expect.stringMatching(/^\/usr\/bin\/ovn-controller has the representor provider built in .*both plug ports of type representor; they converge/)})

    const other = await doctor({'--ovn-controller-binary': '/bin/true'})
    expect(other.checks['ovn-controller-version']).toEqual(expect.objectContaining({result: 'info', detail: expect.stringMatching(/^the ovn-controller version is unknown: \/bin\/true --version says "true \(GNU coreutils\)/)}))
    expect(other.checks.coexistence).toMatchObject({result: 'pass', detail: '/bin/true has no VIF plug provider built in: it plugs none of the types loaded here'})
    expect(other.exitCode).toBe(0)
  })

  it('warns about an orphan, fails a conflict and an interface with an OVS error', async () => {
    await nbctl('lsp-add', 'sw0', 'orphan1', '--', 'set', 'Logical_Switch_Port', 'orphan1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await nbctl('lsp-add', 'sw0', 'taken1', '--', 'set', 'Logical_Switch_Port', 'taken1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await nbctl('--wait=sb', 'sync')
    await runCli(['reconcile', '--db', hv1().db, '--provider', 'dummy'])
    await nbctl('--wait=sb', 'lsp-del', 'orphan1')
    await vsctl('del-port', 'br-int', 'taken1', '--', 'add-port', 'br-int', 'tap-foreign', '--', 'set', 'Interface', 'tap-foreign', 'type=internal', 'external_ids:iface-id=taken1')
    await vsctl('add-port', 'br-int', 'broken0', '--', 'set', 'Interface', 'broken0', 'type=no-such-type').catch(() => undefined)

    const {exitCode, checks} = await doctor()
    expect(checks.orphans).toMatchObject({result: 'warn', detail: '1: orphan1', fix: expect.stringContaining('ovn-vif-ctl reconcile')})
    expect(checks.conflicts).toMatchObject({result: 'fail', detail: '1: taken1'})
    expect(checks['interface-errors']).toMatchObject({result: 'fail', detail: expect.stringMatching(/^broken0: could not open network device broken0/)})
    expect(exitCode).toBe(1)

    await vsctl('del-port', 'br-int', 'broken0', '--', 'del-port', 'br-int', 'tap-foreign', '--', 'del-port', 'br-int', 'orphan1')
    await nbctl('--wait=sb', 'lsp-del', 'taken1')
  })

  it('fails an unreachable Southbound DB (ovn-remote at a dead socket) with exit 4', async () => {
    const remote = (await vsctl('get', 'Open_vSwitch', '.', 'external_ids:ovn-remote')).trim()
    await vsctl('set', 'Open_vSwitch', '.', 'external_ids:ovn-remote=unix:/nonexistent/sb.sock')
    try {
      const {exitCode, checks} = await doctor()
      expect(checks.southbound).toMatchObject({result: 'fail', detail: expect.stringContaining('(the remote comes from external_ids:ovn-remote)')})
      expect(checks.chassis?.result).toBe('skip')
      expect(checks['ovn-controller']?.result).toBe('skip')
      expect(checks.orphans).toMatchObject({result: 'skip', detail: 'skipped: needs a passing Southbound DB check'})
      expect(exitCode).toBe(4)
    } finally {
      await vsctl('set', 'Open_vSwitch', '.', `external_ids:ovn-remote=${remote}`)
    }
  })

  it('fails a stopped ovn-northd with exit 4, and one that holds its lock while the Southbound DB lags the Northbound nb_cfg', async () => {
    const nbCfg = Number((await nbctl('get', 'NB_Global', '.', 'nb_cfg')).trim())
    await killSandboxDaemon(sandbox(), 'northd/ovn-northd', 'SIGTERM')
    try {
      // A change waited for by nb_cfg, which no northd takes to the Southbound DB.
      await nbctl('set', 'NB_Global', '.', `nb_cfg=${nbCfg + 1}`)
      const stopped = await doctor()
      expect(stopped.checks.northd).toMatchObject({
        result: 'fail',
        detail: 'not running: nobody holds the ovn_northd lock on the Southbound DB, so Northbound changes do not reach it',
        fix: `start it: ovn-vif-ctl sandbox restart --dir ${sandbox().dir} northd/ovn-northd (this is a sandbox's database)`,
      })
      expect(stopped.exitCode).toBe(4)

      // A northd that holds the lock but does not keep up, as a stuck one would.
      const stuck = await OvsdbClient.connect(sandbox().sbDb, {database: 'OVN_Southbound'})
      try {
        expect(await stuck.lock('ovn_northd')).toBe(true)
        const lagging = await doctor()
        expect(lagging.checks.northd).toMatchObject({
          result: 'fail',
          detail: `running (holds the ovn_northd lock) but the Southbound DB has nb_cfg ${nbCfg} of ${nbCfg + 1} after 1 s: it lags, or cannot write the Southbound DB`,
          fix: expect.stringContaining('ovn-northd log'),
        })
        expect(lagging.exitCode).toBe(1)
      } finally {
        await stuck.close()
      }
    } finally {
      const restart = await runCli(['sandbox', 'restart', '--dir', sandbox().dir, 'northd/ovn-northd'])
      expect(restart.stdout).toBe('started northd/ovn-northd\n')
    }

    const back = await doctor({'--northd-wait': '20'})
    expect(back.checks.northd).toMatchObject({result: 'pass', detail: `running (holds the ovn_northd lock); the Southbound DB has nb_cfg ${nbCfg + 1} of ${nbCfg + 1}`})
  })

  it('finds a running ovn-controller without its pidfile, and fails one stopped cleanly (pidfile gone) with exit 4 and a fix that starts it', async () => {
    const pidfile = path.join(hv1().dir, 'ovn-controller.pid')
    const pid = Number((await readFile(pidfile, 'utf8')).trim())
    await rm(pidfile)
    const running = await doctor()
    expect(running.checks['ovn-controller']).toMatchObject({result: 'pass', detail: expect.stringMatching(new RegExp(`^running \\(pid ${pid}, no pidfile\\); has applied nb_cfg`))})
    await writeFile(pidfile, `${pid}\n`)

    await killSandboxDaemon(sandbox(), 'hv1/ovn-controller', 'SIGTERM')
    try {
      await expect(access(pidfile)).rejects.toThrow()
      const {exitCode, checks} = await doctor()
      expect(checks['ovn-controller']).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(/^not running: no ovn-controller process uses unix:.*\/db\.sock, and no pidfile in /),
        fix: `start it: ovn-vif-ctl sandbox restart --dir ${sandbox().dir} hv1/ovn-controller (this is a sandbox's database)`,
      })
      expect(exitCode).toBe(4)
    } finally {
      // Every stopped daemon, when none is named; the running ones are left alone.
      const restart = await runCli(['sandbox', 'restart', '--dir', sandbox().dir])
      expect(restart.stdout).toBe('started hv1/ovn-controller\n')
    }
  })

  // From here on ovn-controller stays dead, so it cannot repair what the next tests break.
  it('fails a dead ovn-controller with exit 4', async () => {
    await killSandboxDaemon(sandbox(), 'hv1/ovn-controller')
    const {exitCode, checks} = await doctor()
    expect(checks['ovn-controller']).toMatchObject({result: 'fail', detail: expect.stringMatching(/^not running: .*ovn-controller\.pid names pid \d+, which has exited$/)})
    expect(exitCode).toBe(4)
  })

  it('fails a missing Chassis row', async () => {
    await run('ovn-sbctl', [`--db=${sandbox().sbDb}`, 'chassis-del', 'hv1'])
    const {exitCode, checks} = await doctor()
    expect(checks.chassis).toMatchObject({result: 'fail', detail: 'the Southbound DB has no Chassis row named hv1', fix: expect.stringContaining('ovn-controller')})
    expect(checks['ovn-controller']?.result).toBe('skip')
    expect(exitCode).toBe(1)
  })

  it('fails a missing integration bridge, then a missing system-id', async () => {
    await vsctl('del-br', 'br-int')
    const noBridge = await doctor()
    expect(noBridge.checks['integration-bridge']).toMatchObject({result: 'fail', detail: 'br-int does not exist', fix: expect.stringContaining('ovs-vsctl add-br br-int')})
    expect(noBridge.checks.conflicts?.result).toBe('skip')

    await vsctl('remove', 'Open_vSwitch', '.', 'external_ids', 'system-id')
    const {exitCode, checks} = await doctor()
    expect(checks['system-id']).toMatchObject({result: 'fail', fix: 'ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME (the chassis name)'})
    expect(checks.chassis).toMatchObject({result: 'skip', detail: 'skipped: needs a passing system-id check'})
    expect(exitCode).toBe(1)
  })
})
