import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {parseVpd, vpdSerialNumber} from '../../../src/dpu/vpd.js'
import {BLUEFIELD_SERIAL, BLUEFIELD_VPD, buildVpd, CONNECTX_SERIAL} from '../../helpers/vpd.js'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/dpu')
const fixture = (name: string) => readFile(path.join(FIXTURES, name))

describe('vpdSerialNumber on the committed fixtures', () => {
  it('reads the SN and product name of a BlueField-style VPD', async () => {
    expect(vpdSerialNumber(await fixture('bluefield.vpd'))).toEqual({
      ok: true,
      serial: BLUEFIELD_SERIAL,
      product: 'BlueField-2 DPU 25GbE Dual-Port SFP56, Crypto Enabled, 16GB on-board DDR',
    })
  })

  it('reads a ConnectX-style VPD with a VPD-W section after VPD-R', async () => {
    const image = await fixture('connectx.vpd')
    expect(vpdSerialNumber(image)).toMatchObject({ok: true, serial: CONNECTX_SERIAL})
    const parsed = parseVpd(image)
    expect(parsed.ok && [...parsed.vpd.readOnly.keys()]).toEqual(['PN', 'EC', 'SN', 'V0', 'RV'])
    expect(parsed.ok && parsed.vpd.readWrite.get('RW')?.length).toBe(16)
  })

  it('refuses the corrupt one: the RV checksum does not hold', async () => {
    expect(vpdSerialNumber(await fixture('corrupt.vpd'))).toEqual({
      ok: false,
      reason: 'the RV checksum is wrong: the bytes through it sum to 0x01 mod 256, not 0 (corrupt VPD)',
    })
  })
})

describe('vpdSerialNumber on every defect: a reason, never a throw', () => {
  const good = buildVpd(BLUEFIELD_VPD)
  const withSerial = (serial: string | Buffer) => buildVpd({...BLUEFIELD_VPD, readOnly: BLUEFIELD_VPD.readOnly.map(([name, value]) => [name, name === 'SN' ? serial : value] as const)})

  it.each<[string, Buffer, string]>([
    ['an empty file', Buffer.alloc(0), 'the VPD is empty'],
    ['a file of 0xff (no VPD programmed)', Buffer.alloc(64, 0xff), 'the VPD starts with byte 0xff, not an identifier string (0x82) or VPD-R (0x90) tag'],
    ['a file longer than PCI can address', Buffer.concat([good, Buffer.alloc(32 * 1024)]), 'the VPD is longer than the 32768 bytes PCI can address'],
    ['a file cut inside a tag header', good.subarray(0, 2), 'the VPD ends inside the header of resource tag 0x82 at byte 0 (truncated)'],
    ['a file cut inside VPD-R', good.subarray(0, 120), 'resource tag 0x90 at byte 75 claims 172 bytes, but only 42 follow (truncated)'],
    ['a wrong RV checksum', buildVpd({...BLUEFIELD_VPD, checksum: 'wrong'}), 'the RV checksum is wrong: the bytes through it sum to 0x01 mod 256, not 0 (corrupt VPD)'],
    ['no RV keyword', buildVpd({...BLUEFIELD_VPD, checksum: 'none'}), 'the VPD-R section has no RV checksum, so its contents cannot be trusted'],
    ['no VPD-R section', Buffer.from([0x82, 0x02, 0x00, 0x41, 0x42, 0x78]), 'the VPD has no VPD-R (read-only) section'],
    ['no SN keyword', buildVpd({readOnly: [['PN', 'X']]}), 'the VPD-R section has no SN (serial number) keyword'],
    ['a non-ASCII serial', withSerial(Buffer.from([0x4d, 0x54, 0xe9, 0x00])), 'keyword SN holds bytes that are not printable ASCII (4d54e900)'],
    ['a blank serial', withSerial('    '), 'keyword SN is blank'],
  ])('%s', (_name, image, reason) => {
    expect(vpdSerialNumber(image)).toEqual({ok: false, reason})
  })

  it('refuses a keyword whose length runs past the end of VPD-R', () => {
    // PN claims 0x7f bytes inside a VPD-R of a few: the section ends first.
    const image = Buffer.from([0x90, 0x06, 0x00, 0x50, 0x4e, 0x7f, 0x41, 0x42, 0x43, 0x78])
    expect(vpdSerialNumber(image)).toEqual({ok: false, reason: 'keyword PN at byte 3 claims 127 bytes, past the end of the VPD-R section (3 left)'})
  })

  it('refuses a keyword name that is not two letters or digits, and a section cut inside a keyword header', () => {
    expect(vpdSerialNumber(Buffer.from([0x90, 0x03, 0x00, 0x00, 0x01, 0x00]))).toEqual({ok: false, reason: 'the VPD-R section has a keyword named "\\u0000\\u0001" at byte 3, not two letters or digits'})
    expect(vpdSerialNumber(Buffer.from([0x90, 0x02, 0x00, 0x53, 0x4e]))).toEqual({ok: false, reason: 'the VPD-R section ends inside a keyword header at byte 3'})
  })

  it('reads a VPD without an identifier string, without an end tag, or with padding after it', () => {
    const bare = buildVpd({readOnly: [['SN', 'ABC123']]})
    expect(vpdSerialNumber(bare)).toEqual({ok: true, serial: 'ABC123'})
    expect(vpdSerialNumber(bare.subarray(0, -1))).toEqual({ok: true, serial: 'ABC123'})
    expect(vpdSerialNumber(Buffer.concat([good, Buffer.alloc(100, 0xff)]))).toMatchObject({ok: true, serial: BLUEFIELD_SERIAL})
  })

  it('never throws on random damage to a good image', () => {
    let seed = 1
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff)
    for (let round = 0; round < 2000; round++) {
      const image = Buffer.from(good.subarray(0, next() % (good.length + 1)))
      for (let flips = next() % 4; flips > 0 && image.length > 0; flips--) image[next() % image.length] = next() & 0xff
      const result = vpdSerialNumber(image)
      expect(result.ok || result.reason.length > 0).toBe(true)
    }
  })
})
