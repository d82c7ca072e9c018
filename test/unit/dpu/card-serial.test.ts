import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {cardSerials, groupCards, parseDevlinkDevInfo, readCardSerials, serialsSeen} from '../../../src/dpu/card-serial.js'
import {devlinkJsonFile} from '../../../src/providers/representor/index.js'
import {BLUEFIELD_SERIAL, CONNECTX_SERIAL} from '../../helpers/vpd.js'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/dpu')
const BLUEFIELD_PRODUCT = 'BlueField-2 DPU 25GbE Dual-Port SFP56, Crypto Enabled, 16GB on-board DDR'

/** The sources of one fixture tree: its fake sysfs and its recorded devlink dev info. */
function sources(name: string) {
  const dir = path.join(FIXTURES, name)
  return {sysfsRoot: path.join(dir, 'sysfs'), devlinkInfoJson: devlinkJsonFile(path.join(dir, 'devlink-info.json'))}
}

describe('readCardSerials on the fixture trees', () => {
  it('one BlueField: devlink board.serial_number wins, both PFs are one card, the host bridge is left out', async () => {
    const report = await readCardSerials(sources('bluefield'))
    expect(report.notes).toEqual([])
    expect(report.cards).toEqual([
      {
        serial: BLUEFIELD_SERIAL,
        source: 'devlink board.serial_number',
        product: BLUEFIELD_PRODUCT,
        notes: [],
        functions: ['0000:03:00.0', '0000:03:00.1'].map((address) => ({
          address,
          vpd: {serial: BLUEFIELD_SERIAL, product: BLUEFIELD_PRODUCT},
          devlink: {boardSerialNumber: BLUEFIELD_SERIAL},
          serial: BLUEFIELD_SERIAL,
          source: 'devlink board.serial_number',
        })),
      },
    ])
  })

  it('two NICs: each card with its PCI functions, the serial from the VPD when devlink has none', async () => {
    const report = await readCardSerials(sources('two-nics'))
    expect(cardSerials(report)).toEqual([BLUEFIELD_SERIAL, CONNECTX_SERIAL])
    expect(report.cards.map((card) => [card.source, card.functions.map((fn) => fn.address)])).toEqual([
      ['PCI VPD SN', ['0000:03:00.0', '0000:03:00.1']],
      ['PCI VPD SN', ['0000:81:00.0', '0000:81:00.1']],
    ])
  })

  it('a corrupt VPD and a missing one: one card of two functions, no serial, and the reason of each', async () => {
    const report = await readCardSerials(sources('corrupt'))
    const devices = path.join(FIXTURES, 'corrupt', 'sysfs', 'bus', 'pci', 'devices')
    expect(cardSerials(report)).toEqual([])
    expect(report.cards.map((card) => card.functions.map((fn) => fn.address))).toEqual([['0000:03:00.0', '0000:03:00.1']])
    expect(report.cards.flatMap((card) => card.notes)).toEqual([
      `0000:03:00.0: ${devices}/0000:03:00.0/vpd: the RV checksum is wrong: the bytes through it sum to 0x01 mod 256, not 0 (corrupt VPD); devlink reports no serial_number`,
      `0000:03:00.1: ${devices}/0000:03:00.1/vpd does not exist: the device exposes no VPD; devlink reports no serial_number`,
    ])
  })

  it('no NIC: nothing to report, and a note saying where it looked', async () => {
    const report = await readCardSerials(sources('no-nic'))
    expect(report.cards).toEqual([])
    expect(report.notes).toEqual([`no PCI network function in ${path.join(FIXTURES, 'no-nic', 'sysfs', 'bus', 'pci', 'devices')} and none in devlink dev info`])
  })
})

describe('readCardSerials with sources that disagree or fail', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'card-serial-'))
  })
  afterAll(async () => {
    await rm(root, {recursive: true, force: true})
  })

  async function device(address: string, vpd: Buffer | 'directory' | undefined): Promise<void> {
    const dir = path.join(root, 'bus', 'pci', 'devices', address)
    await mkdir(dir, {recursive: true})
    await writeFile(path.join(dir, 'class'), '0x020000\n')
    if (vpd === 'directory') await mkdir(path.join(dir, 'vpd'))
    else if (vpd) await writeFile(path.join(dir, 'vpd'), vpd)
  }

  it('says when devlink and the VPD disagree, and which one is used', async () => {
    const {readFile} = await import('node:fs/promises')
    await device('0000:05:00.0', await readFile(path.join(FIXTURES, 'bluefield.vpd')))
    const report = await readCardSerials({sysfsRoot: root, devlinkInfoJson: JSON.stringify({info: {'pci/0000:05:00.0': {serial_number: 'e8:eb:d3:03:00:aa:bb:cc'}}})})
    expect(report.cards[0]).toMatchObject({
      serial: 'e8:eb:d3:03:00:aa:bb:cc',
      source: 'devlink serial_number',
      notes: [`0000:05:00.0: devlink serial_number e8:eb:d3:03:00:aa:bb:cc differs from the VPD's SN ${BLUEFIELD_SERIAL}; devlink serial_number is used`],
    })
    expect([...serialsSeen(report)].sort()).toEqual([BLUEFIELD_SERIAL, 'e8:eb:d3:03:00:aa:bb:cc'])
    await rm(path.join(root, 'bus'), {recursive: true})
  })

  it('an unreadable vpd file, devlink missing and a devlink dump of the wrong shape are reasons, not throws', async () => {
    await device('0000:06:00.0', 'directory')
    const missing = await readCardSerials({sysfsRoot: root, devlinkPath: '/nonexistent/devlink'})
    expect(missing.notes).toEqual(['/nonexistent/devlink not found: install the iproute2 package (apt-get install iproute2)'])
    expect(missing.cards[0]?.notes).toEqual([`0000:06:00.0: cannot read ${root}/bus/pci/devices/0000:06:00.0/vpd: EISDIR`])

    const notJson = await readCardSerials({sysfsRoot: root, devlinkInfoJson: '{"info": '})
    expect(notJson.notes[0]).toMatch(/^devlink dev info is not usable \(.*JSON.*\); expected the output of `devlink -j dev info`$/)
    const wrongShape = await readCardSerials({sysfsRoot: root, devlinkInfoJson: '{"port": {}}'})
    expect(wrongShape.notes).toEqual(['devlink dev info has no "info" object; expected the output of `devlink -j dev info`'])
  })

  it('parseDevlinkDevInfo keeps pci devices only, and only printable, non-blank serials', () => {
    const parsed = parseDevlinkDevInfo(JSON.stringify({
      info: {
        'pci/0000:03:00.0': {'board.serial_number': 'MT1', serial_number: '  '},
        'auxiliary/mlx5_core.sf.2': {serial_number: 'SF'},
        'pci/0000:04:00.0': {serial_number: 'bad\u0001'},
        'pci/0000:05:00.0': 'not an object',
      },
    }))
    expect(parsed.ok && Object.fromEntries(parsed.devices)).toEqual({'0000:03:00.0': {boardSerialNumber: 'MT1'}, '0000:04:00.0': {}})
  })
})

describe('groupCards', () => {
  // chassis show and doctor group the cards on every run: localeCompare would build ICU's collator.
  it('orders the functions of a card and the cards by PCI address, as localeCompare would, without it', () => {
    const addresses = ['0000:81:00.1', '0000:0a:00.0', '0000:81:00.0', '0000:03:00.1', '0000:03:00.0', '0000:0A:00.1']
    const functions = addresses.map((address) => ({address, vpd: {serial: `SN-${address.slice(5, 7).toLowerCase()}`}, serial: `SN-${address.slice(5, 7).toLowerCase()}`}))
    const localeCompare = vi.spyOn(String.prototype, 'localeCompare')
    try {
      const cards = groupCards(functions)
      expect(localeCompare).not.toHaveBeenCalled()
      expect(cards.map((card) => card.functions.map((fn) => fn.address))).toEqual([
        ['0000:03:00.0', '0000:03:00.1'],
        ['0000:0a:00.0', '0000:0A:00.1'],
        ['0000:81:00.0', '0000:81:00.1'],
      ])
    } finally {
      localeCompare.mockRestore()
    }
  })
})
