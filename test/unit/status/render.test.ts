import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/lib/errors.js'
import type {StatusReport} from '../../../src/status/model.js'
import {checkSelection, colourFor, COLUMN_NAMES, DEFAULT_COLUMNS, DEFAULT_CSV_COLUMNS, jsonReport, parseColumns, renderCsv, renderTable, watchHeader} from '../../../src/status/render.js'

const report: StatusReport = {
  mode: 'local',
  chassis: 'hv1',
  rows: [
    {lport: 'a', state: 'plugged', reason: 'plugged as a and claimed by this chassis', chassis: 'hv1', type: 'dummy', interface: 'a', ofport: 3, up: true},
    {lport: 'vm-2', state: 'pending', reason: 'no VF representor for pf-mac 0c:42:a1:00:00:01 vf 3, "really"', type: 'representor', options: {'pf-mac': '0c:42:a1:00:00:01', 'vf-num': '3'}},
  ],
  counts: {plugged: 1, pending: 1, orphaned: 0, conflict: 0, additional: 0},
}

describe('status renderers', () => {
  it('aligns a table without trailing spaces and ends with the summary', () => {
    expect(renderTable(report, DEFAULT_COLUMNS.local, new Chalk({level: 0})).split('\n')).toEqual([
      'LPORT  STATE    CHASSIS  TYPE         INTERFACE  OFPORT  UP    REASON',
      'a      plugged  hv1      dummy        a          3       true  plugged as a and claimed by this chassis',
      'vm-2   pending           representor                           no VF representor for pf-mac 0c:42:a1:00:00:01 vf 3, "really"',
      '',
      '2 ports on chassis hv1: 1 plugged, 1 pending, 0 orphaned, 0 conflict',
    ])
  })

  it('counts additional rows only when there are some, and says when the chassis shown is not this host\'s', () => {
    const migrating: StatusReport = {
      ...report,
      chassis: 'hv2',
      foreignTo: {systemId: 'hv1'},
      rows: [{lport: 'm', state: 'additional', reason: 'r'}],
      counts: {plugged: 0, pending: 0, orphaned: 0, conflict: 0, additional: 1},
    }
    expect(renderTable(migrating, ['lport', 'state'], new Chalk({level: 0})).split('\n').at(-1)).toBe(
      "1 port on chassis hv2 (not this host's chassis hv1: --allow-foreign-chassis): 0 plugged, 0 pending, 0 orphaned, 0 conflict, 1 additional",
    )
    expect(renderTable(migrating, ['lport', 'state'], new Chalk({level: 1}))).toContain('\u001B[36madditional\u001B[39m')
    expect(jsonReport(migrating)).toMatchObject({chassis: 'hv2', systemId: 'hv1'})
    expect(jsonReport(report)).toMatchObject({chassis: 'hv1', systemId: 'hv1'})
    expect(jsonReport({mode: 'all-chassis', rows: [], counts: report.counts})).toMatchObject({chassis: null, systemId: null})
  })

  describe('with wide characters and very long names', () => {
    const LONG = `vm-${'x'.repeat(297)}`
    const wide: StatusReport = {
      mode: 'local',
      chassis: 'hv1',
      rows: [
        {lport: '网络接口-1', state: 'plugged', reason: 'plugged', interface: 'if1'},
        {lport: '🚀-2', state: 'pending', reason: '等待中', interface: 'if2'},
        {lport: '👩‍💻-3', state: 'orphaned', reason: 'gone', interface: 'if3'},
        {lport: 'e\u0301-4', state: 'plugged', reason: 'combining mark', interface: 'if4'},
        {lport: LONG, state: 'conflict', reason: `the reason is never cut: ${LONG}`, interface: 'if5'},
      ],
      counts: {plugged: 2, pending: 1, orphaned: 1, conflict: 1, additional: 0},
    }

    it('aligns columns by display width (CJK and emoji take two columns, a combining mark none) and cuts a cell longer than 48 columns with an ellipsis, except the last column', () => {
      const pad = (columns: number) => ' '.repeat(columns)
      expect(renderTable(wide, ['lport', 'state', 'interface', 'reason'], new Chalk({level: 0})).split('\n')).toEqual([
        `LPORT${pad(43)}  STATE     INTERFACE  REASON`,
        `网络接口-1${pad(38)}  plugged   if1        plugged`,
        `🚀-2${pad(44)}  pending   if2        等待中`,
        `👩‍💻-3${pad(44)}  orphaned  if3        gone`,
        `e\u0301-4${pad(45)}  plugged   if4        combining mark`,
        `vm-${'x'.repeat(44)}…  conflict  if5        the reason is never cut: ${LONG}`,
        '',
        '5 ports on chassis hv1: 2 plugged, 1 pending, 1 orphaned, 1 conflict',
      ])
    })

    it('never cuts a value in CSV or JSON', () => {
      expect(renderCsv(wide.rows, ['lport', 'reason']).split('\n')[5]).toBe(`${LONG},the reason is never cut: ${LONG}`)
      expect((jsonReport(wide) as {rows: Array<{lport: string}>}).rows[4]!.lport).toBe(LONG)
    })
  })

  it('names under the table the failed providers a shown row uses, and lists every failed provider in JSON', () => {
    const failed: StatusReport = {
      ...report,
      failedProviders: [
        {type: 'smartnic', origin: './smartnic.mjs', call: 'init', reason: 'no NIC'},
        {type: 'dummy', origin: 'built-in', call: 'inventory', reason: 'boom'},
      ],
    }
    expect(renderTable(failed, ['lport', 'state'], new Chalk({level: 0})).split('\n').slice(-2)).toEqual([
      '2 ports on chassis hv1: 1 plugged, 1 pending, 0 orphaned, 0 conflict',
      'provider dummy failed in inventory(): boom; its ports stay pending and its interfaces are not unplugged',
    ])
    expect((jsonReport(failed) as {failedProviders: unknown[]}).failedProviders).toHaveLength(2)
  })

  it('renders a table of 200,000 rows, the widest cell setting its column', () => {
    const rows = Array.from({length: 200_000}, (_, index) => ({lport: `p${index}`, state: 'plugged' as const, reason: 'r'}))
    const lines = renderTable({mode: 'all-chassis', rows, counts: {plugged: rows.length, pending: 0, orphaned: 0, conflict: 0, additional: 0}}, ['lport', 'state'], new Chalk({level: 0})).split('\n')
    expect(lines[0]).toBe('LPORT    STATE')
    expect(lines[1]).toBe('p0       plugged')
    expect(lines[200_000]).toBe('p199999  plugged')
  })

  it('colours each state differently, only when asked, on a terminal, without NO_COLOR', () => {
    const coloured = renderTable(report, ['lport', 'state'], new Chalk({level: 1}))
    expect(coloured).toContain('\u001B[32mplugged\u001B[39m')
    expect(coloured).toContain('\u001B[33mpending\u001B[39m')
    expect(colourFor(true, {isTTY: true}, {}).level).toBe(1)
    expect(colourFor(true, {isTTY: true}, {NO_COLOR: '1'}).level).toBe(0)
    expect(colourFor(true, {isTTY: false}, {}).level).toBe(0)
    expect(colourFor(false, {isTTY: true}, {}).level).toBe(0)
  })

  it('writes CSV with a header, quoting where needed, options as key=value pairs', () => {
    expect(renderCsv(report.rows, parseColumns(['lport', 'state', 'options', 'ofport', 'reason'])).split('\n')).toEqual([
      'lport,state,options,ofport,reason',
      'a,plugged,,3,plugged as a and claimed by this chassis',
      'vm-2,pending,pf-mac=0c:42:a1:00:00:01 vf-num=3,,"no VF representor for pf-mac 0c:42:a1:00:00:01 vf 3, ""really"""',
    ])
  })

  it('rejects unknown columns, naming the known ones, as a usage error', () => {
    expect(() => parseColumns(['lport', 'colour'])).toThrow(/unknown column colour; choose from lport, state, chassis/)
    expect(() => parseColumns(['colour'])).toThrow(UsageError)
  })

  it('refuses a selection that cannot apply, and accepts one that can', () => {
    expect(() => checkSelection({format: 'json', columns: ['lport'], allChassis: false})).toThrow(UsageError)
    expect(() => checkSelection({format: 'table', columns: ['lport', 'ofport'], allChassis: true})).toThrow('cannot fill ofport: drop it from --columns')
    expect(() => checkSelection({format: 'csv', states: ['conflict'], allChassis: true})).toThrow('no port is ever conflict there')
    expect(() => checkSelection({format: 'csv', columns: ['lport', 'interface'], states: ['orphaned'], allChassis: false})).not.toThrow()
    expect(() => checkSelection({format: 'json', states: ['pending', 'plugged'], allChassis: true})).not.toThrow()
  })

  it('gives CSV by default every column the mode can fill', () => {
    expect(DEFAULT_CSV_COLUMNS.local).toEqual(COLUMN_NAMES)
    expect(DEFAULT_CSV_COLUMNS['all-chassis']).toEqual(['lport', 'state', 'chassis', 'card-serial', 'claimed-by', 'up', 'type', 'options', 'mtu', 'reason'])
  })

  it('gives every JSON row every field, null when unknown', () => {
    const json = jsonReport(report) as {rows: unknown[]}
    expect(json).toMatchObject({mode: 'local', chassis: 'hv1', counts: report.counts})
    expect(json.rows[1]).toEqual({
      lport: 'vm-2',
      state: 'pending',
      reason: expect.any(String),
      chassis: null,
      cardSerial: null,
      claimedBy: null,
      up: null,
      type: 'representor',
      options: {'pf-mac': '0c:42:a1:00:00:01', 'vf-num': '3'},
      mtu: null,
      interface: null,
      ofport: null,
      error: null,
      netdev: null,
    })
  })
})

describe('the status --watch header', () => {
  const now = new Date('2026-01-02T03:04:05.000Z')

  it('says when it was drawn and how old the data is', () => {
    expect(watchHeader({updatedAt: '2026-01-02T03:04:00.000Z', down: []}, now)).toBe('--- 2026-01-02T03:04:05.000Z, data as of 2026-01-02T03:04:00.000Z')
  })

  it('names every database that is down, since when, and that the rows may be stale', () => {
    const down = [
      {database: 'Southbound DB', since: '2026-01-02T03:04:01.000Z'},
      {database: 'local Open_vSwitch DB', since: '2026-01-02T03:04:02.000Z'},
    ]
    expect(watchHeader({updatedAt: '2026-01-02T03:04:00.000Z', down}, now)).toBe(
      '--- 2026-01-02T03:04:05.000Z: DATABASE DOWN, reconnecting: the Southbound DB since 2026-01-02T03:04:01.000Z, the local Open_vSwitch DB since 2026-01-02T03:04:02.000Z; the rows below are as of 2026-01-02T03:04:00.000Z and may be stale',
    )
  })
})
