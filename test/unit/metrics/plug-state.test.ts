import type {Registry} from 'prom-client'
import {describe, expect, it} from 'vitest'

import {loadPromClient, PlugStateGauges, renderPlugState} from '../../../src/metrics/plug-state.js'
import {countStates} from '../../../src/status/classify.js'
import {STATES, type StatusRow, type StatusState} from '../../../src/status/model.js'
import {checkSelection} from '../../../src/status/render.js'

const row = (lport: string, state: StatusState, reason = `${state} because`, chassis?: string): StatusRow => ({lport, state, reason, ...(chassis ? {chassis} : {})})

async function gauges(byChassis = false): Promise<{registry: Registry; plugState: PlugStateGauges}> {
  const client = await loadPromClient()
  const registry = new client.Registry()
  return {registry, plugState: new PlugStateGauges(client, registry, byChassis)}
}

/** Every series of a family, as its labels and value. */
async function series(registry: Registry, name: string): Promise<Array<{labels: Record<string, string | number>; value: number}>> {
  const family = (await registry.getMetricsAsJSON()).find((metric) => metric.name === name)
  return (family?.values ?? []).map(({labels, value}) => ({labels: {...labels} as Record<string, string | number>, value}))
}

describe('plug-state gauges: status classification -> metrics', () => {
  const rows = [
    row('a', 'plugged'),
    row('b', 'pending', 'not reconciled yet: reconcile would plug vf1'),
    row('c', 'conflict', 'a port not maintained by OVN carries iface-id c'),
    row('d', 'orphaned', 'logical port d is gone'),
    row('e', 'additional'),
    row('f', 'plugged'),
  ]

  it('counts every state as countStates does, zeros included, and one problem series per pending, conflict and orphan', async () => {
    const {registry, plugState} = await gauges()
    plugState.update(rows)
    const counts = countStates(rows)
    expect(await series(registry, 'ovn_vif_ctl_lports')).toEqual(STATES.map((state) => ({labels: {state}, value: counts[state]})))
    expect(await series(registry, 'ovn_vif_ctl_lport_problem')).toEqual([
      {labels: {lport: 'b', state: 'pending', reason: 'not reconciled yet: reconcile would plug vf1'}, value: 1},
      {labels: {lport: 'c', state: 'conflict', reason: 'a port not maintained by OVN carries iface-id c'}, value: 1},
      {labels: {lport: 'd', state: 'orphaned', reason: 'logical port d is gone'}, value: 1},
    ])
  })

  it('with --all-chassis, counts per requested chassis and labels each problem with its chassis', async () => {
    const {registry, plugState} = await gauges(true)
    plugState.update([row('a', 'plugged', 'up', 'hv1'), row('b', 'pending', 'not claimed yet', 'hv2'), row('c', 'pending', 'no options:requested-chassis')])
    const lports = await series(registry, 'ovn_vif_ctl_lports')
    expect(lports.filter(({value}) => value > 0)).toEqual([
      {labels: {chassis: '', state: 'pending'}, value: 1},
      {labels: {chassis: 'hv1', state: 'plugged'}, value: 1},
      {labels: {chassis: 'hv2', state: 'pending'}, value: 1},
    ])
    expect(lports).toHaveLength(3 * STATES.length)
    expect(await series(registry, 'ovn_vif_ctl_lport_problem')).toEqual([
      {labels: {chassis: 'hv2', lport: 'b', state: 'pending', reason: 'not claimed yet'}, value: 1},
      {labels: {chassis: '', lport: 'c', state: 'pending', reason: 'no options:requested-chassis'}, value: 1},
    ])
  })

  it('escapes quotes, backslashes and newlines in label values and keeps unicode as UTF-8', async () => {
    const hostile = 'vm "1"\\eth0\nnext ☃ é 网'
    const text = await renderPlugState([row(hostile, 'conflict', 'reason with "quotes", a \\ and\na newline')], {byChassis: false})
    const line = text.split('\n').find((candidate) => candidate.startsWith('ovn_vif_ctl_lport_problem{'))
    expect(line).toBe('ovn_vif_ctl_lport_problem{lport="vm \\"1\\"\\\\eth0\\nnext ☃ é 网",state="conflict",reason="reason with \\"quotes\\", a \\\\ and\\na newline"} 1')
    // No raw newline got into a sample: every line is a comment, blank, or one whole sample.
    for (const sample of text.split('\n')) expect(sample).toMatch(/^(#.*|)$|^[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? -?\d+(\.\d+)?$/)
  })

  it('leaves no stale series while 1,000 ports flap between pending and plugged, and none once all are plugged', async () => {
    const {registry, plugState} = await gauges()
    const lports = Array.from({length: 1000}, (_, index) => `lport-${index}`)
    for (let cycle = 0; cycle < 50; cycle++) {
      // Each cycle a different half is pending, with a reason that changes too.
      const pendingNow = (index: number) => (index + cycle) % 2 === 0
      plugState.update(lports.map((lport, index) => (pendingNow(index) ? row(lport, 'pending', `not claimed yet (cycle ${cycle})`) : row(lport, 'plugged'))))
      const problems = await series(registry, 'ovn_vif_ctl_lport_problem')
      expect(problems).toHaveLength(500)
      expect(new Set(problems.map(({labels}) => labels.reason))).toEqual(new Set([`not claimed yet (cycle ${cycle})`]))
      expect(await series(registry, 'ovn_vif_ctl_lports')).toHaveLength(STATES.length)
    }

    plugState.update(lports.map((lport) => row(lport, 'plugged')))
    expect(await series(registry, 'ovn_vif_ctl_lport_problem')).toEqual([])
    expect((await series(registry, 'ovn_vif_ctl_lports')).find(({labels}) => labels.state === 'plugged')?.value).toBe(1000)
  })
})

describe('status -f prometheus: what it refuses', () => {
  it('refuses a selection, which would make counts that mean something else, naming each', () => {
    expect(() => checkSelection({format: 'prometheus', allChassis: false})).not.toThrow()
    expect(() => checkSelection({format: 'prometheus', allChassis: true})).not.toThrow()
    expect(() => checkSelection({format: 'prometheus', states: ['pending'], columns: ['lport'], allChassis: false})).toThrow('-f prometheus exports the counts of every port, once (for node_exporter\'s textfile collector): drop --columns, --state;')
    expect(() => checkSelection({format: 'prometheus', lports: ['vm1'], watch: true, allChassis: false})).toThrow(/drop the named ports, --watch; reconcile --watch --metrics-address serves them live$/)
    expect(() => checkSelection({format: 'csv', lports: ['vm1'], watch: true, allChassis: false})).not.toThrow()
  })
})
