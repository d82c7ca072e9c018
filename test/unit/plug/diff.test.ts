import {describe, expect, it} from 'vitest'

import {diffOwnedOptions, formatChange, optionMutations} from '../../../src/plug/diff.js'
import {isOwnedOption, managedOptions} from '../../../src/ovn/keys.js'

describe('owned options', () => {
  it('owns requested-chassis, vif-plug-type, vif-plug-mtu-request and every vif-plug: key, nothing else', () => {
    for (const key of ['requested-chassis', 'vif-plug-type', 'vif-plug-mtu-request', 'vif-plug:representor:pf-mac', 'vif-plug:other:x']) {
      expect(isOwnedOption(key)).toBe(true)
    }

    for (const key of ['iface-id-ver', 'vif-plug-typo', 'requested-tnl-key', 'other', 'vif-plug']) {
      expect(isOwnedOption(key)).toBe(false)
    }
  })

  it('manages requested-chassis and the MTU only when a command names them', () => {
    const keys = ['requested-chassis', 'vif-plug-type', 'vif-plug-mtu-request', 'vif-plug:representor:pf-mac', 'other']
    expect(keys.filter(managedOptions({chassis: false, mtu: false}))).toEqual(['vif-plug-type', 'vif-plug:representor:pf-mac'])
    expect(keys.filter(managedOptions({chassis: true, mtu: false}))).toEqual(['requested-chassis', 'vif-plug-type', 'vif-plug:representor:pf-mac'])
    expect(keys.filter(managedOptions({chassis: false, mtu: true}))).toEqual(['vif-plug-type', 'vif-plug-mtu-request', 'vif-plug:representor:pf-mac'])
  })
})

describe('diffOwnedOptions', () => {
  it('adds, changes and removes owned keys, sorted by key, and never looks at other keys', () => {
    const current = {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', 'vif-plug:dummy:x': '1', 'vif-plug-mtu-request': '1500', other: 'a'}
    const desired = {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': '0c:42:a1:00:00:01', 'vif-plug-mtu-request': '9000'}
    expect(diffOwnedOptions(current, desired, isOwnedOption)).toEqual([
      {op: 'change', key: 'vif-plug-mtu-request', from: '1500', to: '9000'},
      {op: 'change', key: 'vif-plug-type', from: 'dummy', to: 'representor'},
      {op: 'remove', key: 'vif-plug:dummy:x', value: '1'},
      {op: 'add', key: 'vif-plug:representor:pf-mac', value: '0c:42:a1:00:00:01'},
    ])
  })

  it('is empty when the owned keys are already as desired', () => {
    const options = {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', other: 'b'}
    expect(diffOwnedOptions(options, {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}, isOwnedOption)).toEqual([])
  })

  it('leaves keys outside the managed set alone, as unplug does with requested-chassis', () => {
    const current = {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}
    const keepChassis = (key: string) => isOwnedOption(key) && key !== 'requested-chassis'
    expect(diffOwnedOptions(current, {}, keepChassis)).toEqual([{op: 'remove', key: 'vif-plug-type', value: 'dummy'}])
  })
})

describe('optionMutations', () => {
  it('deletes every key it writes (a map insert does not overwrite) and inserts the new values', () => {
    expect(
      optionMutations([
        {op: 'add', key: 'a', value: '1'},
        {op: 'change', key: 'b', from: '2', to: '3'},
        {op: 'remove', key: 'c', value: '4'},
      ]),
    ).toEqual([
      ['options', 'delete', ['a', 'b', 'c']],
      ['options', 'insert', {a: '1', b: '3'}],
    ])
  })

  it('only deletes when nothing is written, and does nothing without changes', () => {
    expect(optionMutations([{op: 'remove', key: 'c', value: '4'}])).toEqual([['options', 'delete', ['c']]])
    expect(optionMutations([])).toEqual([])
  })
})

describe('formatChange', () => {
  it('prints +, ~ and - lines', () => {
    expect(formatChange({op: 'add', key: 'vif-plug-type', value: 'representor'})).toBe('+ vif-plug-type=representor')
    expect(formatChange({op: 'change', key: 'vif-plug-mtu-request', from: '1500', to: '9000'})).toBe('~ vif-plug-mtu-request 1500 -> 9000')
    expect(formatChange({op: 'remove', key: 'vif-plug:dummy:x', value: '1'})).toBe('- vif-plug:dummy:x')
  })
})
