import {REQUESTED_CHASSIS} from '../ovn/chassis.js'
import {VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE} from '../reconcile/model.js'

export {REQUESTED_CHASSIS, VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE}

/** Every key under this prefix is ours, whatever the type, so that switching type drops the old type's keys. */
export const VIF_PLUG_KEY_PREFIX = 'vif-plug:'

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
