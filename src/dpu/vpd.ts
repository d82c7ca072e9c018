/**
 * PCI Vital Product Data, as Linux exposes it in /sys/bus/pci/devices/<address>/vpd: a run of
 * resource tags. Large tags are one byte (bit 7 set), a 16-bit little-endian length and the data:
 * 0x82 the identifier string (the product name), 0x90 VPD-R (read-only keywords), 0x91 VPD-W
 * (read-write keywords). Small tags are one byte, name in bits 6-3 and length in bits 2-0; 0x78
 * is the end tag. A keyword is two ASCII characters, a length byte and the data. VPD-R's RV
 * keyword carries a checksum: every byte from the start of the VPD through it sums to 0 mod 256.
 *
 * Devices in the wild truncate their VPD, get the checksum wrong, run lengths past the end and
 * pad with 0x00 or 0xff after the end tag: every defect here is a reason, never an exception.
 */

export const IDENTIFIER_STRING_TAG = 0x82
export const VPD_R_TAG = 0x90
export const VPD_W_TAG = 0x91
export const END_TAG = 0x78

/** The largest VPD PCI can address (15-bit addresses); a longer file is not VPD. */
export const MAX_VPD_BYTES = 32 * 1024

export interface Vpd {
  /** The identifier string (product name), when it is printable ASCII. */
  identifier?: string
  /** VPD-R keywords (RV included, as raw latin1), first occurrence of each. */
  readOnly: ReadonlyMap<string, Buffer>
  /** VPD-W keywords. */
  readWrite: ReadonlyMap<string, Buffer>
}

export type VpdResult = {ok: true; vpd: Vpd} | {ok: false; reason: string}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`
}

/** The data as text when every byte is printable ASCII; undefined otherwise. */
export function printableAscii(data: Buffer): string | undefined {
  const text = data.toString('latin1')
  return PRINTABLE_ASCII.test(text) ? text : undefined
}

type Keywords = {ok: true; keywords: Map<string, Buffer>; checksumAt?: number} | {ok: false; reason: string}

/** The keywords of a VPD-R or VPD-W section that starts at `start` (absolute offset) in `vpd`. */
function parseKeywords(vpd: Buffer, start: number, end: number, section: string): Keywords {
  const keywords = new Map<string, Buffer>()
  let checksumAt: number | undefined
  for (let at = start; at < end; ) {
    if (end - at < 3) return {ok: false, reason: `the ${section} section ends inside a keyword header at byte ${at}`}
    const name = vpd.toString('latin1', at, at + 2)
    const length = vpd[at + 2] as number
    if (!/^[A-Z0-9]{2}$/.test(name)) return {ok: false, reason: `the ${section} section has a keyword named ${JSON.stringify(name)} at byte ${at}, not two letters or digits`}
    const dataStart = at + 3
    if (dataStart + length > end) {
      return {ok: false, reason: `keyword ${name} at byte ${at} claims ${length} bytes, past the end of the ${section} section (${end - dataStart} left)`}
    }

    if (!keywords.has(name)) keywords.set(name, vpd.subarray(dataStart, dataStart + length))
    if (name === 'RV' && checksumAt === undefined) {
      if (length === 0) return {ok: false, reason: `keyword RV at byte ${at} has no checksum byte`}
      checksumAt = dataStart
      // RV ends VPD-R: what follows it within the section is reserved space.
      return {ok: true, keywords, checksumAt}
    }

    at = dataStart + length
  }

  return {ok: true, keywords, checksumAt}
}

/**
 * Parses a VPD image. The result is a Vpd only when its structure holds together and VPD-R's
 * RV checksum is right; anything else is a one-line reason naming the defect and where it is.
 */
export function parseVpd(vpd: Buffer): VpdResult {
  if (vpd.length === 0) return {ok: false, reason: 'the VPD is empty'}
  if (vpd.length > MAX_VPD_BYTES) return {ok: false, reason: `the VPD is longer than the ${MAX_VPD_BYTES} bytes PCI can address`}
  const first = vpd[0] as number
  if (first !== IDENTIFIER_STRING_TAG && first !== VPD_R_TAG) {
    return {ok: false, reason: `the VPD starts with byte ${hex(first)}, not an identifier string (0x82) or VPD-R (0x90) tag`}
  }

  let identifier: string | undefined
  let readOnly: Map<string, Buffer> | undefined
  let readWrite = new Map<string, Buffer>()
  for (let at = 0; at < vpd.length; ) {
    const tag = vpd[at] as number
    if (tag === END_TAG) break
    if ((tag & 0x80) === 0) {
      // A small resource other than the end tag: skip it by its own length.
      at += 1 + (tag & 0x07)
      continue
    }

    if (vpd.length - at < 3) return {ok: false, reason: `the VPD ends inside the header of resource tag ${hex(tag)} at byte ${at} (truncated)`}
    const length = vpd.readUInt16LE(at + 1)
    const dataStart = at + 3
    if (dataStart + length > vpd.length) {
      return {ok: false, reason: `resource tag ${hex(tag)} at byte ${at} claims ${length} bytes, but only ${vpd.length - dataStart} follow (truncated)`}
    }

    const dataEnd = dataStart + length
    if (tag === IDENTIFIER_STRING_TAG && identifier === undefined) {
      identifier = printableAscii(vpd.subarray(dataStart, dataEnd))?.trim()
    } else if (tag === VPD_R_TAG && readOnly === undefined) {
      const parsed = parseKeywords(vpd, dataStart, dataEnd, 'VPD-R')
      if (!parsed.ok) return parsed
      if (parsed.checksumAt === undefined) return {ok: false, reason: 'the VPD-R section has no RV checksum, so its contents cannot be trusted'}
      let sum = 0
      for (let index = 0; index <= parsed.checksumAt; index++) sum = (sum + (vpd[index] as number)) & 0xff
      if (sum !== 0) return {ok: false, reason: `the RV checksum is wrong: the bytes through it sum to ${hex(sum)} mod 256, not 0 (corrupt VPD)`}
      readOnly = parsed.keywords
    } else if (tag === VPD_W_TAG) {
      const parsed = parseKeywords(vpd, dataStart, dataEnd, 'VPD-W')
      if (!parsed.ok) return parsed
      readWrite = parsed.keywords
    }

    at = dataEnd
  }

  if (readOnly === undefined) return {ok: false, reason: 'the VPD has no VPD-R (read-only) section'}
  return {ok: true, vpd: {...(identifier ? {identifier} : {}), readOnly, readWrite}}
}

export type VpdSerial = {ok: true; serial: string; product?: string} | {ok: false; reason: string}

/** The card serial number: VPD-R's SN keyword, printable ASCII and not blank. */
export function vpdSerialNumber(image: Buffer): VpdSerial {
  const parsed = parseVpd(image)
  if (!parsed.ok) return parsed
  const product = parsed.vpd.identifier ? {product: parsed.vpd.identifier} : {}
  const data = parsed.vpd.readOnly.get('SN')
  if (data === undefined) return {ok: false, reason: 'the VPD-R section has no SN (serial number) keyword'}
  const serial = printableAscii(data)
  if (serial === undefined) return {ok: false, reason: `keyword SN holds bytes that are not printable ASCII (${data.toString('hex')})`}
  if (serial.trim() === '') return {ok: false, reason: 'keyword SN is blank'}
  return {ok: true, serial, ...product}
}
