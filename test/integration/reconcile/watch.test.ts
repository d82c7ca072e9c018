import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'

import {readWatcherState} from '../../../src/reconcile/watch-state.js'
import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon, restartSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {afterNextAttemptMs, eventually, listRows, pluggedInterfaceNames, waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

const LATE_PROVIDER = fileURLToPath(new URL('../../fixtures/reconcile/late-provider.mjs', import.meta.url))
const BAD_ROW_PROVIDER = fileURLToPath(new URL('../../fixtures/reconcile/bad-row-provider.mjs', import.meta.url))

describe('reconcile --watch, against real servers', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const watchers: CliProcess[] = []
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()))
  })

  function startWatcher(extra: string[] = [], env: NodeJS.ProcessEnv = {}): CliProcess {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--log-format', 'json', ...extra], env)
    watchers.push(watcher)
    return watcher
  }

  const pluggedNames = (prefix: string) => pluggedInterfaceNames(hv1().db, prefix)
  const waitForPlugged = (prefix: string, expected: string[]) => waitForPluggedInterfaces(hv1().db, prefix, expected)

  it('follows changes, keeps valid ports through an SB crash, and converges after it', async () => {
    const watcher = startWatcher()
    await watcher.waitForLine(/"message":"reconciling chassis hv1 on br-int"/)
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'w1', '--', 'lsp-add', 'sw0', 'w2', '--',
      'set', 'Logical_Switch_Port', 'w1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy', '--',
      'set', 'Logical_Switch_Port', 'w2', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await waitForPlugged('w', ['w1', 'w2'])
    await watcher.waitForLine(/"result":"created","lport":"w1"|"lport":"w1".*"result":"created"/)

    // The Southbound server crashes. While it is down, nothing valid may be unplugged.
    await killSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    await watcher.waitForLine(/lost the Southbound DB/)
    // A local change makes the watcher plan a pass during the outage: an interface it would unplug
    // as an orphan with complete views. Its "kept" line proves that pass ran, and w1, w2 stay.
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'add-port', 'br-int', 'x-orphan', '--', 'set', 'Interface', 'x-orphan', 'type=internal',
      'external_ids:iface-id=x-orphan', 'external_ids:ovn-plugged=dummy'])
    await watcher.waitForLine(/"lport":"x-orphan".*not unplugged until the database views are complete/)
    expect(await pluggedNames('w')).toEqual(['w1', 'w2'])

    // A change made while SB is away (NB only) is applied once SB is back and northd catches up.
    await nbctl('lsp-del', 'w2', '--', 'set', 'Logical_Switch_Port', 'w1', 'options:vif-plug-mtu-request=1600')
    await restartSandboxDaemon(sandbox(), 'sb/ovsdb-server')
    await waitForPlugged('w', ['w1'])
    await waitForPlugged('x-orphan', [])
    await eventually('w1 mtu_request 1600', async () => {
      const [row] = (await listRows('ovs-vsctl', hv1().db, 'Interface', ['name', 'mtu_request'])).filter((r) => r.name === 'w1')
      return row?.mtu_request === 1600 ? row : undefined
    })

    // A local edit is put back.
    await run('ovs-vsctl', [`--db=${hv1().db}`, 'set', 'Interface', 'w1', 'mtu_request=440'])
    await eventually('w1 mtu_request put back to 1600', async () => {
      const [row] = (await listRows('ovs-vsctl', hv1().db, 'Interface', ['name', 'mtu_request'])).filter((r) => r.name === 'w1')
      return row?.mtu_request === 1600 ? row : undefined
    })

    watcher.kill('SIGTERM')
    expect(await watcher.exited).toBe(0)
    await nbctl('ls-del', 'sw0')
  })

  it('survives a crash of the local OVS database server', async () => {
    const watcher = startWatcher()
    await watcher.waitForLine(/"message":"reconciling chassis hv1/)
    await nbctl('ls-add', 'sw1', '--', 'lsp-add', 'sw1', 'o1', '--', 'set', 'Logical_Switch_Port', 'o1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await waitForPlugged('o', ['o1'])
    await killSandboxDaemon(sandbox(), 'hv1/ovsdb-server')
    await watcher.waitForLine(/lost the local Open_vSwitch DB/)
    await nbctl('lsp-add', 'sw1', 'o2', '--', 'set', 'Logical_Switch_Port', 'o2', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await restartSandboxDaemon(sandbox(), 'hv1/ovsdb-server')
    await waitForPlugged('o', ['o1', 'o2'])
    await nbctl('ls-del', 'sw1')
    await waitForPlugged('o', [])
  })

  it('lets only one of two watchers act: the second waits for the lock, and takes over when the first stops', async () => {
    const first = startWatcher()
    await first.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
    const second = startWatcher()
    await second.waitForLine(/another reconciler holds the ovn_vif_ctl_reconcile lock on this chassis; waiting for it/)

    first.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    await second.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
    await nbctl('ls-add', 'sw2', '--', 'lsp-add', 'sw2', 'l1', '--', 'set', 'Logical_Switch_Port', 'l1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await waitForPlugged('l', ['l1'])
    await nbctl('ls-del', 'sw2')
    await waitForPlugged('l', [])
  })

  it('keeps the lock, and says nothing about it, while a one-shot reconcile waits for it and gives up', async () => {
    const watcher = startWatcher()
    await watcher.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
    const from = watcher.lines.length
    await nbctl('ls-add', 'sw-lock', '--', 'lsp-add', 'sw-lock', 'lk1', '--', 'set', 'Logical_Switch_Port', 'lk1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await nbctl('--wait=sb', 'sync')
    const oneShot = await runCli(['reconcile', '--db', hv1().db])
    expect(oneShot.stderr).toContain('another reconciler (reconcile --watch) holds the lock on this chassis: showing the plan only')

    // The server tells the lock's holder "locked" again when a waiter leaves: the watcher, which
    // never lost the lock, must not log that it acquired it. Its own later transaction on the
    // same connection comes after that notification, so once lk2 is plugged the log is complete.
    await nbctl('lsp-add', 'sw-lock', 'lk2', '--', 'set', 'Logical_Switch_Port', 'lk2', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await waitForPlugged('lk', ['lk1', 'lk2'])
    await watcher.waitForLine(/"lport":"lk2"/, {from})
    expect(watcher.lines.slice(from).filter((line) => /lock/.test(line))).toEqual([])
    await nbctl('ls-del', 'sw-lock')
    await waitForPlugged('lk', [])
  })

  it('logs losing the lock with the connection to the local OVS DB, and acquiring it again', async () => {
    const watcher = startWatcher()
    await watcher.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/)
    const from = watcher.lines.length
    await killSandboxDaemon(sandbox(), 'hv1/ovsdb-server')
    await watcher.waitForLine(/lost the local Open_vSwitch DB, and with it the ovn_vif_ctl_reconcile lock/, {from})
    await restartSandboxDaemon(sandbox(), 'hv1/ovsdb-server')
    await watcher.waitForLine(/acquired the ovn_vif_ctl_reconcile lock/, {from})
  })

  it('retries a failed pass after pauses that grow, says so once, and recovers once the cause is gone', async () => {
    const watcher = startWatcher(['--provider-module', BAD_ROW_PROVIDER])
    await watcher.waitForLine(/"message":"reconciling chassis hv1 on br-int"/)
    await nbctl('ls-add', 'sw-retry', '--', 'lsp-add', 'sw-retry', 'bad1', '--',
      'set', 'Logical_Switch_Port', 'bad1', 'options:requested-chassis=hv1', 'options:vif-plug-type=badrow')
    await watcher.waitForLine(/pass failed: .*Interface\.type.*; retrying in 1 s, then ever less often, at least every 60 s; not logged again unless the error changes/)
    // The watcher's published state counts the failed passes; the log says it once.
    const state = await eventually('three failed passes', async () => {
      const current = await readWatcherState(hv1().db)
      return (current?.failing?.attempts ?? 0) >= 3 ? current : undefined
    })
    expect(state).toMatchObject({chassis: 'hv1', db: hv1().db, lock: 'held', failing: {kind: 'error', message: expect.stringMatching(/Interface\.type/)}})
    expect(watcher.lines.filter((line) => line.includes('pass failed'))).toHaveLength(1)

    await nbctl('lsp-del', 'bad1', '--', 'lsp-add', 'sw-retry', 'good1', '--',
      'set', 'Logical_Switch_Port', 'good1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    await waitForPluggedInterfaces(hv1().db, 'good1', ['good1'], await afterNextAttemptMs(hv1().db))
    await watcher.waitForLine(/passes work again, after \d+ failed since /)
    // The state file is rewritten just after the log line.
    const cleared = await eventually('the published state to clear', async () => {
      const current = await readWatcherState(hv1().db)
      return current && !current.failing ? current : undefined
    })
    expect(cleared.lock).toBe('held')
    await nbctl('ls-del', 'sw-retry')
    await waitForPlugged('good1', [])
  })

  it('keeps retrying a provider whose init failed, and plugs its ports once it works', async () => {
    const ready = path.join(sandbox().dir, 'late-provider-ready')
    const watcher = startWatcher(['--provider-module', LATE_PROVIDER, '--retry-init-ms', '100'], {OVN_VIF_TEST_PROVIDER_READY: ready})
    await watcher.waitForLine(/provider late failed to initialise: not ready.*retrying every 100 ms/)
    await nbctl('ls-add', 'sw3', '--', 'lsp-add', 'sw3', 'late1', '--', 'set', 'Logical_Switch_Port', 'late1', 'options:requested-chassis=hv1', 'options:vif-plug-type=late')
    await watcher.waitForLine(/"lport":"late1","result":"pending".*provider late failed to initialise/)
    expect(await pluggedNames('late')).toEqual([])

    await writeFile(ready, '')
    await watcher.waitForLine(/provider late initialised/)
    await waitForPlugged('late', ['late1'])
    await nbctl('ls-del', 'sw3')
    await waitForPlugged('late', [])
  })
})
