import {describe, expect, it, vi} from 'vitest'

import {renderChanges, renderWaitOutcome, waitProgress} from '../../../src/plug/render.js'
import type {PlugResult} from '../../../src/plug/run.js'

const changed: PlugResult['ports'][number] = {
  lsp: 'vm1', status: 'changed', notes: ['moving from hv1 to hv2 (--force): ...'],
  changes: [{op: 'add', key: 'vif-plug-type', value: 'dummy'}, {op: 'change', key: 'requested-chassis', from: 'hv1', to: 'hv2'}],
}
const unchanged: PlugResult['ports'][number] = {lsp: 'vm2', status: 'unchanged', changes: [], notes: []}

function result(overrides: Partial<PlugResult>): PlugResult {
  return {command: 'plug', dryRun: false, committed: true, wait: 'none', ports: [changed, unchanged], warnings: [], ...overrides}
}

describe('renderChanges', () => {
  it('prints each port\'s changes and notes, then what was written', () => {
    expect(renderChanges(result({}))).toBe([
      'vm1: + vif-plug-type=dummy',
      'vm1: ~ requested-chassis hv1 -> hv2',
      'vm1: note: moving from hv1 to hv2 (--force): ...',
      'vm2: already as requested',
      'Wrote 1 port in one transaction; 1 port already as requested.',
    ].join('\n'))
  })

  it('says when nothing was written, and why', () => {
    expect(renderChanges(result({dryRun: true, committed: false})).split('\n').at(-1)).toBe('Dry run: 1 port would change; 1 port already as requested; nothing written.')
    expect(renderChanges(result({committed: false, ports: [unchanged]}))).toBe('vm2: already as requested\nNothing to write: every port is already as requested.')
  })
})

describe('renderChanges for unplug', () => {
  const noRequest: PlugResult['ports'][number] = {lsp: 'vm3', status: 'no-request', changes: [], notes: ['no plug request (no vif-plug-type): left as it is']}

  it('names a port without a plug request on one line, and counts it apart', () => {
    expect(renderChanges(result({command: 'unplug', committed: false, ports: [noRequest]}))).toBe('vm3: no plug request (no vif-plug-type): left as it is\nNothing to write: no port named has a plug request.')
    expect(renderChanges(result({command: 'unplug', committed: false, ports: [unchanged, noRequest]})).split('\n').at(-1)).toBe('Nothing to write: every port is already as requested or has no plug request.')
    expect(renderChanges(result({command: 'unplug', ports: [changed, unchanged, noRequest]})).split('\n').at(-1)).toBe('Wrote 1 port in one transaction; 1 port already as requested, 1 port without a plug request.')
  })

  it('leaves a port without a plug request out of what --wait plugged established', () => {
    expect(renderWaitOutcome(result({command: 'unplug', wait: 'plugged', ports: [{...unchanged, waited: 'claimed by no chassis'}, noRequest]}))).toBe('vm2: claimed by no chassis')
    expect(renderWaitOutcome(result({command: 'unplug', wait: 'plugged', ports: [noRequest]}))).toBeUndefined()
  })
})

describe('renderWaitOutcome', () => {
  it('says what each wait established, and nothing without a wait', () => {
    expect(renderWaitOutcome(result({wait: 'sb', nbCfg: 7}))).toBe('ovn-northd has put it in the Southbound DB (sb_cfg 7).')
    expect(renderWaitOutcome(result({wait: 'hv', nbCfg: 7}))).toBe('Every chassis\'s ovn-controller has applied it (hv_cfg 7).')
    expect(renderWaitOutcome(result({wait: 'plugged', ports: [{...unchanged, waited: 'plugged on hv1'}]}))).toBe('vm2: plugged on hv1')
    expect(renderWaitOutcome(result({}))).toBeUndefined()
    expect(renderWaitOutcome(result({wait: 'hv', committed: false}))).toBeUndefined()
  })
})

describe('waitProgress without a terminal', () => {
  it('prints a plain line per port as it gets there, once', () => {
    const written: string[] = []
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      written.push(String(text))
      return true
    })
    try {
      const progress = waitProgress('plug', false)
      const pending = {lsp: 'vm2', done: false, detail: 'not claimed yet by hv1'}
      progress.update([{lsp: 'vm1', done: true, detail: 'plugged on hv1'}, pending])
      progress.update([{lsp: 'vm1', done: true, detail: 'plugged on hv1'}, {...pending, done: true, detail: 'plugged on hv1'}])
      progress.stop('done')
    } finally {
      write.mockRestore()
    }

    expect(written).toEqual(['vm1: plugged on hv1 (1/2)\n', 'vm2: plugged on hv1 (2/2)\n'])
  })
})
