import {describe, expect, it} from 'vitest'

import {closeNames, didYouMean, editDistance} from '../../../src/plug/suggest.js'

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('lsp1', 'lsp1')).toBe(0)
    expect(editDistance('lsp1', 'lsp2')).toBe(1)
    expect(editDistance('lsp', 'lsp10')).toBe(2)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})

describe('closeNames', () => {
  const ports = ['vm-web-1', 'vm-web-2', 'vm-db-1', 'lsp1', 'lsp10']

  it('suggests the closest names first, ignoring case, at most three', () => {
    expect(closeNames('vm-web-3', ports)).toEqual(['vm-web-1', 'vm-web-2'])
    expect(closeNames('LSP1x', ports)).toEqual(['lsp1', 'lsp10'])
    expect(closeNames('x', ['a', 'b', 'c', 'd'])).toHaveLength(3)
  })

  it('suggests nothing when no name is close', () => {
    expect(closeNames('database', ports)).toEqual([])
  })
})

describe('didYouMean', () => {
  it('phrases one or several suggestions, or nothing', () => {
    expect(didYouMean('lsp2', ['lsp1'])).toBe(' (did you mean "lsp1"?)')
    expect(didYouMean('vm-web-3', ['vm-web-1', 'vm-web-2'])).toBe(' (did you mean "vm-web-1" or "vm-web-2"?)')
    expect(didYouMean('zzz', ['lsp1'])).toBe('')
  })
})
