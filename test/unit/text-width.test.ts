import {describe, expect, it} from 'vitest'

import {displayWidth, fitRow, MAX_CELL_WIDTH, padToWidth, truncateToWidth} from '../../src/lib/text-width.js'

describe('display width for tables', () => {
  it.each([
    ['ASCII', 'vm1-eth0', 8],
    ['CJK', '网络接口', 8],
    ['Hangul', '한국어', 6],
    ['an emoji', '🚀', 2],
    ['a ZWJ emoji sequence', '👩‍💻', 2],
    ['an emoji with a variation selector', '✔️', 2],
    ['a flag', '🇯🇵', 2],
    ['a combining mark', 'e\u0301', 1],
  ])('measures %s', (_case, text, width) => {
    expect(displayWidth(text)).toBe(width)
  })

  it('pads to a display width', () => {
    expect(padToWidth('网络', 6)).toBe('网络  ')
    expect(padToWidth('toolong', 3)).toBe('toolong')
  })

  it('cuts to the width with an ellipsis, never inside a character or an emoji sequence', () => {
    const long = 'a'.repeat(300)
    expect(truncateToWidth(long)).toBe(`${'a'.repeat(MAX_CELL_WIDTH - 1)}…`)
    expect(displayWidth(truncateToWidth(long))).toBe(MAX_CELL_WIDTH)
    // Six columns hold 网络 and the ellipsis (5), not half of 接: the cut stays one narrower.
    expect(truncateToWidth('网络接口', 6)).toBe('网络…')
    expect(truncateToWidth('ab👩‍💻cd', 4)).toBe('ab…')
    expect(truncateToWidth('abe\u0301fgh', 4)).toBe('abe\u0301…')
    expect(truncateToWidth('short')).toBe('short')
  })

  it('cuts every cell of a row but the last', () => {
    const long = 'x'.repeat(300)
    expect(fitRow([long, '网', long]).cells).toEqual([`${'x'.repeat(MAX_CELL_WIDTH - 1)}…`, '网', long])
  })
})
