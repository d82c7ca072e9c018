/**
 * What the tests of contrib/prometheus (alert rules) and contrib/grafana (dashboard) share: the
 * real promtool, the rule file read as data, the metric names a PromQL expression selects, and
 * the metric families those files may name.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {parser as promqlParser} from '@prometheus-io/lezer-promql'
import GithubSlugger from 'github-slugger'
import {parse as parseYaml, stringify as stringifyYaml} from 'yaml'

import {type CliResult, runProgram} from './cli.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const RULES_FILE = path.join(ROOT, 'contrib', 'prometheus', 'ovn-vif-ctl.rules.yml')
export const RULE_TESTS_DIR = path.join(ROOT, 'contrib', 'prometheus', 'tests')
export const DASHBOARD_FILE = path.join(ROOT, 'contrib', 'grafana', 'ovn-vif-ctl.json')

/**
 * The families issue #21 fixes, with their types: the names dashboards and alerts rely on.
 * test/unit/metrics/watcher.test.ts checks that the exporter (src/metrics) defines exactly
 * these; the rules, dashboard, docs and scrape tests read them from here.
 */
export const OVN_VIF_CTL_FAMILIES: Readonly<Record<string, 'gauge' | 'counter' | 'histogram'>> = {
  ovn_vif_ctl_lports: 'gauge',
  ovn_vif_ctl_lport_problem: 'gauge',
  ovn_vif_ctl_actions_total: 'counter',
  ovn_vif_ctl_passes_total: 'counter',
  ovn_vif_ctl_pass_duration_seconds: 'histogram',
  ovn_vif_ctl_db_connected: 'gauge',
  ovn_vif_ctl_lock_held: 'gauge',
  ovn_vif_ctl_views_complete: 'gauge',
  ovn_vif_ctl_last_pass_timestamp_seconds: 'gauge',
  ovn_vif_ctl_provider_ready: 'gauge',
  ovn_vif_ctl_build_info: 'gauge',
}

/**
 * Series that exist without the exporter defining them: `up`, which Prometheus writes for every
 * scrape, and the prom-client default process metrics the rules and the dashboard read.
 */
const OTHER_FAMILIES: Readonly<Record<string, 'gauge'>> = {
  up: 'gauge',
  process_start_time_seconds: 'gauge',
  process_resident_memory_bytes: 'gauge',
}

const FAMILIES = {...OVN_VIF_CTL_FAMILIES, ...OTHER_FAMILIES}

/** Every family the exporter defines, and those the rules and dashboard may read besides. */
export const KNOWN_FAMILIES: readonly string[] = Object.keys(FAMILIES)
const HISTOGRAM_SAMPLE_SUFFIXES = ['_bucket', '_sum', '_count']

/** The family a sample name belongs to (a histogram's `_bucket`, `_sum`, `_count` to the histogram), if it is a known one. */
export function familyOf(sampleName: string): string | undefined {
  if (sampleName in FAMILIES) return sampleName
  const suffix = HISTOGRAM_SAMPLE_SUFFIXES.find((end) => sampleName.endsWith(end))
  const base = suffix ? sampleName.slice(0, -suffix.length) : undefined
  return base !== undefined && FAMILIES[base] === 'histogram' ? base : undefined
}

/**
 * The metric names an expression selects, in order of appearance. A selector without a plain
 * name (`{__name__=~"..."}`) is returned as its own text, so that it matches no family.
 */
export function selectedMetricNames(expr: string): string[] {
  const names: string[] = []
  promqlParser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return
      const identifier = node.node.getChild('Identifier')
      names.push(expr.slice((identifier ?? node).from, (identifier ?? node).to))
      return false
    },
  })
  return names
}

export interface AlertingRule {
  alert: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export async function readAlertingRules(): Promise<AlertingRule[]> {
  const document = parseYaml(await readFile(RULES_FILE, 'utf8')) as {groups: Array<{rules: AlertingRule[]}>}
  return document.groups.flatMap((group) => group.rules)
}

export interface DashboardVariable {
  type: string
  name: string
  allValue?: string
  query?: string | {query: string}
}

export interface Dashboard {
  panels: Array<{id: number; type: string; title: string; gridPos: {x: number; y: number; w: number; h: number}; targets?: Array<{refId: string; expr: string}>}>
  templating: {list: DashboardVariable[]}
}

export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard
}

/** Values Prometheus accepts for the variables Grafana itself defines. */
const GRAFANA_BUILTIN_VARIABLES: Readonly<Record<string, string>> = {__rate_interval: '5m', __range: '1d'}

/**
 * Every PromQL expression of the dashboard, its panels' targets and its variables'
 * `label_values` selectors, as Prometheus receives them with every value selected: each
 * variable replaced by its "All" value, Grafana's own by a duration. An unknown variable throws.
 */
export function dashboardExpressions(dashboard: Dashboard): string[] {
  const values = new Map<string, string>(Object.entries(GRAFANA_BUILTIN_VARIABLES))
  for (const variable of dashboard.templating.list) if (variable.allValue !== undefined) values.set(variable.name, variable.allValue)
  const substitute = (expr: string) =>
    expr.replaceAll(/\$\{?(\w+)\}?/g, (_, name: string) => {
      const value = values.get(name)
      if (value === undefined) throw new Error(`expression ${expr} uses $${name}, which is not a variable of the dashboard with an "All" value`)
      return value
    })
  const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))
  const selectors = dashboard.templating.list.flatMap((variable) => {
    if (variable.type !== 'query') return []
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(query ?? '')?.[1]
    if (selector === undefined) throw new Error(`variable ${variable.name}: query ${JSON.stringify(query)} is not label_values(SELECTOR, LABEL)`)
    return [selector]
  })
  return [...targets, ...selectors].map(substitute)
}

/** The metric families the alert rules and the dashboard read, each once. */
export async function familiesInUse(): Promise<string[]> {
  const expressions = [...(await readAlertingRules()).map((rule) => rule.expr), ...dashboardExpressions(await readDashboard())]
  return [...new Set(expressions.flatMap((expr) => selectedMetricNames(expr)).map((name) => familyOf(name) ?? name))]
}

/**
 * Parses each expression with Prometheus's own parser. promtool has no command for a bare
 * expression: each becomes a recording rule of a generated file for `promtool check rules`.
 */
export async function checkExpressions(expressions: readonly string[]): Promise<{exitCode: number; output: string}> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-promql-'))
  try {
    const file = path.join(work, 'expressions.rules.yml')
    const rules = expressions.map((expr, index) => ({record: `expression:${index}`, expr}))
    await writeFile(file, stringifyYaml({groups: [{name: 'expressions', rules}]}))
    const result = await promtool(['check', 'rules', file])
    return {exitCode: result.exitCode, output: result.stdout + result.stderr}
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

/** The anchors GitHub gives the headings of a Markdown file. */
export async function markdownAnchors(file: string): Promise<string[]> {
  const slugger = new GithubSlugger()
  const text = (await readFile(file, 'utf8')).replaceAll(/^```[\s\S]*?^```/gm, '')
  return [...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => slugger.slug(heading!))
}

/** Runs Debian's promtool (package prometheus, installed by scripts/install-ovn.sh) to its end. */
export async function promtool(args: readonly string[]): Promise<CliResult> {
  const result = await runProgram('promtool', args, {cwd: ROOT})
  if (result.stderr.includes('spawn promtool ENOENT')) throw new Error('promtool not found: run scripts/install-ovn.sh as root (Debian package prometheus)')
  return result
}
