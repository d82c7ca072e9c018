import {EventEmitter} from 'node:events'

import {type ConnectionSettings, localOvsRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import {messageOf, UserError, ValidationError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {settleAll} from '../lib/settle.js'
import type {ColumnName, Condition, Monitor, MonitorTableRequest, OvsdbClient} from '../ovsdb/index.js'
import {type ChassisNames, findChassis, isNamedBy} from './chassis.js'
import {chassisNames, findBridge, localChassisView, type LocalChassisView, requestedHere, type RowSource} from './local-view.js'
import {type ChassisIdentity, chassisIdentity, type ChassisRow, COLUMNS, type OvsTables, PASS_COLUMNS, type PortBindingRow, type SouthboundTables} from './rows.js'

export interface LocalChassisOptions {
  settings: ConnectionSettings
  /**
   * This chassis, by name or hostname; default the local external_ids:system-id. Anything but
   * this host's chassis is refused unless allowForeignChassis.
   */
  chassis?: string
  /** Act for a chassis other than this host's (tests and migrations only). */
  allowForeignChassis?: boolean
  /** Keep the connections up through server restarts (reconcile --watch, status --watch). */
  reconnect: boolean
  /**
   * Also follow what the daemons report: each interface's ofport and error
   * (INTERFACE_STATE_COLUMNS) and each binding's claim and up (BINDING_STATE_COLUMNS), for
   * status and the watcher's metrics, which classify ports by them.
   */
  daemonState?: boolean
  /**
   * Called once the Southbound connection is up, before the slow reads finish, so a reader that
   * needs it (status, for the rest of the Southbound DB) can start at once.
   */
  onSouthbound?(southbound: OvsdbClient): void
  /**
   * Called once the local Open_vSwitch DB is connected, before any read is sent, so a writer
   * (reconcile) can ask for its lock in the same flight as the reads instead of after them.
   */
  onLocalDb?(ovs: OvsdbClient): void
  /**
   * Called once every initial read is asked for, while the slowest (this chassis's bindings) is
   * still to come: a caller with work of its own (reconcile's providers' init) starts it then,
   * in the wait, instead of holding up the round trips before it.
   */
  onReadsSent?(): void
}

export const LOCAL_OVS_DB = 'local Open_vSwitch DB'
export const SOUTHBOUND_DB = 'Southbound DB'

export interface LocalChassisEvents {
  /** Something in either database that may change the view. */
  changed: []
  /** A database connection was lost (up false) or is back. */
  connection: [database: typeof LOCAL_OVS_DB | typeof SOUTHBOUND_DB, up: boolean]
  /** Following this chassis's bindings failed for another reason than a lost connection, for logs. */
  problem: [message: string]
}

type RootTables = Pick<OvsTables, 'Open_vSwitch'>
type BridgeTables = Pick<OvsTables, 'Bridge' | 'Port' | 'Interface'>
type ChassisTables = Pick<SouthboundTables, 'Chassis'>
type BindingTables = Pick<SouthboundTables, 'Port_Binding'>

/** Which Port_Bindings to follow for what the Chassis table says now: see requestedHere(). */
interface BindingSelection {
  chassisUuid: string | undefined
  where: Condition[]
  /** The where clauses as JSON, to tell whether they changed. */
  key: string
}

/** The Port_Bindings to follow for this chassis's own Chassis row (the one named after it), if it has one. */
function selectBindings(chassisTable: RowSource<ChassisRow>, chassisName: string): BindingSelection {
  const chassisUuid = [...chassisTable.rows()].find((row) => row.name === chassisName)?._uuid
  const where = requestedHere(chassisUuid, chassisNames(chassisTable.rows(), chassisName))
  return {chassisUuid, where, key: JSON.stringify(where)}
}

const FOREIGN_OVERRIDE = '--allow-foreign-chassis overrides this, for tests and migrations only'

/**
 * The chassis to act for: this host's, the local external_ids:system-id, which --chassis may
 * name by name or by the hostname of its Chassis row. Any other --chassis is refused (exit 3)
 * unless allowForeignChassis: acting for another chassis unplugs this host's ports and plugs
 * the other's here. Reads only the Chassis rows concerned, and only when --chassis is not the
 * system-id itself.
 */
async function chooseChassis(sb: OvsdbClient, systemId: string | undefined, options: Pick<LocalChassisOptions, 'chassis' | 'allowForeignChassis'>): Promise<string> {
  const requested = options.chassis
  if (requested === undefined || requested === systemId) return systemId!
  const clauses: Condition[] = [['name', '==', requested], ['hostname', '==', requested], ...(systemId ? [['name', '==', systemId] as const] : [])]
  // One transaction: the rows of every clause as of one moment, in one round trip.
  const tx = sb.transaction()
  for (const clause of clauses) tx.select('Chassis', [clause], ['name', 'hostname'])
  let rows: ChassisNames[]
  try {
    const result = await tx.commit()
    rows = clauses.flatMap((_, index) => result.rows<Pick<ChassisRow, '_uuid' | 'name' | 'hostname'>>(index))
  } catch (error) {
    throw databaseError(error, 'cannot read the Chassis table of the OVN_Southbound database')
  }

  const own = systemId === undefined ? undefined : rows.find((row) => row.name === systemId)
  if (systemId !== undefined && isNamedBy({name: systemId, hostname: own?.hostname}, requested)) return systemId
  if (!options.allowForeignChassis) {
    if (systemId === undefined) {
      throw new ValidationError(`--chassis ${requested} cannot be checked: the local Open_vSwitch DB has no external_ids:system-id; set it (ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME); ${FOREIGN_OVERRIDE}`)
    }

    const known = own?.hostname ? `external_ids:system-id ${systemId}, hostname ${own.hostname}` : `external_ids:system-id ${systemId}`
    throw new ValidationError(`--chassis ${requested} is not this chassis (${known}): run it on ${requested}, or leave --chassis out; ${FOREIGN_OVERRIDE}`)
  }

  return findChassis(rows, requested)?.name ?? requested
}

/**
 * The Port_Binding monitor request of a chassis named chassisName, given the Chassis rows: what a
 * reconcile pass (daemonState false) or status follows. Exported for the benches, which follow
 * the same rows beside the watcher.
 */
export function bindingsRequest(chassisRows: RowSource<ChassisRow>, chassisName: string, daemonState: boolean): MonitorTableRequest<PortBindingRow> {
  return {columns: bindingColumns(daemonState), where: selectBindings(chassisRows, chassisName).where}
}

function bindingColumns(daemonState: boolean): readonly ColumnName<PortBindingRow>[] {
  return (daemonState ? COLUMNS : PASS_COLUMNS).Port_Binding
}

function monitorBindings(sb: OvsdbClient, selection: BindingSelection, daemonState: boolean): Promise<Monitor<BindingTables>> {
  return sb.monitor<BindingTables>({Port_Binding: {columns: bindingColumns(daemonState), where: selection.where}})
}

/**
 * Follows what one chassis's two databases say (the local Open_vSwitch DB, and the Southbound
 * DB restricted to this chassis) and gives it as a LocalChassisView. Opened by reconcile, which
 * plans from the view, and by status, which classifies from it.
 */
export class LocalChassis extends EventEmitter<LocalChassisEvents> {
  private chassisName = ''
  /** This host's external_ids:system-id as read at the start. */
  private localSystemId: string | undefined
  private chassisUuid: string | undefined
  /** The where clauses of the binding monitor, as JSON. */
  private bindingConditions = ''
  private bindingMonitor: Monitor<BindingTables> | undefined

  private constructor(
    private readonly settings: ConnectionSettings,
    /** The local Open_vSwitch DB; reconcile writes through it. */
    readonly ovs: OvsdbClient,
    /** The Open_vSwitch root row: system-id, ovn-bridge, ovn-remote. */
    private readonly rootMonitor: Monitor<RootTables>,
    /** Bridge, Port and Interface rows. */
    private readonly bridgeMonitor: Monitor<BridgeTables>,
    private readonly sb: OvsdbClient,
    private readonly chassisMonitor: Monitor<ChassisTables>,
    /** Whether the bindings are followed with BINDING_STATE_COLUMNS. */
    private readonly daemonState: boolean,
  ) {
    super()
  }

  static async open(options: LocalChassisOptions): Promise<LocalChassis> {
    const {settings, reconnect} = options
    // The local Open_vSwitch DB is never clustered: no leader to look for.
    const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', {...settings, leaderOnly: false}, {reconnect})
    let sb: OvsdbClient | undefined
    try {
      options.onLocalDb?.(ovs)
      // The bridge's rows are the slowest read of all and need nothing from the root row: ask for
      // them right behind it, on the same connection, so the server answers the root row first.
      const rootMonitoring = ovs.monitor<RootTables>({Open_vSwitch: {columns: COLUMNS.Open_vSwitch}})
      const daemonState = options.daemonState ?? false
      const interfaceColumns = (daemonState ? COLUMNS : PASS_COLUMNS).Interface
      const bridgeMonitoring = ovs.monitor<BridgeTables>({Bridge: {columns: COLUMNS.Bridge}, Port: {columns: COLUMNS.Port}, Interface: {columns: interfaceColumns}})
      // Awaited below; if the root row fails us first, it fails with the connection we close.
      bridgeMonitoring.catch(() => {})
      const rootMonitor = await rootMonitoring
      const [root] = rootMonitor.replica.table('Open_vSwitch').rows()
      const identity = chassisIdentity(root)
      if (!identity.systemId && !options.chassis) {
        throw new ValidationError('the local Open_vSwitch DB has no external_ids:system-id: set it (ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME)')
      }

      // This chassis's bindings are the other slow read: fetch them while the bridge's rows come.
      const [bridgeMonitor, southbound] = await settleAll([
        bridgeMonitoring,
        (async () => {
          sb = await connectDatabase(southboundRemote(settings, identity.ovnRemote), 'OVN_Southbound', settings, {reconnect})
          const chassisName = await chooseChassis(sb, identity.systemId, options)
          options.onSouthbound?.(sb)
          const chassisMonitor = await sb.monitor<ChassisTables>({Chassis: {columns: COLUMNS.Chassis, where: [['name', '==', chassisName]]}})
          const selection = selectBindings(chassisMonitor.replica.table('Chassis'), chassisName)
          const bindingMonitoring = monitorBindings(sb, selection, daemonState)
          options.onReadsSent?.()
          return {chassisName, chassisMonitor, selection, bindingMonitor: await bindingMonitoring}
        })(),
      ])
      const local = new LocalChassis(settings, ovs, rootMonitor, bridgeMonitor, sb!, southbound.chassisMonitor, daemonState)
      local.chassisName = southbound.chassisName
      local.localSystemId = identity.systemId
      await local.start(southbound.selection, southbound.bindingMonitor)
      return local
    } catch (error) {
      await Promise.allSettled([ovs.close(), sb?.close()])
      throw error
    }
  }

  get chassis(): string {
    return this.chassisName
  }

  /** This host's external_ids:system-id, when it is not the chassis acted for (--allow-foreign-chassis). */
  get foreignTo(): {systemId: string | undefined} | undefined {
    return this.chassisName === this.localSystemId ? undefined : {systemId: this.localSystemId}
  }

  /** The local Open_vSwitch DB, as the settings name it. */
  get localDb(): string {
    return this.settings.ovsDb
  }

  get integrationBridge(): string {
    return this.identity.integrationBridge
  }

  /** False while this chassis has no Chassis row in the Southbound DB. */
  get chassisRegistered(): boolean {
    return this.chassisUuid !== undefined
  }

  private get identity(): ChassisIdentity {
    const [root] = this.rootMonitor.replica.table('Open_vSwitch').rows()
    return chassisIdentity(root)
  }

  /** Starts following changes, with the bindings open() already read for the chassis it saw. */
  private async start(selection: BindingSelection, bindingMonitor: Monitor<BindingTables>): Promise<void> {
    this.useBindings(selection, bindingMonitor)
    const changed = () => this.emit('changed')
    for (const monitor of [this.rootMonitor, this.bridgeMonitor]) {
      monitor.on('change', changed)
      monitor.on('complete', changed)
    }

    const follow = () => {
      this.followChassis().catch((error: unknown) => {
        // A lost connection is followed again on the chassis monitor's next 'complete'.
        if (this.sb.isConnected) this.emit('problem', `cannot follow the bindings of chassis ${this.chassisName}: ${messageOf(error)}`)
      })
    }

    this.chassisMonitor.on('change', follow)
    this.chassisMonitor.on('complete', follow)
    for (const [client, name] of [[this.ovs, LOCAL_OVS_DB], [this.sb, SOUTHBOUND_DB]] as const) {
      client.on('disconnected', () => this.emit('connection', name, false))
      client.on('connected', () => this.emit('connection', name, true))
    }

    // The Chassis row may have changed while the bindings were being read.
    await this.followChassis()
  }

  /**
   * The SB Port_Binding monitor follows this chassis's row (a new uuid, or hostname, means a
   * new monitor): see requestedHere().
   */
  private async followChassis(): Promise<void> {
    const selection = selectBindings(this.chassisMonitor.replica.table('Chassis'), this.chassisName)
    if (selection.key === this.bindingConditions && this.bindingMonitor) return
    // Marks the request in flight: a newer call changes it, and this one then drops its monitor.
    this.bindingConditions = selection.key
    const previous = this.bindingMonitor
    this.bindingMonitor = undefined
    await previous?.cancel().catch(() => undefined)
    const monitor = await monitorBindings(this.sb, selection, this.daemonState)
    if (this.bindingConditions !== selection.key) {
      await monitor.cancel().catch(() => undefined)
      return
    }

    this.useBindings(selection, monitor)
  }

  private useBindings(selection: BindingSelection, monitor: Monitor<BindingTables>): void {
    this.chassisUuid = selection.chassisUuid
    this.bindingConditions = selection.key
    this.bindingMonitor = monitor
    monitor.on('change', () => this.emit('changed'))
    monitor.on('complete', () => this.emit('changed'))
    this.emit('changed')
  }

  /** The current view; complete only when both databases' data is whole and both connections are up. */
  view(): LocalChassisView {
    const bridges = this.bridgeMonitor.replica
    return localChassisView({
      chassisUuid: this.chassisUuid,
      chassis: chassisNames(this.chassisMonitor.replica.table('Chassis').rows(), this.chassisName),
      integrationBridge: this.integrationBridge,
      ovs: {Bridge: bridges.table('Bridge'), Port: bridges.table('Port'), Interface: bridges.table('Interface')},
      bindings: this.bindingMonitor?.replica.table('Port_Binding').rows() ?? [],
      monitorsComplete: this.monitorsComplete(),
    })
  }

  private monitorsComplete(): boolean {
    return this.rootMonitor.isComplete && this.bridgeMonitor.isComplete && this.chassisMonitor.isComplete && Boolean(this.bindingMonitor?.isComplete)
  }

  /**
   * Stops following the bridge until resumeBridge(), for a writer that will not read back its
   * own commit: decoding the update of a large commit costs more than the commit.
   */
  async pauseBridge(): Promise<void> {
    await this.bridgeMonitor.pause()
  }

  /** Catches up with the bridge after pauseBridge(); false when it was not paused. */
  async resumeBridge(): Promise<boolean> {
    if (!this.bridgeMonitor.isPaused) return false
    await this.bridgeMonitor.resume()
    return true
  }

  /** Resolves on the next 'changed', or after timeoutMs. */
  nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.off('changed', done)
        resolve()
      }

      const timer = setTimeout(done, timeoutMs)
      this.on('changed', done)
    })
  }

  /**
   * Resolves once the initial data of every monitor is in and the integration bridge exists;
   * fails after timeoutMs (0: never) or at once when the bridge is missing.
   */
  async whenComplete(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.monitorsComplete()) {
      if (timeoutMs > 0 && Date.now() > deadline) {
        throw new UserError('the database views did not complete in time: check the connections (ovn-vif-ctl doctor)', ExitCode.Connection)
      }

      await this.nextChange(Math.max(10, Math.min(200, deadline - Date.now())))
    }

    if (!findBridge(this.bridgeMonitor.replica.table('Bridge'), this.integrationBridge)) {
      throw new ValidationError(`integration bridge ${this.integrationBridge} does not exist: create it, or start ovn-controller, which creates it`)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sb.close(), this.ovs.close()])
  }
}
