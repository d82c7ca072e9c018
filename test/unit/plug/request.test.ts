import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../../src/lib/errors.js'
import {desiredOptions, parseOptionArgument, type ProviderSpecs, type RawPlugEntry, requestManages, validatePlugEntries, withDefaults} from '../../../src/plug/request.js'
import {resolveEntries} from '../../../src/plug/run.js'
import {REPRESENTOR_OPTION_SPECS} from '../../../src/providers/representor/index.js'

const providers: ProviderSpecs = new Map([
  ['dummy', []],
  ['representor', REPRESENTOR_OPTION_SPECS],
])

const PF_MAC = '0c:42:a1:00:00:01'

function representorEntry(overrides: Partial<RawPlugEntry> = {}): RawPlugEntry {
  return {lsp: 'lsp1', chassis: 'hv1', type: 'representor', options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '3'}], ...overrides}
}

function rejectionOf(entries: RawPlugEntry[], force = false): string {
  try {
    validatePlugEntries(entries, providers, {force})
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).not.toContain('\n')
    return (error as Error).message
  }

  throw new Error('expected a rejection')
}

describe('validatePlugEntries', () => {
  it('maps provider flag names, bare names and full keys to vif-plug:<type>:* keys', () => {
    const [request] = resolveEntries(validatePlugEntries(
      [representorEntry({mtu: '9000', options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vif-plug:representor:vf-num', value: '3'}]})],
      providers,
      {force: false},
    ), [])
    expect(request).toEqual({lsp: 'lsp1', chassis: 'hv1', type: 'representor', mtu: 9000, providerOptions: {'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '3'}})
    expect(desiredOptions(request!)).toEqual({
      'requested-chassis': 'hv1',
      'vif-plug-type': 'representor',
      'vif-plug-mtu-request': '9000',
      'vif-plug:representor:pf-mac': PF_MAC,
      'vif-plug:representor:vf-num': '3',
    })
  })

  it('leaves vif-plug-mtu-request out of the desired options when no MTU is asked for', () => {
    const [request] = resolveEntries(validatePlugEntries([{lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: []}], providers, {force: false}), [])
    expect(desiredOptions(request!)).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
  })

  it('manages the MTU only when the request sets or clears it', () => {
    const [kept, cleared] = resolveEntries(validatePlugEntries([
      {lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: []},
      {lsp: 'lsp2', chassis: 'hv1', type: 'dummy', clearMtu: true, options: []},
    ], providers, {force: false}), [])
    expect(kept!.mtu).toBeUndefined()
    expect(requestManages(kept!)('vif-plug-mtu-request')).toBe(false)
    expect(cleared!.mtu).toBe('remove')
    expect(requestManages(cleared!)('vif-plug-mtu-request')).toBe(true)
    expect(desiredOptions(cleared!)).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
  })

  it('rejects a type no provider serves, suggesting close ones, unless forced', () => {
    expect(rejectionOf([representorEntry({type: 'represntor', options: []})])).toBe(
      'no provider serves type "represntor" (did you mean "representor"?); known types: dummy, representor (--force writes a type only ovn-controller knows)',
    )
    const [forced] = validatePlugEntries([representorEntry({type: 'vendor-nic', options: [{name: 'slot', value: '2'}]})], providers, {force: true})
    expect(forced!.providerOptions).toEqual({'vif-plug:vendor-nic:slot': '2'})
  })

  it('rejects a missing or malformed chassis or type', () => {
    expect(rejectionOf([representorEntry({chassis: undefined})])).toMatch(/^no chassis given/)
    expect(rejectionOf([representorEntry({chassis: 'hv1,hv2'})])).toMatch(/^chassis "hv1,hv2" is not one chassis name/)
    expect(rejectionOf([representorEntry({type: undefined})])).toMatch(/^no type given: .*dummy, representor$/)
    expect(rejectionOf([representorEntry({type: 'a:b'})], true)).toMatch(/^type "a:b" is not a vif-plug-type name/)
  })

  it('runs the provider checks on option values', () => {
    expect(rejectionOf([representorEntry({options: [{name: 'pf-mac', value: 'zz:00'}]})])).toBe(
      'pf-mac "zz:00" is not a MAC address like 0c:42:a1:00:00:01 (option vif-plug:representor:pf-mac)',
    )
    expect(rejectionOf([representorEntry({options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '65536'}]})])).toMatch(
      /^vf-num "65536" is not an integer from 0 to 65535/,
    )
    expect(rejectionOf([representorEntry({options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '-1'}]})])).toMatch(/^vf-num "-1"/)
  })

  it('requires the provider\'s required options', () => {
    expect(rejectionOf([representorEntry({options: [{name: 'vf-num', value: '1'}]})])).toMatch(/^provider representor needs pf-mac \(--pf-mac, or a pf-mac column\): MAC address of the host PF/)
  })

  it('refuses vf-num and sf-num together, from flags, a file line or a line and the command line\'s defaults', () => {
    const both = [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '3'}, {name: 'sf-num', value: '88'}]
    expect(rejectionOf([representorEntry({options: both})])).toBe('vf-num and sf-num cannot be given together: give one of them')
    expect(rejectionOf([representorEntry({options: both, where: 'ports.csv line 2'})])).toBe('ports.csv line 2: vf-num and sf-num cannot be given together: give one of them')
    const fromDefaults = withDefaults([{lsp: 'lsp1', options: [{name: 'sf-num', value: '88'}], where: 'ports.csv line 2'}], {chassis: 'hv1', type: 'representor', options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '3'}]})
    expect(rejectionOf(fromDefaults)).toBe('ports.csv line 2: vf-num and sf-num cannot be given together: give one of them')
  })

  it('takes sf-num by flag name or full key, and refuses a malformed one naming the key', () => {
    const [request] = validatePlugEntries([representorEntry({options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vif-plug:representor:sf-num', value: '4294967295'}]})], providers, {force: false})
    expect(request!.providerOptions).toEqual({'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:sf-num': '4294967295'})
    for (const bad of ['-1', '4294967296', '0x58', ' 88', '+88']) {
      expect(rejectionOf([representorEntry({options: [{name: 'pf-mac', value: PF_MAC}, {name: 'sf-num', value: bad}]})])).toBe(
        `sf-num "${bad}" is not an integer from 0 to 4294967295 (option vif-plug:representor:sf-num)`,
      )
    }
  })

  it('rejects option names the provider does not list, suggesting close ones, unless forced', () => {
    expect(rejectionOf([representorEntry({options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vfnum', value: '1'}]})])).toBe(
      'provider representor has no option "vfnum" (did you mean "vf-num"?); its options: pf-mac, vf-num, sf-num (--force sets it anyway)',
    )
    expect(rejectionOf([{lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: [{name: 'x', value: '1'}]}])).toMatch(/it takes no options/)
    const [forced] = validatePlugEntries([{lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: [{name: 'x', value: '1'}]}], providers, {force: true})
    expect(forced!.providerOptions).toEqual({'vif-plug:dummy:x': '1'})
  })

  it('rejects bad option keys and values', () => {
    const dummy = (name: string, value = 'v') => [{lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: [{name, value}]}]
    expect(rejectionOf(dummy(''), true)).toMatch(/^an option has an empty key/)
    expect(rejectionOf(dummy('a b'), true)).toMatch(/^option key "a b" contains '=' or whitespace/)
    expect(rejectionOf(dummy('a=b'), true)).toMatch(/^option key "a=b" contains '=' or whitespace/)
    expect(rejectionOf(dummy('x', ''), true)).toMatch(/^option vif-plug:dummy:x has an empty value/)
    expect(rejectionOf(dummy('x', 'v'.repeat(4097)), true)).toBe('option vif-plug:dummy:x has a 4097-character value; the limit is 4096')
    expect(validatePlugEntries(dummy('x', 'v'.repeat(4096)), providers, {force: true})).toHaveLength(1)
  })

  it('rejects keys outside the owned set, or of another type, naming the right flag', () => {
    const dummy = (name: string) => [{lsp: 'lsp1', chassis: 'hv1', type: 'dummy', options: [{name, value: '1'}]}]
    expect(rejectionOf(dummy('requested-chassis'), true)).toBe('option "requested-chassis" is set by --chassis, not as a provider option')
    expect(rejectionOf(dummy('vif-plug-mtu-request'), true)).toBe('option "vif-plug-mtu-request" is set by --mtu, not as a provider option')
    expect(rejectionOf(dummy('iface:x'), true)).toMatch(/^option key "iface:x" is not one plug owns: .*ovn-nbctl$/)
    expect(rejectionOf(dummy('vif-plug:representor:pf-mac'), true)).toMatch(/^option key "vif-plug:representor:pf-mac" is not for type dummy/)
    expect(rejectionOf(dummy('vif-plug:dummy:'), true)).toMatch(/has no name after "vif-plug:dummy:"/)
  })

  it('rejects the same option twice', () => {
    const options = [{name: 'pf-mac', value: PF_MAC}, {name: 'vif-plug:representor:pf-mac', value: PF_MAC}]
    expect(rejectionOf([representorEntry({options})])).toBe('option vif-plug:representor:pf-mac is given twice: give it once')
  })

  it('accepts MTUs from 68 to 65535 and nothing else', () => {
    for (const mtu of ['68', '1500', '65535']) expect(validatePlugEntries([representorEntry({mtu})], providers, {force: false})[0]!.mtu).toBe(Number(mtu))
    for (const mtu of ['67', '65536', '9k', '-1', '1e3', ' 1500']) {
      expect(rejectionOf([representorEntry({mtu})])).toBe(`mtu "${mtu}" is not an integer from 68 to 65535`)
    }
  })

  it('rejects the whole batch on one bad entry, naming its file line, and ports given twice', () => {
    const entries = [representorEntry({where: 'p.csv line 2'}), representorEntry({lsp: 'lsp2', mtu: '10', where: 'p.csv line 3'})]
    expect(rejectionOf(entries)).toBe('p.csv line 3: mtu "10" is not an integer from 68 to 65535')
    const twice = [representorEntry({where: 'p.csv line 2'}), representorEntry({where: 'p.csv line 4'})]
    expect(rejectionOf(twice)).toBe('p.csv line 4: lsp1 is requested twice (also at p.csv line 2): give each port once')
    expect(rejectionOf([representorEntry(), representorEntry()])).toBe('lsp1 is requested twice: give each port once')
  })
})

describe('parseOptionArgument', () => {
  it('splits at the first =, so values may contain more', () => {
    expect(parseOptionArgument('pf-mac=0c:42:a1:00:00:01')).toEqual({name: 'pf-mac', value: PF_MAC})
    expect(parseOptionArgument('x=a=b')).toEqual({name: 'x', value: 'a=b'})
    expect(parseOptionArgument('=v')).toEqual({name: '', value: 'v'})
  })

  it('rejects an argument without =', () => {
    expect(() => parseOptionArgument('pf-mac')).toThrow(/^--option "pf-mac" has no value: write it as KEY=VALUE/)
  })
})

describe('withDefaults', () => {
  it('fills what a file line leaves out from the command line, the line winning, also for options named differently', () => {
    const entries = [
      {lsp: 'vm1', options: [{name: 'vf-num', value: '1'}], where: 'p.csv line 2'},
      {lsp: 'vm2', chassis: 'hv2', mtu: '1500', options: [{name: 'vif-plug:representor:pf-mac', value: '0c:42:a1:00:00:02'}], where: 'p.csv line 3'},
    ]
    const defaults = {chassis: 'hv1', type: 'representor', mtu: '9000', options: [{name: 'pf-mac', value: PF_MAC}, {name: 'vf-num', value: '7'}]}
    expect(validatePlugEntries(withDefaults(entries, defaults), providers, {force: false})).toEqual([
      {lsp: 'vm1', chassis: 'hv1', type: 'representor', mtu: 9000, providerOptions: {'vif-plug:representor:vf-num': '1', 'vif-plug:representor:pf-mac': PF_MAC}, where: 'p.csv line 2'},
      {lsp: 'vm2', chassis: 'hv2', type: 'representor', mtu: 1500, providerOptions: {'vif-plug:representor:pf-mac': '0c:42:a1:00:00:02', 'vif-plug:representor:vf-num': '7'}, where: 'p.csv line 3'},
    ])
  })

  it('applies --clear-mtu to the lines without an mtu only', () => {
    const entries = [{lsp: 'vm1', options: []}, {lsp: 'vm2', mtu: '1500', options: []}]
    expect(validatePlugEntries(withDefaults(entries, {chassis: 'hv1', type: 'dummy', clearMtu: true, options: []}), providers, {force: false}).map((request) => request.mtu)).toEqual(['remove', 1500])
  })

  it('checks the defaults like any option, naming the line', () => {
    const entries = [{lsp: 'vm1', type: 'dummy', options: [], where: 'p.csv line 2'}]
    expect(rejectionOf(withDefaults(entries, {chassis: 'hv1', options: [{name: 'pf-mac', value: PF_MAC}]}))).toMatch(/^p.csv line 2: provider dummy has no option "pf-mac"/)
  })
})
