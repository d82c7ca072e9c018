import {isDeepStrictEqual} from 'node:util'

import {monitorDevlinkPorts, parseDevlinkPortDump} from './devlink.js'
import {type NetdevSwitchAttributes, readNetdevSwitchAttributes, readSmartNicHostPfMac} from './sysfs.js'
import {buildRepresentorTable, type RepresentorTable} from './table.js'

const noop = () => {}

/** The netdevs' switch attributes as one comparable string (readdir's order, which sysfs keeps stable). */
function netdevsKey(netdevs: ReadonlyMap<string, NetdevSwitchAttributes>): string {
  let key = ''
  for (const [name, {physPortName, physSwitchId}] of netdevs) key += `${name}\t${physPortName ?? ''}\t${physSwitchId ?? ''}\n`
  return key
}

export interface TableSourceSettings {
  /** One `devlink -j port show` output per call. */
  readDump: () => Promise<string>
  sysfsRoot: string
  pollIntervalMs: number
  /** The devlink program whose port events trigger a re-read; undefined for recorded dumps, which have no events. */
  monitorWith?: string
  debug: (message: string) => void
}

/** Everything a table was built from: the dump's text, the netdevs' sysfs attributes, and each host PF MAC read from sysfs. */
interface TableInputs {
  dump: string
  netdevs: string
  hostPfMacs: Map<string, string | undefined>
}

/**
 * The representor table, kept current: one devlink read and one sysfs read build it whole, and
 * watchers hear of each change once. A failed re-read keeps the last good table. A re-read
 * whose inputs are those of the current table keeps it as it is: a watcher re-reads every poll
 * interval, and rebuilding thousands of representors each time only makes garbage.
 */
export class RepresentorTableSource {
  table: RepresentorTable | undefined
  notLoadedReason = 'the representor lookup table is not loaded (init() has not run)'
  private inputs: TableInputs | undefined
  private reading: Promise<boolean> | undefined
  private nextReading: Promise<boolean> | undefined
  private readonly listeners = new Set<() => void>()
  private pollTimer: NodeJS.Timeout | undefined
  private stopMonitor: (() => void) | undefined

  constructor(private readonly settings: TableSourceSettings) {}

  async init(): Promise<void> {
    try {
      await this.refresh()
    } catch (error) {
      this.notLoadedReason = `the representor lookup table could not be loaded: ${(error as Error).message}`
      throw error
    }
  }

  /**
   * Callers share reads: the first starts one; those who ask while it runs (a poll tick, a
   * devlink event, an explicit refresh) share one more read after it, since the read in flight
   * may have read devlink before the change they ask about. Each read announces its own change,
   * so one change gives one notification however many callers share the read.
   */
  refresh(): Promise<boolean> {
    if (!this.reading) {
      this.reading = this.read().finally(() => {
        this.reading = undefined
      })
      return this.reading
    }

    this.nextReading ??= this.reading.then(noop, noop).then(() => {
      this.nextReading = undefined
      return this.refresh()
    })
    return this.nextReading
  }

  /** Calls `listener` on every change until the returned function is called; the first subscriber starts the watching. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    if (!this.pollTimer) this.startWatching()
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stopWatching()
    }
  }

  stop(): void {
    this.stopWatching()
    this.listeners.clear()
  }

  /** The table for the current inputs, or undefined when they are those the current table was built from. */
  private async load(): Promise<RepresentorTable | undefined> {
    const {readDump, sysfsRoot, debug} = this.settings
    const dumpText = await readDump()
    const netdevs = await readNetdevSwitchAttributes(sysfsRoot)
    const inputs: TableInputs = {dump: dumpText, netdevs: netdevsKey(netdevs), hostPfMacs: new Map()}
    if (this.table && (await this.sameInputs(inputs))) return undefined

    const dump = parseDevlinkPortDump(dumpText)
    for (const note of dump.skipped) debug(note)
    const hostPfMac = async (uplink: string) => {
      const mac = await readSmartNicHostPfMac(sysfsRoot, uplink)
      inputs.hostPfMacs.set(uplink, mac)
      return mac
    }
    const table = await buildRepresentorTable(dump.ports, {netdevs, hostPfMac}, debug)
    this.inputs = inputs
    return table
  }

  /** Whether `next` holds the current table's dump and netdevs, and sysfs still gives the host PF MACs the build read. */
  private async sameInputs(next: TableInputs): Promise<boolean> {
    const current = this.inputs
    if (!current || next.dump !== current.dump || next.netdevs !== current.netdevs) return false
    for (const [uplink, mac] of current.hostPfMacs) {
      if ((await readSmartNicHostPfMac(this.settings.sysfsRoot, uplink)) !== mac) return false
    }

    return true
  }

  /** One read; the listeners hear of a change here, once, whoever asked for the read. */
  private async read(): Promise<boolean> {
    const next = await this.load()
    if (!next) return false
    const changed = !this.table || !isDeepStrictEqual(next.representors, this.table.representors)
    this.table = next
    if (changed) for (const listener of this.listeners) listener()
    return changed
  }

  private async poll(): Promise<void> {
    try {
      await this.refresh()
    } catch (error) {
      // Keep the last good table: a transient devlink failure must not unplug anything.
      this.settings.debug(`representor refresh failed, keeping the previous table: ${(error as Error).message}`)
    }
  }

  private startWatching(): void {
    const {pollIntervalMs, monitorWith, debug} = this.settings
    this.pollTimer = setInterval(() => void this.poll(), pollIntervalMs)
    this.pollTimer.unref()
    if (monitorWith === undefined) return
    // A live devlink reports port changes as they happen.
    this.stopMonitor = monitorDevlinkPorts(monitorWith, () => void this.poll(), (reason) => {
      debug(`devlink port events unavailable, polling every ${pollIntervalMs} ms: ${reason}`)
      this.stopMonitor = undefined
    })
  }

  private stopWatching(): void {
    clearInterval(this.pollTimer)
    this.pollTimer = undefined
    this.stopMonitor?.()
    this.stopMonitor = undefined
  }
}
