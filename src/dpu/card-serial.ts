import {open, readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {messageOf, UserError} from '../lib/errors.js'
import {compareCodeUnits} from '../lib/order.js'
import {checkDevlinkDumpSize, runDevlinkJson} from '../providers/representor/devlink.js'
import {MAX_VPD_BYTES, vpdSerialNumber} from './vpd.js'

/**
 * The card serial number of the NICs on this machine: what OpenStack Nova reads from the PCI
 * VPD of a VF on the host and Neutron looks for as card-serial-number= in a Chassis's
 * ovn-cms-options. On the DPU the same card's own PCI functions carry the same VPD.
 *
 * Which PCI devices: every PCI network function (class 0x02xxxx) under <sysfs>/bus/pci/devices,
 * and every pci/ device `devlink -j dev info` lists. Not only the devlink devices behind the
 * representors: a card whose eswitch is not in switchdev mode yet has no representors, and its
 * serial is what the operator sets up first.
 *
 * Sources, per function: devlink's board.serial_number (the driver's read of the VPD's SN), then
 * its serial_number, then the SN keyword of the function's vpd file. Functions are grouped into
 * cards by serial, and a function whose serial could not be read joins the card of its slot
 * (the same bus and device, another function number).
 */

export type SerialSource = 'devlink board.serial_number' | 'devlink serial_number' | 'PCI VPD SN'

export interface PciFunctionSerial {
  /** The PCI address, e.g. 0000:03:00.0. */
  address: string
  /** What the function's vpd file gave: the SN, or why not. */
  vpd: {serial: string; product?: string} | {reason: string}
  /** What `devlink dev info` reports for pci/<address>, when it lists the device. */
  devlink?: {serialNumber?: string; boardSerialNumber?: string}
  /** The serial this function gives, by the precedence above. */
  serial?: string
  source?: SerialSource
}

export interface Card {
  /** The card's serial number; absent when none of its functions gave one. */
  serial?: string
  source?: SerialSource
  /** The VPD's identifier string (the product name), when one was read. */
  product?: string
  functions: PciFunctionSerial[]
  /** Why there is no serial, or where the sources disagree (the serial shown is the one that won). */
  notes: string[]
}

export interface CardSerialReport {
  cards: Card[]
  /** Source-wide notes: devlink not usable, no PCI network function found. */
  notes: string[]
}

export interface CardSerialSources {
  /** Where sysfs is; a fake tree in tests. Default: /sys. */
  sysfsRoot?: string
  /** Recorded `devlink -j dev info` output, or a function producing it. Default: run devlink. */
  devlinkInfoJson?: string | (() => Promise<string>)
  /** The devlink program to run when devlinkInfoJson is not given. Default: devlink from PATH. */
  devlinkPath?: string
}

const DEVLINK_INFO_ARGS = ['-j', 'dev', 'info'] as const
const PCI_ADDRESS = /^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i
const NETWORK_CLASS = /^0x02[0-9a-f]{4}$/i
const EXPECTED_INFO = 'expected the output of `devlink -j dev info`'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A devlink serial as it can be trusted: a non-blank string of printable ASCII. */
function devlinkSerial(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]+$/.test(value) && value.trim() !== '' ? value : undefined
}

type DevlinkInfo = Map<string, NonNullable<PciFunctionSerial['devlink']>>

/** The serials of `devlink -j dev info`, by PCI address; a document of another shape is a reason. */
export function parseDevlinkDevInfo(text: string): {ok: true; devices: DevlinkInfo} | {ok: false; reason: string} {
  let document: unknown
  try {
    checkDevlinkDumpSize(Buffer.byteLength(text))
    document = JSON.parse(text)
  } catch (error) {
    return {ok: false, reason: `devlink dev info is not usable (${messageOf(error)}); ${EXPECTED_INFO}`}
  }

  if (!isRecord(document) || !isRecord(document.info)) return {ok: false, reason: `devlink dev info has no "info" object; ${EXPECTED_INFO}`}
  const devices: DevlinkInfo = new Map()
  for (const [handle, info] of Object.entries(document.info)) {
    const address = handle.startsWith('pci/') ? handle.slice('pci/'.length) : undefined
    if (!address || !PCI_ADDRESS.test(address) || !isRecord(info)) continue
    const serialNumber = devlinkSerial(info.serial_number)
    const boardSerialNumber = devlinkSerial(info['board.serial_number'])
    devices.set(address.toLowerCase(), {...(serialNumber ? {serialNumber} : {}), ...(boardSerialNumber ? {boardSerialNumber} : {})})
  }

  return {ok: true, devices}
}

async function readDevlinkInfo(sources: CardSerialSources): Promise<{ok: true; devices: DevlinkInfo} | {ok: false; reason: string}> {
  const {devlinkInfoJson} = sources
  try {
    const text =
      typeof devlinkInfoJson === 'string' ? devlinkInfoJson : devlinkInfoJson ? await devlinkInfoJson() : await runDevlinkJson(DEVLINK_INFO_ARGS, sources.devlinkPath)
    return parseDevlinkDevInfo(text)
  } catch (error) {
    // devlink missing or failing leaves the VPD: a note, not a failure.
    return {ok: false, reason: error instanceof UserError ? error.message : `devlink dev info failed: ${messageOf(error)}`}
  }
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').then((text) => text.trim(), () => undefined)
}

/** The PCI network functions under <sysfsRoot>/bus/pci/devices. */
async function pciNetworkFunctions(devicesDir: string): Promise<string[]> {
  const names = await readdir(devicesDir).catch((): string[] => [])
  const kept = await Promise.all(
    names.map(async (name) => (PCI_ADDRESS.test(name) && NETWORK_CLASS.test((await readText(path.join(devicesDir, name, 'class'))) ?? '') ? name.toLowerCase() : undefined)),
  )
  return kept.filter((name): name is string => name !== undefined)
}

function readFailure(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return `${file} does not exist: the device exposes no VPD`
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${file}: permission denied (the kernel lets only root read VPD)`
  return `cannot read ${file}: ${code ?? messageOf(error)}`
}

/** Reads a vpd file (at most what PCI can address, plus one byte to tell a longer file) and its SN. */
export async function readVpdSerial(file: string): Promise<PciFunctionSerial['vpd']> {
  let image: Buffer
  try {
    const handle = await open(file, 'r')
    try {
      const buffer = Buffer.alloc(MAX_VPD_BYTES + 1)
      let length = 0
      for (let bytesRead = -1; bytesRead !== 0 && length < buffer.length; length += bytesRead) {
        ;({bytesRead} = await handle.read(buffer, length, buffer.length - length, null))
      }

      image = buffer.subarray(0, length)
    } finally {
      await handle.close()
    }
  } catch (error) {
    return {reason: readFailure(file, error)}
  }

  const parsed = vpdSerialNumber(image)
  if (!parsed.ok) return {reason: `${file}: ${parsed.reason}`}
  return parsed.product ? {serial: parsed.serial, product: parsed.product} : {serial: parsed.serial}
}

function applySerialPrecedence(fn: PciFunctionSerial): void {
  const vpdSerial = 'serial' in fn.vpd ? fn.vpd.serial : undefined
  const candidates: Array<[SerialSource, string | undefined]> = [
    ['devlink board.serial_number', fn.devlink?.boardSerialNumber],
    ['devlink serial_number', fn.devlink?.serialNumber],
    ['PCI VPD SN', vpdSerial],
  ]
  const found = candidates.find(([, value]) => value !== undefined)
  if (found) {
    fn.source = found[0]
    fn.serial = found[1]
  }
}

/** "0000:03:00" of "0000:03:00.1": the functions of one multi-function card share it. */
function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf('.'))
}

/**
 * PCI addresses in order. They are hex digits and separators in fixed places, so comparing their
 * code units (case aside) orders them as localeCompare does, without the ICU collator
 * localeCompare builds on its first call: chassis show and doctor sort them on every run.
 */
function byAddress(a: string, b: string): number {
  return compareCodeUnits(a.toLowerCase(), b.toLowerCase())
}

function cardNotes(card: Card): string[] {
  const notes: string[] = []
  for (const fn of card.functions) {
    const vpdSerial = 'serial' in fn.vpd ? fn.vpd.serial : undefined
    if (fn.source !== 'PCI VPD SN' && vpdSerial !== undefined && vpdSerial !== fn.serial) {
      notes.push(`${fn.address}: ${fn.source} ${fn.serial} differs from the VPD's SN ${vpdSerial}; ${fn.source} is used`)
    }
  }

  if (card.serial === undefined) {
    notes.push(...card.functions.map((fn) => `${fn.address}: ${'reason' in fn.vpd ? fn.vpd.reason : 'no serial'}${fn.devlink ? '; devlink reports no serial_number' : ''}`))
  }

  return notes
}

/** Groups functions into cards: by serial, a function without one joining the card of its slot. */
export function groupCards(functions: readonly PciFunctionSerial[]): Card[] {
  const cards: Card[] = []
  const bySerial = new Map<string, Card>()
  for (const fn of functions.filter((candidate) => candidate.serial !== undefined)) {
    let card = bySerial.get(fn.serial!)
    if (!card) {
      card = {serial: fn.serial!, source: fn.source!, functions: [], notes: []}
      bySerial.set(fn.serial!, card)
      cards.push(card)
    }

    card.functions.push(fn)
  }

  for (const fn of functions.filter((candidate) => candidate.serial === undefined)) {
    const sameSlot = cards.find((card) => card.functions.some((member) => slotOf(member.address) === slotOf(fn.address)))
    if (sameSlot) sameSlot.functions.push(fn)
    else cards.push({functions: [fn], notes: []})
  }

  for (const card of cards) {
    card.functions.sort((a, b) => byAddress(a.address, b.address))
    const product = card.functions.map((fn) => ('product' in fn.vpd ? fn.vpd.product : undefined)).find((name) => name !== undefined)
    if (product) card.product = product
    card.notes = cardNotes(card)
  }

  return cards.sort((a, b) => byAddress(a.functions[0]?.address ?? '', b.functions[0]?.address ?? ''))
}

/** Reads every NIC's serial from devlink and the PCI VPD, and groups the functions into cards. */
export async function readCardSerials(sources: CardSerialSources = {}): Promise<CardSerialReport> {
  const devicesDir = path.join(sources.sysfsRoot ?? '/sys', 'bus', 'pci', 'devices')
  const [devlink, networkFunctions] = await Promise.all([readDevlinkInfo(sources), pciNetworkFunctions(devicesDir)])
  const notes: string[] = devlink.ok ? [] : [devlink.reason]
  const addresses = [...new Set([...networkFunctions, ...(devlink.ok ? devlink.devices.keys() : [])])]
  if (addresses.length === 0) notes.push(`no PCI network function in ${devicesDir}${devlink.ok ? ' and none in devlink dev info' : ''}`)

  const functions = await Promise.all(
    addresses.map(async (address): Promise<PciFunctionSerial> => {
      const fn: PciFunctionSerial = {address, vpd: await readVpdSerial(path.join(devicesDir, address, 'vpd'))}
      const info = devlink.ok ? devlink.devices.get(address) : undefined
      if (info) fn.devlink = info
      applySerialPrecedence(fn)
      return fn
    }),
  )
  return {cards: groupCards(functions), notes}
}

/** The distinct serials the cards gave, in card order. */
export function cardSerials(report: CardSerialReport): string[] {
  return report.cards.flatMap((card) => (card.serial === undefined ? [] : [card.serial]))
}

/** Every value any source gave for any function: what an operator's SERIAL may name. */
export function serialsSeen(report: CardSerialReport): Set<string> {
  const seen = new Set<string>()
  for (const fn of report.cards.flatMap((card) => card.functions)) {
    for (const value of [fn.devlink?.boardSerialNumber, fn.devlink?.serialNumber, 'serial' in fn.vpd ? fn.vpd.serial : undefined]) {
      if (value !== undefined) seen.add(value)
    }
  }

  return seen
}

/** "MT2109X00123 (0000:03:00.0, 0000:03:00.1)": a card for one-line messages. */
export function describeCard(card: Card): string {
  return `${card.serial ?? '(no serial)'} (${card.functions.map((fn) => fn.address).join(', ')})`
}
