import {describe, expect, it} from 'vitest'

import {createDummyProvider, truncateNetdevName} from '../../../src/providers/dummy.js'

describe('dummy provider', () => {
  const provider = createDummyProvider()

  it('serves vif-plug-type dummy, maintains only vif-plug-dummy-option and takes no lport options', () => {
    expect(provider.type).toBe('dummy')
    expect(provider.maintainedOptions).toEqual(['vif-plug-dummy-option'])
    expect(provider.optionSpecs).toEqual([])
  })

  it('plugs an internal interface named after the lport with vif-plug-dummy-option=value', () => {
    expect(provider.prepareCreate({lportName: 'lsp1', lportOptions: {'vif-plug-type': 'dummy'}})).toEqual({
      ok: true,
      value: {name: 'lsp1', type: 'internal', options: {'vif-plug-dummy-option': 'value'}},
    })
  })

  it('ignores lport options and the existing interface, as vif-plug-dummy does', () => {
    const plain = provider.prepareCreate({lportName: 'lsp1', lportOptions: {}})
    const decorated = provider.prepareCreate({
      lportName: 'lsp1',
      lportOptions: {'vif-plug-type': 'dummy', 'vif-plug:dummy:anything': 'x', 'vif-plug-mtu-request': '9000'},
      existing: {name: 'other', type: 'system', options: {'vif-plug-dummy-option': 'stale'}},
    })
    expect(decorated).toEqual(plain)
  })

  it('always allows unplugging', () => {
    expect(provider.prepareRemove({lportName: 'lsp1', existing: {name: 'lsp1', type: 'internal', options: {}}})).toEqual({
      ok: true,
      value: undefined,
    })
  })

  it('has nothing to enumerate', async () => {
    expect(await provider.inventory()).toEqual([])
  })
})

describe('truncateNetdevName', () => {
  it.each([
    ['fifteen-bytes!!', 'fifteen-bytes!!'],
    ['sixteen-bytes!!!', 'sixteen-bytes!!'],
    ['a-very-long-logical-port-name', 'a-very-long-log'],
    ['', ''],
  ])('keeps at most 15 bytes of %j', (name, expected) => {
    expect(truncateNetdevName(name)).toBe(expected)
  })

  it.each([
    // 14 ASCII bytes + a 2-byte ä would be 16: the ä goes entirely.
    ['aaaaaaaaaaaaaaä', 'aaaaaaaaaaaaaa'],
    // 13 + 2 = 15 bytes fits exactly.
    ['aaaaaaaaaaaaaä', 'aaaaaaaaaaaaaä'],
    // 3-byte euro signs: five of them are 15 bytes, the sixth does not fit.
    ['€€€€€€', '€€€€€'],
    // A 4-byte emoji (a surrogate pair in JavaScript) is never split.
    ['port-🙂🙂🙂', 'port-🙂🙂'],
  ])('never cuts inside a UTF-8 character: %j', (name, expected) => {
    const result = truncateNetdevName(name)
    expect(result).toBe(expected)
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(15)
    expect(Buffer.from(result).toString('utf8')).toBe(result)
  })
})
