/**
 * The keys OVN's vif-plug design gives meaning to, and which of them this tool owns.
 *
 * Logical_Switch_Port.options, copied by ovn-northd into Port_Binding.options:
 * - requested-chassis: where the port should be bound (see chassis.ts); shared with the CMS.
 * - vif-plug-type: which VIF plug provider plugs the port; without it nothing is plugged.
 * - vif-plug-mtu-request: the MTU to request on the plugged interface.
 * - vif-plug:<type>:<key>: the provider's own options.
 *
 * Interface.external_ids of a plugged interface: iface-id (the logical port) and ovn-plugged
 * (the vif-plug-type that plugged it, which marks it as the plugger's to remove).
 *
 * Open_vSwitch.external_ids of a chassis: system-id (the Chassis name), ovn-bridge (the
 * integration bridge, default br-int), ovn-remote (the Southbound DB).
 */

export const REQUESTED_CHASSIS = 'requested-chassis'
export const VIF_PLUG_TYPE = 'vif-plug-type'
export const VIF_PLUG_MTU_REQUEST = 'vif-plug-mtu-request'
/** Every key under this prefix is ours, whatever the type, so that switching type drops the old type's keys. */
export const VIF_PLUG_KEY_PREFIX = 'vif-plug:'

export const IFACE_ID = 'iface-id'
export const OVN_PLUGGED = 'ovn-plugged'

export const SYSTEM_ID = 'system-id'
export const OVN_BRIDGE = 'ovn-bridge'
export const OVN_REMOTE = 'ovn-remote'
export const DEFAULT_INTEGRATION_BRIDGE = 'br-int'

/**
 * The keys of a plug request proper: vif-plug-type, vif-plug-mtu-request and vif-plug:*. They
 * mean nothing without vif-plug-type, so a port without it has no plug request.
 */
export function isPlugRequestKey(key: string): boolean {
  return key === VIF_PLUG_TYPE || key === VIF_PLUG_MTU_REQUEST || key.startsWith(VIF_PLUG_KEY_PREFIX)
}

/** The Logical_Switch_Port.options keys plug and unplug may write; every other option is left alone. */
export function isOwnedOption(key: string): boolean {
  return key === REQUESTED_CHASSIS || isPlugRequestKey(key)
}

/**
 * The one rule for which owned keys a command changes: the keys of the plug request, and
 * requested-chassis and vif-plug-mtu-request only when the command names them (plug --chassis;
 * --mtu or --clear-mtu; unplug --clear-chassis). requested-chassis is shared with the CMS,
 * which sets it to bind ports that ask for no plugging too (Neutron does on every port it
 * binds), so nothing removes it as a side effect; an MTU left out is kept, not dropped.
 */
export function managedOptions(named: {chassis: boolean; mtu: boolean}): (key: string) => boolean {
  return (key) => (key === REQUESTED_CHASSIS ? named.chassis : key === VIF_PLUG_MTU_REQUEST ? named.mtu : isPlugRequestKey(key))
}

/** The prefix of a provider's own option keys, e.g. vif-plug:representor:. */
export function providerKeyPrefix(type: string): string {
  return `${VIF_PLUG_KEY_PREFIX}${type}:`
}

/** The provider's own options of a port (vif-plug:<type>:KEY), keyed by KEY; undefined when it has none. */
export function providerOptionsOf(options: Readonly<Record<string, string>>, type: string): Record<string, string> | undefined {
  const prefix = providerKeyPrefix(type)
  let own: Record<string, string> | undefined
  // Not Object.entries: status asks this of every port, and most have no such key.
  for (const key in options) {
    if (key.startsWith(prefix)) (own ??= {})[key.slice(prefix.length)] = options[key]!
  }

  return own
}
