import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../../src/lib/errors.js'
import {detectFormat, parseRequestFile} from '../../../src/plug/file.js'

function rejectionOf(text: string, file: string): string {
  try {
    parseRequestFile(text, file)
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as Error).message
  }

  throw new Error('expected a rejection')
}

describe('CSV request files', () => {
  it('reads a header and one entry per line, options by flag name or full key, skipping blanks and comments', () => {
    const text = [
      '# ports for rack 7',
      'lsp,chassis,type,mtu,pf-mac,vif-plug:representor:vf-num',
      'vm1,hv1,representor,9000,0c:42:a1:00:00:01,3',
      '',
      'vm2 , hv2 ,dummy,,,',
    ].join('\r\n')
    expect(parseRequestFile(text, 'p.csv')).toEqual([
      {
        lsp: 'vm1', chassis: 'hv1', type: 'representor', mtu: '9000', where: 'p.csv line 3',
        options: [{name: 'pf-mac', value: '0c:42:a1:00:00:01'}, {name: 'vif-plug:representor:vf-num', value: '3'}],
      },
      {lsp: 'vm2', chassis: 'hv2', type: 'dummy', where: 'p.csv line 5', options: []},
    ])
  })

  it('reads quoted fields with commas and doubled quotes', () => {
    const [entry] = parseRequestFile('lsp,chassis,type,note\n"vm,1",hv1,dummy,"say ""hi"""\n', 'p.csv')
    expect(entry).toMatchObject({lsp: 'vm,1', options: [{name: 'note', value: 'say "hi"'}]})
  })

  it('names the line of a broken entry', () => {
    expect(rejectionOf('lsp,chassis,type\nvm1,hv1,dummy\nvm2,hv1\n', 'p.csv')).toBe('p.csv line 3: 2 fields, but the header has 3: give one per column (empty for none)')
    expect(rejectionOf('lsp,chassis,type\nvm1,hv1,"dummy\n', 'p.csv')).toBe('p.csv line 2: a quoted field is not closed: end it with "')
    expect(rejectionOf('lsp,chassis,type\nvm1,hv1,"dum"my\n', 'p.csv')).toMatch(/^p.csv line 2: text after a closing quote/)
    expect(rejectionOf('lsp,chassis,type\n,hv1,dummy\n', 'p.csv')).toBe('p.csv line 2: no lsp: every line names the logical switch port to plug')
  })

  it('rejects a bad header', () => {
    expect(rejectionOf('chassis,type\nhv1,dummy\n', 'p.csv')).toMatch(/^p.csv line 1: the header has no lsp column/)
    expect(rejectionOf('lsp,type,type\n', 'p.csv')).toMatch(/^p.csv line 1: column "type" appears twice/)
    expect(rejectionOf('lsp,,type\n', 'p.csv')).toMatch(/^p.csv line 1: column 2 of the header has no name/)
    expect(rejectionOf('# nothing\n\n', 'p.csv')).toMatch(/^p.csv: no header line/)
    expect(rejectionOf('lsp,chassis\n', 'p.csv')).toBe('p.csv: no requests in it: add one line per port')
  })
})

describe('JSON-lines request files', () => {
  it('reads one object per line; numbers become text, null means not given', () => {
    const text = [
      '{"lsp": "vm1", "chassis": "hv1", "type": "representor", "mtu": 9000, "pf-mac": "0c:42:a1:00:00:01", "vf-num": 3}',
      '# a comment',
      '{"lsp": "vm2", "chassis": "hv2", "type": "dummy", "mtu": null}',
    ].join('\n')
    expect(parseRequestFile(text, 'p.jsonl')).toEqual([
      {
        lsp: 'vm1', chassis: 'hv1', type: 'representor', mtu: '9000', where: 'p.jsonl line 1',
        options: [{name: 'pf-mac', value: '0c:42:a1:00:00:01'}, {name: 'vf-num', value: '3'}],
      },
      {lsp: 'vm2', chassis: 'hv2', type: 'dummy', where: 'p.jsonl line 3', options: []},
    ])
  })

  it('names the line of a broken entry', () => {
    const good = '{"lsp": "vm1", "chassis": "hv1", "type": "dummy"}'
    expect(rejectionOf(`${good}\n{"lsp": "vm2",\n`, 'p.jsonl')).toMatch(/^p.jsonl line 2: not valid JSON \(.*\): write one JSON object per line$/)
    expect(rejectionOf(`${good}\n\n["vm2"]\n`, 'p.jsonl')).toMatch(/^p.jsonl line 3: not a JSON object/)
    expect(rejectionOf(`{"lsp": "vm1", "vf-num": [1]}`, 'p.jsonl')).toBe('p.jsonl line 1: "vf-num" is an array: give a string or a number')
    expect(rejectionOf(`{"lsp": "vm1", "x": {"a": 1}}`, 'p.jsonl')).toBe('p.jsonl line 1: "x" is an object: give a string or a number')
    expect(rejectionOf(`{"lsp": "vm1", "x": true}`, 'p.jsonl')).toBe('p.jsonl line 1: "x" is the boolean true: give a string or a number')
    expect(rejectionOf(`{"chassis": "hv1"}`, 'p.jsonl')).toMatch(/^p.jsonl line 1: no lsp/)
  })
})

describe('detectFormat', () => {
  it('goes by the extension, else by whether the first entry is a JSON object', () => {
    expect(detectFormat('a.csv', '{"lsp": "x"}')).toBe('csv')
    expect(detectFormat('a.ndjson', 'lsp')).toBe('jsonl')
    expect(detectFormat('a.json', 'lsp')).toBe('jsonl')
    expect(detectFormat('-', '# c\n  {"lsp": "x"}')).toBe('jsonl')
    expect(detectFormat('ports', 'lsp,chassis')).toBe('csv')
  })
})
