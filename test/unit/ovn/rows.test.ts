import {describe, expect, it} from 'vitest'

import {providerOptionsOf} from '../../../src/ovn/keys.js'
import {chassisIdentity, decodeChassis, decodeLogicalSwitchPort} from '../../../src/ovn/rows.js'

describe('decoders', () => {
  it('decodes a Chassis with its ovn-cms-options and card serial, leaving each out when other_config has none', () => {
    const row = {_uuid: 'u1', name: 'hv1', hostname: 'dpu-a', other_config: {'ovn-cms-options': 'card-serial-number=MT1', 'iface-types': 'dummy'}}
    expect(decodeChassis(row)).toStrictEqual({uuid: 'u1', name: 'hv1', hostname: 'dpu-a', cmsOptions: 'card-serial-number=MT1', cardSerial: 'MT1'})
    expect(decodeChassis({...row, other_config: {'ovn-cms-options': 'enable-chassis-as-gw'}})).toStrictEqual({uuid: 'u1', name: 'hv1', hostname: 'dpu-a', cmsOptions: 'enable-chassis-as-gw'})
    expect(decodeChassis({...row, other_config: {}})).toStrictEqual({uuid: 'u1', name: 'hv1', hostname: 'dpu-a'})
  })

  it('decodes a Logical_Switch_Port', () => {
    expect(decodeLogicalSwitchPort({_uuid: 'u2', name: 'lsp1', type: '', options: {'vif-plug-type': 'dummy'}})).toEqual({uuid: 'u2', name: 'lsp1', type: '', options: {'vif-plug-type': 'dummy'}})
  })

  it('reads the chassis identity as ovn-controller does: br-int unless ovn-bridge says otherwise, empty values unset', () => {
    expect(chassisIdentity(undefined)).toStrictEqual({integrationBridge: 'br-int'})
    expect(chassisIdentity({external_ids: {'system-id': '', 'ovn-bridge': ''}})).toStrictEqual({integrationBridge: 'br-int'})
    expect(chassisIdentity({external_ids: {'system-id': 'hv1', 'ovn-bridge': 'br-dpu', 'ovn-remote': 'tcp:10.0.0.1:6642'}})).toStrictEqual({
      integrationBridge: 'br-dpu',
      systemId: 'hv1',
      ovnRemote: 'tcp:10.0.0.1:6642',
    })
  })
})

describe('providerOptionsOf', () => {
  it("gives the provider's own options of its type only, keyed without the prefix", () => {
    const options = {'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': '0c:42:a1:00:00:01', 'vif-plug:representor:vf-num': '3', 'vif-plug:dummy:x': '1'}
    expect(providerOptionsOf(options, 'representor')).toEqual({'pf-mac': '0c:42:a1:00:00:01', 'vf-num': '3'})
    expect(providerOptionsOf(options, 'sfnic')).toBeUndefined()
  })
})
