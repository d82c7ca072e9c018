import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** Where the reasons `status` and `reconcile` print are written. */
const REASON_SOURCES = ['src/reconcile/plan.ts', 'src/status/classify.ts', 'src/providers/representor/table.ts', 'src/providers/representor/index.ts', 'src/providers/representor/table-source.ts', 'src/providers/registry.ts']
/** Where the reasons a NIC's serial cannot be read are written (doctor's card-serial INFO, chassis show). */
const CARD_SERIAL_REASON_SOURCES = ['src/dpu/vpd.ts', 'src/dpu/card-serial.ts']
/** Reasons of ports that need nothing: the troubleshooting page has no row for them. */
const HEALTHY = ['requested for this chassis with', 'superseded by interface', 'plugged as requested', 'netdev changed from', 'and claimed by this chassis']

/** The fixed words of each `reason: ...` literal (the parts between ${...}), long enough to be telling. */
function reasonWords(source: string): string[] {
  return [...source.matchAll(/reason: (`(?:[^`\\]|\\.)*`|'[^']*')/g)].flatMap(([, literal]) =>
    literal!
      .slice(1, -1)
      .split(/\$\{(?:[^{}]|\{[^{}]*\})*\}/)
      // A nested template literal ends the match early, inside an unclosed ${.
      .map((words) => words.split('${')[0]!.trim())
      .filter((words) => words.length >= 12),
  )
}

describe('docs/troubleshooting.md', () => {
  it('has a row for every reason a port can be pending, orphaned or in conflict', async () => {
    const page = (await readFile(path.join(ROOT, 'docs', 'troubleshooting.md'), 'utf8')).replaceAll('*', '')
    const sources = await Promise.all(REASON_SOURCES.map((file) => readFile(path.join(ROOT, file), 'utf8')))
    const words = sources.flatMap((source) => reasonWords(source)).filter((text) => !HEALTHY.some((healthy) => text.includes(healthy)))
    expect(words.length).toBeGreaterThan(20)
    expect(words.filter((text) => !page.includes(text))).toEqual([])
  })

  it('has a row for every reason a NIC serial cannot be read', async () => {
    const page = (await readFile(path.join(ROOT, 'docs', 'troubleshooting.md'), 'utf8')).replaceAll('*', '')
    const sources = await Promise.all(CARD_SERIAL_REASON_SOURCES.map((file) => readFile(path.join(ROOT, file), 'utf8')))
    const words = sources.flatMap((source) => reasonWords(source))
    expect(words.length).toBeGreaterThan(15)
    expect(words.filter((text) => !page.includes(text))).toEqual([])
  })
})
