import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {checkExpressions, familiesInUse, familyOf, KNOWN_FAMILIES, markdownAnchors, ROOT, selectedMetricNames} from '../../helpers/prometheus.js'

const DOCS = path.join(ROOT, 'docs')
const METRICS_PAGE = path.join(DOCS, 'metrics.md')

describe('docs/metrics.md', () => {
  let page: string
  /** The metric names of the page's table: the first cell of each row. */
  let documented: string[]
  beforeAll(async () => {
    page = await readFile(METRICS_PAGE, 'utf8')
    documented = [...page.matchAll(/^\| `([a-z_:]+)` \|/gm)].map(([, name]) => name!)
  })

  it('documents every metric family the alert rules and the dashboard read', async () => {
    const inUse = await familiesInUse()
    expect(inUse.length).toBeGreaterThan(10)
    expect(inUse.filter((family) => !documented.includes(family))).toEqual([])
  })

  it('documents every family the exporter defines, each once', () => {
    expect(KNOWN_FAMILIES.filter((family) => !documented.includes(family))).toEqual([])
    expect(new Set(documented).size).toBe(documented.length)
  })

  describe('its PromQL examples', () => {
    let examples: string[]
    beforeAll(() => {
      examples = [...page.matchAll(/^```promql\n([\s\S]*?)^```/gm)].map(([, expr]) => expr!.trim())
    })

    it('parse', async () => {
      expect(examples.length).toBeGreaterThanOrEqual(10)
      const result = await checkExpressions(examples)
      expect(result.output).toContain(`SUCCESS: ${examples.length} rules found`)
      expect(result.exitCode).toBe(0)
    })

    it('name only metrics the exporter defines', () => {
      const names = examples.flatMap((expr) => selectedMetricNames(expr))
      expect(names.filter((name) => familyOf(name) === undefined)).toEqual([])
    })
  })

  it('links only to pages and headings that exist', async () => {
    const links = [...page.matchAll(/\]\(([a-z-]+\.md)(?:#([a-z0-9-]+))?\)/g)].map(([, file, anchor]) => ({file: file!, anchor}))
    expect(links.length).toBeGreaterThan(3)
    for (const {file, anchor} of links) {
      expect(existsSync(path.join(DOCS, file)), file).toBe(true)
      if (anchor !== undefined) expect(await markdownAnchors(path.join(DOCS, file)), `${file}#${anchor}`).toContain(anchor)
    }
  })
})
