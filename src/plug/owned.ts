import {REQUESTED_CHASSIS} from '../ovn/chassis.js'
import {VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE} from '../reconcile/model.js'

export {REQUESTED_CHASSIS, VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE}

/** Every key under this prefix is ours, whatever the type, so that switching type drops the old type's keys. */
export const VIF_PLUG_KEY_PREFIX = 'vif-plug:'

/** The Logical_Switch_Port.options keys that plug and unplug own; every other option is left alone. */
export function isOwnedOption(key: string): boolean {
  return key === REQUESTED_CHASSIS || key === VIF_PLUG_TYPE || key === VIF_PLUG_MTU_REQUEST || key.startsWith(VIF_PLUG_KEY_PREFIX)
}

/** The prefix of a provider's own option keys, e.g. vif-plug:representor:. */
export function providerKeyPrefix(type: string): string {
  return `${VIF_PLUG_KEY_PREFIX}${type}:`
}
