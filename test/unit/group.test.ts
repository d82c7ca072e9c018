import {describe, expect, it} from 'vitest'

import {groupBy} from '../../src/lib/group.js'

describe('groupBy', () => {
  it('groups items by key, keys in first-seen order and each group in the items order', () => {
    const rows = [
      {lport: 'a', chassis: 'hv2'},
      {lport: 'b', chassis: 'hv1'},
      {lport: 'c', chassis: 'hv2'},
      {lport: 'd', chassis: undefined},
    ]
    const groups = groupBy(rows, (row) => row.chassis ?? '')
    expect([...groups.keys()]).toEqual(['hv2', 'hv1', ''])
    expect(groups.get('hv2')!.map((row) => row.lport)).toEqual(['a', 'c'])
    expect(groups.get('hv1')!.map((row) => row.lport)).toEqual(['b'])
    expect(groups.get('')!.map((row) => row.lport)).toEqual(['d'])
  })

  it('gives an empty map for no items', () => {
    expect(groupBy([], (item: string) => item).size).toBe(0)
  })
})
