import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {useSandbox} from '../../helpers/sandbox.js'

// hv1 is a DPU set up by hand as Neutron expects one: its card serial in the local OVS DB's
// external_ids:ovn-cms-options, which ovn-controller copies into the Southbound Chassis row.
const SERIAL = 'MT2232X01234'
const HV1_HOSTNAME = 'dpu1.example.net'

describe('plug --card-serial-number against real OVN servers', () => {
  const sandbox = useSandbox({chassis: ['hv1', 'hv2'], controller: true})

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const sbctl = (...args: string[]) => run('ovn-sbctl', [`--db=${sandbox().sbDb}`, ...args])
  const vsctl = (chassis: string, ...args: string[]) => run('ovs-vsctl', [`--db=${sandbox().chassis.find((row) => row.name === chassis)!.db}`, ...args])
  const cli = (...args: string[]) => runCli([...args, `--nb-db=${sandbox().nbDb}`, `--sb-db=${sandbox().sbDb}`])
  const requestedChassis = async (lsp: string) => (await nbctl('--if-exists', 'get', 'Logical_Switch_Port', lsp, 'options:requested-chassis').catch(() => '')).trim().replaceAll('"', '')

  /** Sets ovn-cms-options on the chassis's own OVS DB and waits until ovn-controller has copied it into the Southbound. */
  async function setCmsOptions(chassis: string, value: string): Promise<void> {
    await vsctl(chassis, 'set', 'Open_vSwitch', '.', `external_ids:ovn-cms-options="${value}"`)
    await sbctl('--timeout=20', 'wait-until', 'Chassis', chassis, `other_config:ovn-cms-options="${value}"`)
  }

  async function dumpNorthbound(): Promise<string> {
    return run('ovsdb-client', ['dump', sandbox().nbDb, 'OVN_Northbound'])
  }

  beforeAll(async () => {
    await vsctl('hv1', 'set', 'Open_vSwitch', '.', `external_ids:hostname=${HV1_HOSTNAME}`)
    await sbctl('--timeout=20', 'wait-until', 'Chassis', 'hv1', `hostname=${HV1_HOSTNAME}`)
    await setCmsOptions('hv1', `enable-chassis-as-gw,card-serial-number=${SERIAL}`)
    await nbctl('ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'vm1', '--', 'lsp-add', 'sw0', 'vm2', '--', 'lsp-add', 'sw0', 'vm3')
  }, 60_000)

  it('writes the hostname of the chassis carrying the serial into requested-chassis, as Neutron does', async () => {
    const result = await cli('plug', 'vm1', '--card-serial-number', SERIAL, '--type', 'dummy', '--json')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout).ports[0].changes).toContainEqual({op: 'add', key: 'requested-chassis', value: HV1_HOSTNAME})
    expect(await requestedChassis('vm1')).toBe(HV1_HOSTNAME)
  })

  it('takes a card-serial-number column in --from-file, next to lines naming their chassis', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'card-serial-'))
    const file = path.join(dir, 'ports.csv')
    await writeFile(file, `lsp,chassis,card-serial-number,type\nvm2,,${SERIAL},dummy\nvm3,hv2,,dummy\n`)
    const result = await cli('plug', '--from-file', file)
    expect(result.exitCode).toBe(0)
    expect(await requestedChassis('vm2')).toBe(HV1_HOSTNAME)
    expect(await requestedChassis('vm3')).toBe('hv2')
  })

  it('refuses an unknown serial in one line naming the registered serials, writing nothing', async () => {
    const before = await dumpNorthbound()
    const result = await cli('plug', 'vm1', '--card-serial-number', 'MT2232X0123', '--type', 'dummy')
    expect(result.exitCode).toBe(3)
    expect(result.stderr.trim().split('\n')).toEqual([
      `ovn-vif-ctl: no chassis has card-serial-number=MT2232X0123 in its ovn-cms-options; registered serials: ${SERIAL} (hv1): set it on the DPU that carries the card (external_ids:ovn-cms-options in its Open_vSwitch DB)`,
    ])
    expect(await dumpNorthbound()).toBe(before)
  })

  it('refuses a serial two chassis carry, naming both, writing nothing', async () => {
    await setCmsOptions('hv2', `card-serial-number=${SERIAL}`)
    try {
      const before = await dumpNorthbound()
      const result = await cli('plug', 'vm1', '--card-serial-number', SERIAL, '--type', 'dummy')
      expect(result.exitCode).toBe(3)
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`card serial number ${SERIAL} is set on more than one chassis, hv1 (hostname ${HV1_HOSTNAME}) and hv2 (hostname hv2)`)
      expect(await dumpNorthbound()).toBe(before)
    } finally {
      await setCmsOptions('hv2', '')
    }
  })

  it('refuses --card-serial-number with --chassis, and a serial that cannot be a cms-options entry, writing nothing', async () => {
    const before = await dumpNorthbound()
    const both = await cli('plug', 'vm1', '--card-serial-number', SERIAL, '--chassis', 'hv1', '--type', 'dummy')
    expect(both.exitCode).toBe(2)
    expect(both.stderr.trim().split('\n')[0]).toBe('ovn-vif-ctl: --chassis=hv1 cannot also be provided when using --card-serial-number')
    const malformed = await cli('plug', 'vm1', '--card-serial-number', 'MT22,X', '--type', 'dummy')
    expect(malformed.exitCode).toBe(3)
    expect(malformed.stderr.trim().split('\n')).toEqual([
      'ovn-vif-ctl: card serial number "MT22,X" contains a comma, which separates ovn-cms-options entries, so it cannot be one entry of ovn-cms-options (give the serial as the VPD\'s SN shows it)',
    ])
    expect(await dumpNorthbound()).toBe(before)
  })
})
