import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import {type CheckOutcome, doctorExitCode, renderOutcomes} from '../../../src/doctor/report.js'

const pass: CheckOutcome = {id: 'a', title: 'first', result: 'pass', detail: 'fine'}

describe('doctor report', () => {
  it('exits with the worst result: 0 all pass, 1 a warning or a reachable failure, 4 an unreachable one', () => {
    expect(doctorExitCode([pass])).toBe(0)
    expect(doctorExitCode([pass, {...pass, result: 'warn'}])).toBe(1)
    expect(doctorExitCode([pass, {...pass, result: 'fail'}, {...pass, result: 'skip'}])).toBe(1)
    expect(doctorExitCode([{...pass, result: 'warn'}, {...pass, result: 'fail', unreachable: true}])).toBe(4)
  })

  it('prints one line per check and the fix under it', () => {
    const text = renderOutcomes([pass, {id: 'b', title: 'second one', result: 'fail', detail: 'broken', fix: 'mend it'}], new Chalk({level: 0}))
    expect(text.split('\n')).toEqual(['PASS  first       fine', 'FAIL  second one  broken', '                  fix: mend it'])
  })

  it('aligns by display width and cuts a title longer than 48 columns with an ellipsis', () => {
    const long = `provider ${'n'.repeat(300)}`
    const text = renderOutcomes(
      [
        {id: 'a', title: '检查-1', result: 'pass', detail: 'fine'},
        {id: 'b', title: long, result: 'warn', detail: 'its detail is never cut', fix: 'mend it'},
      ],
      new Chalk({level: 0}),
    )
    expect(text.split('\n')).toEqual([
      `PASS  检查-1${' '.repeat(42)}  fine`,
      `WARN  provider ${'n'.repeat(38)}…  its detail is never cut`,
      `${' '.repeat(6 + 48)}  fix: mend it`,
    ])
  })

  it('never fails on INFO: it counts as a pass, and prints as INFO', () => {
    expect(doctorExitCode([pass, {...pass, result: 'info'}])).toBe(0)
    expect(doctorExitCode([{...pass, result: 'info'}, {...pass, result: 'warn'}])).toBe(1)
    expect(renderOutcomes([{...pass, result: 'info', detail: 'no NIC serial could be read'}], new Chalk({level: 0}))).toBe('INFO  first  no NIC serial could be read')
  })
})
