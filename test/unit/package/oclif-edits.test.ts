import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {applyOclifEdits, OCLIF_EDITS, type OclifEdit} from '../../../scripts/oclif-edits.js'
import {COMMANDS} from '../../../src/ovn-vif-ctl.js'

const oclifCore = path.dirname(createRequire(import.meta.url).resolve('@oclif/core/package.json'))

const edit: OclifEdit = {file: 'lib/example.js', text: 'slow()', replacement: 'fast()', why: 'an example'}

describe("the edits to @oclif/core's source", () => {
  it.each(OCLIF_EDITS.map((each) => [each.file, each] as const))('applies to the installed %s, whose text it replaces', async (file, each) => {
    const source = await readFile(path.join(oclifCore, file), 'utf8')
    const edited = applyOclifEdits(file, source, [each])
    expect(edited).not.toContain(each.text)
    expect(edited).toContain(each.replacement)
    expect(edited.length - source.length).toBe(each.replacement.length - each.text.length)
  })

  it('replaces text that occurs exactly once, and leaves other files alone', () => {
    expect(applyOclifEdits('lib/example.js', 'a(); slow(); b()', [edit])).toBe('a(); fast(); b()')
    expect(applyOclifEdits('lib/other.js', 'slow(); slow()', [edit])).toBe('slow(); slow()')
  })

  it('makes all the edits to a file together', async () => {
    const file = 'lib/config/plugin.js'
    const edited = applyOclifEdits(file, await readFile(path.join(oclifCore, file), 'utf8'))
    for (const each of OCLIF_EDITS.filter((candidate) => candidate.file === file)) expect(edited).not.toContain(each.text)
  })

  it('fails where the text is missing or occurs more than once: an upgraded oclif fails the build', () => {
    expect(() => applyOclifEdits('lib/example.js', 'a(); b()', [edit])).toThrow(/occurs 0 times/)
    expect(() => applyOclifEdits('lib/example.js', 'slow(); slow()', [edit])).toThrow(/occurs 2 times/)
  })

  it("sorts this CLI's commands, where oclif loads them, in the order localeCompare gave", () => {
    const sortEdit = OCLIF_EDITS.find((each) => each.text.includes('localeCompare'))!
    // The edited sort as oclif runs it, on objects with an id.
    const sort = new Function('commands', `return commands${sortEdit.replacement}`) as (commands: Array<{id: string}>) => Array<{id: string}>
    const commands = Object.keys(COMMANDS).toReversed().map((id) => ({id}))
    expect(sort(commands).map(({id}) => id)).toEqual(Object.keys(COMMANDS).toSorted((a, b) => a.localeCompare(b)))
  })
})
