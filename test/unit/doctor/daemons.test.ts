import {describe, expect, it} from 'vitest'

import {checkWatcher, startFix} from '../../../src/doctor/daemons.js'
import type {StatusRow} from '../../../src/status/model.js'

describe('the fix for a daemon that does not run', () => {
  it('names its unit and the package unit on a packaged system', () => {
    expect(startFix('ovn-controller', 'ovn-host')).toBe('start it: systemctl start ovn-controller (or the package\'s unit, systemctl start ovn-host), then see its log')
  })

  it('names the sandbox command for a sandbox database', () => {
    expect(startFix('ovn-northd', 'ovn-central', {dir: '/tmp/ovn', name: 'northd/ovn-northd'})).toBe(
      'start it: ovn-vif-ctl sandbox restart --dir /tmp/ovn northd/ovn-northd (this is a sandbox\'s database)',
    )
  })
})

describe('the reconcile --watch check', () => {
  const waiting: StatusRow = {lport: 'vm1', state: 'pending', reason: 'not reconciled yet: reconcile would plug vm1'}

  it('passes without a watcher while nothing waits for a reconcile, and warns while something does', () => {
    expect(checkWatcher(undefined, [])).toMatchObject({result: 'pass'})
    expect(checkWatcher(undefined, [waiting, {...waiting, lport: 'vm2'}])).toMatchObject({
      result: 'warn',
      detail: 'none runs for this local DB: ports are plugged only when reconcile runs, and 2 ports wait for it',
    })
  })

  it('passes a healthy watcher, standing by or not', () => {
    const state = {pid: 7, chassis: 'hv1', db: 'unix:/run/openvswitch/db.sock', startedAt: '2026-01-01T00:00:00.000Z', lock: 'waiting' as const}
    expect(checkWatcher(state, [waiting])).toEqual({result: 'pass', detail: 'running (pid 7, stands by: another reconciler holds the lock)'})
  })

  it('fails a watcher whose passes fail: a refused write is a server problem (exit 4), anything else is not', () => {
    const failing = {kind: 'io-error' as const, message: 'the local Open_vSwitch DB at X cannot store writes (I/O error: ...)', since: 'S', attempts: 4, nextAttemptAt: 'N'}
    const state = {pid: 7, chassis: 'hv1', db: 'X', startedAt: 'T', lock: 'held' as const, failing}
    expect(checkWatcher(state, [])).toMatchObject({result: 'fail', unreachable: true, fix: expect.stringMatching(/^free space/)})
    expect(checkWatcher({...state, failing: {...failing, kind: 'error'}}, [])).toMatchObject({result: 'fail', unreachable: false, fix: 'see its log: journalctl -u ovn-vif-ctl-reconcile'})
  })
})
