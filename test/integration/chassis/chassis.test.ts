import {describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {eventually, listRows, pluggedInterfaceNames} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {useSandbox} from '../../helpers/sandbox.js'

interface Entry {
  lport: string
  result: string
  interface?: string
  reason: string
  settled: boolean
}

/** What these tests read of a status row; the rest is matched whole. */
interface Row {
  lport: string
  state: string
}

const FOREIGN_WARNING = 'ovn-vif-ctl: warning: acting as chassis hv2 on this host, whose external_ids:system-id is hv1 (--allow-foreign-chassis)'
const GUARD_LINE = /^ovn-vif-ctl: --chassis hv2 is not this chassis \(external_ids:system-id hv1, hostname [^)]+\): run it on hv2, or leave --chassis out; --allow-foreign-chassis overrides this, for tests and migrations only$/

describe('which chassis: the --chassis guard and chassis naming, against real servers', () => {
  // ovn-controller on both chassis, neither with a VIF plug provider: ovn-vif-ctl is the only plugger.
  const sandbox = useSandbox({chassis: ['hv1', 'hv2']})
  const hv1 = () => sandbox().chassis[0]!
  const hv2 = () => sandbox().chassis[1]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])

  async function request(lports: string[], requestedChassis: string): Promise<void> {
    const commands = lports.flatMap((lport) => [
      '--', '--may-exist', 'lsp-add', 'sw0', lport,
      '--', 'set', 'Logical_Switch_Port', lport, `options:requested-chassis="${requestedChassis}"`, 'options:vif-plug-type=dummy',
    ])
    await nbctl('--may-exist', 'ls-add', 'sw0', ...commands)
    await nbctl('--wait=sb', 'sync')
  }

  async function reconcile(db: string, ...args: string[]): Promise<{exitCode: number; entries: Entry[]; stdout: string; stderr: string}> {
    const result = await runCli(['reconcile', '--db', db, ...args])
    const entries = args.includes('--json') && result.stdout ? ((JSON.parse(result.stdout) as {entries?: Entry[]}).entries ?? []) : []
    return {...result, entries}
  }

  async function status(db: string, ...args: string[]): Promise<{exitCode: number; rows: Row[]; chassis: string | null; stderr: string}> {
    const result = await runCli(['status', '--db', db, '--nb-db', sandbox().nbDb, '-f', 'json', ...args])
    const parsed = JSON.parse(result.stdout || '{}') as {rows?: Row[]; chassis?: string | null}
    return {exitCode: result.exitCode, rows: parsed.rows ?? [], chassis: parsed.chassis ?? null, stderr: result.stderr}
  }

  const entriesFor = (entries: Entry[], prefix: string) => entries.filter((entry) => entry.lport.startsWith(prefix))

  // What reconcile may write on hv1: the bridge's ports and every Interface row with what it holds.
  const dumpHv1 = async () => [
    await listRows('ovs-vsctl', hv1().db, 'Bridge', ['_uuid', 'name', 'ports']),
    await listRows('ovs-vsctl', hv1().db, 'Port', ['_uuid', 'name', 'interfaces']),
    await listRows('ovs-vsctl', hv1().db, 'Interface', ['_uuid', 'name', 'type', 'options', 'external_ids', 'mtu_request']),
  ]

  it('refuses reconcile --chassis naming another chassis (one-shot, --dry-run, --watch): exit 3, one line, nothing written', async () => {
    await request(['g-hv1-a', 'g-hv1-b'], 'hv1')
    await request(['g-hv2-a'], 'hv2')
    expect((await reconcile(hv1().db)).exitCode).toBe(0)
    expect(await pluggedInterfaceNames(hv1().db, 'g-')).toEqual(['g-hv1-a', 'g-hv1-b'])
    const before = await dumpHv1()

    for (const extra of [[], ['--dry-run'], ['--json']]) {
      const refused = await reconcile(hv1().db, '--chassis', 'hv2', ...extra)
      expect(refused.exitCode, `reconcile --chassis hv2 ${extra.join(' ')}`).toBe(3)
      if (extra.includes('--json')) {
        expect(JSON.parse(refused.stdout)).toMatchObject({error: {exitCode: 3, message: expect.stringMatching(/^--chassis hv2 is not this chassis/)}})
      } else {
        expect(refused.stdout).toBe('')
        expect(refused.stderr.trim()).toMatch(GUARD_LINE)
      }
    }

    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--chassis', 'hv2'])
    try {
      expect(await watcher.exited).toBe(3)
      expect(watcher.lines.filter(Boolean)).toEqual([expect.stringMatching(GUARD_LINE)])
    } finally {
      await watcher.stop()
    }

    expect(await dumpHv1()).toEqual(before)
    expect(await pluggedInterfaceNames(hv1().db, 'g-')).toEqual(['g-hv1-a', 'g-hv1-b'])
  })

  it('acts for another chassis only with --allow-foreign-chassis, and says so', async () => {
    const foreign = await reconcile(hv1().db, '--chassis', 'hv2', '--allow-foreign-chassis', '--dry-run', '--json')
    expect(foreign.stderr.trim()).toBe(FOREIGN_WARNING)
    expect(entriesFor(foreign.entries, 'g-')).toEqual([
      expect.objectContaining({lport: 'g-hv2-a', result: 'would create'}),
      expect.objectContaining({lport: 'g-hv1-a', result: 'would remove'}),
      expect.objectContaining({lport: 'g-hv1-b', result: 'would remove'}),
    ])
    expect(await pluggedInterfaceNames(hv1().db, 'g-')).toEqual(['g-hv1-a', 'g-hv1-b'])
  })

  it('refuses status --chassis naming another chassis unless allowed, and says which chassis it describes', async () => {
    const refused = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--chassis', 'hv2'])
    expect(refused.exitCode).toBe(3)
    expect(refused.stdout).toBe('')
    expect(refused.stderr.trim()).toMatch(GUARD_LINE)

    const own = await status(hv1().db)
    expect(own.chassis).toBe('hv1')
    expect(own.stderr).toBe('')
    const table = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb])
    expect(table.stdout).toMatch(/^\d+ ports on chassis hv1: /m)

    const foreign = await status(hv1().db, '--chassis', 'hv2', '--allow-foreign-chassis')
    expect(foreign.chassis).toBe('hv2')
    expect(foreign.stderr.trim()).toBe(FOREIGN_WARNING)
    const foreignTable = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--chassis', 'hv2', '--allow-foreign-chassis'])
    expect(foreignTable.stdout).toMatch(/^\d+ ports? on chassis hv2 \(not this host's chassis hv1: --allow-foreign-chassis\): /m)
  })

  it('doctor says which chassis it describes, as a header line and in its JSON', async () => {
    const text = await runCli(['doctor', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--provider', 'dummy', '--controller-wait', '1'])
    expect(text.stdout.split('\n')[0]).toBe(`chassis hv1 (external_ids:system-id in ${hv1().db})`)
    const json = await runCli(['doctor', '--db', hv1().db, '--nb-db', sandbox().nbDb, '--provider', 'dummy', '--controller-wait', '1', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({chassis: 'hv1'})
  })

  it('takes --chassis by hostname as well as by name, for status and reconcile', async () => {
    const vsctl = (...args: string[]) => run('ovs-vsctl', [`--db=${hv1().db}`, ...args])
    await vsctl('set', 'Open_vSwitch', '.', 'external_ids:hostname=dpu-a.example')
    try {
      await eventually('ovn-controller to register hostname dpu-a.example', async () => {
        const rows = await listRows('ovn-sbctl', sandbox().sbDb, 'Chassis', ['name', 'hostname'])
        return rows.some((row) => row.name === 'hv1' && row.hostname === 'dpu-a.example') ? true : undefined
      })
      const shown = await status(hv1().db, '--chassis', 'dpu-a.example', 'g-hv1-a')
      expect(shown.stderr).toBe('')
      expect(shown.chassis).toBe('hv1')
      expect(shown.rows).toEqual([expect.objectContaining({lport: 'g-hv1-a', state: 'plugged'})])
      expect(shown.exitCode).toBe(0)

      const reconciled = await reconcile(hv1().db, '--chassis', 'dpu-a.example', '--json')
      expect(reconciled.exitCode).toBe(0)
      expect(JSON.parse(reconciled.stdout)).toMatchObject({chassis: 'hv1'})

      const refused = await reconcile(hv1().db, '--chassis', 'dpu-b.example')
      expect(refused.exitCode).toBe(3)
      expect(refused.stderr.trim()).toBe('ovn-vif-ctl: --chassis dpu-b.example is not this chassis (external_ids:system-id hv1, hostname dpu-a.example): run it on dpu-b.example, or leave --chassis out; --allow-foreign-chassis overrides this, for tests and migrations only')
    } finally {
      await vsctl('set', 'Open_vSwitch', '.', 'external_ids:hostname=hv1')
    }
  })

  it('plugs a port requested for a list of chassis on the first only; status on the others says so', async () => {
    await request(['m-ab'], 'hv1,hv2')
    const additional = 'this chassis is an additional one in requested-chassis hv1,hv2 (a live migration): OVN plugs the port only on the first chassis of the list'
    const onHv2 = await reconcile(hv2().db, '--json')
    expect(entriesFor(onHv2.entries, 'm-')).toEqual([{lport: 'm-ab', result: 'additional', reason: additional, settled: true}])
    expect(onHv2.exitCode).toBe(0)
    expect(await pluggedInterfaceNames(hv2().db, 'm-')).toEqual([])
    const onHv1 = await reconcile(hv1().db, '--json')
    expect(entriesFor(onHv1.entries, 'm-')).toEqual([expect.objectContaining({lport: 'm-ab', result: 'created'})])

    const shownOnHv2 = await status(hv2().db, 'm-ab')
    expect(shownOnHv2.rows).toEqual([
      expect.objectContaining({
        lport: 'm-ab',
        state: 'additional',
        reason: additional,
        chassis: 'hv1',
      }),
    ])
    expect(shownOnHv2.exitCode).toBe(0)
    const shownOnHv1 = await eventually('ovn-controller on hv1 to claim m-ab', async () => {
      const shown = await status(hv1().db, 'm-ab')
      return shown.rows[0]?.state === 'plugged' ? shown : undefined
    })
    expect(shownOnHv1.rows).toEqual([expect.objectContaining({lport: 'm-ab', state: 'plugged', chassis: 'hv1'})])
  })

  it('follows a list whose first chassis changes: the new first plugs, the old one keeps its interface while listed (as OVN does), then unplugs', async () => {
    await request(['m-ab'], 'hv2,hv1')
    const onHv1 = await reconcile(hv1().db, '--json')
    expect(entriesFor(onHv1.entries, 'm-')).toEqual([
      {
        lport: 'm-ab',
        result: 'additional',
        interface: 'm-ab',
        reason: 'this chassis is an additional one in requested-chassis hv2,hv1 (a live migration): OVN plugs the port only on the first chassis of the list, and leaves this interface in place while this chassis is listed',
        settled: true,
      },
    ])
    expect(onHv1.exitCode).toBe(0)
    expect(await pluggedInterfaceNames(hv1().db, 'm-')).toEqual(['m-ab'])
    const onHv2 = await reconcile(hv2().db, '--json')
    expect(entriesFor(onHv2.entries, 'm-')).toEqual([expect.objectContaining({lport: 'm-ab', result: 'created'})])
    const shownOnHv1 = await status(hv1().db, 'm-ab')
    expect(shownOnHv1.rows).toEqual([expect.objectContaining({lport: 'm-ab', state: 'additional', interface: 'm-ab', chassis: 'hv2'})])

    await request(['m-ab'], 'hv2')
    const unplugged = await reconcile(hv1().db, '--json')
    expect(entriesFor(unplugged.entries, 'm-')).toEqual([expect.objectContaining({lport: 'm-ab', result: 'removed', reason: 'its logical port is gone, or no longer requested for this chassis'})])
    expect(await pluggedInterfaceNames(hv1().db, 'm-')).toEqual([])
    expect(await pluggedInterfaceNames(hv2().db, 'm-')).toEqual(['m-ab'])
  })

  it('matches requested-chassis by hostname as northd does, everywhere', async () => {
    await run('ovs-vsctl', [`--db=${hv2().db}`, 'set', 'Open_vSwitch', '.', 'external_ids:hostname=dpu-b.example'])
    try {
      await eventually('ovn-controller to register hostname dpu-b.example', async () => {
        const rows = await listRows('ovn-sbctl', sandbox().sbDb, 'Chassis', ['name', 'hostname'])
        return rows.some((row) => row.name === 'hv2' && row.hostname === 'dpu-b.example') ? true : undefined
      })
      await request(['h-by-host'], 'hv1,dpu-b.example')
      const shownOnHv2 = await status(hv2().db, 'h-by-host')
      expect(shownOnHv2.rows).toEqual([expect.objectContaining({state: 'additional', chassis: 'hv1'})])

      await request(['h-by-host'], 'dpu-b.example')
      const onHv2 = await reconcile(hv2().db, '--json')
      expect(entriesFor(onHv2.entries, 'h-')).toEqual([expect.objectContaining({lport: 'h-by-host', result: 'created'})])
      const plugged = await eventually('ovn-controller on hv2 to claim h-by-host', async () => {
        const shown = await status(hv2().db, 'h-by-host')
        return shown.rows[0]?.state === 'plugged' ? shown : undefined
      })
      expect(plugged.rows).toEqual([expect.objectContaining({chassis: 'hv2'})])
    } finally {
      await run('ovs-vsctl', [`--db=${hv2().db}`, 'set', 'Open_vSwitch', '.', 'external_ids:hostname=hv2'])
    }
  })
})
