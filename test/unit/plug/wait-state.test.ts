import {describe, expect, it} from 'vitest'

import {portWaitState} from '../../../src/plug/wait-state.js'

const HV1 = {uuid: '11111111-0000-0000-0000-000000000000', name: 'hv1', hostname: 'host-a'}
const HV2 = {uuid: '22222222-0000-0000-0000-000000000000', name: 'hv2', hostname: 'host-b'}
const chassis = [HV1, HV2]

describe('portWaitState after plug', () => {
  const plug = {lsp: 'lsp1', claimBy: 'host-a'}

  it('is done once the requested chassis (by name or hostname) has claimed the port and it is up', () => {
    expect(portWaitState(plug, {logicalPort: 'lsp1', chassis: HV1.uuid, up: true}, chassis)).toEqual({lsp: 'lsp1', done: true, detail: 'plugged on host-a'})
  })

  it('says why it is pending', () => {
    const pending = (binding: Parameters<typeof portWaitState>[1]) => portWaitState(plug, binding, chassis)
    expect(pending(undefined)).toMatchObject({done: false, detail: 'no Port_Binding yet (ovn-northd has not created it)'})
    expect(pending({logicalPort: 'lsp1'})).toMatchObject({done: false, detail: 'not claimed yet by host-a'})
    expect(pending({logicalPort: 'lsp1', chassis: HV1.uuid, up: false})).toMatchObject({done: false, detail: 'claimed by host-a, not up yet'})
    expect(pending({logicalPort: 'lsp1', chassis: HV2.uuid, up: true})).toMatchObject({done: false, detail: 'claimed by hv2, not host-a'})
  })

  it('waits for a chassis that has not registered yet', () => {
    expect(portWaitState({lsp: 'lsp1', claimBy: 'hv9'}, {logicalPort: 'lsp1', chassis: HV1.uuid, up: true}, chassis)).toMatchObject({done: false, detail: 'claimed by hv1, not hv9'})
  })
})

describe('portWaitState after unplug', () => {
  it('is done once no chassis has the port, or it has no binding', () => {
    expect(portWaitState({lsp: 'lsp1'}, {logicalPort: 'lsp1', up: false}, chassis)).toEqual({lsp: 'lsp1', done: true, detail: 'claimed by no chassis'})
    expect(portWaitState({lsp: 'lsp1'}, undefined, chassis).done).toBe(true)
    expect(portWaitState({lsp: 'lsp1'}, {logicalPort: 'lsp1', chassis: HV2.uuid, up: true}, chassis)).toEqual({lsp: 'lsp1', done: false, detail: 'still claimed by hv2'})
  })
})
