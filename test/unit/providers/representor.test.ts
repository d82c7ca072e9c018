import {spawn, spawnSync} from 'node:child_process'
import {cp, mkdtemp, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it, vi} from 'vitest'

import {createRepresentorProvider, REPRESENTOR_OPTION_SPECS, type RepresentorOptions} from '../../../src/providers/representor/index.js'
import {RepresentorTableSource} from '../../../src/providers/representor/table-source.js'
import type {VifPlugProvider} from '../../../src/providers/types.js'
import {fakeDevlink, lportOptions, removeFakeDevlinks, scenario, sfLportOptions} from './helpers.js'

type Scenario = Parameters<typeof scenario>[0]

async function initialised(name: Scenario, options: RepresentorOptions = {}): Promise<VifPlugProvider> {
  const {devlinkJson, sysfsRoot} = scenario(name)
  const provider = createRepresentorProvider({devlinkJson, sysfsRoot, ...options})
  await provider.init?.()
  return provider
}

/** A provider initialised on a variant of a recorded scenario: `edit` changes the parsed dump's ports first. */
async function initialisedVariant(name: Scenario, edit: (ports: Record<string, Record<string, unknown>>) => void): Promise<VifPlugProvider> {
  const {dump, sysfsRoot} = scenario(name)
  const parsed = dump()
  edit(parsed.port)
  const provider = createRepresentorProvider({devlinkJson: JSON.stringify(parsed), sysfsRoot})
  await provider.init?.()
  return provider
}

function plug(provider: VifPlugProvider, options: Record<string, string>) {
  return provider.prepareCreate({lportName: 'lp', lportOptions: options})
}

const HOST_PF0 = '0c:42:a1:00:00:01'
const HOST_PF1 = '0c:42:a1:00:00:02'

describe('representor provider on a DPU (host functions on controller 1)', () => {
  it('plugs the VF representor for a host PF MAC and VF number as a system interface with no options', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, lportOptions(HOST_PF0, '3'))).toEqual({ok: true, value: {name: 'c1pf0vf3', type: '', options: {}}})
    expect(plug(provider, lportOptions(HOST_PF1, '7'))).toMatchObject({ok: true, value: {name: 'c1pf1vf7'}})
  })

  it('plugs the PF representor itself when vf-num is absent or empty', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, lportOptions(HOST_PF1))).toMatchObject({ok: true, value: {name: 'c1pf1'}})
    expect(plug(provider, lportOptions(HOST_PF1, ''))).toMatchObject({ok: true, value: {name: 'c1pf1'}})
  })

  it('accepts the MAC in any case and with one-digit octets', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, lportOptions('0C:42:A1:0:0:1', '0'))).toMatchObject({ok: true, value: {name: 'c1pf0vf0'}})
  })

  it('refuses a VF the PF does not have, naming the VFs it has', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, lportOptions(HOST_PF0, '8'))).toEqual({
      ok: false,
      reason: `no VF representor for pf-mac ${HOST_PF0} vf 8 (that PF has VFs 0-7)`,
    })
  })

  it('refuses an unknown MAC, naming the PF MACs it saw', async () => {
    const result = plug(await initialised('dpu-2pf-8vf'), lportOptions('0c:42:a1:ff:ff:ff', '1'))
    expect(result.ok).toBe(false)
    expect(!result.ok && result.reason).toBe(
      'no PF representor for pf-mac 0c:42:a1:ff:ff:ff (PF MACs seen: 02:00:00:00:0a:00 (pf0), 0c:42:a1:00:00:01 (c1pf0), 02:00:00:00:0a:01 (pf1), 0c:42:a1:00:00:02 (c1pf1))',
    )
  })

  it('keeps the Arm side\'s own PF (controller 0) apart from the host PF with the same PF number', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, lportOptions('02:00:00:00:0a:00'))).toMatchObject({ok: true, value: {name: 'pf0'}})
    expect(plug(provider, lportOptions('02:00:00:00:0a:00', '3'))).toEqual({
      ok: false,
      reason: 'no VF representor for pf-mac 02:00:00:00:0a:00 vf 3 (that PF has no VF representors)',
    })
  })

  it('lists every PF and VF representor with its PF MAC and switch id, and not uplinks or SFs', async () => {
    const items = await (await initialised('dpu-2pf-8vf')).inventory()
    expect(items).toHaveLength(4 + 16)
    expect(items.map((item) => item.netdev)).not.toContain('p0')
    expect(items.find((item) => item.netdev === 'c1pf1vf3')).toEqual({
      netdev: 'c1pf1vf3',
      details: {
        flavour: 'pcivf',
        controller: 1,
        pf: 1,
        vf: 3,
        'pf-mac': HOST_PF1,
        'switch-id': '0c42a1fffe000010',
        'devlink-port': 'pci/0000:03:00.1/4100',
        state: 'ready',
      },
    })
  })

  it.each([
    ['a VF (c1pf0vf3)', 'dpu-2pf-8vf', 'pci/0000:03:00.0/4100', lportOptions(HOST_PF0, '3'), 'c1pf0vf3'],
    ['an SF (c<controller>pf<N>sf<M>)', 'dpu-sf', 'pci/0000:03:00.1/229376', sfLportOptions(HOST_PF1, '88'), 'en3f1c1pf1sf88'],
  ] as const)('finds the netdev of %s through sysfs phys_port_name when devlink does not name it', async (_case, name, port, options, netdev) => {
    const provider = await initialisedVariant(name, (ports) => {
      delete ports[port]?.netdev
    })
    expect(plug(provider, options)).toMatchObject({ok: true, value: {name: netdev}})
  })

  it('refuses when two PF representors claim the same MAC instead of guessing', async () => {
    const provider = await initialisedVariant('dpu-2pf-8vf', (ports) => {
      ports['pci/0000:03:00.1/4096'] = {...ports['pci/0000:03:00.1/4096'], function: {hw_addr: HOST_PF0}}
    })
    expect(plug(provider, lportOptions(HOST_PF0, '1'))).toEqual({
      ok: false,
      reason: `pf-mac ${HOST_PF0} matches 2 PF representors: c1pf0 (pci/0000:03:00.0/4096), c1pf1 (pci/0000:03:00.1/4096); refusing to guess`,
    })
  })
})

describe('representor provider with scalable functions on a DPU', () => {
  const SF_PORT = 'pci/0000:03:00.0'

  it('plugs the host SF with that sfnum under the PF the pf-mac names, when both PFs have one', async () => {
    const provider = await initialised('dpu-sf')
    expect(plug(provider, sfLportOptions(HOST_PF0, '88'))).toEqual({ok: true, value: {name: 'en3f0c1pf0sf88', type: '', options: {}}})
    expect(plug(provider, sfLportOptions(HOST_PF1, '88'))).toEqual({ok: true, value: {name: 'en3f1c1pf1sf88', type: '', options: {}}})
    expect(plug(provider, sfLportOptions('0C:42:A1:0:0:2', '0088'))).toMatchObject({ok: true, value: {name: 'en3f1c1pf1sf88'}})
  })

  it('never plugs the DPU\'s own (controller 0) SF of the same number for a host port', async () => {
    const provider = await initialised('dpu-sf')
    expect(plug(provider, sfLportOptions(HOST_PF0, '88'))).toMatchObject({ok: true, value: {name: 'en3f0c1pf0sf88'}})
    expect(plug(provider, sfLportOptions('02:00:00:00:0a:00', '88'))).toEqual({
      ok: false,
      reason: `the SF representor for pf-mac 02:00:00:00:0a:00 sf 88 is devlink port ${SF_PORT}/229375, a local SF of the DPU itself (controller 0, not external): it is never plugged for a host port`,
    })
  })

  it('keeps an inactive SF pending, naming its state and the devlink command that activates it', async () => {
    const provider = await initialised('dpu-sf')
    expect(plug(provider, sfLportOptions(HOST_PF0, '89'))).toEqual({
      ok: false,
      reason: `the SF representor for pf-mac ${HOST_PF0} sf 89 (devlink port ${SF_PORT}/229377) is not active (function state inactive, opstate detached); activate it on the DPU with: devlink port function set ${SF_PORT}/229377 state active`,
    })
  })

  it('sees the SF activated on the next refresh, which reports the change so a watcher plans again', async () => {
    const {dump, devlinkJson, sysfsRoot} = scenario('dpu-sf')
    const activated = dump()
    activated.port[`${SF_PORT}/229377`] = {...activated.port[`${SF_PORT}/229377`], function: {hw_addr: '0c:42:a1:00:20:59', state: 'active', opstate: 'attached'}}
    const source = {current: devlinkJson}
    const provider = createRepresentorProvider({devlinkJson: async () => source.current, sysfsRoot})
    await provider.init?.()
    expect(plug(provider, sfLportOptions(HOST_PF0, '89')).ok).toBe(false)
    source.current = JSON.stringify(activated)
    expect(await provider.refresh?.()).toBe(true)
    expect(plug(provider, sfLportOptions(HOST_PF0, '89'))).toMatchObject({ok: true, value: {name: 'en3f0c1pf0sf89'}})
  })

  it('keeps an SF that is active but not attached pending until a driver on the host binds it', async () => {
    const provider = await initialised('dpu-sf')
    expect(plug(provider, sfLportOptions(HOST_PF0, '91'))).toEqual({
      ok: false,
      reason: `the SF representor for pf-mac ${HOST_PF0} sf 91 (devlink port ${SF_PORT}/229379) is active but not attached (opstate detached): no driver on the host has bound it yet; devlink port show ${SF_PORT}/229379 says when it is`,
    })
  })

  it('counts an SF whose devlink reports no function state as not active', async () => {
    const provider = await initialisedVariant('dpu-sf', (ports) => {
      delete ports[`${SF_PORT}/229376`]?.function
    })
    const result = plug(provider, sfLportOptions(HOST_PF0, '88'))
    expect(!result.ok && result.reason).toMatch(/is not active \(function state not reported, opstate not reported\); activate it on the DPU with: devlink port function set pci\/0000:03:00\.0\/229376 state active$/)
  })

  it('waits for udev to rename an SF representor still under its kernel name, and plugs it once renamed', async () => {
    const renaming = await initialised('dpu-sf')
    expect(plug(renaming, sfLportOptions(HOST_PF0, '90'))).toEqual({
      ok: false,
      reason: `the SF representor for pf-mac ${HOST_PF0} sf 90 is still named eth7, a kernel name udev is expected to replace (phys_port_name c1pf0sf90); waiting for the rename`,
    })
    expect((await renaming.inventory()).find((item) => item.netdev === 'eth7')?.details.state).toBe('awaiting rename (c1pf0sf90)')

    const renamed = await initialisedVariant('dpu-sf', (ports) => {
      ports[`${SF_PORT}/229378`] = {...ports[`${SF_PORT}/229378`], netdev: 'en3f0c1pf0sf90'}
    })
    expect(plug(renamed, sfLportOptions(HOST_PF0, '90'))).toMatchObject({ok: true, value: {name: 'en3f0c1pf0sf90'}})
  })

  it('refuses an SF the PF does not have, naming the SFs it has, or that it has none', async () => {
    const provider = await initialised('dpu-sf')
    expect(plug(provider, sfLportOptions(HOST_PF0, '7'))).toEqual({ok: false, reason: `no SF representor for pf-mac ${HOST_PF0} sf 7 (that PF has SFs 88-91)`})
    expect(plug(provider, sfLportOptions(HOST_PF1, '89'))).toEqual({ok: false, reason: `no SF representor for pf-mac ${HOST_PF1} sf 89 (that PF has SFs 88)`})
    expect(plug(provider, sfLportOptions(HOST_PF0, '4294967295'))).toMatchObject({ok: false, reason: expect.stringMatching(/^no SF representor for pf-mac .* sf 4294967295 /)})
    expect(plug(await initialised('dpu-2pf-8vf'), sfLportOptions(HOST_PF0, '0'))).toEqual({ok: false, reason: `no SF representor for pf-mac ${HOST_PF0} sf 0 (that PF has no SF representors)`})
    expect(plug(provider, lportOptions(HOST_PF0, '0'))).toEqual({ok: false, reason: `no VF representor for pf-mac ${HOST_PF0} vf 0 (that PF has no VF representors)`})
  })

  it('refuses when devlink reports one sfnum twice under one PF instead of guessing', async () => {
    const provider = await initialisedVariant('dpu-sf', (ports) => {
      ports[`${SF_PORT}/229377`] = {...ports[`${SF_PORT}/229376`], netdev: 'en3f0c1pf0sf89'}
    })
    expect(plug(provider, sfLportOptions(HOST_PF0, '88'))).toEqual({
      ok: false,
      reason: `pf-mac ${HOST_PF0} sf 88 matches 2 SF representors: en3f0c1pf0sf88 (${SF_PORT}/229376), en3f0c1pf0sf89 (${SF_PORT}/229377); refusing to guess`,
    })
  })

  it('lists the host SFs with their sf number, readiness and opstate, and not the DPU\'s own SFs', async () => {
    const items = await (await initialised('dpu-sf')).inventory()
    const sfs = items.filter((item) => item.details.flavour === 'pcisf')
    expect(sfs.map((item) => [item.netdev, item.details.sf, item.details.state, item.details.opstate])).toEqual([
      ['en3f0c1pf0sf88', 88, 'ready', 'attached'],
      ['en3f0c1pf0sf89', 89, 'inactive', 'detached'],
      ['eth7', 90, 'awaiting rename (c1pf0sf90)', 'attached'],
      ['en3f0c1pf0sf91', 91, 'not attached', 'detached'],
      ['en3f1c1pf1sf88', 88, 'ready', 'attached'],
    ])
    expect(sfs[0]).toEqual({
      netdev: 'en3f0c1pf0sf88',
      details: {
        flavour: 'pcisf',
        controller: 1,
        pf: 0,
        vf: undefined,
        sf: 88,
        'pf-mac': HOST_PF0,
        'switch-id': '0c42a1fffe000000',
        'devlink-port': `${SF_PORT}/229376`,
        state: 'ready',
        opstate: 'attached',
      },
    })
    expect(items.map((item) => item.netdev)).not.toContain('en3f0pf0sf88')
  })
})

describe('representor provider on a local switchdev NIC (controller 0)', () => {
  it('plugs local VF and PF representors', async () => {
    const provider = await initialised('local-switchdev')
    expect(plug(provider, lportOptions('b8:ce:f6:3c:1a:20', '1'))).toMatchObject({ok: true, value: {name: 'pf0vf1'}})
    expect(plug(provider, lportOptions('b8:ce:f6:3c:1a:20'))).toMatchObject({ok: true, value: {name: 'pf0'}})
  })

  it('refuses a VF whose netdev still has its kernel name, and plugs it once udev renamed it', async () => {
    const renaming = await initialised('vf-renaming')
    expect(plug(renaming, lportOptions('b8:ce:f6:3c:1a:20', '2'))).toEqual({
      ok: false,
      reason:
        'the VF representor for pf-mac b8:ce:f6:3c:1a:20 vf 2 is still named eth5, a kernel name udev is expected to replace (phys_port_name pf0vf2); waiting for the rename',
    })
    expect(plug(renaming, lportOptions('b8:ce:f6:3c:1a:20', '1'))).toMatchObject({ok: true, value: {name: 'pf0vf1'}})
    const items = await renaming.inventory()
    expect(items.find((item) => item.netdev === 'eth5')?.details.state).toBe('awaiting rename (pf0vf2)')

    const renamed = await initialised('local-switchdev')
    expect(plug(renamed, lportOptions('b8:ce:f6:3c:1a:20', '2'))).toMatchObject({ok: true, value: {name: 'pf0vf2'}})
  })
})

describe('representor provider on a kernel without function hw_addr', () => {
  it('reads the host PF MAC from the uplink\'s smart_nic/pf/config', async () => {
    const provider = await initialised('no-hw-addr')
    expect(plug(provider, lportOptions('0c:42:a1:00:00:a1', '2'))).toMatchObject({ok: true, value: {name: 'pf0vf2'}})
    expect(plug(provider, lportOptions('0c:42:a1:00:00:a1'))).toMatchObject({ok: true, value: {name: 'pf0hpf'}})
    const items = await provider.inventory()
    expect(new Set(items.map((item) => item.details['pf-mac']))).toEqual(new Set(['0c:42:a1:00:00:a1']))
  })

  it('uses that file only for the host PF, not for the NIC\'s own PF on controller 0', async () => {
    const provider = await initialisedVariant('no-hw-addr', (ports) => {
      ports['pci/0000:03:00.0/4095'] = {type: 'eth', netdev: 'pf0', flavour: 'pcipf', controller: 0, pfnum: 0, splittable: false}
    })
    expect(plug(provider, lportOptions('0c:42:a1:00:00:a1'))).toMatchObject({ok: true, value: {name: 'pf0hpf'}})
    const ownPf = (await provider.inventory()).find((item) => item.netdev === 'pf0')
    expect(ownPf?.details['pf-mac']).toBeUndefined()
  })

  it('says no PF MAC is known when the sysfs fallback is missing too', async () => {
    const provider = await initialised('no-hw-addr', {sysfsRoot: path.join(os.tmpdir(), 'no-such-sysfs')})
    expect(plug(provider, lportOptions('0c:42:a1:00:00:a1', '2'))).toEqual({
      ok: false,
      reason: 'no PF representor for pf-mac 0c:42:a1:00:00:a1 (no PF representor has a known MAC)',
    })
  })
})

describe('representor options', () => {
  const [pfMac, vfNum] = REPRESENTOR_OPTION_SPECS

  it('declares pf-mac (required), vf-num and sf-num (optional, excluding each other) and maintains no interface options', () => {
    const provider = createRepresentorProvider({devlinkJson: '{"port": {}}'})
    expect(provider.optionSpecs.map(({key, flag, required}) => ({key, flag, required}))).toEqual([
      {key: 'vif-plug:representor:pf-mac', flag: 'pf-mac', required: true},
      {key: 'vif-plug:representor:vf-num', flag: 'vf-num', required: false},
      {key: 'vif-plug:representor:sf-num', flag: 'sf-num', required: false},
    ])
    expect(provider.optionSpecs.map((spec) => spec.excludes)).toEqual([undefined, ['vif-plug:representor:sf-num'], ['vif-plug:representor:vf-num']])
    expect(provider.maintainedOptions).toEqual([])
  })

  it.each(['0c:42:a1:00:00:01', '0C:42:A1:00:00:01', 'c:42:a1:0:0:1'])('accepts pf-mac %s', (value) => {
    expect(pfMac?.check(value)).toBeUndefined()
  })

  it.each(['', '0c:42:a1:00:00', '0c-42-a1-00-00-01', '0c:42:a1:00:00:001', 'gg:42:a1:00:00:01'])('rejects pf-mac %j', (value) => {
    expect(pfMac?.check(value)).toBe(`pf-mac "${value}" is not a MAC address like 0c:42:a1:00:00:01`)
  })

  it.each(['0', '7', '65535'])('accepts vf-num %s', (value) => {
    expect(vfNum?.check(value)).toBeUndefined()
  })

  it.each(['', '-1', '65536', '3a', '1.5', ' 3', '000001'])('rejects vf-num %j', (value) => {
    expect(vfNum?.check(value)).toBe(`vf-num "${value}" is not an integer from 0 to 65535`)
  })

  const sfNum = REPRESENTOR_OPTION_SPECS[2]

  it.each(['0', '88', '4294967295', '0000000007'])('accepts sf-num %s', (value) => {
    expect(sfNum?.check(value)).toBeUndefined()
  })

  it.each(['', '-1', '4294967296', '0x10', '1e3', '1.5', ' 3', '3 ', '+3', '00000000001', '99999999999'])('rejects sf-num %j', (value) => {
    expect(sfNum?.check(value)).toBe(`sf-num "${value}" is not an integer from 0 to 4294967295`)
  })

  it('refuses an lport with both vf-num and sf-num, and a malformed sf-num, before any lookup', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, {...lportOptions(HOST_PF0, '3'), 'vif-plug:representor:sf-num': '88'})).toEqual({
      ok: false,
      reason: 'vf-num 3 and sf-num 88 are both set: a port names a VF or an SF of its PF, not both; plug it again with one of them',
    })
    expect(plug(provider, {...lportOptions(HOST_PF0), 'vif-plug:representor:sf-num': '0x58'})).toEqual({ok: false, reason: 'sf-num "0x58" is not an integer from 0 to 4294967295'})
    // Empty counts as absent, as for vf-num: the PF itself.
    expect(plug(provider, {...lportOptions(HOST_PF0, '3'), 'vif-plug:representor:sf-num': ''})).toMatchObject({ok: true, value: {name: 'c1pf0vf3'}})
    expect(plug(provider, {...lportOptions(HOST_PF0), 'vif-plug:representor:sf-num': ''})).toMatchObject({ok: true, value: {name: 'c1pf0'}})
  })

  it('refuses an lport without pf-mac or with malformed values, before any lookup', async () => {
    const provider = await initialised('dpu-2pf-8vf')
    expect(plug(provider, {'vif-plug-type': 'representor'})).toEqual({ok: false, reason: 'vif-plug:representor:pf-mac is not set'})
    expect(plug(provider, lportOptions('nope', '1'))).toEqual({ok: false, reason: 'pf-mac "nope" is not a MAC address like 0c:42:a1:00:00:01'})
    expect(plug(provider, lportOptions(HOST_PF0, '70000'))).toEqual({ok: false, reason: 'vf-num "70000" is not an integer from 0 to 65535'})
  })

  it('always lets the reconciler unplug', () => {
    const provider = createRepresentorProvider({devlinkJson: 'not even json'})
    expect(provider.prepareRemove({lportName: 'lp', existing: {name: 'c1pf0vf3', type: '', options: {}}})).toEqual({ok: true, value: undefined})
  })
})

describe('representor provider without a lookup table', () => {
  it('refuses every plug before init', () => {
    const provider = createRepresentorProvider({devlinkJson: scenario('dpu-2pf-8vf').devlinkJson})
    expect(plug(provider, lportOptions(HOST_PF0, '3'))).toEqual({ok: false, reason: 'the representor lookup table is not loaded (init() has not run)'})
  })

  it('fails init on a malformed dump and then refuses with that reason', async () => {
    const provider = createRepresentorProvider({devlinkJson: '{"port": ['})
    await expect(provider.init?.()).rejects.toThrow(/devlink port dump is not JSON/)
    const result = plug(provider, lportOptions(HOST_PF0, '3'))
    expect(!result.ok && result.reason).toMatch(/^the representor lookup table could not be loaded: devlink port dump is not JSON/)
    await expect(provider.inventory()).rejects.toThrow(/could not be loaded/)
  })

  it('fails init naming iproute2 when devlink is missing', async () => {
    const provider = createRepresentorProvider({devlinkPath: path.join(os.tmpdir(), 'no-such-dir', 'devlink')})
    await expect(provider.init?.()).rejects.toThrow(/devlink not found: install the iproute2 package/)
  })
})

describe('representor watch support', () => {
  function switchingSource() {
    const {devlinkJson, sysfsRoot} = scenario('dpu-2pf-8vf')
    const withoutVf7 = scenario('dpu-2pf-8vf').dump()
    delete withoutVf7.port['pci/0000:03:00.0/4104']
    const state = {current: devlinkJson}
    return {state, changed: JSON.stringify(withoutVf7), sysfsRoot, devlinkJson: async () => state.current}
  }

  it('refresh() resolves true only when the table changed', async () => {
    const source = switchingSource()
    const provider = createRepresentorProvider({devlinkJson: source.devlinkJson, sysfsRoot: source.sysfsRoot})
    await provider.init?.()
    expect(await provider.refresh?.()).toBe(false)
    source.state.current = source.changed
    expect(await provider.refresh?.()).toBe(true)
    expect(plug(provider, lportOptions(HOST_PF0, '7'))).toEqual({ok: false, reason: `no VF representor for pf-mac ${HOST_PF0} vf 7 (that PF has VFs 0-6)`})
    expect(await provider.refresh?.()).toBe(false)
  })

  it('onChange polls and calls listeners only when the table changed, until unsubscribed', async () => {
    const source = switchingSource()
    const provider = createRepresentorProvider({devlinkJson: source.devlinkJson, sysfsRoot: source.sysfsRoot, pollIntervalMs: 20})
    await provider.init?.()
    const listener = vi.fn()
    const unsubscribe = provider.onChange?.(listener)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(listener).not.toHaveBeenCalled()

    source.state.current = source.changed
    await vi.waitFor(() => expect(listener).toHaveBeenCalledTimes(1), {timeout: 5000})
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(listener).toHaveBeenCalledTimes(1)

    unsubscribe?.()
    source.state.current = scenario('dpu-2pf-8vf').devlinkJson
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(listener).toHaveBeenCalledTimes(1)
  })

  /** switchingSource whose devlink reads what is current when asked, but answers only once the test opens the gate. */
  function gatedSource() {
    const source = switchingSource()
    let gate = Promise.resolve()
    let openGate = () => {}
    return {
      ...source,
      closeGate: () => {
        gate = new Promise((resolve) => (openGate = resolve))
      },
      openGate: () => openGate(),
      devlinkJson: async () => {
        const answer = source.state.current
        await gate
        return answer
      },
    }
  }

  it('notifies once for one change when two polls share one in-flight read (the timer and the devlink monitor)', async () => {
    // Only the poll timer is faked, so the test fires the polls itself.
    vi.useFakeTimers({toFake: ['setInterval', 'clearInterval']})
    try {
      const source = gatedSource()
      const provider = createRepresentorProvider({devlinkJson: source.devlinkJson, sysfsRoot: source.sysfsRoot, pollIntervalMs: 1000})
      await provider.init?.()
      const listener = vi.fn()
      const unsubscribe = provider.onChange?.(listener)

      source.state.current = source.changed
      source.closeGate()
      vi.advanceTimersByTime(1000)
      vi.advanceTimersByTime(1000)
      source.openGate()
      // Settles once every read asked for so far (and every poll waiting on one) has finished.
      await provider.refresh?.()
      expect(listener).toHaveBeenCalledTimes(1)
      unsubscribe?.()
    } finally {
      vi.useRealTimers()
    }
  })

  it('notifies a read asked for during another read, which may have missed the change it is asked for', async () => {
    const source = gatedSource()
    const provider = createRepresentorProvider({devlinkJson: source.devlinkJson, sysfsRoot: source.sysfsRoot, pollIntervalMs: 600_000})
    await provider.init?.()
    const listener = vi.fn()
    const unsubscribe = provider.onChange?.(listener)

    // A read starts, and devlink answers it with the old table; then the change and its event come.
    source.closeGate()
    const first = provider.refresh?.()
    source.state.current = source.changed
    const second = provider.refresh?.()
    source.openGate()
    expect(await first).toBe(false)
    expect(await second).toBe(true)
    expect(listener).toHaveBeenCalledTimes(1)
    unsubscribe?.()
  })

  it('keeps the last good table when a poll fails', async () => {
    const source = switchingSource()
    const notes: string[] = []
    const provider = createRepresentorProvider(
      {devlinkJson: source.devlinkJson, sysfsRoot: source.sysfsRoot, pollIntervalMs: 20},
      {debug: (note) => notes.push(note)},
    )
    await provider.init?.()
    const unsubscribe = provider.onChange?.(() => {})
    source.state.current = 'garbage'
    await vi.waitFor(() => expect(notes.some((note) => note.startsWith('representor refresh failed, keeping the previous table'))).toBe(true), {timeout: 5000})
    unsubscribe?.()
    expect(plug(provider, lportOptions(HOST_PF0, '7'))).toMatchObject({ok: true, value: {name: 'c1pf0vf7'}})
  })
  describe('re-reads with the inputs of the current table', () => {
    const copies: string[] = []
    afterAll(async () => {
      for (const dir of copies.splice(0)) await rm(dir, {recursive: true, force: true})
    })

    /** A writable copy of a scenario's sysfs tree. */
    async function sysfsCopy(name: Scenario): Promise<string> {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'representor-sysfs-'))
      copies.push(dir)
      await cp(scenario(name).sysfsRoot, dir, {recursive: true})
      return dir
    }

    it('keep the table as it is, without rebuilding it, when devlink and sysfs say what they said', async () => {
      const {devlinkJson, sysfsRoot} = scenario('dpu-2pf-8vf')
      const source = new RepresentorTableSource({readDump: async () => devlinkJson, sysfsRoot, pollIntervalMs: 60_000, debug: () => {}})
      await source.init()
      const built = source.table
      expect(await source.refresh()).toBe(false)
      expect(source.table).toBe(built)
    })

    it('see a netdev renamed in sysfs when devlink names no netdev for the port', async () => {
      const sysfsRoot = await sysfsCopy('dpu-2pf-8vf')
      const dump = scenario('dpu-2pf-8vf').dump()
      delete dump.port['pci/0000:03:00.0/4100']!.netdev
      const provider = createRepresentorProvider({devlinkJson: JSON.stringify(dump), sysfsRoot})
      await provider.init?.()
      expect(plug(provider, lportOptions(HOST_PF0, '3'))).toMatchObject({ok: true, value: {name: 'c1pf0vf3'}})
      await rename(path.join(sysfsRoot, 'class', 'net', 'c1pf0vf3'), path.join(sysfsRoot, 'class', 'net', 'host0vf3'))
      expect(await provider.refresh?.()).toBe(true)
      expect(plug(provider, lportOptions(HOST_PF0, '3'))).toMatchObject({ok: true, value: {name: 'host0vf3'}})
    })

    it('see the host PF MAC changed in the uplink\'s smart_nic/pf/config', async () => {
      const sysfsRoot = await sysfsCopy('no-hw-addr')
      const provider = createRepresentorProvider({devlinkJson: scenario('no-hw-addr').devlinkJson, sysfsRoot})
      await provider.init?.()
      const config = path.join(sysfsRoot, 'class', 'net', 'p0', 'smart_nic', 'pf', 'config')
      await writeFile(config, (await readFile(config, 'utf8')).replace('0c:42:a1:00:00:a1', '0c:42:a1:00:00:b2'))
      expect(await provider.refresh?.()).toBe(true)
      expect(plug(provider, lportOptions('0c:42:a1:00:00:b2', '2'))).toMatchObject({ok: true, value: {name: 'pf0vf2'}})
    })
  })
})

describe('representor watch with a live devlink', () => {
  afterAll(removeFakeDevlinks)

  // `port show` prints $DIR/dump.json; `monitor port` prints one event once $DIR/go exists.
  const SCRIPT = `if [ "$2" = monitor ]; then
  echo $$ > "$DIR/monitor.pid"
  while [ ! -e "$DIR/go" ]; do sleep 0.02; done
  echo '{"port":{"pci/0000:03:00.0/4104":{"flavour":"pcivf"}}}'
  exec sleep 30
fi
cat "$DIR/dump.json"`

  it('re-reads on a devlink port event without waiting for the poll interval', async () => {
    const {program, argvLog, dir} = await fakeDevlink(SCRIPT)
    const {dump, devlinkJson, sysfsRoot} = scenario('dpu-2pf-8vf')
    await writeFile(path.join(dir, 'dump.json'), devlinkJson)
    const provider = createRepresentorProvider({devlinkPath: program, sysfsRoot, pollIntervalMs: 600_000})
    await provider.init?.()
    const listener = vi.fn()
    const unsubscribe = provider.onChange?.(listener)

    const withoutVf7 = dump()
    delete withoutVf7.port['pci/0000:03:00.0/4104']
    await writeFile(path.join(dir, 'dump.json'), JSON.stringify(withoutVf7))
    await writeFile(path.join(dir, 'go'), '')
    await vi.waitFor(() => expect(listener).toHaveBeenCalledTimes(1), {timeout: 5000})
    unsubscribe?.()

    expect(plug(provider, lportOptions(HOST_PF0, '7')).ok).toBe(false)
    expect((await readFile(argvLog, 'utf8')).split('\n')).toContain('-j monitor port')
  })

  it('lets a process that watches exit on its own, taking the devlink monitor with it', async () => {
    const {program, dir} = await fakeDevlink(SCRIPT)
    await writeFile(path.join(dir, 'dump.json'), scenario('local-switchdev').devlinkJson)
    const moduleUrl = new URL('../../../src/providers/representor/index.ts', import.meta.url).href
    const script = `
      import {createRepresentorProvider} from ${JSON.stringify(moduleUrl)}
      const provider = createRepresentorProvider({devlinkPath: ${JSON.stringify(program)}, pollIntervalMs: 50})
      await provider.init()
      provider.onChange(() => {})
      const {existsSync} = await import('node:fs')
      while (!existsSync(${JSON.stringify(path.join(dir, 'monitor.pid'))})) await new Promise((resolve) => setTimeout(resolve, 20))
      console.log('watching')`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 8000})
    expect(child.error).toBeUndefined()
    expect(child.stdout).toBe('watching\n')
    expect(child.status).toBe(0)

    const monitorPid = Number(await readFile(path.join(dir, 'monitor.pid'), 'utf8'))
    await vi.waitFor(() => expect(() => process.kill(monitorPid, 0)).toThrow(/ESRCH/), {timeout: 5000})
  })
})

describe('representor security', () => {
  afterAll(removeFakeDevlinks)

  it('runs only devlink -j port show, and lport option values never reach a program or shell', async () => {
    const {program, argvLog, dir} = await fakeDevlink(`cat '${scenario('dpu-2pf-8vf').devlinkFile}'`)
    const marker = path.join(dir, 'pwned')
    const provider = createRepresentorProvider({devlinkPath: program, sysfsRoot: scenario('dpu-2pf-8vf').sysfsRoot})
    await provider.init?.()
    const hostile = `$(touch ${marker})`
    const results = [
      plug(provider, lportOptions(hostile, '3')),
      plug(provider, lportOptions(HOST_PF0, hostile)),
      plug(provider, {...lportOptions(HOST_PF0, '3'), [`vif-plug:representor:${hostile}`]: `\`touch ${marker}\``}),
    ]
    await provider.refresh?.()

    expect(results.map((result) => result.ok)).toEqual([false, false, true])
    expect(existsSync(marker)).toBe(false)
    expect(await readFile(argvLog, 'utf8')).toBe('-j port show\n-j port show\n')
  })
})

describe('the devlink monitor, when devlink cannot start', () => {
  it('is stopped without signalling anything (no kill of pid 0, which is the whole process group)', async () => {
    const script = fileURLToPath(new URL('../../fixtures/providers/stop-failed-monitor.ts', import.meta.url))
    const {stdout} = await new Promise<{stdout: string}>((resolve, reject) => {
      // detached: its own process group, so a regression cannot signal the test runner.
      const child = spawn(process.execPath, ['--import', 'tsx', script], {detached: true, stdio: ['ignore', 'pipe', 'inherit']})
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('error', reject)
      child.on('exit', () => resolve({stdout: out}))
    })
    expect(stdout.trim()).toBe('done')
  })
})
