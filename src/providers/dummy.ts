import type {VifPlugProvider} from './types.js'

/** Linux netdev names are at most IFNAMSIZ - 1 = 15 bytes. */
export const MAX_NETDEV_NAME_BYTES = 15

export const DUMMY_OPTION_KEY = 'vif-plug-dummy-option'
export const DUMMY_OPTION_VALUE = 'value'

/**
 * The longest prefix of `name` that fits a netdev name. OVN cuts bytes, which can leave
 * half a UTF-8 character behind; we drop that partial character instead.
 */
export function truncateNetdevName(name: string): string {
  // Most names fit, and the plan asks for every port (10k ports per pass): walk only the long ones.
  if (Buffer.byteLength(name, 'utf8') <= MAX_NETDEV_NAME_BYTES) return name
  let bytes = 0
  let result = ''
  for (const character of name) {
    bytes += Buffer.byteLength(character, 'utf8')
    if (bytes > MAX_NETDEV_NAME_BYTES) break
    result += character
  }

  return result
}

/**
 * OVN's vif-plug-dummy: plugs an `internal` interface named after the lport (cut to 15
 * bytes) with one fixed interface option. It reads no lport options, never refuses, and
 * always lets the reconciler unplug.
 */
export function createDummyProvider(): VifPlugProvider {
  return {
    type: 'dummy',
    maintainedOptions: [DUMMY_OPTION_KEY],
    optionSpecs: [],
    prepareCreate: ({lportName}) => ({
      ok: true,
      value: {name: truncateNetdevName(lportName), type: 'internal', options: {[DUMMY_OPTION_KEY]: DUMMY_OPTION_VALUE}},
    }),
    prepareRemove: () => ({ok: true, value: undefined}),
    // Nothing is enumerable: any lport name is pluggable.
    inventory: async () => [],
  }
}
