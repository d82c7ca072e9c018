import {type OvsInterface} from '../../src/ovn/rows.js'

/** An Interface on br-int as the dummy provider plugs it for `lport`; tests override what they vary. */
export function pluggedInterface(name: string, lport: string, overrides: Partial<OvsInterface> = {}): OvsInterface {
  return {
    uuid: `if-${name}`,
    name,
    type: 'internal',
    options: {'vif-plug-dummy-option': 'value'},
    externalIds: {'iface-id': lport, 'ovn-plugged': 'dummy'},
    portUuid: `port-${name}`,
    ...overrides,
  }
}
