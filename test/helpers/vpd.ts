/**
 * Builds PCI VPD images for tests and for the committed fixtures (scripts/gen-dpu-fixtures.ts):
 * an identifier string, VPD-R keywords ended by RV with its checksum, optional VPD-W keywords,
 * the end tag. `checksum: 'wrong'` and `'none'` make the two checksum defects.
 */
export interface VpdSpec {
  identifier?: string
  readOnly: ReadonlyArray<readonly [string, string | Buffer]>
  readWrite?: ReadonlyArray<readonly [string, string | Buffer]>
  checksum?: 'right' | 'wrong' | 'none'
  /** Reserved bytes after RV's checksum byte, as real cards pad VPD-R. */
  reserved?: number
}

function largeResource(tag: number, data: Buffer): Buffer {
  const header = Buffer.from([tag, data.length & 0xff, data.length >> 8])
  return Buffer.concat([header, data])
}

function keyword(name: string, value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'latin1') : value
  return Buffer.concat([Buffer.from(name, 'latin1'), Buffer.from([data.length]), data])
}

export function buildVpd(spec: VpdSpec): Buffer {
  const checksum = spec.checksum ?? 'right'
  const identifier = spec.identifier === undefined ? Buffer.alloc(0) : largeResource(0x82, Buffer.from(spec.identifier, 'latin1'))
  const keywords = Buffer.concat(spec.readOnly.map(([name, value]) => keyword(name, value)))
  const rvLength = checksum === 'none' ? 0 : 1 + (spec.reserved ?? 0)
  const rv = checksum === 'none' ? Buffer.alloc(0) : Buffer.concat([Buffer.from('RV', 'latin1'), Buffer.from([rvLength]), Buffer.alloc(rvLength)])
  const readOnly = largeResource(0x90, Buffer.concat([keywords, rv]))
  if (checksum !== 'none') {
    // The checksum byte: everything from the start of the VPD through it sums to 0 mod 256.
    const checksumAt = identifier.length + readOnly.length - rvLength
    const before = Buffer.concat([identifier, readOnly]).subarray(0, checksumAt)
    const sum = before.reduce((total, byte) => (total + byte) & 0xff, 0)
    readOnly[checksumAt - identifier.length] = (256 - sum + (checksum === 'wrong' ? 1 : 0)) & 0xff
  }

  const readWrite = spec.readWrite ? largeResource(0x91, Buffer.concat(spec.readWrite.map(([name, value]) => keyword(name, value)))) : Buffer.alloc(0)
  return Buffer.concat([identifier, readOnly, readWrite, Buffer.from([0x78])])
}

export const BLUEFIELD_SERIAL = 'MT2109X00123'
export const CONNECTX_SERIAL = 'MT2232X01234'

/** As a BlueField-2 DPU reports it: identifier, PN/EC/SN, vendor keywords, RV with reserved bytes. */
export const BLUEFIELD_VPD: VpdSpec = {
  identifier: 'BlueField-2 DPU 25GbE Dual-Port SFP56, Crypto Enabled, 16GB on-board DDR',
  readOnly: [
    ['PN', 'MBF2H332A-AECOT'],
    ['EC', 'B3'],
    ['V2', 'MBF2H332A-AECOT'],
    ['SN', BLUEFIELD_SERIAL],
    ['V3', '8d4f6ce2b1a5eb118000b8cef6a1b2c3'],
    ['VA', 'MLX:MN=MLNX:CSKU=V2:UUID=V3:PCI=V0:MODL=BF2H332A'],
    ['V0', 'PCIeGen4 x8'],
  ],
  reserved: 12,
}

/** As a ConnectX-6 Dx reports it, with a VPD-W section (RW) after VPD-R. */
export const CONNECTX_VPD: VpdSpec = {
  identifier: 'ConnectX-6 Dx EN adapter card, 100GbE, Dual-port QSFP56, PCIe 4.0 x16',
  readOnly: [
    ['PN', 'MCX623106AN-CDAT'],
    ['EC', 'A6'],
    ['SN', CONNECTX_SERIAL],
    ['V0', 'PCIeGen4 x16'],
  ],
  readWrite: [['RW', Buffer.alloc(16, 0)]],
  reserved: 4,
}
