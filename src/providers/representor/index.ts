import {readFile, stat} from 'node:fs/promises'

import type {InventoryItem, OptionSpec, PlannedInterface, PrepareResult, ProviderContext, VifPlugProvider} from '../types.js'
import {checkDevlinkDumpSize, monitorDevlinkPorts, parseDevlinkPortDump, runDevlinkPortShow} from './devlink.js'
import {normalizeMac} from './mac.js'
import {readNetdevSwitchAttributes, readSmartNicHostPfMac} from './sysfs.js'
import {buildRepresentorTable, lookupRepresentor, type RepresentorTable} from './table.js'

export const PF_MAC_OPTION = 'vif-plug:representor:pf-mac'
export const VF_NUM_OPTION = 'vif-plug:representor:vf-num'
export const DEFAULT_POLL_INTERVAL_MS = 2000
const MAX_VF_NUM = 65_535
const noop = () => {}

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
    description: 'VF number on that PF; leave it out to plug the PF representor itself.',
    required: false,
    check: checkVfNum,
    identity: (value) => String(Number(value)),
  },
]

/**
 * ovn-vif's representor provider: plugs the PF or VF representor netdev that devlink
 * associates with the lport's host PF MAC and VF number, as a system interface (ovn-vif
 * sets no type and no interface options, and maintains none).
 */
export function createRepresentorProvider(options: RepresentorOptions = {}, context: ProviderContext = {debug: () => {}}): VifPlugProvider {
  const sysfsRoot = options.sysfsRoot ?? '/sys'
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  const {devlinkJson} = options
  const readDump =
    typeof devlinkJson === 'string' ? async () => devlinkJson : devlinkJson ?? (() => runDevlinkPortShow(options.devlinkPath))

  let table: RepresentorTable | undefined
  let tableFingerprint = ''
  let notLoadedReason = 'the representor lookup table is not loaded (init() has not run)'
  let reading: Promise<boolean> | undefined
  let nextReading: Promise<boolean> | undefined
  const listeners = new Set<() => void>()
  let pollTimer: NodeJS.Timeout | undefined
  let stopMonitor: (() => void) | undefined

  async function load(): Promise<RepresentorTable> {
    const dump = parseDevlinkPortDump(await readDump())
    for (const note of dump.skipped) context.debug(note)
    const netdevs = await readNetdevSwitchAttributes(sysfsRoot)
    return buildRepresentorTable(dump.ports, {netdevs, hostPfMac: (uplink) => readSmartNicHostPfMac(sysfsRoot, uplink)}, context.debug)
  }

  /** One read; the listeners hear of a change here, once, whoever asked for the read. */
  async function refresh(): Promise<boolean> {
    const next = await load()
    const fingerprint = JSON.stringify(next)
    const changed = fingerprint !== tableFingerprint
    table = next
    tableFingerprint = fingerprint
    if (changed) for (const listener of listeners) listener()
    return changed
  }

  /**
   * Callers share reads: the first starts one; those who ask while it runs (a poll tick, a
   * devlink event, an explicit refresh) share one more read after it, since the read in flight
   * may have read devlink before the change they ask about. Each read announces its own change,
   * so one change gives one notification however many callers share the read.
   */
  function sharedRefresh(): Promise<boolean> {
    if (!reading) {
      reading = refresh().finally(() => {
        reading = undefined
      })
      return reading
    }

    nextReading ??= reading.then(noop, noop).then(() => {
      nextReading = undefined
      return sharedRefresh()
    })
    return nextReading
  }

  async function poll(): Promise<void> {
    try {
      await sharedRefresh()
    } catch (error) {
      // Keep the last good table: a transient devlink failure must not unplug anything.
      context.debug(`representor refresh failed, keeping the previous table: ${(error as Error).message}`)
    }
  }

  function startWatching(): void {
    pollTimer = setInterval(() => void poll(), pollIntervalMs)
    pollTimer.unref()
    // Recorded dumps have no events; a live devlink reports port changes as they happen.
    if (devlinkJson === undefined) {
      stopMonitor = monitorDevlinkPorts(options.devlinkPath ?? 'devlink', () => void poll(), (reason) => {
        context.debug(`devlink port events unavailable, polling every ${pollIntervalMs} ms: ${reason}`)
        stopMonitor = undefined
      })
    }
  }

  function stopWatching(): void {
    clearInterval(pollTimer)
    pollTimer = undefined
    stopMonitor?.()
    stopMonitor = undefined
  }

  function lookup(lportOptions: Readonly<Record<string, string>>): PrepareResult<PlannedInterface> {
    if (!table) return {ok: false, reason: notLoadedReason}
    const pfMacText = lportOptions[PF_MAC_OPTION]
    if (pfMacText === undefined) return {ok: false, reason: `${PF_MAC_OPTION} is not set`}
    const pfMac = normalizeMac(pfMacText)
    if (pfMac === undefined) return {ok: false, reason: notAMac(pfMacText)}
    // ovn-vif treats an empty vf-num like a missing one: plug the PF.
    const vfText = lportOptions[VF_NUM_OPTION] || undefined
    const badVf = vfText === undefined ? undefined : checkVfNum(vfText)
    if (badVf) return {ok: false, reason: badVf}

    const found = lookupRepresentor(table, pfMac, vfText === undefined ? undefined : Number(vfText))
    return found.ok ? {ok: true, value: {name: found.value.netdev, type: '', options: {}}} : found
  }

  return {
    type: 'representor',
    maintainedOptions: [],
    optionSpecs: REPRESENTOR_OPTION_SPECS,

    async init() {
      try {
        await sharedRefresh()
      } catch (error) {
        notLoadedReason = `the representor lookup table could not be loaded: ${(error as Error).message}`
        throw error
      }
    },

    async destroy() {
      stopWatching()
      listeners.clear()
    },

    refresh: sharedRefresh,

    onChange(listener) {
      listeners.add(listener)
      if (!pollTimer) startWatching()

      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) stopWatching()
      }
    },

    prepareCreate: ({lportOptions}) => lookup(lportOptions),
    // Like ovn-vif: unplugging a representor needs nothing from the lookup table.
    prepareRemove: () => ({ok: true, value: undefined}),

    async inventory(): Promise<InventoryItem[]> {
      if (!table) throw new Error(notLoadedReason)
      return table.representors.map((representor) => ({
        netdev: representor.netdev ?? '',
        details: {
          flavour: representor.flavour,
          controller: representor.controller,
          pf: representor.pf,
          vf: representor.vf,
          'pf-mac': representor.pfMac,
          'switch-id': representor.switchId,
          'devlink-port': representor.devlinkPort,
          state: !representor.netdev ? 'no netdev' : representor.awaitingRename ? `awaiting rename (${representor.physPortName})` : 'ready',
        },
      }))
    },
  }
}
