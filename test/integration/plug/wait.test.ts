import {afterEach, describe, expect, it} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {waitForPlugged} from '../../../src/plug/wait.js'
import {run} from '../../../src/sandbox/daemon.js'
import {useSandbox} from '../../helpers/sandbox.js'

const LSPS = ['w1', 'w2', 'w3']

describe('waiting for ports to be unplugged, against a real Southbound DB', () => {
  // No ovn-controller: the test claims and releases the bindings itself.
  const sandbox = useSandbox({chassis: ['hv1'], controller: false})
  const clients: OvsdbClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close()
  })

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const sbctl = (...args: string[]) => run('ovn-sbctl', [`--db=${sandbox().sbDb}`, ...args])
  const setChassis = (lsps: readonly string[], chassis: unknown) =>
    run('ovsdb-client', ['transact', sandbox().sbDb, JSON.stringify(['OVN_Southbound', ...lsps.map((lsp) => ({op: 'update', table: 'Port_Binding', where: [['logical_port', '==', lsp]], row: {chassis}}))])])

  it('reports progress per update, however many ports it changes, and resolves when the last is released', async () => {
    await nbctl('ls-add', 'sw0', ...LSPS.flatMap((lsp) => ['--', 'lsp-add', 'sw0', lsp]))
    await nbctl('--wait=sb', 'sync')
    await sbctl('chassis-add', 'hv-other', 'geneve', '127.0.0.1')
    const other = (await sbctl('--bare', '--columns=_uuid', 'find', 'Chassis', 'name=hv-other')).trim()
    await setChassis(LSPS, ['uuid', other])

    const sb = await OvsdbClient.connect(sandbox().sbDb, {database: 'OVN_Southbound', probeIntervalMs: 0})
    clients.push(sb)
    const doneCounts: number[] = []
    const waiting = waitForPlugged(sb, LSPS.map((lsp) => ({lsp})), {
      timeoutMs: 20_000,
      onProgress: (states) => doneCounts.push(states.filter((state) => state.done).length),
    })
    await expect.poll(() => doneCounts).toEqual([0])

    // One transaction, so one update with two rows: one progress report.
    await setChassis(['w1', 'w2'], ['set', []])
    await expect.poll(() => doneCounts).toEqual([0, 2])
    await setChassis(['w3'], ['set', []])
    const states = await waiting
    expect(doneCounts).toEqual([0, 2, 3])
    expect(states).toEqual(LSPS.map((lsp) => ({lsp, done: true, detail: 'claimed by no chassis'})))
  })
})
