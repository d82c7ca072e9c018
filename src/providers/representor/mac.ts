const MAC_PATTERN = /^[0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5}$/i
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/

/**
 * The canonical form (two lower-case hex digits per octet) of an Ethernet address, or
 * undefined when `text` is not one. Like OVS's eth_addr_from_string, one-digit octets
 * are accepted, so `0c:42:a1:0:0:1` and `0C:42:A1:00:00:01` name the same PF.
 */
export function normalizeMac(text: string): string | undefined {
  // Most come canonical already (devlink's, and what plug wrote): one test, nothing built.
  if (CANONICAL_MAC.test(text)) return text
  if (!MAC_PATTERN.test(text)) return undefined
  return text
    .split(':')
    .map((octet) => octet.toLowerCase().padStart(2, '0'))
    .join(':')
}

/** The kernel reports an unset function address as all zeros. */
export function isZeroMac(mac: string): boolean {
  return mac === '00:00:00:00:00:00'
}
