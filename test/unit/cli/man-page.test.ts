import {describe, expect, it} from 'vitest'

import {roffEscape, roffParagraphs} from '../../../scripts/man-page.js'

describe('roff escaping', () => {
  it('turns hyphens into \\- and backslashes into \\e', () => {
    expect(roffEscape(String.raw`--nb-db C:\x`)).toBe(String.raw`\-\-nb\-db C:\ex`)
  })

  it('writes non-ASCII characters as named Unicode escapes', () => {
    expect(roffEscape('a → b…')).toBe(String.raw`a \[u2192] b\[u2026]`)
  })

  it('guards a line starting with a dot or a quote, which groff would take for a request', () => {
    expect(roffParagraphs(".ovsdb files\n'quoted")).toEqual([String.raw`\&.ovsdb files`, String.raw`\&'quoted`])
  })

  it('fills plain lines, starts a paragraph at a blank line and keeps indented lines as they are', () => {
    expect(roffParagraphs('States:\n  plugged  ok\n  pending  not yet\n\nThen more.')).toEqual([
      'States:', '.RS 2', '.nf', 'plugged  ok', 'pending  not yet', '.fi', '.RE', '.PP', 'Then more.',
    ])
  })
})
