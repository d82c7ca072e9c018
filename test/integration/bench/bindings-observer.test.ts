import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readCommits, dateWhenCounted} from '../../../bench/reconcile/commit-log.js'
import {bindingsObserver, type BindingsObserver, deleteSwitches, requestPorts} from '../../../bench/reconcile/measure.js'
import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {useSandbox} from '../../helpers/sandbox.js'

describe('bench bindings observer: when the SB update of a chassis\'s bindings reaches a client', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  let nb: OvsdbClient
  let observer: BindingsObserver
  beforeAll(async () => {
    nb = await OvsdbClient.connect(sandbox().nbDb, {database: 'OVN_Northbound'})
    observer = await bindingsObserver(sandbox().sbDb, 'hv1')
  })
  afterAll(async () => {
    await Promise.allSettled([nb?.close(), observer?.client.close()])
  })

  it('gives the epoch time at which the bindings requested for the chassis arrived, after the SB commit of them, and again when they are gone', async () => {
    const since = Date.now()
    const arriving = observer.whenFollowing(3)
    await requestPorts(nb, 3, ['hv1'], 'obs')
    const arrived = await arriving
    const sbFile = path.join(sandbox().dir, 'sb', 'sb.db')
    const inserted = dateWhenCounted(await readCommits(sbFile, since), 'Port_Binding', 'inserted', 3)
    expect(inserted).not.toBeNull()
    expect(arrived).toBeGreaterThanOrEqual(inserted!)
    expect(arrived).toBeLessThanOrEqual(Date.now())

    const leaving = observer.whenFollowing(0)
    const removedSince = Date.now()
    await deleteSwitches(nb, ['obs-hv1'])
    const left = await leaving
    const deleted = dateWhenCounted(await readCommits(sbFile, removedSince), 'Port_Binding', 'deleted', 3)
    expect(deleted).not.toBeNull()
    expect(left).toBeGreaterThanOrEqual(deleted!)
  })

  it('gives up (null) when the count is not reached in time', async () => {
    expect(await observer.whenFollowing(5, 200)).toBeNull()
  })

  it('refuses a chassis that is not registered', async () => {
    await expect(bindingsObserver(sandbox().sbDb, 'no-such-chassis')).rejects.toThrow('chassis no-such-chassis is not registered in the Southbound DB')
  })
})
