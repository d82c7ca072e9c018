import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {parse as parseYaml, stringify as stringifyYaml} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {familyOf, markdownAnchors, promtool, readAlertingRules, ROOT, RULE_TESTS_DIR, RULES_FILE, selectedMetricNames, type AlertingRule} from '../../helpers/prometheus.js'

interface RuleTestFile {
  rule_files: string[]
  tests: Array<{name: string; alert_rule_test: Array<{alertname: string; eval_time: string; exp_alerts: unknown[]}>}>
}

const testFileOf = (alert: string) => path.join(RULE_TESTS_DIR, `${alert}.yml`)

describe('contrib/prometheus/ovn-vif-ctl.rules.yml', () => {
  let rules: AlertingRule[]
  beforeAll(async () => {
    rules = await readAlertingRules()
  })

  it('passes promtool check rules', async () => {
    const result = await promtool(['check', 'rules', RULES_FILE])
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`)
    expect(result.exitCode).toBe(0)
  })

  it('has the alerts of issue #21, each with a severity, a summary, a description and a runbook_url', () => {
    expect(rules.map((rule) => rule.alert)).toEqual([
      'OvnVifCtlPortPending',
      'OvnVifCtlPortConflict',
      'OvnVifCtlOrphanedInterface',
      'OvnVifCtlWatcherDown',
      'OvnVifCtlWatcherTargetsMissing',
      'OvnVifCtlWatcherWithoutLock',
      'OvnVifCtlDatabaseDisconnected',
      'OvnVifCtlNoSuccessfulPass',
    ])
    for (const rule of rules) {
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual(['description', 'runbook_url', 'summary'])
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity)
    }
  })

  it('points every runbook_url at a heading of docs/troubleshooting.md', async () => {
    const anchors = (await markdownAnchors(path.join(ROOT, 'docs', 'troubleshooting.md'))).map((anchor) => `docs/troubleshooting.md#${anchor}`)
    for (const rule of rules) expect(anchors, rule.alert).toContain(rule.annotations?.runbook_url)
  })

  it('reads only the metrics the exporter defines', () => {
    const names = rules.flatMap((rule) => selectedMetricNames(rule.expr))
    expect(names.length).toBeGreaterThanOrEqual(rules.length)
    expect(names.filter((name) => familyOf(name) === undefined)).toEqual([])
  })
})

describe('promtool test rules (contrib/prometheus/tests)', () => {
  let rules: AlertingRule[]
  let files: string[]
  beforeAll(async () => {
    rules = await readAlertingRules()
    files = (await readdir(RULE_TESTS_DIR)).filter((name) => name.endsWith('.yml')).sort()
  })

  it('has one test file per alert, named after it, with cases that fire and cases that do not', async () => {
    expect(files).toEqual(rules.map((rule) => `${rule.alert}.yml`).sort())
    for (const rule of rules) {
      const document = parseYaml(await readFile(testFileOf(rule.alert), 'utf8')) as RuleTestFile
      const cases = document.tests.flatMap((test) => test.alert_rule_test).filter((test) => test.alertname === rule.alert)
      expect(cases.filter((test) => test.exp_alerts.length > 0).length, `${rule.alert}: cases that fire`).toBeGreaterThan(0)
      expect(cases.filter((test) => test.exp_alerts.length === 0).length, `${rule.alert}: cases that do not fire`).toBeGreaterThan(0)
    }
  })

  // promtool evaluates every rule at every step of every case: seconds of work, not milliseconds.
  const PROMTOOL_TEST_TIMEOUT_MS = 60_000

  it('passes every test file', {timeout: PROMTOOL_TEST_TIMEOUT_MS}, async () => {
    const result = await promtool(['test', 'rules', ...files.map((name) => path.join(RULE_TESTS_DIR, name))])
    expect(result.stdout + result.stderr).not.toContain('FAILED')
    expect(result.stdout.match(/^ {2}SUCCESS$/gm)).toHaveLength(files.length)
    expect(result.exitCode).toBe(0)
  })

  // The files above pass only if promtool really compares: with the expectation of each file's
  // first firing case turned into "nothing fires", every file must fail.
  describe('against expectations turned false', () => {
    let work: string
    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-rule-tests-'))
    })
    afterAll(async () => {
      await rm(work, {recursive: true, force: true})
    })

    it('fails every file', {timeout: PROMTOOL_TEST_TIMEOUT_MS}, async () => {
      const turned = await Promise.all(
        files.map(async (name) => {
          const document = parseYaml(await readFile(path.join(RULE_TESTS_DIR, name), 'utf8')) as RuleTestFile
          document.rule_files = [RULES_FILE]
          const firing = document.tests.flatMap((test) => test.alert_rule_test).find((test) => test.exp_alerts.length > 0)
          firing!.exp_alerts = []
          const file = path.join(work, name)
          await writeFile(file, stringifyYaml(document))
          return file
        }),
      )
      const result = await promtool(['test', 'rules', ...turned])
      expect((result.stdout + result.stderr).match(/^ {2}FAILED:$/gm)).toHaveLength(files.length)
      expect(result.exitCode).not.toBe(0)
    })
  })
})
