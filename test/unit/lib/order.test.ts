import {describe, expect, it} from 'vitest'

import {compareCodeUnits} from '../../../src/lib/order.js'

describe('compareCodeUnits', () => {
  it('orders by UTF-16 code unit, with no locale: capitals before lower case, digits one by one', () => {
    expect(['vm-b', 'vm10', 'VM2', 'vm9', 'vm-a'].sort(compareCodeUnits)).toEqual(['VM2', 'vm-a', 'vm-b', 'vm10', 'vm9'])
  })

  it('is zero only for equal strings, and antisymmetric', () => {
    expect(compareCodeUnits('lp1', 'lp1')).toBe(0)
    expect(compareCodeUnits('lp1', 'lp10')).toBe(-1)
    expect(compareCodeUnits('lp10', 'lp1')).toBe(1)
  })
})
