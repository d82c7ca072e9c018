import {EventEmitter} from 'node:events'

import {type ConnectionSettings, localOvsRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, databaseError} from '../lib/database.js'
import {UserError, ValidationError} from '../lib/errors.js'
import {settleAll} from '../lib/settle.js'
import {writeRefusal, WriteRefusedError} from '../lib/write-refusal.js'
import {ExitCode} from '../lib/exit-codes.js'
import {type ChassisNames, findChassis, isNamedBy} from '../ovn/chassis.js'
import {type Condition, ConstraintViolation, type Monitor, type OvsdbClient, TransactionError} from '../ovsdb/index.js'
import {addPlanToTransaction} from './apply.js'
import {OVN_PLUGGED, type ReconcileView} from './model.js'
import {isUnsettled, type Plan, planReconcile, type ProviderLookup} from './plan.js'
import {bindingView, chassisIdentity, chassisNamed, findBridge, INTERFACE_STATE_COLUMNS, interfacesOnBridge, OVS_COLUMNS, type OvsTables, requestedHere, type RowSource, SB_COLUMNS} from './view.js'

/** The OVSDB lock on the local Open_vSwitch DB that keeps two reconcilers from fighting. */
export const RECONCILE_LOCK = 'ovn_vif_ctl_reconcile'
/** How often a pass re-plans after its guarded transaction lost a race, before giving up. */
const MAX_CONFLICT_RETRIES = 5

export interface ReconcilerOptions {
  settings: ConnectionSettings
  /**
   * This chassis, by name or hostname; default the local external_ids:system-id. Anything but
   * this host's chassis is refused unless allowForeignChassis.
   */
  chassis?: string
  /**
   * Act for a chassis other than this host's (tests and migrations only): reconcile then unplugs
   * this host's ports and plugs the other chassis's ports on this host's integration bridge.
   */
  allowForeignChassis?: boolean
  providers: ProviderLookup
  /** Replace a port whose netdev name changed (default true); false is ovn-controller's refusal. */
  replace: boolean
  /** Plan only: take no lock, write nothing. */
  dryRun: boolean
  /**
   * Watch mode: keep connections up through server restarts and keep following every change.
   * Otherwise (one-shot) a pass stops following the bridge before it commits: it never reads
   * back its own commit, since decoding the update of a large commit costs more than the commit.
   */
  watch: boolean
  /** Also follow each interface's ofport and error (INTERFACE_STATE_COLUMNS), for status. */
  interfaceState?: boolean
  /**
   * Called once the Southbound connection is up, before the slow reads finish, so a reader that
   * needs it (status, for the rest of the Southbound DB) can start at once.
   */
  onSouthbound?(southbound: OvsdbClient): void
}

/** Which Port_Bindings to follow for what the Chassis table says now: see requestedHere(). */
interface BindingSelection {
  chassisUuid: string | undefined
  where: Condition[]
  /** The where clauses as JSON, to tell whether they changed. */
  key: string
}

/** The names options:requested-chassis may give this chassis: its name, and its hostname as registered in SB. */
function namesOf(chassisTable: RowSource, chassisName: string): ChassisNames {
  const hostname = chassisNamed(chassisTable, chassisName)?.hostname
  return typeof hostname === 'string' && hostname !== '' ? {name: chassisName, hostname} : {name: chassisName}
}

function selectBindings(chassisTable: RowSource, chassisName: string): BindingSelection {
  const chassisUuid = chassisNamed(chassisTable, chassisName)?._uuid
  const where = requestedHere(chassisUuid, namesOf(chassisTable, chassisName))
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
async function chooseChassis(sb: OvsdbClient, systemId: string | undefined, options: Pick<ReconcilerOptions, 'chassis' | 'allowForeignChassis'>): Promise<string> {
  const requested = options.chassis
  if (requested === undefined || requested === systemId) return systemId!
  const clauses: Array<[string, string]> = [['name', requested], ['hostname', requested], ...(systemId ? [['name', systemId] as [string, string]] : [])]
  const tx = sb.transaction()
  for (const [column, value] of clauses) tx.select('Chassis', [[column, '==', value]], ['name', 'hostname'])
  let result
  try {
    result = await tx.commit()
  } catch (error) {
    throw databaseError(error, 'cannot read the Chassis table of the OVN_Southbound database')
  }

  const rows = clauses.flatMap((_, index) => result.rows(index)).map((row) => ({name: row.name as string, hostname: row.hostname as string}))
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

function monitorBindings(sb: OvsdbClient, selection: BindingSelection): Promise<Monitor> {
  return sb.monitor({Port_Binding: {columns: [...SB_COLUMNS.Port_Binding], where: selection.where}})
}

export interface PassResult {
  /** The view the plan was made from: what status would classify at that moment. */
  view: ReconcileView
  plan: Plan
  /** False when the plan was not applied: dry run, incomplete view, or lock not held. */
  applied: boolean
  /** This chassis is registered, every requested lport is as requested, and nothing is left to remove. */
  converged: boolean
}

export interface ReconcilerEvents {
  /** Something that may change the plan happened: a database update or a provider change. */
  changed: []
  /** Connection and lock state, for logs. */
  status: [message: string]
  /** A database connection was lost (up false) or is back, e.g. for status --watch. */
  connection: [database: string, up: boolean]
  /** A pass's transaction met a concurrent change: the pass re-plans and tries again. */
  conflict: []
}

/**
 * Holds the two database views a chassis-local reconcile needs (the local Open_vSwitch DB and
 * the Southbound DB, restricted to this chassis) and runs passes: view, plan, one guarded
 * transaction. Used once by `reconcile` and continuously by `reconcile --watch`.
 */
export class Reconciler extends EventEmitter<ReconcilerEvents> {
  private chassisName = ''
  /** This host's external_ids:system-id as read at the start. */
  private localSystemId: string | undefined
  private chassisUuid: string | undefined
  /** The where clauses of the binding monitor, as JSON. */
  private bindingConditions = ''
  private bindingMonitor: Monitor | undefined
  private holdsLock = false

  private constructor(
    private readonly options: ReconcilerOptions,
    private readonly ovs: OvsdbClient,
    /** The Open_vSwitch root row: system-id, ovn-bridge, ovn-remote. */
    private readonly rootMonitor: Monitor,
    /** Bridge, Port and Interface rows. */
    private readonly bridgeMonitor: Monitor,
    private readonly sb: OvsdbClient,
    private readonly chassisMonitor: Monitor,
  ) {
    super()
  }

  static async open(options: ReconcilerOptions): Promise<Reconciler> {
    const {settings} = options
    // The local Open_vSwitch DB is never clustered: no leader to look for.
    const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', {...settings, leaderOnly: false}, {reconnect: options.watch})
    let sb: OvsdbClient | undefined
    try {
      // The bridge's rows are the slowest read of all and need nothing from the root row: ask for
      // them right behind it, on the same connection, so the server answers the root row first.
      const rootMonitoring = ovs.monitor({Open_vSwitch: {columns: [...OVS_COLUMNS.Open_vSwitch]}})
      const interfaceColumns = [...OVS_COLUMNS.Interface, ...(options.interfaceState ? INTERFACE_STATE_COLUMNS : [])]
      const bridgeMonitoring = ovs.monitor({Bridge: {columns: [...OVS_COLUMNS.Bridge]}, Port: {columns: [...OVS_COLUMNS.Port]}, Interface: {columns: interfaceColumns}})
      // Awaited below; if the root row fails us first, it fails with the connection we close.
      bridgeMonitoring.catch(() => {})
      const rootMonitor = await rootMonitoring
      const identity = chassisIdentity({Open_vSwitch: rootMonitor.replica.table('Open_vSwitch')})
      if (!identity.systemId && !options.chassis) {
        throw new ValidationError('the local Open_vSwitch DB has no external_ids:system-id: set it (ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME)')
      }

      // This chassis's bindings are the other slow read: fetch them while the bridge's rows come.
      const [bridgeMonitor, southbound] = await settleAll([
        bridgeMonitoring,
        (async () => {
          sb = await connectDatabase(southboundRemote(settings, identity.ovnRemote), 'OVN_Southbound', settings, {reconnect: options.watch})
          const chassisName = await chooseChassis(sb, identity.systemId, options)
          options.onSouthbound?.(sb)
          const chassisMonitor = await sb.monitor({Chassis: {columns: [...SB_COLUMNS.Chassis], where: [['name', '==', chassisName]]}})
          const selection = selectBindings(chassisMonitor.replica.table('Chassis'), chassisName)
          return {chassisName, chassisMonitor, selection, bindingMonitor: await monitorBindings(sb, selection)}
        })(),
      ])
      const reconciler = new Reconciler(options, ovs, rootMonitor, bridgeMonitor, sb!, southbound.chassisMonitor)
      reconciler.chassisName = southbound.chassisName
      reconciler.localSystemId = identity.systemId
      await reconciler.start(southbound.selection, southbound.bindingMonitor)
      return reconciler
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
    return this.options.settings.ovsDb
  }

  get integrationBridge(): string {
    return chassisIdentity(this.ovsTables).integrationBridge
  }

  private get ovsTables(): OvsTables {
    const root = this.rootMonitor.replica
    const bridge = this.bridgeMonitor.replica
    return {Open_vSwitch: root.table('Open_vSwitch'), Bridge: bridge.table('Bridge'), Port: bridge.table('Port'), Interface: bridge.table('Interface')}
  }

  /** Starts following changes, with the bindings open() already read for the chassis it saw. */
  private async start(selection: BindingSelection, bindingMonitor: Monitor): Promise<void> {
    this.useBindings(selection, bindingMonitor)
    const changed = () => this.emit('changed')
    for (const monitor of [this.rootMonitor, this.bridgeMonitor]) {
      monitor.on('change', changed)
      monitor.on('complete', changed)
    }

    this.chassisMonitor.on('change', () => void this.followChassis())
    this.chassisMonitor.on('complete', () => void this.followChassis())
    for (const [client, name] of [[this.ovs, 'local Open_vSwitch DB'], [this.sb, 'Southbound DB']] as const) {
      client.on('disconnected', () => {
        // The server forgets a connection's locks with it.
        const lostLock = client === this.ovs && this.holdsLock ? `, and with it the ${RECONCILE_LOCK} lock` : ''
        if (client === this.ovs) this.holdsLock = false
        this.emit('status', `lost the ${name}${lostLock}; reconnecting, no unplugging until it is back and resynced`)
        this.emit('connection', name, false)
      })
      client.on('connected', () => {
        this.emit('status', `connected to the ${name}`)
        this.emit('connection', name, true)
      })
    }

    await Promise.all([this.followChassis(), this.options.dryRun ? undefined : this.takeLock()])
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
    const monitor = await monitorBindings(this.sb, selection)
    if (this.bindingConditions !== selection.key) {
      await monitor.cancel().catch(() => undefined)
      return
    }

    this.useBindings(selection, monitor)
  }

  private useBindings(selection: BindingSelection, monitor: Monitor): void {
    this.chassisUuid = selection.chassisUuid
    this.bindingConditions = selection.key
    this.bindingMonitor = monitor
    monitor.on('change', () => this.emit('changed'))
    monitor.on('complete', () => this.emit('changed'))
    this.emit('changed')
  }

  private async takeLock(): Promise<void> {
    this.ovs.on('locked', (name) => {
      if (name !== RECONCILE_LOCK) return
      this.holdsLock = true
      this.emit('status', `acquired the ${RECONCILE_LOCK} lock`)
      this.emit('changed')
    })
    this.ovs.on('stolen', (name) => {
      if (name !== RECONCILE_LOCK) return
      this.holdsLock = false
      this.emit('status', `the ${RECONCILE_LOCK} lock was stolen; standing by`)
    })
    this.holdsLock = await this.ovs.lock(RECONCILE_LOCK).catch((error: unknown) => {
      throw this.refusedOr(error)
    })
  }

  /** A write the local OVS DB refused, as a one-line server error (exit 4); any other error unchanged. */
  private refusedOr(error: unknown): unknown {
    const refusal = writeRefusal(error)
    return refusal ? new WriteRefusedError(refusal, 'local Open_vSwitch DB', this.options.settings.ovsDb) : error
  }

  /** False while this chassis has no Chassis row in the Southbound DB. */
  get chassisRegistered(): boolean {
    return this.chassisUuid !== undefined
  }

  get lockHeld(): boolean {
    return this.holdsLock
  }

  /** Where this reconciler stands with the lock, in words, for the first log line of a watch. */
  lockStatus(): string {
    return this.holdsLock
      ? `acquired the ${RECONCILE_LOCK} lock`
      : `another reconciler holds the ${RECONCILE_LOCK} lock on this chassis; waiting for it`
  }

  /** The current view; complete only when both databases' data is whole and both connections are up. */
  view(): ReconcileView {
    const tables = this.ovsTables
    const bridgeName = chassisIdentity(tables).integrationBridge
    const bridge = findBridge(tables, bridgeName)
    const bindings = this.bindingMonitor ? [...this.bindingMonitor.replica.table('Port_Binding').rows()].map(bindingView) : []
    return {
      chassisUuid: this.chassisUuid,
      chassis: namesOf(this.chassisMonitor.replica.table('Chassis'), this.chassisName),
      bridgeUuid: bridge?._uuid ?? '',
      bindings,
      interfaces: bridge ? interfacesOnBridge(tables, bridge) : [],
      complete: Boolean(bridge) && this.monitorsComplete(),
    }
  }

  private monitorsComplete(): boolean {
    return this.rootMonitor.isComplete && this.bridgeMonitor.isComplete && this.chassisMonitor.isComplete && Boolean(this.bindingMonitor?.isComplete)
  }

  /** One pass: plan, and unless this is a dry run apply the plan in one guarded transaction. */
  async pass(): Promise<PassResult> {
    for (let attempt = 0; ; attempt++) {
      const view = this.view()
      const plan = planReconcile(view, this.options.providers, {replace: this.options.replace})
      // Without a Chassis row nothing can be requested here yet: that is not a converged chassis.
      const converged = view.chassisUuid !== undefined && plan.actions.length === 0 && !plan.entries.some(isUnsettled)
      if (plan.actions.length === 0 || this.options.dryRun || !view.complete || !this.holdsLock) {
        return {view, plan, applied: false, converged}
      }

      const tx = this.ovs.transaction()
      addPlanToTransaction(tx, plan.actions, {bridgeUuid: view.bridgeUuid, lock: RECONCILE_LOCK})
      if (!this.options.watch) await this.bridgeMonitor.pause()
      try {
        await tx.commit()
        notifyProviders(plan, this.options.providers)
        return {view, plan, applied: true, converged: !plan.entries.some(isUnsettled)}
      } catch (error) {
        // Someone changed what we read (a failed wait guard, or an interface created meanwhile
        // with a name we wanted): catch up with that change, then re-plan.
        if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw this.refusedOr(error)
        this.emit('conflict')
        if (this.bridgeMonitor.isPaused) await this.bridgeMonitor.resume()
        else await this.nextChange(1000)
      }
    }
  }

  private nextChange(timeoutMs: number): Promise<void> {
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

    if (!findBridge(this.ovsTables, this.integrationBridge)) {
      throw new ValidationError(`integration bridge ${this.integrationBridge} does not exist: create it, or start ovn-controller, which creates it`)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sb.close(), this.ovs.close()])
  }
}

function isConflict(error: unknown): boolean {
  return error instanceof ConstraintViolation || (error instanceof TransactionError && error.error === 'timed out')
}

/** Tells each provider, after the commit, which of its interfaces were created, updated or removed. */
function notifyProviders(plan: Plan, providers: ProviderLookup): void {
  const byType = new Map<string, {created: string[]; updated: string[]; removed: string[]}>()
  const bucket = (type: string | undefined) => {
    const key = type ?? ''
    if (!byType.has(key)) byType.set(key, {created: [], updated: [], removed: []})
    return byType.get(key)!
  }

  for (const action of plan.actions) {
    if (action.kind === 'remove' || action.kind === 'replace') bucket(action.current.externalIds[OVN_PLUGGED]).removed.push(action.current.name)
    if (action.kind === 'create' || action.kind === 'replace') bucket(action.desired.externalIds[OVN_PLUGGED]).created.push(action.desired.name)
    if (action.kind === 'update') bucket(action.desired.externalIds[OVN_PLUGGED]).updated.push(action.desired.name)
  }

  for (const [type, committed] of byType) providers.get(type)?.finish?.(committed)
}
