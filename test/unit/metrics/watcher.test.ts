import {EventEmitter} from 'node:events'
import type {Registry} from 'prom-client'
import {describe, expect, it} from 'vitest'

import {ExitCode} from '../../../src/lib/exit-codes.js'
import {WatcherMetrics} from '../../../src/metrics/watcher.js'
import type {LocalChassisView} from '../../../src/ovn/local-view.js'
import type {PortBinding} from '../../../src/ovn/rows.js'
import {createDummyProvider} from '../../../src/providers/dummy.js'
import {ProviderRegistry} from '../../../src/providers/registry.js'
import {planReconcile} from '../../../src/reconcile/plan.js'
import type {PassResult, Reconciler} from '../../../src/reconcile/reconciler.js'
import {classifyLocal, countStates} from '../../../src/status/classify.js'
import {OVN_VIF_CTL_FAMILIES} from '../../helpers/prometheus.js'
import {pluggedInterface} from '../../helpers/views.js'

const HERE = 'uuid-hv1'

const binding = (lport: string, overrides: Partial<PortBinding> = {}): PortBinding => ({
  uuid: `pb-${lport}`,
  logicalPort: lport,
  type: '',
  options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'},
  requestedChassis: HERE,
  ...overrides,
})

/** The part of the Reconciler the metrics follow: its events, chassis and lock. */
class FakeReconciler extends EventEmitter {
  chassis = 'hv1'
  lockHeld = true
}

function view(overrides: Partial<LocalChassisView> = {}): LocalChassisView {
  return {
    chassisUuid: HERE,
    chassis: {name: 'hv1', hostname: 'host1'},
    bridgeUuid: 'br-int',
    // p1 plugged and claimed, p2 to be plugged, p3 claimed elsewhere, x an orphan, c a conflict (a foreign interface with its iface-id).
    bindings: [binding('p1', {chassis: HERE, up: true}), binding('p2'), binding('p3', {chassis: 'uuid-hv2'}), binding('c')],
    interfaces: [
      pluggedInterface('p1', 'p1', {ofport: 1}),
      pluggedInterface('p3', 'p3', {ofport: 3}),
      pluggedInterface('x', 'x', {ofport: 4}),
      {uuid: 'if-c', name: 'c-foreign', type: '', options: {}, externalIds: {'iface-id': 'c'}, portUuid: 'port-c', ofport: 5},
    ],
    complete: true,
    ...overrides,
  }
}

const providers = new ProviderRegistry([{provider: createDummyProvider(), origin: 'test'}])

function pass(passView: LocalChassisView, applied = false): PassResult {
  const plan = planReconcile(passView, providers, {replace: true})
  return {view: passView, plan, applied, converged: false}
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  // A histogram's samples (_bucket, _count, _sum) are in its family, each with its own metricName.
  const samples = (await registry.getMetricsAsJSON()).flatMap((family) => family.values.map((sample) => ({name: (sample as {metricName?: string}).metricName ?? family.name, ...sample})))
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted))?.value
}

async function started(): Promise<{metrics: WatcherMetrics; reconciler: FakeReconciler}> {
  const metrics = await WatcherMetrics.create({version: '1.2.3'})
  const reconciler = new FakeReconciler()
  metrics.attach(reconciler as unknown as Reconciler, providers)
  return {metrics, reconciler}
}

describe('WatcherMetrics', () => {
  it('defines exactly the families the issue fixes for dashboards and alerts, with their types, besides prom-client defaults', async () => {
    const metrics = await WatcherMetrics.create({version: '1.2.3'})
    const ours = (await metrics.registry.getMetricsAsJSON()).filter((family) => family.name.startsWith('ovn_vif_ctl_'))
    expect(Object.fromEntries(ours.map((family) => [family.name, String(family.type)]))).toEqual(OVN_VIF_CTL_FAMILIES)
  })

  it('counts each state exactly as status classifies the same view and plan', async () => {
    const {metrics} = await started()
    const result = pass(view())
    metrics.passed(result, 0.004)
    const rows = classifyLocal({chassisName: 'hv1', view: result.view, plan: result.plan.entries, chassis: [{uuid: HERE, name: 'hv1', hostname: 'host1'}], inventory: new Map()})
    const counts = countStates(rows)
    expect(counts).toMatchObject({plugged: 1, orphaned: 1, conflict: 1})
    for (const [state, count] of Object.entries(counts)) expect(await value(metrics.registry, 'ovn_vif_ctl_lports', {state})).toBe(count)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lport_problem', {lport: 'x', state: 'orphaned'})).toBe(1)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lport_problem', {lport: 'p2', state: 'pending'})).toBe(1)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lport_problem', {lport: 'p1'})).toBeUndefined()
  })

  it('shows the states of the last pass when scraped after several passes', async () => {
    const {metrics} = await started()
    metrics.passed(pass(view()), 0.001)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lports', {state: 'orphaned'})).toBe(1)
    const withoutOrphan = view()
    metrics.passed(pass({...withoutOrphan, interfaces: withoutOrphan.interfaces.filter((iface) => iface.name !== 'x')}), 0.001)
    metrics.passed(pass({...withoutOrphan, bindings: [], interfaces: []}), 0.001)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lports', {state: 'orphaned'})).toBe(0)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lports', {state: 'pending'})).toBe(0)
    expect(await value(metrics.registry, 'ovn_vif_ctl_lport_problem', {lport: 'x'})).toBeUndefined()
  })

  it('counts passes by result, actions only when applied, and durations in the histogram', async () => {
    const {metrics, reconciler} = await started()
    const before = Date.now() / 1000
    metrics.passed(pass(view()), 0.004)
    expect(await value(metrics.registry, 'ovn_vif_ctl_actions_total', {action: 'created'})).toBe(0)
    metrics.passed(pass(view(), true), 0.2)
    reconciler.emit('conflict')
    metrics.failed(new Error('boom'), 12)
    const {registry} = metrics
    expect(await value(registry, 'ovn_vif_ctl_passes_total', {result: 'ok'})).toBe(2)
    expect(await value(registry, 'ovn_vif_ctl_passes_total', {result: 'failed'})).toBe(1)
    expect(await value(registry, 'ovn_vif_ctl_passes_total', {result: 'conflict_retry'})).toBe(1)
    expect(await value(registry, 'ovn_vif_ctl_actions_total', {action: 'created'})).toBe(1)
    expect(await value(registry, 'ovn_vif_ctl_actions_total', {action: 'removed'})).toBe(1)
    expect(await value(registry, 'ovn_vif_ctl_actions_total', {action: 'updated'})).toBe(0)
    expect(await value(registry, 'ovn_vif_ctl_pass_duration_seconds_count')).toBe(3)
    expect(await value(registry, 'ovn_vif_ctl_pass_duration_seconds_bucket', {le: '0.001'})).toBe(0)
    expect(await value(registry, 'ovn_vif_ctl_pass_duration_seconds_bucket', {le: '+Inf'})).toBe(3)
    expect(await value(registry, 'ovn_vif_ctl_last_pass_timestamp_seconds')).toBeGreaterThanOrEqual(before)
  })

  it('keeps the last successful pass time through failed passes', async () => {
    const {metrics} = await started()
    metrics.passed(pass(view()), 0.001)
    const last = await value(metrics.registry, 'ovn_vif_ctl_last_pass_timestamp_seconds')
    metrics.failed(new Error('boom'), 0.001)
    expect(await value(metrics.registry, 'ovn_vif_ctl_last_pass_timestamp_seconds')).toBe(last)
  })

  it('follows connections, the lock and the views in its gauges and in /healthz', async () => {
    const metrics = await WatcherMetrics.create({version: '1.2.3'})
    expect(metrics.health()).toEqual({healthy: false, reason: 'starting: connecting to the databases'})
    const reconciler = new FakeReconciler()
    metrics.attach(reconciler as unknown as Reconciler, providers)
    expect(metrics.health()).toMatchObject({healthy: false, reason: expect.stringContaining('not complete yet')})
    metrics.passed(pass(view()), 0.001)
    expect(metrics.health()).toEqual({healthy: true, reason: 'ok: views complete, lock held'})
    expect(await value(metrics.registry, 'ovn_vif_ctl_lock_held')).toBe(1)
    reconciler.lockHeld = false
    expect(metrics.health()).toMatchObject({healthy: true, reason: expect.stringContaining('waiting for the lock')})
    expect(await value(metrics.registry, 'ovn_vif_ctl_lock_held')).toBe(0)

    reconciler.emit('connection', 'Southbound DB', false)
    expect(await value(metrics.registry, 'ovn_vif_ctl_db_connected', {db: 'southbound'})).toBe(0)
    expect(await value(metrics.registry, 'ovn_vif_ctl_db_connected', {db: 'open_vswitch'})).toBe(1)
    expect(await value(metrics.registry, 'ovn_vif_ctl_views_complete')).toBe(0)
    expect(metrics.health()).toMatchObject({healthy: false, reason: expect.stringMatching(/^lost the southbound database connection at .*; reconnecting$/)})
    reconciler.emit('connection', 'Southbound DB', true)
    expect(metrics.health().healthy).toBe(false)
    metrics.passed(pass(view()), 0.001)
    expect(metrics.health().healthy).toBe(true)
    metrics.passed(pass(view({complete: false})), 0.001)
    expect(metrics.health().healthy).toBe(false)
  })

  it('says which providers are ready, and what runs', async () => {
    const metrics = await WatcherMetrics.create({version: '1.2.3'})
    const failing = new ProviderRegistry([
      {provider: createDummyProvider(), origin: 'test'},
      {provider: {...createDummyProvider(), type: 'representor'}, origin: 'test', failure: {call: 'init', reason: 'no devlink', exitCode: ExitCode.Connection}},
    ])
    metrics.attach(new FakeReconciler() as unknown as Reconciler, failing)
    expect(await value(metrics.registry, 'ovn_vif_ctl_provider_ready', {type: 'dummy'})).toBe(1)
    expect(await value(metrics.registry, 'ovn_vif_ctl_provider_ready', {type: 'representor'})).toBe(0)
    expect(await value(metrics.registry, 'ovn_vif_ctl_build_info', {version: '1.2.3', runtime: process.version})).toBe(1)
    expect(await metrics.registry.metrics()).toMatch(/^process_cpu_seconds_total /m)
  })
})
