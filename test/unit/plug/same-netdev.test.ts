import {describe, expect, it} from 'vitest'

import type {LogicalSwitchPort} from '../../../src/ovn/rows.js'
import type {PlugRequest, ProviderSpecs} from '../../../src/plug/request.js'
import {sameNetdevWarnings} from '../../../src/plug/same-netdev.js'
import type {OptionSpec} from '../../../src/providers/types.js'
import {REPRESENTOR_OPTION_SPECS} from '../../../src/providers/representor/index.js'

const PF_MAC = '0c:42:a1:00:00:01'
const HV1 = {uuid: 'u1', name: 'hv1', hostname: 'host-a'}
const HV2 = {uuid: 'u2', name: 'hv2', hostname: 'host-b'}

// An SF-style provider: its identity is a PF MAC and an SF number, which the representor will gain.
const SF_SPECS: OptionSpec[] = [
  {key: 'vif-plug:sfnic:pf-mac', flag: 'pf-mac', description: '', required: true, check: () => undefined, identity: (value) => value.toLowerCase()},
  {key: 'vif-plug:sfnic:sf-num', flag: 'sf-num', description: '', required: true, check: () => undefined, identity: (value) => String(Number(value))},
]
const providers: ProviderSpecs = new Map([['representor', REPRESENTOR_OPTION_SPECS], ['dummy', []], ['sfnic', SF_SPECS]])

function representor(lsp: string, chassis: string, options: {pfMac?: string; vf?: string} = {}): PlugRequest {
  return {
    lsp, chassis, type: 'representor',
    providerOptions: {'vif-plug:representor:pf-mac': options.pfMac ?? PF_MAC, ...(options.vf === undefined ? {} : {'vif-plug:representor:vf-num': options.vf})},
  }
}

const requested = (name: string, options: Record<string, string>): LogicalSwitchPort => ({uuid: `uuid-${name}`, name, type: '', options})
const warnings = (requests: PlugRequest[], existing: LogicalSwitchPort[] = []) => sameNetdevWarnings(requests, existing, [HV1, HV2], providers)

describe('sameNetdevWarnings', () => {
  it('warns when two ports of one request ask one chassis for one VF, however the MAC and number are spelt', () => {
    expect(warnings([representor('vm1', 'hv1', {vf: '3'}), representor('vm2', 'host-a', {pfMac: '0C:42:A1:00:00:01', vf: '03'})])).toEqual([
      `vm1 and vm2 ask chassis hv1 for one representor netdev (pf-mac ${PF_MAC}, vf-num 3): only one can be plugged, and reconcile reports the others in conflict`,
    ])
  })

  it('tells apart another VF, the PF itself, another PF and another chassis', () => {
    expect(warnings([
      representor('vm1', 'hv1', {vf: '3'}),
      representor('vm2', 'hv1', {vf: '4'}),
      representor('vm3', 'hv1'),
      representor('vm4', 'hv1', {pfMac: '0c:42:a1:00:00:02', vf: '3'}),
      representor('vm5', 'hv2', {vf: '3'}),
    ])).toEqual([])
  })

  it('warns when a request asks for the netdev a port already requested has, and not for that port re-plugged', () => {
    const vm9 = requested('vm9', {'requested-chassis': 'host-a', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '3'})
    expect(warnings([representor('vm1', 'hv1', {vf: '3'})], [vm9])).toEqual([
      `vm1 and vm9 (already requested) ask chassis hv1 for one representor netdev (pf-mac ${PF_MAC}, vf-num 3): only one can be plugged, and reconcile reports the others in conflict`,
    ])
    expect(warnings([representor('vm9', 'hv1', {vf: '4'}), representor('vm1', 'hv1', {vf: '3'})], [vm9])).toEqual([])
  })

  it('warns of two ports asking for one SF of a PF, and tells an SF apart from the VF and the PF of the same numbers', () => {
    const sf = (lsp: string, sfNum: string, pfMac = PF_MAC): PlugRequest => ({
      lsp, chassis: 'hv1', type: 'representor', providerOptions: {'vif-plug:representor:pf-mac': pfMac, 'vif-plug:representor:sf-num': sfNum},
    })
    expect(warnings([sf('vm1', '88'), sf('vm2', '088'), sf('vm3', '88', '0c:42:a1:00:00:02'), representor('vm4', 'hv1', {vf: '88'}), representor('vm5', 'hv1')])).toEqual([
      `vm1 and vm2 ask chassis hv1 for one representor netdev (pf-mac ${PF_MAC}, sf-num 88): only one can be plugged, and reconcile reports the others in conflict`,
    ])
    expect(warnings([representor('vm5', 'hv1'), representor('vm6', 'hv1')])).toEqual([
      `vm5 and vm6 ask chassis hv1 for one representor netdev (pf-mac ${PF_MAC}, no vf-num, no sf-num): only one can be plugged, and reconcile reports the others in conflict`,
    ])
  })

  it('says nothing of ports already requested that share a netdev without a request among them', () => {
    const options = {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': PF_MAC}
    expect(warnings([representor('vm1', 'hv1', {vf: '1'})], [requested('vm8', options), requested('vm9', options)])).toEqual([])
  })

  it('compares the identifying options of any provider, and none for a provider without them', () => {
    const sf = (lsp: string, sfNum: string): PlugRequest => ({lsp, chassis: 'hv1', type: 'sfnic', providerOptions: {'vif-plug:sfnic:pf-mac': PF_MAC, 'vif-plug:sfnic:sf-num': sfNum}})
    expect(warnings([sf('vm1', '7'), sf('vm2', '007'), sf('vm3', '8')])).toEqual([
      `vm1 and vm2 ask chassis hv1 for one sfnic netdev (pf-mac ${PF_MAC}, sf-num 7): only one can be plugged, and reconcile reports the others in conflict`,
    ])
    const dummy = (lsp: string): PlugRequest => ({lsp, chassis: 'hv1', type: 'dummy', providerOptions: {}})
    expect(warnings([dummy('vm1'), dummy('vm2')])).toEqual([])
  })
})
