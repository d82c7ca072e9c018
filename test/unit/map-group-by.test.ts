import {describe, expect, it} from 'vitest'

/**
 * The planner and status group with the runtime's Map.groupBy (ES2024, Node >= 21): on the floor
 * runtime it must keep keys in first-seen order and each group in the items' order, which the
 * order of status rows and of plan entries relies on.
 */
describe('Map.groupBy', () => {
  it('groups items by key, keys in first-seen order and each group in the items order', () => {
    const rows = [
      {lport: 'a', chassis: 'hv2'},
      {lport: 'b', chassis: 'hv1'},
      {lport: 'c', chassis: 'hv2'},
      {lport: 'd', chassis: undefined},
    ]
    const groups = Map.groupBy(rows, (row) => row.chassis ?? '')
    expect([...groups.keys()]).toEqual(['hv2', 'hv1', ''])
    expect(groups.get('hv2')!.map((row) => row.lport)).toEqual(['a', 'c'])
    expect(groups.get('hv1')!.map((row) => row.lport)).toEqual(['b'])
    expect(groups.get('')!.map((row) => row.lport)).toEqual(['d'])
  })

  it('gives an empty map for no items', () => {
    expect(Map.groupBy([], (item: string) => item).size).toBe(0)
  })
})
