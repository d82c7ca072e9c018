import {EventEmitter} from 'node:events'

import type {ConnectionSettings} from '../lib/connection.js'
import {writeRefusal, WriteRefusedError} from '../lib/write-refusal.js'
import {OVN_PLUGGED} from '../ovn/keys.js'
import {LOCAL_OVS_DB, LocalChassis} from '../ovn/local-chassis.js'
import type {LocalChassisView} from '../ovn/local-view.js'
import {ConstraintViolation, type OvsdbClient, TransactionError} from '../ovsdb/index.js'
import {addPlanToTransaction} from './apply.js'
import {isUnsettled, type Plan, planReconcile, type ProviderLookup} from './plan.js'

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
  /** Also follow what the daemons report (LocalChassisOptions.daemonState), for the watcher's metrics. */
  daemonState?: boolean
  /** See LocalChassisOptions.onReadsSent: work to start while the slowest read is on its way. */
  onReadsSent?(): void
}

export interface PassResult {
  /** The view the plan was made from: what status would classify at that moment. */
  view: LocalChassisView
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
  /** A database connection was lost (up false) or is back, e.g. for the watcher's metrics. */
  connection: [database: string, up: boolean]
  /** A pass's transaction met a concurrent change: the pass re-plans and tries again. */
  conflict: []
}

/**
 * Plans from this chassis's view (LocalChassis), takes the ovn_vif_ctl_reconcile lock and
 * applies each plan in one guarded transaction. Used once by `reconcile` and continuously by
 * `reconcile --watch`.
 */
export class Reconciler extends EventEmitter<ReconcilerEvents> {
  private holdsLock = false

  private constructor(
    private readonly options: ReconcilerOptions,
    private readonly local: LocalChassis,
  ) {
    super()
  }

  static async open(options: ReconcilerOptions): Promise<Reconciler> {
    let locking: Promise<unknown> | undefined
    const local = await LocalChassis.open({
      settings: options.settings,
      ...(options.chassis === undefined ? {} : {chassis: options.chassis}),
      ...(options.allowForeignChassis === undefined ? {} : {allowForeignChassis: options.allowForeignChassis}),
      reconnect: options.watch,
      ...(options.daemonState ? {daemonState: true} : {}),
      ...(options.onReadsSent ? {onReadsSent: options.onReadsSent} : {}),
      // Asked for beside the reads, not after them: one round trip less before the pass.
      ...(options.dryRun
        ? {}
        : {
            onLocalDb: (ovs: OvsdbClient) => {
              locking = ovs.lock(RECONCILE_LOCK)
              // Awaited by start(); a failed open closes the connection, which fails it too.
              locking.catch(() => {})
            },
          }),
    })
    const reconciler = new Reconciler(options, local)
    try {
      await reconciler.start(locking)
      return reconciler
    } catch (error) {
      await local.close()
      throw error
    }
  }

  get chassis(): string {
    return this.local.chassis
  }

  /** This host's external_ids:system-id, when it is not the chassis acted for (--allow-foreign-chassis). */
  get foreignTo(): {systemId: string | undefined} | undefined {
    return this.local.foreignTo
  }

  /** The local Open_vSwitch DB, as the settings name it. */
  get localDb(): string {
    return this.local.localDb
  }

  get integrationBridge(): string {
    return this.local.integrationBridge
  }

  /** Follows the chassis; unless this is a dry run, takes the lock `locking` asked for. */
  private async start(locking: Promise<unknown> | undefined): Promise<void> {
    this.local.on('changed', () => this.emit('changed'))
    this.local.on('problem', (message) => this.emit('status', message))
    this.local.on('connection', (name, up) => {
      if (up) {
        this.emit('status', `connected to the ${name}`)
      } else {
        // The server forgets a connection's locks with it.
        const lostLock = name === LOCAL_OVS_DB && this.holdsLock ? `, and with it the ${RECONCILE_LOCK} lock` : ''
        if (name === LOCAL_OVS_DB) this.holdsLock = false
        this.emit('status', `lost the ${name}${lostLock}; reconnecting, no unplugging until it is back and resynced`)
      }

      this.emit('connection', name, up)
    })
    if (locking) await this.takeLock(locking)
  }

  private async takeLock(locking: Promise<unknown>): Promise<void> {
    const {ovs} = this.local
    ovs.on('locked', (name) => {
      if (name !== RECONCILE_LOCK) return
      this.holdsLock = true
      this.emit('status', `acquired the ${RECONCILE_LOCK} lock`)
      this.emit('changed')
    })
    ovs.on('stolen', (name) => {
      if (name !== RECONCILE_LOCK) return
      this.holdsLock = false
      this.emit('status', `the ${RECONCILE_LOCK} lock was stolen; standing by`)
    })
    await locking.catch((error: unknown) => {
      throw this.refusedOr(error)
    })
    // As the client tracks it: a 'locked' that came before the listeners above counts too.
    this.holdsLock = ovs.holdsLock(RECONCILE_LOCK)
  }

  /** A write the local OVS DB refused, as a one-line server error (exit 4); any other error unchanged. */
  private refusedOr(error: unknown): unknown {
    const refusal = writeRefusal(error)
    return refusal ? new WriteRefusedError(refusal, 'local Open_vSwitch DB', this.options.settings.ovsDb) : error
  }

  /** False while this chassis has no Chassis row in the Southbound DB. */
  get chassisRegistered(): boolean {
    return this.local.chassisRegistered
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
  view(): LocalChassisView {
    return this.local.view()
  }

  /**
   * One pass: plan, and unless this is a dry run apply the plan in one guarded transaction.
   * whileCommitting gets the plan being applied once its transaction has left for the server,
   * for work on it that can overlap the commit.
   */
  async pass(whileCommitting?: (plan: Plan) => void): Promise<PassResult> {
    for (let attempt = 0; ; attempt++) {
      const view = this.view()
      const plan = planReconcile(view, this.options.providers, {replace: this.options.replace})
      // Without a Chassis row nothing can be requested here yet: that is not a converged chassis.
      const converged = view.chassisUuid !== undefined && plan.actions.length === 0 && !plan.entries.some(isUnsettled)
      if (plan.actions.length === 0 || this.options.dryRun || !view.complete || !this.holdsLock) {
        return {view, plan, applied: false, converged}
      }

      const tx = this.local.ovs.transaction()
      addPlanToTransaction(tx, plan.actions, {bridgeUuid: view.bridgeUuid, lock: RECONCILE_LOCK})
      // Sent right before the commit, and not waited for: the server answers a connection's
      // requests in order, so it stops following the bridge before it applies the commit.
      const pausing = this.options.watch ? undefined : this.local.pauseBridge()
      try {
        await Promise.all([pausing, tx.commit(whileCommitting && (() => whileCommitting(plan)))])
        notifyProviders(plan, this.options.providers)
        return {view, plan, applied: true, converged: !plan.entries.some(isUnsettled)}
      } catch (error) {
        // Someone changed what we read (a failed wait guard, or an interface created meanwhile
        // with a name we wanted): catch up with that change, then re-plan.
        if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw this.refusedOr(error)
        this.emit('conflict')
        if (!(await this.local.resumeBridge())) await this.local.nextChange(1000)
      }
    }
  }

  /**
   * Resolves once the initial data of every monitor is in and the integration bridge exists;
   * fails after timeoutMs (0: never) or at once when the bridge is missing.
   */
  async whenComplete(timeoutMs: number): Promise<void> {
    await this.local.whenComplete(timeoutMs)
  }

  async close(): Promise<void> {
    await this.local.close()
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
