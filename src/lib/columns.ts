import {displayWidth, fitRow} from './text-width.js'

/**
 * Lines of cells in aligned columns, measured once each (linear in the cells, for tables of
 * 10,000 rows): every column but the last cut to MAX_CELL_WIDTH, every cell padded with spaces
 * to its column's display width (CJK and emoji take two columns). The last column is padded
 * only when `padLast` (a boxed table), so borderless lines carry no trailing spaces.
 */
export function alignColumns(lines: readonly (readonly string[])[], {padLast}: {padLast: boolean}): string[][] {
  const fitted = lines.map(fitRow)
  // A loop, not Math.max(...): spreading some 120,000 arguments overflows the stack.
  const widths: number[] = []
  for (const {widths: cellWidths} of fitted) {
    cellWidths.forEach((width, index) => {
      if (!(width <= widths[index]!)) widths[index] = width
    })
  }

  return fitted.map(({cells, widths: cellWidths}) =>
    cells.map((cell, index) => (index === cells.length - 1 && !padLast ? cell : cell + ' '.repeat(widths[index]! - cellWidths[index]!))),
  )
}

/**
 * A header line and rows in a box of Unicode rules, one space either side of each cell and no
 * rule between rows (the look `providers` tables have always had).
 */
export function renderBoxedColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const [head, ...body] = alignColumns([header, ...rows], {padLast: true})
  const rule = (left: string, middle: string, right: string) => left + head!.map((cell) => '─'.repeat(displayWidth(cell) + 2)).join(middle) + right
  return [rule('┌', '┬', '┐'), ...[head!, ...body].map((cells) => `│ ${cells.join(' │ ')} │`), rule('└', '┴', '┘')].join('\n')
}
