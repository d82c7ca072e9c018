import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {Ajv2020} from 'ajv/dist/2020.js'
import {beforeAll, describe, expect, it} from 'vitest'

import {checkExpressions, type Dashboard, dashboardExpressions, familyOf, readDashboard, ROOT, selectedMetricNames} from '../../helpers/prometheus.js'

const SCHEMA_FILE = path.join(ROOT, 'test', 'fixtures', 'grafana', 'dashboard.schema.json')
const GRID_COLUMNS = 24

describe('contrib/grafana/ovn-vif-ctl.json', () => {
  let dashboard: Dashboard
  let validate: ReturnType<Ajv2020['compile']>
  beforeAll(async () => {
    dashboard = await readDashboard()
    validate = new Ajv2020({allErrors: true, strict: true}).compile(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')))
  })

  describe('against the schema of the dashboard subset it uses (test/fixtures/grafana)', () => {
    it('is valid', () => {
      validate(dashboard)
      expect(validate.errors ?? []).toEqual([])
    })

    it('is refused with a query sent elsewhere, a panel type outside the subset or a misspelt property', () => {
      const panel = dashboard.panels.find((candidate) => candidate.targets !== undefined)!
      const broken: unknown[] = [
        {...dashboard, panels: [{...panel, datasource: {type: 'loki', uid: '${datasource}'}}]},
        {...dashboard, panels: [{...panel, type: 'graph'}]},
        {...dashboard, panels: [{...panel, target: panel.targets}]},
        {...dashboard, panels: [{...panel, targets: [{refId: 'A'}]}]},
      ]
      expect(broken.map((document) => validate(document))).toEqual([false, false, false, false])
    })
  })

  it('has unique panel ids, unique refIds per panel, and panels inside the grid that do not overlap', () => {
    const ids = dashboard.panels.map((panel) => panel.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of dashboard.panels) {
      const refIds = (panel.targets ?? []).map((target) => target.refId)
      expect(new Set(refIds).size, panel.title).toBe(refIds.length)
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(GRID_COLUMNS)
    }

    const overlaps = dashboard.panels.flatMap((a, index) =>
      dashboard.panels.slice(index + 1).filter((b) =>
        a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h,
      ).map((b) => `${a.title} / ${b.title}`),
    )
    expect(overlaps).toEqual([])
  })

  it('uses every variable it defines', () => {
    const text = JSON.stringify(dashboard.panels) + JSON.stringify(dashboard.templating.list.map((variable) => variable.query))
    const unused = dashboard.templating.list.filter((variable) => !text.includes(`$${variable.name}`) && !text.includes(`\${${variable.name}}`))
    expect(unused.map((variable) => variable.name)).toEqual([])
  })

  it('names only the metrics the exporter defines', () => {
    const names = dashboardExpressions(dashboard).flatMap((expr) => selectedMetricNames(expr))
    expect(names.length).toBeGreaterThan(dashboard.panels.length)
    expect(names.filter((name) => familyOf(name) === undefined)).toEqual([])
  })

  it('has only expressions that Prometheus parses', async () => {
    const expressions = dashboardExpressions(dashboard)
    const result = await checkExpressions(expressions)
    expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`)
    expect(result.exitCode).toBe(0)
  })

  it('would be caught with an expression that does not parse', async () => {
    const [first] = dashboardExpressions(dashboard)
    const result = await checkExpressions([first!, `sum by (state (${first})`])
    expect(result.output).toMatch(/parse error/)
    expect(result.exitCode).not.toBe(0)
  })
})
