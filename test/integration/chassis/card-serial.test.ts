import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, describe, expect, it} from 'vitest'

import {setCardSerial} from '../../../src/chassis/set-card-serial.js'
import type {CheckOutcome} from '../../../src/doctor/report.js'
import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {killSandboxDaemon} from '../../../src/sandbox/sandbox.js'
import {runCli} from '../../helpers/cli.js'
import {useSandbox} from '../../helpers/sandbox.js'
import {BLUEFIELD_SERIAL, CONNECTX_SERIAL} from '../../helpers/vpd.js'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/dpu')

/** The hidden source flags that make a command read one fixture machine instead of this one. */
function machine(name: 'bluefield' | 'two-nics' | 'corrupt' | 'no-nic'): string[] {
  return ['--sysfs-root', path.join(FIXTURES, name, 'sysfs'), '--devlink-info-json', path.join(FIXTURES, name, 'devlink-info.json')]
}

describe('the card serial on a chassis, against real servers and a real ovn-controller', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${hv1().db}`, ...args])
  const localOptions = async () => (await vsctl('--if-exists', 'get', 'Open_vSwitch', '.', 'external_ids:ovn-cms-options')).trim().replace(/^"(.*)"$/, '$1')
  const setLocalOptions = (value: string) => vsctl('set', 'Open_vSwitch', '.', `external_ids:ovn-cms-options="${value}"`)
  const cli = (args: string[], fixture: Parameters<typeof machine>[0] = 'bluefield') => runCli([...args, '--db', hv1().db, ...machine(fixture)])

  async function doctorCheck(fixture: Parameters<typeof machine>[0]): Promise<CheckOutcome> {
    const result = await runCli(['doctor', '--json', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--provider', 'dummy', '--controller-wait', '1', ...machine(fixture)])
    return (JSON.parse(result.stdout) as {checks: CheckOutcome[]}).checks.find((check) => check.id === 'card-serial')!
  }

  afterEach(async () => {
    await vsctl('remove', 'Open_vSwitch', '.', 'external_ids', 'ovn-cms-options')
  })

  it('chassis show: identity, ovn-cms-options, the NIC serials and the Chassis row, as a table and as JSON', async () => {
    await setLocalOptions('enable-chassis-as-gw')
    const text = await cli(['chassis', 'show'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/^system-id {13}hv1$/m)
    expect(text.stdout).toMatch(/^ovn-cms-options {7}enable-chassis-as-gw$/m)
    expect(text.stdout).toMatch(/^ {2}card-serial-number {2}\(unset\)$/m)
    expect(text.stdout).toContain(`  ${BLUEFIELD_SERIAL}  from devlink board.serial_number  PCI 0000:03:00.0, 0000:03:00.1  BlueField-2 DPU`)
    expect(text.stdout).toContain(`card serial: WARN external_ids:ovn-cms-options has no card-serial-number (the NIC's serial is ${BLUEFIELD_SERIAL})`)
    expect(text.stdout).toContain(`  fix: ovn-vif-ctl chassis set-card-serial ${BLUEFIELD_SERIAL}`)

    const json = await cli(['chassis', 'show', '--json'], 'two-nics')
    expect(json.exitCode).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({
      systemId: 'hv1',
      hostname: {from: 'Chassis row'},
      ovnRemote: sandbox().sbDb,
      integrationBridge: 'br-int',
      encap: {type: 'geneve', ip: hv1().encapIp},
      cmsOptions: {value: 'enable-chassis-as-gw', cardSerialNumber: null, otherEntries: ['enable-chassis-as-gw']},
      southbound: {remote: sandbox().sbDb, chassis: {name: 'hv1', cmsOptions: {cardSerialNumber: null}}},
      cardSerial: {result: 'warn'},
    })
    expect(report.nics.cards.map((card: {serial: string; functions: Array<{address: string}>}) => [card.serial, card.functions.map((fn) => fn.address)])).toEqual([
      [BLUEFIELD_SERIAL, ['0000:03:00.0', '0000:03:00.1']],
      [CONNECTX_SERIAL, ['0000:81:00.0', '0000:81:00.1']],
    ])
  })

  it('set-card-serial: --dry-run writes nothing; then the one NIC serial goes in, every other entry kept; --wait sb sees ovn-controller copy it', async () => {
    await setLocalOptions('enable-chassis-as-gw,availability-zones=az1')
    const dry = await cli(['chassis', 'set-card-serial', '--dry-run'])
    expect(dry).toMatchObject({exitCode: 0, stdout: `would set external_ids:ovn-cms-options from "enable-chassis-as-gw,availability-zones=az1" to "enable-chassis-as-gw,availability-zones=az1,card-serial-number=${BLUEFIELD_SERIAL}" (dry run: nothing written)\n`})
    expect(await localOptions()).toBe('enable-chassis-as-gw,availability-zones=az1')

    const set = await cli(['chassis', 'set-card-serial', '--wait', 'sb', '--timeout', '30'])
    expect(set.stderr).toBe('')
    expect(set.exitCode).toBe(0)
    expect(set.stdout.split('\n')[1]).toBe(`the Southbound Chassis row hv1 shows card-serial-number=${BLUEFIELD_SERIAL}`)
    expect(await localOptions()).toBe(`enable-chassis-as-gw,availability-zones=az1,card-serial-number=${BLUEFIELD_SERIAL}`)
    const chassisOptions = await run('ovn-sbctl', [`--db=${sandbox().sbDb}`, 'get', 'Chassis', 'hv1', 'other_config:ovn-cms-options'])
    expect(chassisOptions.trim()).toBe(`"enable-chassis-as-gw,availability-zones=az1,card-serial-number=${BLUEFIELD_SERIAL}"`)
    expect((await doctorCheck('bluefield')).result).toBe('pass')

    const again = await cli(['chassis', 'set-card-serial', '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({serial: BLUEFIELD_SERIAL, changed: false, written: false})
  })

  it('set-card-serial SERIAL replaces an old serial in place, and picks one NIC of two', async () => {
    await setLocalOptions('card-serial-number=OLD1,enable-chassis-as-gw')
    const result = await cli(['chassis', 'set-card-serial', CONNECTX_SERIAL, '--json'], 'two-nics')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({before: 'card-serial-number=OLD1,enable-chassis-as-gw', after: `card-serial-number=${CONNECTX_SERIAL},enable-chassis-as-gw`, written: true})
    expect(await localOptions()).toBe(`card-serial-number=${CONNECTX_SERIAL},enable-chassis-as-gw`)
  })

  it.each<[string, string[], Parameters<typeof machine>[0], number, RegExp]>([
    ['an empty SERIAL', [''], 'bluefield', 3, /^ovn-vif-ctl: SERIAL "" is empty: give the serial as the NIC reports it \(ovn-vif-ctl chassis show\); nothing written$/],
    ['a SERIAL with a comma', ['MT1,MT2'], 'bluefield', 3, /^ovn-vif-ctl: SERIAL "MT1,MT2" contains a comma, which separates ovn-cms-options entries: /],
    ["a SERIAL with '='", ['card-serial-number=MT1'], 'bluefield', 3, /^ovn-vif-ctl: SERIAL "card-serial-number=MT1" contains '=', /],
    ['a SERIAL with a space', ['MT 1'], 'bluefield', 3, /^ovn-vif-ctl: SERIAL "MT 1" contains white space: /],
    ['a SERIAL with a control character', ['MT\u00071'], 'bluefield', 3, /^ovn-vif-ctl: SERIAL "MT\\u00071" contains control or non-ASCII characters: /],
    ['a SERIAL no NIC here reports', ['MT0000X00000'], 'bluefield', 3, /^ovn-vif-ctl: SERIAL MT0000X00000 is not the serial of a NIC here \(MT2109X00123 \(0000:03:00\.0, 0000:03:00\.1\)\); nothing written$/],
    ['no SERIAL with two NICs', [], 'two-nics', 3, /^ovn-vif-ctl: this machine has 2 NICs, MT2109X00123 \(0000:03:00\.0, 0000:03:00\.1\), MT2232X01234 \(0000:81:00\.0, 0000:81:00\.1\): give the SERIAL of the one to set; nothing written$/],
    ['no SERIAL and a corrupt VPD', [], 'corrupt', 3, /^ovn-vif-ctl: no NIC serial could be read \(0000:03:00\.0: .*the RV checksum is wrong.*; 0000:03:00\.1: .*does not exist: the device exposes no VPD.*\): give SERIAL; nothing written$/],
    ['no SERIAL and no NIC', [], 'no-nic', 3, /^ovn-vif-ctl: no NIC serial could be read \(no PCI network function in .* and none in devlink dev info\): give SERIAL; nothing written$/],
    ['--dry-run with --wait sb', ['--dry-run', '--wait', 'sb'], 'bluefield', 2, /^ovn-vif-ctl: --wait=sb cannot also be provided when using --dry-run$/m],
  ])('refuses %s with one line and its documented exit code, writing nothing', async (_name, args, fixture, exitCode, line) => {
    await setLocalOptions('enable-chassis-as-gw')
    const result = await cli(['chassis', 'set-card-serial', ...args], fixture)
    expect(result.stderr.split('\n')[0]).toMatch(line)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.exitCode).toBe(exitCode)
    expect(await localOptions()).toBe('enable-chassis-as-gw')
  })

  it('sets a well-formed SERIAL unchecked, with a warning, when no NIC serial can be read', async () => {
    const result = await cli(['chassis', 'set-card-serial', 'MT2232X99999'], 'corrupt')
    expect(result.stderr).toMatch(/^ovn-vif-ctl: warning: no NIC serial could be read here, so MT2232X99999 is set unchecked \(0000:03:00\.0: /)
    expect(result.exitCode).toBe(0)
    expect(await localOptions()).toBe('card-serial-number=MT2232X99999')
    expect(await doctorCheck('corrupt')).toMatchObject({result: 'info', detail: expect.stringMatching(/^no NIC serial could be read \(.*\); external_ids:ovn-cms-options has card-serial-number=MT2232X99999, which cannot be checked against the card$/)})
  })

  describe('one guarded write: another writer between the read and the write is never lost', () => {
    async function withClient<T>(use: (client: OvsdbClient) => Promise<T>): Promise<T> {
      const client = await OvsdbClient.connect(hv1().db, {database: 'Open_vSwitch', timeoutMs: 10_000})
      try {
        return await use(client)
      } finally {
        await client.close()
      }
    }

    it('re-reads and writes again when ovn-cms-options changed after the read', async () => {
      await setLocalOptions('enable-chassis-as-gw')
      const reads: number[] = []
      const change = await withClient((client) =>
        setCardSerial(client, BLUEFIELD_SERIAL, {
          dryRun: false,
          afterRead: async (attempt) => {
            reads.push(attempt)
            if (attempt === 1) await setLocalOptions('enable-chassis-as-gw,availability-zones=az2')
          },
        }),
      )
      expect(reads).toEqual([1, 2])
      expect(change).toMatchObject({before: 'enable-chassis-as-gw,availability-zones=az2', written: true})
      expect(await localOptions()).toBe(`enable-chassis-as-gw,availability-zones=az2,card-serial-number=${BLUEFIELD_SERIAL}`)
    })

    it('keeps another key of external_ids written between the read and the write', async () => {
      await setLocalOptions('enable-chassis-as-gw')
      await withClient((client) =>
        setCardSerial(client, BLUEFIELD_SERIAL, {dryRun: false, afterRead: async (attempt) => void (attempt === 1 && (await vsctl('set', 'Open_vSwitch', '.', 'external_ids:ovn-other=1')))}),
      )
      expect((await vsctl('get', 'Open_vSwitch', '.', 'external_ids:ovn-other')).trim()).toBe('"1"')
      expect(await localOptions()).toBe(`enable-chassis-as-gw,card-serial-number=${BLUEFIELD_SERIAL}`)
      await vsctl('remove', 'Open_vSwitch', '.', 'external_ids', 'ovn-other')
    })

    it('fails clearly, writing nothing, when the other writer wins every time', async () => {
      await setLocalOptions('n=0')
      const attempt = withClient((client) => setCardSerial(client, BLUEFIELD_SERIAL, {dryRun: false, attempts: 3, afterRead: async (n) => void (await setLocalOptions(`n=${n}`))}))
      await expect(attempt).rejects.toMatchObject({
        exitCode: 3,
        message: 'external_ids of the Open_vSwitch row changed between every read and write (3 attempts): another writer is busy with it; nothing written, run it again',
      })
      expect(await localOptions()).toBe('n=3')
    })
  })

  describe('doctor card-serial', () => {
    it('warns when none is set, with the exact command', async () => {
      expect(await doctorCheck('bluefield')).toEqual({
        id: 'card-serial',
        title: 'card serial',
        result: 'warn',
        detail: `external_ids:ovn-cms-options has no card-serial-number (the NIC's serial is ${BLUEFIELD_SERIAL}): OpenStack cannot find this chassis for remote-managed ports (other CMSs may not need it)`,
        fix: `ovn-vif-ctl chassis set-card-serial ${BLUEFIELD_SERIAL}`,
      })
    })

    it('fails with both values and the exact command when ovn-cms-options has another serial', async () => {
      await setLocalOptions('card-serial-number=MT0000X00000')
      expect(await doctorCheck('bluefield')).toMatchObject({
        result: 'fail',
        detail: `external_ids:ovn-cms-options has card-serial-number=MT0000X00000, but the NIC's serial is ${BLUEFIELD_SERIAL}`,
        fix: `ovn-vif-ctl chassis set-card-serial ${BLUEFIELD_SERIAL}`,
      })
    })

    it('informs, and passes the exit status, when no NIC serial can be read', async () => {
      const result = await runCli(['doctor', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--provider', 'dummy', '--controller-wait', '1', ...machine('no-nic')])
      expect(result.stdout).toMatch(/^INFO {2}card serial +no NIC serial could be read \(no PCI network function in .*\), and external_ids:ovn-cms-options has no card-serial-number$/m)
      expect(result.exitCode).toBe(0)
    })

    // Last: ovn-controller stays dead.
    it('fails when the Chassis row does not show the serial: ovn-controller has not copied it', async () => {
      await killSandboxDaemon(sandbox(), 'hv1/ovn-controller')
      await setLocalOptions(`card-serial-number=${BLUEFIELD_SERIAL}`)
      expect(await doctorCheck('bluefield')).toMatchObject({
        result: 'fail',
        detail: `external_ids:ovn-cms-options has card-serial-number=${BLUEFIELD_SERIAL}, but the Southbound Chassis row shows none: ovn-controller has not copied it`,
        fix: expect.stringContaining('restart ovn-controller'),
      })
      const timedOut = await cli(['chassis', 'set-card-serial', '--wait', 'sb', '--timeout', '1'])
      expect(timedOut.stderr).toBe(`ovn-vif-ctl: timed out after 1 s: external_ids:ovn-cms-options is written, but the Southbound Chassis row hv1 shows card-serial-number=none: is ovn-controller running here (ovn-vif-ctl doctor)?\n`)
      expect(timedOut.exitCode).toBe(4)
    })
  })
})
