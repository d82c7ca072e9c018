import {describe, expect, it} from 'vitest'

import {type KnownChassis, resemblance} from '../../../src/ovn/resembling-chassis.js'

const CHASSIS: KnownChassis[] = [
  {name: 'dpu1-system-id', hostname: 'dpu1.example.com', cardSerial: 'MT2232X01234'},
  {name: 'dpu2', hostname: 'dpu2', cardSerial: 'MT2232X05678'},
  {name: 'hv3', hostname: ''},
]

describe('what a requested-chassis entry naming no chassis resembles', () => {
  it('a registered card serial: names its chassis and the hostname Neutron would write', () => {
    expect(resemblance('MT2232X01234', CHASSIS)).toBe(
      'it is the card serial of chassis dpu1-system-id (hostname dpu1.example.com); Neutron writes the hostname: requested-chassis=dpu1.example.com',
    )
    expect(resemblance('MT2232X05678', CHASSIS)).toBe('it is the card serial of chassis dpu2; Neutron writes the hostname: requested-chassis=dpu2')
  })

  it('a name or hostname with white space around it', () => {
    expect(resemblance(' dpu2', CHASSIS)).toBe('it is chassis dpu2 with white space around it; OVN does not trim it')
  })

  it('a name or hostname in another case', () => {
    expect(resemblance('DPU1.Example.COM', CHASSIS)).toBe('it is hostname dpu1.example.com of chassis dpu1-system-id in another case; OVN compares names exactly')
    expect(resemblance('HV3', CHASSIS)).toBe('it is chassis hv3 in another case; OVN compares names exactly')
  })

  it('a hostname with another domain, or without the domain, or with one where the chassis has none', () => {
    expect(resemblance('dpu1', CHASSIS)).toBe('it is hostname dpu1.example.com of chassis dpu1-system-id with another domain; OVN compares hostnames exactly, domain included')
    expect(resemblance('dpu1.lab.example.net', CHASSIS)).toMatch(/^it is hostname dpu1\.example\.com of chassis dpu1-system-id with another domain; /)
    expect(resemblance('dpu2.example.com', CHASSIS)).toBe('it is chassis dpu2 with another domain; OVN compares hostnames exactly, domain included')
  })

  it('names every chassis the first matching rule fits', () => {
    const twins: KnownChassis[] = [
      {name: 'a', hostname: 'node1.rack1.example.com'},
      {name: 'b', hostname: 'node1.rack2.example.com'},
    ]
    expect(resemblance('node1', twins)).toBe(
      'it is hostname node1.rack1.example.com of chassis a with another domain, or hostname node1.rack2.example.com of chassis b with another domain; OVN compares hostnames exactly, domain included',
    )
  })

  it('guesses nothing: a typo, a prefix or part of a serial resembles nothing', () => {
    for (const entry of ['dpu3', 'dpu', 'dpu1x.example.com', 'MT2232X0123', 'MT2232X012345', 'mt2232x01234', 'example.com', '']) {
      expect(resemblance(entry, CHASSIS), entry).toBeUndefined()
    }
  })
})
