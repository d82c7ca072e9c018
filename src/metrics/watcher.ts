/**
 * The metrics of `reconcile --watch --metrics-address`: the plug-state gauges, classified from
 * each pass's own view and plan by status's classifier, and the watcher's own health (passes,
 * actions, connections, lock, providers). docs/metrics.md documents every family.
 */
import type {Counter, Gauge, Histogram, Registry} from 'prom-client'

import type {ProviderRegistry} from '../providers/registry.js'
import type {PlanAction} from '../reconcile/plan.js'
import type {PassResult, Reconciler} from '../reconcile/reconciler.js'
import type {PassObserver} from '../reconcile/watch.js'
import {classifyLocal} from '../status/classify.js'
import {loadPromClient, METRIC_PREFIX, PlugStateGauges, type PromClient} from './plug-state.js'

/** From 1 ms to 10 s: a pass at a few ports takes milliseconds, one writing thousands seconds. */
export const PASS_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The Reconciler's names of its databases -> the db label. */
const DATABASE_LABELS: Readonly<Record<string, string>> = {'Southbound DB': 'southbound', 'local Open_vSwitch DB': 'open_vswitch'}

const ACTION_LABELS: Readonly<Record<PlanAction['kind'], string>> = {create: 'created', update: 'updated', replace: 'replaced', remove: 'removed'}

/** What /healthz answers: healthy while the views are complete and the lock is held or awaited. */
export interface Health {
  healthy: boolean
  reason: string
}

/** The part of the Reconciler the metrics read. */
type Watched = Pick<Reconciler, 'chassis' | 'lockHeld' | 'on' | 'off'>

export class WatcherMetrics implements PassObserver {
  private readonly plugState: PlugStateGauges
  private readonly passes: Counter
  private readonly actions: Counter
  private readonly duration: Histogram
  private readonly connected: Gauge
  private readonly complete: Gauge
  private readonly lastPass: Gauge
  private reconciler: Watched | undefined
  private providers: ProviderRegistry | undefined
  /** Database label -> since when its connection is lost. */
  private readonly down = new Map<string, string>()
  private viewsComplete = false
  /** The last pass's result, until a scrape classifies it: classifying once per scrape, not per pass, costs the watcher less. */
  private unclassified: PassResult | undefined

  static async create(build: {version: string}): Promise<WatcherMetrics> {
    const client = await loadPromClient()
    return new WatcherMetrics(client, new client.Registry(), build)
  }

  private constructor(
    client: PromClient,
    readonly registry: Registry,
    build: {version: string},
  ) {
    const registers = [registry]
    const gauge = (name: string, help: string, labelNames: string[] = [], collect?: () => void) =>
      new client.Gauge({name: `${METRIC_PREFIX}${name}`, help, labelNames, registers, ...(collect ? {collect} : {})})
    this.plugState = new PlugStateGauges(client, registry, false, () => this.classifyLatest())
    this.passes = new client.Counter({name: `${METRIC_PREFIX}passes_total`, help: 'Reconcile passes by result; conflict_retry counts each transaction re-planned after a concurrent change.', labelNames: ['result'], registers})
    this.actions = new client.Counter({name: `${METRIC_PREFIX}actions_total`, help: 'Interfaces created, updated, replaced and removed on the integration bridge.', labelNames: ['action'], registers})
    this.duration = new client.Histogram({name: `${METRIC_PREFIX}pass_duration_seconds`, help: 'How long each pass took, failed ones included.', buckets: PASS_DURATION_BUCKETS, registers})
    this.connected = gauge('db_connected', 'Whether the connection to the database is up.', ['db'])
    this.complete = gauge('views_complete', 'Whether both database views are complete: only then is anything unplugged.')
    this.lastPass = gauge('last_pass_timestamp_seconds', 'When the last successful pass ended, in seconds since the epoch.')
    const lockHeld: Gauge = gauge('lock_held', 'Whether this watcher holds the ovn_vif_ctl_reconcile lock.', [], () => lockHeld.set(this.reconciler?.lockHeld ? 1 : 0))
    const providerReady: Gauge = gauge('provider_ready', 'Whether the VIF plug provider of this type initialised.', ['type'], () => {
      providerReady.reset()
      for (const entry of this.providers?.entries ?? []) providerReady.set({type: entry.provider.type}, entry.failure ? 0 : 1)
    })
    gauge('build_info', 'The running ovn-vif-ctl version and Node.js runtime; always 1.', ['version', 'runtime']).set({version: build.version, runtime: process.version}, 1)
    for (const result of ['ok', 'failed', 'conflict_retry']) this.passes.inc({result}, 0)
    for (const action of Object.values(ACTION_LABELS)) this.actions.inc({action}, 0)
    for (const db of Object.values(DATABASE_LABELS)) this.connected.set({db}, 0)
    this.complete.set(0)
    client.collectDefaultMetrics({register: registry})
  }

  /** Follows the reconciler's connections and conflicts; the returned function stops that. */
  attach(reconciler: Watched, providers: ProviderRegistry): () => void {
    this.reconciler = reconciler
    this.providers = providers
    for (const db of Object.values(DATABASE_LABELS)) this.connected.set({db}, 1)
    const onConnection = (database: string, up: boolean) => {
      const db = DATABASE_LABELS[database] ?? database
      this.connected.set({db}, up ? 1 : 0)
      if (up) return void this.down.delete(db)
      if (!this.down.has(db)) this.down.set(db, new Date().toISOString())
      // Until a pass finds them whole again after the resync.
      this.setViewsComplete(false)
    }
    const onConflict = () => this.passes.inc({result: 'conflict_retry'})
    reconciler.on('connection', onConnection)
    reconciler.on('conflict', onConflict)
    return () => {
      reconciler.off('connection', onConnection)
      reconciler.off('conflict', onConflict)
    }
  }

  passed(result: PassResult, durationSeconds: number): void {
    this.duration.observe(durationSeconds)
    this.passes.inc({result: 'ok'})
    if (result.applied) for (const action of result.plan.actions) this.actions.inc({action: ACTION_LABELS[action.kind]})
    this.setViewsComplete(result.view.complete)
    this.unclassified = result
    this.lastPass.set(Date.now() / 1000)
  }

  failed(_error: unknown, durationSeconds: number): void {
    this.duration.observe(durationSeconds)
    this.passes.inc({result: 'failed'})
  }

  /** Sets the plug-state gauges to status's rows for the last pass's own view and plan: the states `status` showed at that moment. */
  private classifyLatest(): void {
    if (!this.unclassified) return
    const {view, plan} = this.unclassified
    this.unclassified = undefined
    const here = view.chassisUuid === undefined ? [] : [{uuid: view.chassisUuid, name: view.chassis.name, hostname: view.chassis.hostname ?? ''}]
    this.plugState.update(classifyLocal({chassisName: this.reconciler?.chassis ?? view.chassis.name, view, plan: plan.entries, chassis: here, inventory: new Map()}))
  }

  private setViewsComplete(complete: boolean): void {
    this.viewsComplete = complete
    this.complete.set(complete ? 1 : 0)
  }

  health(): Health {
    const {reconciler} = this
    if (!reconciler) return {healthy: false, reason: 'starting: connecting to the databases'}
    const lost = [...this.down].map(([db, since]) => `lost the ${db} database connection at ${since}`)
    if (lost.length > 0) return {healthy: false, reason: `${lost.join('; ')}; reconnecting`}
    if (!this.viewsComplete) return {healthy: false, reason: 'the database views are not complete yet: no pass has read them whole'}
    return {healthy: true, reason: reconciler.lockHeld ? 'ok: views complete, lock held' : 'ok: views complete, waiting for the lock another reconciler holds'}
  }
}
