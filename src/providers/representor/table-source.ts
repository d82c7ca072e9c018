import {monitorDevlinkPorts, parseDevlinkPortDump} from './devlink.js'
import {readNetdevSwitchAttributes, readSmartNicHostPfMac} from './sysfs.js'
import {buildRepresentorTable, type RepresentorTable} from './table.js'

const noop = () => {}

export interface TableSourceSettings {
  /** One `devlink -j port show` output per call. */
  readDump: () => Promise<string>
  sysfsRoot: string
  pollIntervalMs: number
  /** The devlink program whose port events trigger a re-read; undefined for recorded dumps, which have no events. */
  monitorWith?: string
  debug: (message: string) => void
}

/**
 * The representor table, kept current: one devlink read and one sysfs read build it whole, and
 * watchers hear of each change once. A failed re-read keeps the last good table.
 */
export class RepresentorTableSource {
  table: RepresentorTable | undefined
  notLoadedReason = 'the representor lookup table is not loaded (init() has not run)'
  private fingerprint = ''
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

  private async load(): Promise<RepresentorTable> {
    const {readDump, sysfsRoot, debug} = this.settings
    const dump = parseDevlinkPortDump(await readDump())
    for (const note of dump.skipped) debug(note)
    const netdevs = await readNetdevSwitchAttributes(sysfsRoot)
    return buildRepresentorTable(dump.ports, {netdevs, hostPfMac: (uplink) => readSmartNicHostPfMac(sysfsRoot, uplink)}, debug)
  }

  /** One read; the listeners hear of a change here, once, whoever asked for the read. */
  private async read(): Promise<boolean> {
    const next = await this.load()
    const fingerprint = JSON.stringify(next.representors)
    const changed = fingerprint !== this.fingerprint
    this.table = next
    this.fingerprint = fingerprint
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
