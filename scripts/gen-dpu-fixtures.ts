/**
 * Writes the DPU identity fixtures under test/fixtures/dpu: VPD images (BlueField-style,
 * ConnectX-style, corrupt) and fake sysfs trees with recorded `devlink -j dev info` output.
 * Run it after changing test/helpers/vpd.ts: `npx tsx scripts/gen-dpu-fixtures.ts`.
 */
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {BLUEFIELD_SERIAL, BLUEFIELD_VPD, buildVpd, CONNECTX_VPD} from '../test/helpers/vpd.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'dpu')

const bluefield = buildVpd(BLUEFIELD_VPD)
const connectx = buildVpd(CONNECTX_VPD)
// One bit of the serial flipped after the checksum was made: the RV checksum no longer holds.
const corrupt = Buffer.from(bluefield)
const flipped = corrupt.indexOf(BLUEFIELD_SERIAL, 0, 'latin1') + 4
corrupt[flipped] = (corrupt[flipped] as number) ^ 0x01

interface PciFunction {
  address: string
  /** The class code; 0x020000 is an Ethernet controller. */
  pciClass?: string
  vpd?: Buffer
}

async function writeTree(name: string, functions: readonly PciFunction[], devlinkInfo: unknown): Promise<void> {
  const dir = path.join(ROOT, name)
  for (const fn of functions) {
    const device = path.join(dir, 'sysfs', 'bus', 'pci', 'devices', fn.address)
    await mkdir(device, {recursive: true})
    await writeFile(path.join(device, 'class'), `${fn.pciClass ?? '0x020000'}\n`)
    if (fn.vpd) await writeFile(path.join(device, 'vpd'), fn.vpd)
  }

  await writeFile(path.join(dir, 'devlink-info.json'), `${JSON.stringify(devlinkInfo, null, 2)}\n`)
}

const hostBridge: PciFunction = {address: '0000:00:00.0', pciClass: '0x060000'}
const mlx5 = (fw: string, serials: Record<string, string> = {}) => ({driver: 'mlx5_core', ...serials, versions: {running: {'fw.version': fw}}})

await rm(ROOT, {recursive: true, force: true})
await mkdir(ROOT, {recursive: true})
await writeFile(path.join(ROOT, 'bluefield.vpd'), bluefield)
await writeFile(path.join(ROOT, 'connectx.vpd'), connectx)
await writeFile(path.join(ROOT, 'corrupt.vpd'), corrupt)

// A BlueField-2 DPU: two PFs of one card; devlink reports the board serial on both.
await writeTree(
  'bluefield',
  [hostBridge, {address: '0000:03:00.0', vpd: bluefield}, {address: '0000:03:00.1', vpd: bluefield}],
  {info: {'pci/0000:03:00.0': mlx5('24.35.2000', {'board.serial_number': BLUEFIELD_SERIAL}), 'pci/0000:03:00.1': mlx5('24.35.2000', {'board.serial_number': BLUEFIELD_SERIAL})}},
)

// Two NICs: the BlueField (devlink without serials: the VPD gives it) and a ConnectX-6 Dx.
await writeTree(
  'two-nics',
  [hostBridge, {address: '0000:03:00.0', vpd: bluefield}, {address: '0000:03:00.1', vpd: bluefield}, {address: '0000:81:00.0', vpd: connectx}, {address: '0000:81:00.1', vpd: connectx}],
  {info: {'pci/0000:03:00.0': mlx5('24.35.2000'), 'pci/0000:03:00.1': mlx5('24.35.2000'), 'pci/0000:81:00.0': mlx5('22.36.1010'), 'pci/0000:81:00.1': mlx5('22.36.1010')}},
)

// A card whose VPD is corrupt on one function and absent on the other, and devlink without serials.
await writeTree('corrupt', [hostBridge, {address: '0000:03:00.0', vpd: corrupt}, {address: '0000:03:00.1'}], {info: {'pci/0000:03:00.0': mlx5('24.35.2000'), 'pci/0000:03:00.1': mlx5('24.35.2000')}})

// No NIC at all: only a host bridge.
await writeTree('no-nic', [hostBridge], {info: {}})
