import {describe, expect, it} from 'vitest'

import {type InventoryRow, renderInventoryCsv, renderInventoryTable} from '../../../src/providers/report.js'

describe('providers inventory table', () => {
  const long = `nic-${'z'.repeat(296)}`
  const rows: InventoryRow[] = [
    {provider: 'p', netdev: '网卡0', details: {label: 'ready'}},
    {provider: 'p', netdev: '🚀1', details: {label: '👩‍💻'}},
    {provider: 'p', netdev: long, details: {label: long}},
  ]

  it('aligns by display width and cuts every column but the last to 48 columns', () => {
    expect(renderInventoryTable(rows, ['netdev', 'label']).split('\n')).toEqual([
      `┌${'─'.repeat(50)}┬${'─'.repeat(302)}┐`,
      `│ netdev${' '.repeat(42)} │ label${' '.repeat(295)} │`,
      `│ 网卡0${' '.repeat(43)} │ ready${' '.repeat(295)} │`,
      `│ 🚀1${' '.repeat(45)} │ 👩‍💻${' '.repeat(298)} │`,
      `│ nic-${'z'.repeat(43)}… │ ${long} │`,
      `└${'─'.repeat(50)}┴${'─'.repeat(302)}┘`,
    ])
  })

  it('never cuts a value in CSV', () => {
    expect(renderInventoryCsv(rows, ['netdev', 'label']).split('\n')[3]).toBe(`${long},${long}`)
  })
})
