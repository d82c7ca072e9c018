/**
 * external_ids:ovn-cms-options (local Open_vSwitch row), copied by ovn-controller into the
 * Southbound Chassis's other_config:ovn-cms-options: a comma-separated list of entries, each a
 * bare flag (`enable-chassis-as-gw`) or `key=value` (`card-serial-number=MT2232X01234`).
 *
 * Neutron's ML2/OVN driver finds the chassis of a remote-managed (DPU) port by the entry
 * `card-serial-number=<serial>` of these options; it splits on commas and compares the value
 * exactly, so no spaces are trimmed here either.
 */

export const OVN_CMS_OPTIONS = 'ovn-cms-options'
export const CARD_SERIAL_NUMBER = 'card-serial-number'

/** The entries, in order, without empty ones. */
export function cmsOptionEntries(options: string | undefined): string[] {
  return (options ?? '').split(',').filter((entry) => entry !== '')
}

/** The value of the first `key=value` entry for `key`; undefined when there is none. */
export function cmsOptionValue(options: string | undefined, key: string): string | undefined {
  const prefix = `${key}=`
  const entry = cmsOptionEntries(options).find((candidate) => candidate.startsWith(prefix))
  return entry?.slice(prefix.length)
}

/**
 * The options with `key` set to `value`: the first entry for `key` is replaced in place, later
 * ones are dropped, every other entry is kept as it was; with `value` undefined the key is removed.
 */
export function withCmsOption(options: string | undefined, key: string, value: string | undefined): string {
  const prefix = `${key}=`
  const kept: string[] = []
  let placed = false
  for (const entry of cmsOptionEntries(options)) {
    if (entry === key || entry.startsWith(prefix)) {
      if (!placed && value !== undefined) kept.push(`${prefix}${value}`)
      placed = true
    } else {
      kept.push(entry)
    }
  }

  if (!placed && value !== undefined) kept.push(`${prefix}${value}`)
  return kept.join(',')
}

/** The card serial number a chassis's ovn-cms-options carries, if any. */
export function cardSerialOf(options: string | undefined): string | undefined {
  return cmsOptionValue(options, CARD_SERIAL_NUMBER)
}

/**
 * Why `serial` cannot be a card-serial-number entry, or undefined when it can: it must be one
 * entry of a comma-separated list that Neutron matches exactly against the serial Nova read
 * from the VPD, which is printable ASCII. So: not empty, no ',' (it would split the entry), no
 * '=' (Neutron's exact match would never see it), no spaces, control or non-ASCII characters.
 */
export function cardSerialProblem(serial: string): string | undefined {
  if (serial === '') return 'is empty'
  if (serial.includes(',')) return 'contains a comma, which separates ovn-cms-options entries'
  if (serial.includes('=')) return "contains '=', which separates an entry's key from its value"
  if (/\s/.test(serial)) return 'contains white space'
  if (!/^[\x21-\x7e]+$/.test(serial)) return 'contains control or non-ASCII characters'
  return undefined
}
