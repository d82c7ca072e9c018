import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../../src/lib/errors.js'
import type {LogicalSwitchPort, PortBinding} from '../../../src/ovn/rows.js'
import {type PlugSnapshot, planPlug, planUnplug} from '../../../src/plug/plan.js'
import type {PlugRequest} from '../../../src/plug/request.js'

const HV1 = {uuid: '11111111-0000-0000-0000-000000000000', name: 'hv1', hostname: 'host-a'}
const HV2 = {uuid: '22222222-0000-0000-0000-000000000000', name: 'hv2', hostname: 'host-b'}

function snapshot(ports: LogicalSwitchPort[], bindings: Pick<PortBinding, 'logicalPort' | 'chassis' | 'up'>[] = []): PlugSnapshot {
  return {
    ports: new Map(ports.map((port) => [port.name, port])),
    allPortNames: async () => [...ports.map((port) => port.name), 'vm-web-1', 'vm-web-2'],
    chassis: [HV1, HV2],
    bindings: new Map(bindings.map((binding) => [binding.logicalPort, binding])),
    requestedOnChassis: [],
  }
}

const plain = (name: string, options: Record<string, string> = {}): LogicalSwitchPort => ({uuid: `uuid-${name}`, name, type: '', options})
const dummyOn = (lsp: string, chassis: string, where?: string): PlugRequest => ({lsp, chassis, type: 'dummy', providerOptions: {}, ...(where ? {where} : {})})

async function rejectionOf(plan: Promise<unknown>): Promise<string> {
  const error = await plan.then(() => undefined, (failure: unknown) => failure)
  expect(error).toBeInstanceOf(ValidationError)
  return (error as Error).message
}

describe('planPlug', () => {
  it('plans the owned-key changes of each port, leaving other options alone', async () => {
    const current = plain('lsp1', {'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': 'x', other: '1'})
    const plans = await planPlug([dummyOn('lsp1', 'hv2'), dummyOn('lsp2', 'host-a')], snapshot([current, plain('lsp2')]), {force: false})
    expect(plans).toEqual([
      {
        lsp: 'lsp1', uuid: 'uuid-lsp1', notes: [], claimBy: 'hv2',
        changes: [
          {op: 'change', key: 'requested-chassis', from: 'hv1', to: 'hv2'},
          {op: 'change', key: 'vif-plug-type', from: 'representor', to: 'dummy'},
          {op: 'remove', key: 'vif-plug:representor:pf-mac', value: 'x'},
        ],
      },
      {
        lsp: 'lsp2', uuid: 'uuid-lsp2', notes: [], claimBy: 'host-a',
        changes: [{op: 'add', key: 'requested-chassis', value: 'host-a'}, {op: 'add', key: 'vif-plug-type', value: 'dummy'}],
      },
    ])
  })

  it('plans no change when the port is already as requested', async () => {
    const [plan] = await planPlug([dummyOn('lsp1', 'hv1')], snapshot([plain('lsp1', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})]), {force: false})
    expect(plan!.changes).toEqual([])
  })

  it('rejects a port that does not exist, suggesting close names, with the file line', async () => {
    expect(await rejectionOf(planPlug([dummyOn('vm-web-3', 'hv1', 'p.csv line 4')], snapshot([]), {force: false}))).toBe(
      'p.csv line 4: no logical switch port "vm-web-3" in the Northbound DB (did you mean "vm-web-1" or "vm-web-2"?); list ports with ovn-nbctl lsp-list SWITCH',
    )
  })

  it('rejects a chassis that is not registered, listing the known ones, unless forced', async () => {
    const ports = snapshot([plain('lsp1')])
    expect(await rejectionOf(planPlug([dummyOn('lsp1', 'hv3')], ports, {force: false}))).toBe(
      'chassis "hv3" is not registered in the Southbound DB (by name or hostname) (did you mean "hv1" or "hv2"?); known chassis: hv1, hv2 (--force writes it anyway)',
    )
    const [forced] = await planPlug([dummyOn('lsp1', 'hv3')], ports, {force: true})
    expect(forced!.notes).toEqual(['chassis "hv3" is not registered in the Southbound DB (by name or hostname); written anyway (--force): it plugs once that chassis registers'])
  })

  it('refuses to move a port that is up on another chassis unless forced, and says what happens', async () => {
    const ports = snapshot([plain('lsp1')], [{logicalPort: 'lsp1', chassis: HV1.uuid, up: true}])
    expect(await rejectionOf(planPlug([dummyOn('lsp1', 'hv2', 'p.jsonl line 1')], ports, {force: false}))).toBe(
      'p.jsonl line 1: lsp1 is up on hv1: moving it to hv2 means hv1 unplugs it and hv2 plugs it, and its traffic stops in between; add --force to move it',
    )
    const [forced] = await planPlug([dummyOn('lsp1', 'hv2')], ports, {force: true})
    expect(forced!.notes).toEqual(['moving from hv1 to hv2 (--force): hv1 unplugs it and hv2 plugs it, and its traffic stops in between'])
  })

  it('lets a port that is up stay where it is, named by hostname, and a port that is down move', async () => {
    const up = snapshot([plain('lsp1')], [{logicalPort: 'lsp1', chassis: HV1.uuid, up: true}])
    expect((await planPlug([dummyOn('lsp1', 'host-a')], up, {force: false}))[0]!.notes).toEqual([])
    const down = snapshot([plain('lsp1')], [{logicalPort: 'lsp1', chassis: HV1.uuid, up: false}])
    expect((await planPlug([dummyOn('lsp1', 'hv2')], down, {force: false}))[0]!.notes).toEqual([])
  })

  it('rejects ports that are not VIFs unless forced', async () => {
    const router = {...plain('rp1'), type: 'router'}
    expect(await rejectionOf(planPlug([dummyOn('rp1', 'hv1')], snapshot([router]), {force: false}))).toBe(
      'rp1 has type "router": vif-plug plugs only VIF ports (type ""); --force writes it anyway',
    )
    expect(await planPlug([dummyOn('rp1', 'hv1')], snapshot([router]), {force: true})).toHaveLength(1)
  })
})

describe('planUnplug', () => {
  const plugged = plain('lsp1', {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '9000', 'vif-plug:dummy:x': '1', other: '2'})

  it('removes the plug request, and requested-chassis only with clearChassis', async () => {
    const [kept] = await planUnplug([{lsp: 'lsp1'}], snapshot([plugged]), {clearChassis: false})
    expect(kept!.changes.map((change) => `${change.op} ${change.key}`)).toEqual(['remove vif-plug-mtu-request', 'remove vif-plug-type', 'remove vif-plug:dummy:x'])
    expect(kept!.claimBy).toBeUndefined()
    const [all] = await planUnplug([{lsp: 'lsp1'}], snapshot([plugged]), {clearChassis: true})
    expect(all!.changes.map((change) => change.key)).toEqual(['requested-chassis', 'vif-plug-mtu-request', 'vif-plug-type', 'vif-plug:dummy:x'])
  })

  it('leaves a port without vif-plug-type as it is, requested-chassis and inert vif-plug keys included, and says so', async () => {
    const pinned = plain('lsp2', {'requested-chassis': 'hv1', other: '1'})
    expect(await planUnplug([{lsp: 'lsp2'}], snapshot([pinned]), {clearChassis: false})).toEqual([
      {lsp: 'lsp2', uuid: 'uuid-lsp2', changes: [], noRequest: true, notes: ['no plug request (no vif-plug-type): left as it is']},
    ])
    const [cleared] = await planUnplug([{lsp: 'lsp2'}], snapshot([pinned]), {clearChassis: true})
    expect(cleared!.changes).toEqual([])
    expect(cleared!.notes).toEqual(['no plug request (no vif-plug-type): left as it is; --clear-chassis does not apply: its requested-chassis=hv1 belongs to whoever bound the port'])
    const [inert] = await planUnplug([{lsp: 'lsp3'}], snapshot([plain('lsp3', {'vif-plug-mtu-request': '9000', 'vif-plug:dummy:x': '1'})]), {clearChassis: false})
    expect(inert!.changes).toEqual([])
    expect(inert!.notes).toEqual([
      'no plug request (no vif-plug-type): left as it is; its vif-plug-mtu-request, vif-plug:dummy:x do nothing without vif-plug-type (ovn-nbctl remove Logical_Switch_Port lsp3 options KEY removes them)',
    ])
  })

  it('rejects unknown or repeated ports', async () => {
    expect(await rejectionOf(planUnplug([{lsp: 'lsp9'}], snapshot([plugged]), {clearChassis: false}))).toMatch(/^no logical switch port "lsp9" in the Northbound DB \(did you mean "lsp1"\?\)/)
    expect(await rejectionOf(planUnplug([{lsp: 'lsp1'}, {lsp: 'lsp1'}], snapshot([plugged]), {clearChassis: false}))).toBe('lsp1 is named twice: give each port once')
    expect(await rejectionOf(planUnplug([{lsp: 'lsp1', where: 'p.csv line 2'}, {lsp: 'lsp1', where: 'p.csv line 5'}], snapshot([plugged]), {clearChassis: false}))).toBe(
      'p.csv line 5: lsp1 is named twice (also at p.csv line 2): give each port once',
    )
  })
})
