import {describe, expect, it} from 'vitest'

import {backoffMs, watcherStateDir} from '../../../src/reconcile/watch-state.js'

describe('the watcher retry pause', () => {
  it('doubles from the first pause after each failure in a row, and stops growing at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => backoffMs(attempts, 1000, 60_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
    expect(backoffMs(10_000, 1000, 60_000)).toBe(60_000)
  })
})

describe('where a watcher keeps its state', () => {
  it('is next to the unix socket of its local DB, else in $OVN_RUNDIR', () => {
    expect(watcherStateDir('unix:/run/openvswitch/db.sock', {})).toBe('/run/openvswitch')
    expect(watcherStateDir('tcp:127.0.0.1:6640', {OVN_RUNDIR: '/run/ovn-x'})).toBe('/run/ovn-x')
    expect(watcherStateDir('tcp:127.0.0.1:6640', {})).toBe('/var/run/ovn')
  })
})
