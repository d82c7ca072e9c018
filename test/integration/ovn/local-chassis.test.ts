import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LocalChassis} from '../../../src/ovn/local-chassis.js'
import type {LocalChassisView} from '../../../src/ovn/local-view.js'
import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {useOvsdbServer} from '../ovsdb/helpers.js'

/**
 * LocalChassis against real ovsdb-servers holding the Open_vSwitch and OVN_Southbound schemas,
 * filled by hand: which Port_Bindings the Southbound DB hands it (the selection is the server's,
 * by monitor conditions) and which interfaces it takes from the local DB.
 */

const ovsServer = useOvsdbServer({schemaFile: '/usr/share/openvswitch/vswitch.ovsschema'})
const sbServer = useOvsdbServer({schemaFile: '/usr/share/ovn/ovn-sb.ovsschema'})

let ovs: OvsdbClient
let sb: OvsdbClient
let hv1Uuid: string

/** Resolves with the view once it passes `test`, woken by LocalChassis's 'changed' events. */
function viewWhen(local: LocalChassis, test: (view: LocalChassisView) => boolean): Promise<LocalChassisView> {
  return new Promise((resolve) => {
    const check = () => {
      const view = local.view()
      if (!test(view)) return
      local.off('changed', check)
      resolve(view)
    }

    local.on('changed', check)
    check()
  })
}

const lports = (view: LocalChassisView) => view.bindings.map((binding) => binding.logicalPort).sort()

beforeAll(async () => {
  ovs = await OvsdbClient.connect(ovsServer().unixRemote, {database: 'Open_vSwitch'})
  sb = await OvsdbClient.connect(sbServer().unixRemote, {database: 'OVN_Southbound'})

  const local = ovs.transaction()
  const vm1 = local.insert('Interface', {name: 'vm1', type: 'internal', external_ids: {'iface-id': 'by-row', 'ovn-plugged': 'dummy'}})
  const uplink = local.insert('Interface', {name: 'eth0'})
  const vm1Port = local.insert('Port', {name: 'vm1', interfaces: [vm1]})
  const uplinkPort = local.insert('Port', {name: 'eth0', interfaces: [uplink]})
  const brInt = local.insert('Bridge', {name: 'br-int', ports: [vm1Port]})
  const brEx = local.insert('Bridge', {name: 'br-ex', ports: [uplinkPort]})
  local.insert('Open_vSwitch', {bridges: [brInt, brEx], external_ids: {'system-id': 'hv1', 'ovn-remote': sbServer().unixRemote}})
  await local.commit()

  const central = sb.transaction()
  const encap = (name: string, ip: string) => central.insert('Encap', {type: 'geneve', ip, chassis_name: name})
  const hv1 = central.insert('Chassis', {name: 'hv1', hostname: 'dpu-a', encaps: [encap('hv1', '10.0.0.1')]})
  const hv2 = central.insert('Chassis', {name: 'hv2', hostname: 'dpu-b', encaps: [encap('hv2', '10.0.0.2')]})
  const datapath = central.insert('Datapath_Binding', {tunnel_key: 1})
  const port = (lport: string, key: number, columns: Record<string, unknown>) =>
    central.insert('Port_Binding', {logical_port: lport, datapath, tunnel_key: key, options: {'vif-plug-type': 'dummy'}, ...columns})
  port('by-row', 1, {requested_chassis: hv1, options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}})
  port('additional', 2, {requested_chassis: hv2, requested_additional_chassis: [hv1], options: {'requested-chassis': 'hv2,hv1', 'vif-plug-type': 'dummy'}})
  port('by-name', 3, {options: {'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'}})
  port('by-hostname', 4, {options: {'requested-chassis': 'dpu-a', 'vif-plug-type': 'dummy'}})
  port('elsewhere', 5, {requested_chassis: hv2, options: {'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'}})
  port('by-new-hostname', 6, {options: {'requested-chassis': 'dpu-c', 'vif-plug-type': 'dummy'}})
  hv1Uuid = (await central.commit()).uuid(hv1)
})

afterAll(async () => {
  await Promise.allSettled([ovs?.close(), sb?.close()])
})

describe('LocalChassis against real servers', () => {
  const settings = () => ({nbDb: 'unix:/nonexistent/nb.sock', ovsDb: ovsServer().unixRemote, timeoutMs: 10_000, leaderOnly: true})

  it("gets this chassis's bindings (by its Chassis row, as an additional chassis, by name and by hostname) and br-int's interfaces only", async () => {
    const local = await LocalChassis.open({settings: settings(), reconnect: false})
    try {
      await local.whenComplete(10_000)
      const view = local.view()
      expect(local.chassis).toBe('hv1')
      expect(view).toMatchObject({chassisUuid: hv1Uuid, chassis: {name: 'hv1', hostname: 'dpu-a'}, complete: true})
      expect(lports(view)).toEqual(['additional', 'by-hostname', 'by-name', 'by-row'])
      expect(view.interfaces.map((iface) => [iface.name, iface.externalIds['iface-id']])).toEqual([['vm1', 'by-row']])
    } finally {
      await local.close()
    }
  })

  it("reads each binding's claim and up only when asked for the daemons' state (status, the watcher's metrics), not for a reconcile pass", async () => {
    await sb.transaction().update('Port_Binding', [['logical_port', '==', 'by-row']], {chassis: hv1Uuid, up: true}).commit()
    const byRow = async (daemonState: boolean) => {
      const local = await LocalChassis.open({settings: settings(), reconnect: false, daemonState})
      try {
        await local.whenComplete(10_000)
        return local.view().bindings.find((binding) => binding.logicalPort === 'by-row')
      } finally {
        await local.close()
      }
    }

    try {
      expect(await byRow(true)).toMatchObject({chassis: hv1Uuid, up: true})
      const planned = await byRow(false)
      expect(planned).toMatchObject({logicalPort: 'by-row', requestedChassis: hv1Uuid})
      expect(planned).not.toHaveProperty('chassis')
      expect(planned).not.toHaveProperty('up')
    } finally {
      await sb.transaction().update('Port_Binding', [['logical_port', '==', 'by-row']], {chassis: [], up: []}).commit()
    }
  })

  it('follows the Chassis row: a new hostname selects the bindings that name it, and drops those naming the old one', async () => {
    const local = await LocalChassis.open({settings: settings(), reconnect: false})
    try {
      await local.whenComplete(10_000)
      await sb.transaction().update('Chassis', [['name', '==', 'hv1']], {hostname: 'dpu-c'}).commit()
      const view = await viewWhen(local, (candidate) => candidate.chassis.hostname === 'dpu-c' && lports(candidate).includes('by-new-hostname'))
      expect(lports(view)).toEqual(['additional', 'by-name', 'by-new-hostname', 'by-row'])
    } finally {
      await sb.transaction().update('Chassis', [['name', '==', 'hv1']], {hostname: 'dpu-a'}).commit()
      await local.close()
    }
  })

  it('takes --chassis by hostname for this host, and refuses another chassis unless allowed', async () => {
    const byHostname = await LocalChassis.open({settings: settings(), reconnect: false, chassis: 'dpu-a'})
    await byHostname.close()
    expect(byHostname.chassis).toBe('hv1')
    await expect(LocalChassis.open({settings: settings(), reconnect: false, chassis: 'hv2'})).rejects.toThrow(/--chassis hv2 is not this chassis \(external_ids:system-id hv1, hostname dpu-a\)/)
    const foreign = await LocalChassis.open({settings: settings(), reconnect: false, chassis: 'dpu-b', allowForeignChassis: true})
    try {
      await foreign.whenComplete(10_000)
      expect(foreign.chassis).toBe('hv2')
      expect(foreign.foreignTo).toEqual({systemId: 'hv1'})
      expect(lports(foreign.view())).toEqual(['additional', 'elsewhere'])
    } finally {
      await foreign.close()
    }
  })
})
