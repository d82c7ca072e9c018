import {describe, expect, it} from 'vitest'

import {findChassis, isNamedBy, requestedChassisList, requestedRole} from '../../../src/ovn/chassis.js'

const HV1 = {uuid: 'uuid-hv1', name: 'hv1', hostname: 'dpu-a.example'}
const HV2 = {uuid: 'uuid-hv2', name: 'hv2', hostname: 'dpu-b.example'}

describe('requestedChassisList', () => {
  it('splits on commas, in order, taking entries as written and skipping empty ones (as OVN does)', () => {
    expect(requestedChassisList({'requested-chassis': 'hv1'})).toEqual(['hv1'])
    expect(requestedChassisList({'requested-chassis': 'hv1,hv2'})).toEqual(['hv1', 'hv2'])
    expect(requestedChassisList({'requested-chassis': ',hv1,,hv2,'})).toEqual(['hv1', 'hv2'])
    // ovn-northd 23.03 does not trim: " hv2" names no chassis.
    expect(requestedChassisList({'requested-chassis': 'hv1, hv2'})).toEqual(['hv1', ' hv2'])
    expect(requestedChassisList({'requested-chassis': ''})).toEqual([])
    expect(requestedChassisList({})).toEqual([])
  })
})

describe('isNamedBy', () => {
  it('matches the name or the hostname, never an empty or unknown hostname', () => {
    expect(isNamedBy(HV1, 'hv1')).toBe(true)
    expect(isNamedBy(HV1, 'dpu-a.example')).toBe(true)
    expect(isNamedBy(HV1, 'hv2')).toBe(false)
    expect(isNamedBy(HV1, ' hv1')).toBe(false)
    expect(isNamedBy({name: 'hv1'}, 'dpu-a.example')).toBe(false)
    expect(isNamedBy({name: 'hv1', hostname: ''}, '')).toBe(false)
  })
})

describe('findChassis', () => {
  it('finds by name first, then by hostname, as ovn-northd looks an entry up', () => {
    expect(findChassis([HV1, HV2], 'hv2')).toBe(HV2)
    expect(findChassis([HV1, HV2], 'dpu-a.example')).toBe(HV1)
    expect(findChassis([HV1, HV2], 'hv3')).toBeUndefined()
    // A chassis named like another's hostname wins, wherever it is in the table.
    const named = {uuid: 'uuid-x', name: 'dpu-a.example', hostname: 'x'}
    expect(findChassis([HV1, named], 'dpu-a.example')).toBe(named)
    expect(findChassis([HV1, HV2], '')).toBeUndefined()
  })
})

describe('requestedRole', () => {
  const port = (requested: string, resolved: {requestedChassis?: string; requestedAdditionalChassis?: string[]} = {}) => ({
    options: {'requested-chassis': requested},
    ...resolved,
  })

  it("follows ovn-northd's resolution: requested_chassis is the main chassis, requested_additional_chassis the others", () => {
    const migrating = port('hv1,hv2', {requestedChassis: HV1.uuid, requestedAdditionalChassis: [HV2.uuid]})
    expect(requestedRole(migrating, HV1)).toBe('main')
    expect(requestedRole(migrating, HV2)).toBe('additional')
    expect(requestedRole(migrating, {uuid: 'uuid-hv3', name: 'hv3'})).toBeUndefined()
  })

  it('trusts the resolution over the text: an unregistered first entry makes the next one main', () => {
    // requested-chassis=ghost,hv2: ovn-northd resolves hv2 into requested_chassis.
    expect(requestedRole(port('ghost,hv2', {requestedChassis: HV2.uuid}), HV2)).toBe('main')
  })

  it('reads the text, by name or hostname, where ovn-northd has resolved nothing for this chassis', () => {
    expect(requestedRole(port('hv1,hv2'), HV1)).toBe('main')
    expect(requestedRole(port('hv1,dpu-b.example'), HV2)).toBe('additional')
    expect(requestedRole(port('dpu-b.example'), {name: 'hv2', hostname: 'dpu-b.example'})).toBe('main')
    expect(requestedRole(port('hv1'), HV2)).toBeUndefined()
  })

  it('gives no role to a port that names no chassis', () => {
    expect(requestedRole({options: {}}, HV1)).toBeUndefined()
    expect(requestedRole(port(''), HV1)).toBeUndefined()
  })
})
