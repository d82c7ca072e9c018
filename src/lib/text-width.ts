import stringWidth from 'string-width'

/**
 * The widest a table cell may be, in terminal columns, except in the last column: a longer
 * value ends in an ellipsis. Wide enough for a UUID lport name, an FQDN chassis and a
 * representor's options; the last column (a reason, a detail) is never padded, so it is never
 * cut either. Tables only: JSON and CSV always carry the whole value.
 */
export const MAX_CELL_WIDTH = 48

const ELLIPSIS = '…'
// Made on the first cut of a cell that is not printable ASCII: making one loads ICU's break iterator data.
let graphemes: Intl.Segmenter | undefined

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/

/** How many terminal columns `text` takes: CJK and most emoji take two, combining marks none. */
export function displayWidth(text: string): number {
  // Nearly every cell is printable ASCII (names, MACs, numbers): answer those without string-width's
  // own checks (ANSI escapes, its Unicode-set regex), which cost more at 10,000 rows.
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text)
}

/** `text` cut to at most `maxWidth` columns, ending in an ellipsis when cut; never splits a character or an emoji sequence. */
export function truncateToWidth(text: string, maxWidth = MAX_CELL_WIDTH, width = displayWidth(text)): string {
  if (width <= maxWidth) return text
  let kept = ''
  let keptWidth = 0
  for (const {segment} of (graphemes ??= new Intl.Segmenter()).segment(text)) {
    const next = displayWidth(segment)
    if (keptWidth + next > maxWidth - 1) break
    kept += segment
    keptWidth += next
  }

  return kept + ELLIPSIS
}

/** `text` followed by spaces up to `width` columns. */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/** A table row: every column but the last cut to MAX_CELL_WIDTH, and the display width of each cell as shown. */
export function fitRow(cells: readonly string[]): {cells: string[]; widths: number[]} {
  const widths = cells.map(displayWidth)
  const fitted = cells.map((cell, index) => {
    if (index === cells.length - 1 || widths[index]! <= MAX_CELL_WIDTH) return cell
    const cut = truncateToWidth(cell, MAX_CELL_WIDTH, widths[index])
    widths[index] = displayWidth(cut)
    return cut
  })
  return {cells: fitted, widths}
}
