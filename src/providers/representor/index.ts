import {readFile, stat} from 'node:fs/promises'

import type {InventoryItem, OptionSpec, PlannedInterface, PrepareResult, ProviderContext, VifPlugProvider} from '../types.js'
import {checkDevlinkDumpSize, runDevlinkPortShow} from './devlink.js'
import {normalizeMac} from './mac.js'
import {lookupRepresentor, type PfFunction, type Representor, type RepresentorTable} from './table.js'
import {RepresentorTableSource} from './table-source.js'

export const PF_MAC_OPTION = 'vif-plug:representor:pf-mac'
export const VF_NUM_OPTION = 'vif-plug:representor:vf-num'
export const SF_NUM_OPTION = 'vif-plug:representor:sf-num'
export const DEFAULT_POLL_INTERVAL_MS = 2000
const MAX_VF_NUM = 65_535
// devlink's sfnum is a u32.
const MAX_SF_NUM = 4_294_967_295

export interface RepresentorOptions {
  /** Recorded `devlink -j port show` output, or a function producing it (called on every refresh). Default: run devlink. */
  devlinkJson?: string | (() => Promise<string>)
  /** The devlink program to run when devlinkJson is not given. Default: devlink from PATH. */
  devlinkPath?: string
  /** Where sysfs is; a fake tree in tests. Default: /sys. */
  sysfsRoot?: string
  /** How often onChange re-reads the tables; with a live devlink, port events also trigger a re-read. */
  pollIntervalMs?: number
}

/** Reads a recorded devlink dump from a file on every refresh, so a watcher sees it change. */
export function devlinkJsonFile(file: string): () => Promise<string> {
  return async () => {
    checkDevlinkDumpSize((await stat(file)).size)
    return readFile(file, 'utf8')
  }
}

function notAMac(value: string): string {
  return `pf-mac "${value}" is not a MAC address like 0c:42:a1:00:00:01`
}

function checkPfMac(value: string): string | undefined {
  return normalizeMac(value) ? undefined : notAMac(value)
}

function checkVfNum(value: string): string | undefined {
  if (!/^\d{1,5}$/.test(value) || Number(value) > MAX_VF_NUM) return `vf-num "${value}" is not an integer from 0 to ${MAX_VF_NUM}`
  return undefined
}

function checkSfNum(value: string): string | undefined {
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_SF_NUM) return `sf-num "${value}" is not an integer from 0 to ${MAX_SF_NUM}`
  return undefined
}

export const REPRESENTOR_OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: PF_MAC_OPTION,
    flag: 'pf-mac',
    description: 'MAC address of the host PF whose representor (or whose VF\'s representor) to plug.',
    required: true,
    check: checkPfMac,
    identity: (value) => normalizeMac(value) ?? value,
  },
  {
    key: VF_NUM_OPTION,
    flag: 'vf-num',
    description: 'VF number on that PF; leave it out (and sf-num) to plug the PF representor itself.',
    required: false,
    check: checkVfNum,
    identity: (value) => String(Number(value)),
    excludes: [SF_NUM_OPTION],
  },
  {
    key: SF_NUM_OPTION,
    flag: 'sf-num',
    description: 'SF number (devlink sfnum) on that PF, for a host scalable function; not with vf-num.',
    required: false,
    check: checkSfNum,
    identity: (value) => String(Number(value)),
    excludes: [VF_NUM_OPTION],
  },
]

/** The VF or SF an lport names, or why its options name none; ovn-vif treats an empty vf-num like a missing one (so does sf-num). */
function requestedFunction(lportOptions: Readonly<Record<string, string>>): PrepareResult<PfFunction | undefined> {
  const vfText = lportOptions[VF_NUM_OPTION] || undefined
  const sfText = lportOptions[SF_NUM_OPTION] || undefined
  if (vfText !== undefined && sfText !== undefined) {
    return {ok: false, reason: `vf-num ${vfText} and sf-num ${sfText} are both set: a port names a VF or an SF of its PF, not both; plug it again with one of them`}
  }

  const problem = vfText !== undefined ? checkVfNum(vfText) : sfText !== undefined ? checkSfNum(sfText) : undefined
  if (problem) return {ok: false, reason: problem}
  if (vfText !== undefined) return {ok: true, value: {flavour: 'vf', number: Number(vfText)}}
  return {ok: true, value: sfText === undefined ? undefined : {flavour: 'sf', number: Number(sfText)}}
}

/** The interface for an lport's options: the table's answer for its PF MAC and VF or SF, as a system interface. */
function planInterface(table: RepresentorTable, lportOptions: Readonly<Record<string, string>>): PrepareResult<PlannedInterface> {
  const pfMacText = lportOptions[PF_MAC_OPTION]
  if (pfMacText === undefined) return {ok: false, reason: `${PF_MAC_OPTION} is not set`}
  const pfMac = normalizeMac(pfMacText)
  if (pfMac === undefined) return {ok: false, reason: notAMac(pfMacText)}
  const child = requestedFunction(lportOptions)
  if (!child.ok) return child

  const found = lookupRepresentor(table, pfMac, child.value)
  return found.ok ? {ok: true, value: {name: found.value.netdev, type: '', options: {}}} : found
}

/** ready, or what keeps the representor from being plugged now. */
function readiness(representor: Representor): string {
  if (representor.flavour === 'pcisf' && representor.state !== 'active') return representor.state ?? 'state not reported'
  if (representor.flavour === 'pcisf' && representor.opstate !== 'attached') return 'not attached'
  if (!representor.netdev) return 'no netdev'
  return representor.awaitingRename ? `awaiting rename (${representor.physPortName})` : 'ready'
}

/** One inventory row; only SFs have an sf number and show devlink's function opstate (what keeps them detached). */
function inventoryItem(representor: Representor): InventoryItem {
  return {
    netdev: representor.netdev ?? '',
    details: {
      flavour: representor.flavour,
      controller: representor.controller,
      pf: representor.pf,
      vf: representor.vf,
      sf: representor.sf,
      'pf-mac': representor.pfMac,
      'switch-id': representor.switchId,
      'devlink-port': representor.devlinkPort,
      state: readiness(representor),
      opstate: representor.flavour === 'pcisf' ? representor.opstate : undefined,
    },
  }
}

/** Every representor a host port could ask for: local (controller 0) SFs are the DPU's own, never a host port's. */
function inventoryOf(table: RepresentorTable): InventoryItem[] {
  return table.representors.filter((representor) => representor.flavour !== 'pcisf' || representor.external).map(inventoryItem)
}

/**
 * ovn-vif's representor provider, with SFs: plugs the PF, VF or SF representor netdev that
 * devlink associates with the lport's host PF MAC and VF or SF number, as a system interface
 * (ovn-vif sets no type and no interface options, and maintains none).
 */
export function createRepresentorProvider(options: RepresentorOptions = {}, context: ProviderContext = {debug: () => {}}): VifPlugProvider {
  const {devlinkJson} = options
  const source = new RepresentorTableSource({
    readDump: typeof devlinkJson === 'string' ? async () => devlinkJson : devlinkJson ?? (() => runDevlinkPortShow(options.devlinkPath)),
    sysfsRoot: options.sysfsRoot ?? '/sys',
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    // Recorded dumps have no events.
    monitorWith: devlinkJson === undefined ? (options.devlinkPath ?? 'devlink') : undefined,
    debug: context.debug,
  })

  return {
    type: 'representor',
    maintainedOptions: [],
    optionSpecs: REPRESENTOR_OPTION_SPECS,
    init: () => source.init(),
    destroy: async () => source.stop(),
    refresh: () => source.refresh(),
    onChange: (listener) => source.subscribe(listener),
    prepareCreate: ({lportOptions}) => (source.table ? planInterface(source.table, lportOptions) : {ok: false, reason: source.notLoadedReason}),
    // Like ovn-vif: unplugging a representor needs nothing from the lookup table.
    prepareRemove: () => ({ok: true, value: undefined}),
    async inventory(): Promise<InventoryItem[]> {
      if (!source.table) throw new Error(source.notLoadedReason)
      return inventoryOf(source.table)
    },
  }
}
