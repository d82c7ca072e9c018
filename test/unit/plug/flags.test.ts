import {describe, expect, it} from 'vitest'

import {providerOptionFlags, providerOptionsFromFlags} from '../../../src/plug/flags.js'
import {builtinOptionSpecs} from '../../../src/providers/registry.js'
import type {OptionSpec} from '../../../src/providers/types.js'

const spec = (type: string, flag: string, required = false): OptionSpec => ({
  key: `vif-plug:${type}:${flag}`, flag, description: `${flag} of ${type}.`, required, check: () => undefined,
})

describe('providerOptionFlags', () => {
  it('generates --pf-mac, --vf-num and --sf-num from the built-in representor provider', () => {
    const flags = providerOptionFlags(builtinOptionSpecs(), [])
    expect(Object.keys(flags).sort()).toEqual(['pf-mac', 'sf-num', 'vf-num'])
    expect(flags['pf-mac']!.description).toMatch(/^--type representor \(required\): MAC address of the host PF/)
  })

  it('makes one flag of a name several providers share, and skips reserved names', () => {
    const flags = providerOptionFlags(new Map([['a', [spec('a', 'slot', true), spec('a', 'mtu')]], ['b', [spec('b', 'slot')]]]), ['mtu'])
    expect(Object.keys(flags)).toEqual(['slot'])
    expect(flags.slot!.description).toBe('--type a (required): slot of a. --type b: slot of b.')
  })
})

describe('providerOptionsFromFlags', () => {
  it('collects the generated flags that were given', () => {
    expect(providerOptionsFromFlags(['pf-mac', 'vf-num'], {'pf-mac': 'x', chassis: 'hv1'})).toEqual([{name: 'pf-mac', value: 'x'}])
  })
})
