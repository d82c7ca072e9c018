/**
 * The plug-state gauges (ovn_vif_ctl_lports, ovn_vif_ctl_lport_problem), set from status's own
 * classification (src/status/classify.ts), for `status -f prometheus` and `reconcile --watch
 * --metrics-address` alike. Dashboards and alert rules (contrib/prometheus) rely on these names
 * and labels: docs/metrics.md documents them.
 */
import type {Gauge, Registry} from 'prom-client'

import {countByChassis, countStates} from '../status/classify.js'
import {STATES, type StatusRow, type StatusState} from '../status/model.js'

export type PromClient = typeof import('prom-client')

/**
 * prom-client is loaded on demand: every other command's start-up should not pay for
 * evaluating it. It is CommonJS: Node gives its exports as the namespace's `default` (and also
 * as named exports, which the bundle's chunk does not), so `default` is read.
 */
export async function loadPromClient(): Promise<PromClient> {
  return (await import('prom-client')).default
}

export const METRIC_PREFIX = 'ovn_vif_ctl_'

/** The states that need someone's attention: each such port is a series of ovn_vif_ctl_lport_problem. */
export const PROBLEM_STATES: ReadonlySet<StatusState> = new Set<StatusState>(['pending', 'conflict', 'orphaned'])

export class PlugStateGauges {
  private readonly lports: Gauge
  private readonly problems: Gauge

  /**
   * `byChassis` (status --all-chassis) adds a chassis label, the requested chassis ('' for none).
   * `collect`, called before either gauge is read, may call update() to classify only when scraped.
   */
  constructor(
    client: PromClient,
    registry: Registry,
    private readonly byChassis: boolean,
    collect?: () => void,
  ) {
    const chassis = byChassis ? ['chassis'] : []
    const common = {registers: [registry], ...(collect ? {collect} : {})}
    this.lports = new client.Gauge({
      name: `${METRIC_PREFIX}lports`,
      help: 'Logical ports by plug state, as ovn-vif-ctl status classifies them.',
      labelNames: [...chassis, 'state'],
      ...common,
    })
    this.problems = new client.Gauge({
      name: `${METRIC_PREFIX}lport_problem`,
      help: 'One series, of value 1, per logical port that is pending, in conflict or orphaned; the reason is status\'s.',
      labelNames: [...chassis, 'lport', 'state', 'reason'],
      ...common,
    })
  }

  /**
   * Replaces every series with those of `rows`: a port whose problem is gone leaves no series
   * behind, so the count of series follows the ports and never their history.
   */
  update(rows: readonly StatusRow[]): void {
    this.lports.reset()
    this.problems.reset()
    const groups = this.byChassis ? Object.entries(countByChassis(rows)) : [['', countStates(rows)] as const]
    for (const [chassis, counts] of groups) {
      for (const state of STATES) this.lports.set(this.byChassis ? {chassis, state} : {state}, counts[state])
    }

    for (const row of rows) {
      if (!PROBLEM_STATES.has(row.state)) continue
      const labels = {lport: row.lport, state: row.state, reason: row.reason}
      this.problems.set(this.byChassis ? {chassis: row.chassis ?? '', ...labels} : labels, 1)
    }
  }
}

/** The text format of `rows`' plug-state gauges alone, for status -f prometheus (node_exporter's textfile collector). */
export async function renderPlugState(rows: readonly StatusRow[], {byChassis}: {byChassis: boolean}): Promise<string> {
  const client = await loadPromClient()
  const registry = new client.Registry()
  new PlugStateGauges(client, registry, byChassis).update(rows)
  return registry.metrics()
}
