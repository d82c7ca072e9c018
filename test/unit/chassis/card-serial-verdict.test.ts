import {describe, expect, it} from 'vitest'

import {judgeCardSerial} from '../../../src/chassis/card-serial-verdict.js'

const NIC = 'MT2109X00123'
const OTHER_NIC = 'MT2232X01234'

describe('judgeCardSerial', () => {
  it('passes only when the NIC, ovn-cms-options and the Chassis row agree', () => {
    expect(judgeCardSerial({nicSerials: [NIC], nicReasons: [], local: NIC, southbound: {serial: NIC}}).result).toBe('pass')
    expect(judgeCardSerial({nicSerials: [NIC, OTHER_NIC], nicReasons: [], local: OTHER_NIC, southbound: {serial: OTHER_NIC}}).result).toBe('pass')
  })

  it('with several NICs and none set, the fix offers the command for each', () => {
    expect(judgeCardSerial({nicSerials: [NIC, OTHER_NIC], nicReasons: [], local: undefined, southbound: {serial: undefined}})).toEqual({
      result: 'warn',
      detail: `external_ids:ovn-cms-options has no card-serial-number (the NICs' serials are ${NIC}, ${OTHER_NIC}): OpenStack cannot find this chassis for remote-managed ports (other CMSs may not need it)`,
      fix: `ovn-vif-ctl chassis set-card-serial ${NIC}, or ovn-vif-ctl chassis set-card-serial ${OTHER_NIC} (the card whose host Neutron should reach through this chassis)`,
    })
  })

  it('warns, not passes, when there is no Chassis row to carry a right serial', () => {
    expect(judgeCardSerial({nicSerials: [NIC], nicReasons: [], local: NIC})).toMatchObject({result: 'warn', fix: expect.stringContaining('start ovn-controller')})
  })

  it('informs when no NIC serial can be read, but still fails a Chassis row that disagrees with ovn-cms-options', () => {
    expect(judgeCardSerial({nicSerials: [], nicReasons: ['no PCI network function in /sys/bus/pci/devices'], local: undefined, southbound: {serial: undefined}})).toEqual({
      result: 'info',
      detail: 'no NIC serial could be read (no PCI network function in /sys/bus/pci/devices), and external_ids:ovn-cms-options has no card-serial-number',
    })
    expect(judgeCardSerial({nicSerials: [], nicReasons: [], local: 'MT1', southbound: {serial: 'MT0'}})).toMatchObject({
      result: 'fail',
      detail: 'external_ids:ovn-cms-options has card-serial-number=MT1, but the Southbound Chassis row shows MT0: ovn-controller has not copied it',
    })
  })
})
