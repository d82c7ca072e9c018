import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {useSandbox} from '../../helpers/sandbox.js'

const PF_MAC = '0c:42:a1:00:00:01'

describe('plug and unplug against real OVN servers', () => {
  const sandbox = useSandbox({chassis: ['hv1', 'hv2'], controller: true})
  let fileDir: string

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const sbctl = (...args: string[]) => run('ovn-sbctl', [`--db=${sandbox().sbDb}`, ...args])
  const chassisDb = (name: string) => sandbox().chassis.find((chassis) => chassis.name === name)!.db
  const cli = (...args: string[]) => runCli([...args, `--nb-db=${sandbox().nbDb}`, `--sb-db=${sandbox().sbDb}`])

  async function addPorts(...names: string[]): Promise<void> {
    await nbctl(...names.flatMap((name) => ['--', 'lsp-add', 'sw0', name]))
  }

  async function options(lsp: string): Promise<Record<string, string>> {
    const select = {op: 'select', table: 'Logical_Switch_Port', where: [['name', '==', lsp]], columns: ['options']}
    const [reply] = JSON.parse(await run('ovsdb-client', ['transact', sandbox().nbDb, JSON.stringify(['OVN_Northbound', select])])) as [{rows: [{options: [string, [string, string][]]}]}]
    return Object.fromEntries(reply.rows[0]!.options[1])
  }

  const dumpNorthbound = () => run('ovsdb-client', ['dump', sandbox().nbDb, 'OVN_Northbound'])

  async function bindingOf(lsp: string): Promise<{chassis: string; up: string}> {
    const [chassis, up] = (await sbctl('--bare', '--columns=chassis,up', 'find', 'Port_Binding', `logical_port=${lsp}`)).split('\n').map((line) => line.trim()).filter(Boolean)
    return {chassis: chassis ?? '', up: up ?? ''}
  }

  const chassisUuid = async (name: string) => (await sbctl('--bare', '--columns=_uuid', 'find', 'Chassis', `name=${name}`)).trim()

  async function addInterface(chassis: string, lsp: string): Promise<void> {
    await run('ovs-vsctl', [`--db=${chassisDb(chassis)}`, 'add-port', 'br-int', lsp, '--', 'set', 'Interface', lsp, 'type=internal', `external_ids:iface-id=${lsp}`])
  }

  async function requestFile(name: string, lines: string[]): Promise<string> {
    const file = path.join(fileDir, name)
    await writeFile(file, `${lines.join('\n')}\n`)
    return file
  }

  beforeAll(async () => {
    fileDir = await mkdtemp(path.join(os.tmpdir(), 'plug-files-'))
    await nbctl('ls-add', 'sw0')
  })

  it('sets exactly the owned options and leaves the others alone', async () => {
    await addPorts('exact1')
    await nbctl('set', 'Logical_Switch_Port', 'exact1', 'options:other=keep', 'options:requested-tnl-key=7')
    const result = await cli('plug', 'exact1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '3', '--mtu', '9000', '--option', 'vif-plug:representor:vf-num=3')
    expect(result.exitCode).toBe(3)
    expect(result.stderr.trim()).toBe('ovn-vif-ctl: option vif-plug:representor:vf-num is given twice: give it once')

    const plugged = await cli('plug', 'exact1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '3', '--mtu', '9000')
    expect(plugged.exitCode).toBe(0)
    expect(plugged.stdout).toContain('exact1: + vif-plug-type=representor\n')
    expect(await options('exact1')).toEqual({
      other: 'keep',
      'requested-tnl-key': '7',
      'requested-chassis': 'hv1',
      'vif-plug-type': 'representor',
      'vif-plug-mtu-request': '9000',
      'vif-plug:representor:pf-mac': PF_MAC,
      'vif-plug:representor:vf-num': '3',
    })
  })

  it('drops the old type\'s keys but keeps an MTU left out when the request changes, and reports it as JSON', async () => {
    await addPorts('switch1')
    await cli('plug', 'switch1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--mtu', '1500')
    const result = await cli('plug', 'switch1', '--chassis', 'hv1', '--type', 'dummy', '--json')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      command: 'plug', dryRun: false, committed: true, wait: 'none', warnings: [],
      ports: [{
        lsp: 'switch1', status: 'changed', notes: [],
        changes: [
          {op: 'change', key: 'vif-plug-type', from: 'representor', to: 'dummy'},
          {op: 'remove', key: 'vif-plug:representor:pf-mac', value: PF_MAC},
        ],
      }],
    })
    expect(await options('switch1')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy', 'vif-plug-mtu-request': '1500'})
  })

  it('removes an MTU only with --clear-mtu, which --mtu excludes', async () => {
    await addPorts('mtu1')
    await cli('plug', 'mtu1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', '9000')
    const again = await cli('plug', 'mtu1', '--chassis', 'hv2', '--type', 'dummy')
    expect(again.stdout).toBe('mtu1: ~ requested-chassis hv1 -> hv2\nWrote 1 port in one transaction.\n')
    expect((await options('mtu1'))['vif-plug-mtu-request']).toBe('9000')

    const both = await cli('plug', 'mtu1', '--chassis', 'hv2', '--type', 'dummy', '--mtu', '1500', '--clear-mtu')
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toMatch(/^ovn-vif-ctl: --(clear-mtu|mtu)=.* cannot also be provided when using --(mtu|clear-mtu)/)

    const cleared = await cli('plug', 'mtu1', '--chassis', 'hv2', '--type', 'dummy', '--clear-mtu')
    expect(cleared.exitCode).toBe(0)
    expect(cleared.stdout).toBe('mtu1: - vif-plug-mtu-request\nWrote 1 port in one transaction.\n')
    expect(await options('mtu1')).toEqual({'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'})
  })

  it('changes nothing, and says so, when asked for what is already there', async () => {
    await addPorts('same1')
    const args = ['plug', 'same1', '--chassis', 'hv2', '--type', 'representor', '--pf-mac', PF_MAC]
    expect((await cli(...args)).exitCode).toBe(0)
    const before = await dumpNorthbound()
    const again = await cli(...args)
    expect(again).toMatchObject({exitCode: 0, stdout: 'same1: already as requested\nNothing to write: every port is already as requested.\n'})
    expect(await dumpNorthbound()).toBe(before)
  })

  it('keeps another client\'s concurrent changes to other options', async () => {
    await addPorts('race1')
    let finished = false
    let written = 0
    const otherClient = (async () => {
      // Bounded, and at least a few writes even if the commands below are quick.
      while ((!finished || written < 5) && written < 400) {
        written++
        await nbctl('set', 'Logical_Switch_Port', 'race1', `options:other=${written}`)
      }
    })()
    const steps = [
      ['plug', 'race1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '1'],
      ['plug', 'race1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '2', '--mtu', '9000'],
      ['plug', 'race1', '--chassis', 'hv2', '--type', 'dummy'],
      ['unplug', 'race1'],
      ['plug', 'race1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '4'],
    ]
    try {
      for (const step of steps) expect((await cli(...step)).exitCode).toBe(0)
    } finally {
      finished = true
      await otherClient
    }

    expect(await options('race1')).toEqual({
      other: String(written),
      'requested-chassis': 'hv1',
      'vif-plug-type': 'representor',
      'vif-plug:representor:pf-mac': PF_MAC,
      'vif-plug:representor:vf-num': '4',
    })
  })

  it('unplug removes the plug request and keeps requested-chassis; --clear-chassis removes that too', async () => {
    await addPorts('un1', 'un2', 'un3')
    await nbctl('set', 'Logical_Switch_Port', 'un1', 'options:other=1')
    await nbctl('set', 'Logical_Switch_Port', 'un2', 'options:other=2')
    for (const lsp of ['un1', 'un2']) await cli('plug', lsp, '--chassis', 'hv1', '--type', 'dummy', '--mtu', '1400', '--option', 'x=1', '--force')
    const removed = await cli('unplug', 'un1', 'un3')
    expect(removed.exitCode).toBe(0)
    expect(removed.stdout).toBe([
      'un1: - vif-plug-mtu-request',
      'un1: - vif-plug-type',
      'un1: - vif-plug:dummy:x',
      'un3: no plug request (no vif-plug-type): left as it is',
      'Wrote 1 port in one transaction; 1 port without a plug request.',
      '',
    ].join('\n'))
    expect(await options('un1')).toEqual({other: '1', 'requested-chassis': 'hv1'})

    const cleared = await cli('unplug', 'un2', '--clear-chassis')
    expect(cleared.exitCode).toBe(0)
    expect(cleared.stdout).toContain('un2: - requested-chassis\n')
    expect(await options('un2')).toEqual({other: '2'})

    // Scripts written when requested-chassis was removed by default still run: --keep-chassis is the default now.
    const kept = await cli('unplug', 'un1', '--keep-chassis')
    expect(kept.exitCode).toBe(0)
    expect(await options('un1')).toEqual({other: '1', 'requested-chassis': 'hv1'})
  })

  it('unplug reports a port without a plug request and leaves it as it is, keeping the requested-chassis a CMS set', async () => {
    await addPorts('pin1', 'pin2')
    await nbctl('lsp-set-options', 'pin1', 'requested-chassis=hv1', 'other=1')
    await cli('plug', 'pin2', '--chassis', 'hv1', '--type', 'dummy')
    const before = await dumpNorthbound()
    const result = await cli('unplug', 'pin1')
    expect(result).toMatchObject({exitCode: 0, stderr: ''})
    expect(result.stdout).toBe('pin1: no plug request (no vif-plug-type): left as it is\nNothing to write: no port named has a plug request.\n')
    expect(await dumpNorthbound()).toBe(before)

    const json = await cli('unplug', 'pin1', 'pin2', '--dry-run', '--json')
    expect(json.exitCode).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'unplug', committed: false, warnings: [],
      ports: [
        {lsp: 'pin1', status: 'no-request', changes: [], notes: ['no plug request (no vif-plug-type): left as it is']},
        {lsp: 'pin2', status: 'would-change', changes: [{op: 'remove', key: 'vif-plug-type', value: 'dummy'}], notes: []},
      ],
    })
    expect(await options('pin1')).toEqual({'requested-chassis': 'hv1', other: '1'})
  })

  it('unplug --wait plugged does not wait for a port it left alone, bound by someone else', async () => {
    await addPorts('bound1')
    await nbctl('lsp-set-options', 'bound1', 'requested-chassis=hv1')
    await addInterface('hv1', 'bound1')
    await nbctl('--timeout=20', 'wait-until', 'Logical_Switch_Port', 'bound1', 'up=true')
    const result = await cli('unplug', 'bound1', '--wait', 'plugged', '--timeout', '5')
    expect(result).toMatchObject({exitCode: 0, stderr: ''})
    expect(result.stdout).toBe('bound1: no plug request (no vif-plug-type): left as it is\nNothing to write: no port named has a plug request.\n')
    expect(await bindingOf('bound1')).toEqual({chassis: await chassisUuid('hv1'), up: 'true'})
  })

  it('--dry-run prints the diff and writes nothing', async () => {
    await addPorts('dry1')
    await cli('plug', 'dry1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--mtu', '1500', '--vf-num', '2')
    const before = await dumpNorthbound()
    const result = await cli('plug', 'dry1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', '9000', '--dry-run')
    expect(result).toMatchObject({exitCode: 0, stderr: ''})
    expect(result.stdout).toBe([
      'dry1: ~ vif-plug-mtu-request 1500 -> 9000',
      'dry1: ~ vif-plug-type representor -> dummy',
      'dry1: - vif-plug:representor:pf-mac',
      'dry1: - vif-plug:representor:vf-num',
      'Dry run: 1 port would change; nothing written.',
      '',
    ].join('\n'))
    const unplugDry = await cli('unplug', 'dry1', '--dry-run', '--clear-chassis')
    expect(unplugDry.stdout).toContain('dry1: - requested-chassis\n')
    expect(await dumpNorthbound()).toBe(before)
  })

  it('--wait sb and --wait hv return once NB_Global.sb_cfg / hv_cfg reach the nb_cfg they set', async () => {
    await addPorts('cfg1')
    for (const [mode, column] of [['sb', 'sb_cfg'], ['hv', 'hv_cfg']] as const) {
      const result = await cli('plug', 'cfg1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', mode === 'sb' ? '1500' : '1600', '--wait', mode, '--json')
      expect(result.exitCode).toBe(0)
      const {nbCfg} = JSON.parse(result.stdout) as {nbCfg: number}
      expect(nbCfg).toBeGreaterThan(0)
      expect(Number(await nbctl('get', 'NB_Global', '.', column))).toBeGreaterThanOrEqual(nbCfg)
    }
  })

  it('--wait plugged returns once the requested chassis has claimed the port and it is up', async () => {
    await addPorts('wp1')
    const plugging = cli('plug', 'wp1', '--chassis', 'hv2', '--type', 'dummy', '--wait', 'plugged', '--timeout', '30')
    // The interface appears only once plug has written and is waiting, as a reconciler would create it.
    await nbctl('--timeout=20', 'wait-until', 'Logical_Switch_Port', 'wp1', 'options:requested-chassis=hv2')
    await addInterface('hv2', 'wp1')
    const result = await plugging
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('wp1: plugged on hv2\n')
    expect(await bindingOf('wp1')).toEqual({chassis: await chassisUuid('hv2'), up: 'true'})

    const unplugging = cli('unplug', 'wp1', '--wait', 'plugged', '--timeout', '30')
    await run('ovs-vsctl', [`--db=${chassisDb('hv2')}`, 'del-port', 'br-int', 'wp1'])
    const released = await unplugging
    expect(released.exitCode).toBe(0)
    expect(released.stdout).toContain('wp1: claimed by no chassis\n')
  })

  it('--wait plugged times out with exit 4, naming the ports still pending, after writing the request', async () => {
    await addPorts('late1')
    const result = await cli('plug', 'late1', '--chassis', 'hv1', '--type', 'dummy', '--wait', 'plugged', '--timeout', '1')
    expect(result.exitCode).toBe(4)
    expect(result.stderr.trim()).toBe('ovn-vif-ctl: timed out after 1 s: the requests are written, but 1 of 1 port is not there yet: late1 (not claimed yet by hv1)')
    expect(await options('late1')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
  })

  it('moves a port that is up on another chassis only with --force, saying what happens', async () => {
    await addPorts('move1')
    await addInterface('hv1', 'move1')
    expect((await cli('plug', 'move1', '--chassis', 'hv1', '--type', 'dummy', '--wait', 'plugged')).exitCode).toBe(0)
    const before = await dumpNorthbound()
    const refused = await cli('plug', 'move1', '--chassis', 'hv2', '--type', 'dummy')
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toBe('ovn-vif-ctl: move1 is up on hv1: moving it to hv2 means hv1 unplugs it and hv2 plugs it, and its traffic stops in between; add --force to move it\n')
    expect(await dumpNorthbound()).toBe(before)
    const forced = await cli('plug', 'move1', '--chassis', 'hv2', '--type', 'dummy', '--force')
    expect(forced.exitCode).toBe(0)
    expect(forced.stdout).toContain('move1: note: moving from hv1 to hv2 (--force)')
    expect((await options('move1'))['requested-chassis']).toBe('hv2')
  })

  it('reads the ports and bindings of a batch larger than it selects one by one (250) from the whole tables', async () => {
    const lsps = Array.from({length: 250}, (_, index) => `many${index}`)
    await addPorts(...lsps)
    const file = await requestFile('many.csv', ['lsp', ...lsps])
    expect((await cli('plug', '--from-file', file, '--chassis', 'hv1', '--type', 'dummy')).exitCode).toBe(0)
    expect(await options('many0')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})
    expect(await options('many249')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'dummy'})

    // The binding says many7 is up on hv1: moving the batch must see it.
    await addInterface('hv1', 'many7')
    await nbctl('--timeout=20', 'wait-until', 'Logical_Switch_Port', 'many7', 'up=true')
    const before = await dumpNorthbound()
    const refused = await cli('plug', '--from-file', file, '--chassis', 'hv2', '--type', 'dummy')
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toMatch(/^ovn-vif-ctl: \S+many\.csv line 9: many7 is up on hv1: moving it to hv2 /)
    expect(await dumpNorthbound()).toBe(before)

    const missing = await cli('unplug', ...lsps, 'many-missing')
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toContain('many-missing')
    expect(await dumpNorthbound()).toBe(before)

    const removed = await cli('unplug', ...lsps, '--clear-chassis')
    expect(removed.exitCode).toBe(0)
    expect(removed.stdout.match(/: - vif-plug-type\n/g)).toHaveLength(250)
    expect(await options('many0')).toEqual({})
    expect(await options('many249')).toEqual({})
  })

  it('plugs a batch from CSV and from JSON lines, the flags giving defaults', async () => {
    await addPorts('csv1', 'csv2', 'jl1', 'jl2')
    const csv = await requestFile('ports.csv', [
      'lsp,chassis,type,mtu,pf-mac,vif-plug:representor:vf-num',
      `csv1,hv1,representor,9000,${PF_MAC},1`,
      'csv2,hv2,dummy,,,',
    ])
    expect((await cli('plug', '--from-file', csv)).exitCode).toBe(0)
    expect(await options('csv1')).toEqual({
      'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug-mtu-request': '9000',
      'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '1',
    })
    expect(await options('csv2')).toEqual({'requested-chassis': 'hv2', 'vif-plug-type': 'dummy'})

    const jsonl = await requestFile('ports.jsonl', [
      '{"lsp": "jl1", "vf-num": 5}',
      '{"lsp": "jl2", "chassis": "hv2", "vif-plug:representor:pf-mac": "0c:42:a1:00:00:02"}',
    ])
    expect((await cli('plug', '--from-file', jsonl, '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC)).exitCode).toBe(0)
    expect(await options('jl1')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': PF_MAC, 'vif-plug:representor:vf-num': '5'})
    expect(await options('jl2')).toEqual({'requested-chassis': 'hv2', 'vif-plug-type': 'representor', 'vif-plug:representor:pf-mac': '0c:42:a1:00:00:02'})
  })

  it('unplugs the ports of a request file, the same file that plugged them', async () => {
    await addPorts('file1', 'file2', 'file3')
    const csv = await requestFile('unplug.csv', ['lsp,chassis,type,mtu', 'file1,hv1,dummy,9000', 'file2,hv2,dummy,'])
    expect((await cli('plug', '--from-file', csv)).exitCode).toBe(0)
    await nbctl('set', 'Logical_Switch_Port', 'file3', 'options:vif-plug-type=dummy')

    const both = await cli('unplug', 'file3', '--from-file', csv)
    expect(both).toMatchObject({exitCode: 2, stdout: ''})
    expect(both.stderr).toBe('ovn-vif-ctl: give the ports either as arguments or in --from-file, not both (got file3)\n')

    const missing = await requestFile('unplug-missing.jsonl', ['{"lsp": "file1"}', '{"lsp": "file9"}'])
    const refused = await cli('unplug', '--from-file', missing)
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toMatch(/^ovn-vif-ctl: \S+unplug-missing\.jsonl line 2: no logical switch port "file9" in the Northbound DB/)

    const twice = await requestFile('unplug-twice.csv', ['lsp', 'file1', 'file1'])
    expect((await cli('unplug', '--from-file', twice)).stderr).toMatch(/^ovn-vif-ctl: \S+unplug-twice\.csv line 3: file1 is named twice \(also at \S+unplug-twice\.csv line 2\): give each port once\n$/)
    expect((await options('file1'))['vif-plug-type']).toBe('dummy')

    const removed = await cli('unplug', '--from-file', csv, '--clear-chassis')
    expect(removed.exitCode).toBe(0)
    expect(removed.stdout).toContain('Wrote 2 ports in one transaction.')
    expect(await options('file1')).toEqual({})
    expect(await options('file2')).toEqual({})
    expect(await options('file3')).toEqual({'vif-plug-type': 'dummy'})
  })

  it('warns, and still writes, when ports ask one chassis for one PF MAC and VF, in the request or already', async () => {
    await addPorts('dup1', 'dup2', 'dup3', 'dup4')
    const DUP_MAC = '0c:42:a1:00:00:99'
    const hostname = (await sbctl('get', 'Chassis', 'hv1', 'hostname')).trim().replaceAll('"', '')
    const together = await cli('plug', 'dup1', 'dup2', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', DUP_MAC, '--vf-num', '5', '--json')
    expect(together.exitCode).toBe(0)
    const warning = `dup1 and dup2 ask chassis hv1 for one representor netdev (pf-mac ${DUP_MAC}, vf-num 5): only one can be plugged, and reconcile reports the others in conflict`
    expect(together.stderr).toBe(`ovn-vif-ctl: warning: ${warning}\n`)
    expect(JSON.parse(together.stdout)).toMatchObject({committed: true, warnings: [warning]})
    expect((await options('dup2'))['vif-plug:representor:vf-num']).toBe('5')

    // Named by hostname, spelt in capitals, and as the only port of its request.
    const later = await cli('plug', 'dup3', '--chassis', hostname, '--type', 'representor', '--pf-mac', DUP_MAC.toUpperCase(), '--vf-num', '5', '--dry-run')
    expect(later.exitCode).toBe(0)
    expect(later.stderr).toBe(`ovn-vif-ctl: warning: dup3, dup1 (already requested) and dup2 (already requested) ask chassis hv1 for one representor netdev (pf-mac ${DUP_MAC.toUpperCase()}, vf-num 5): only one can be plugged, and reconcile reports the others in conflict\n`)

    const otherVf = await cli('plug', 'dup4', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', DUP_MAC, '--vf-num', '6')
    expect(otherVf).toMatchObject({exitCode: 0, stderr: ''})
    const moved = await cli('plug', 'dup2', '--chassis', 'hv2', '--type', 'representor', '--pf-mac', DUP_MAC, '--vf-num', '5')
    expect(moved).toMatchObject({exitCode: 0, stderr: ''})
  })

  describe('rejections: one line, the documented exit code, and nothing written', () => {
    beforeAll(async () => {
      await addPorts('val1', 'val2')
      await cli('plug', 'val2', '--chassis', 'hv1', '--type', 'dummy')
      // Let northd and the chassis settle, so the before/after dumps only see what plug writes.
      await nbctl('--wait=hv', 'sync')
    })

    const cases: Array<[name: string, args: () => Promise<string[]> | string[], exitCode: number, message: string | RegExp]> = [
      ['an unknown port, suggesting close names', () => ['plug', 'val3', '--chassis', 'hv1', '--type', 'dummy'], 3,
        'no logical switch port "val3" in the Northbound DB (did you mean "val1" or "val2"?); list ports with ovn-nbctl lsp-list SWITCH'],
      ['a type without a provider', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'vendor-nic'], 3,
        'no provider serves type "vendor-nic"; known types: dummy, representor (--force writes a type only ovn-controller knows)'],
      ['a bad MAC', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', '0c:42:zz:00:00:01'], 3,
        'pf-mac "0c:42:zz:00:00:01" is not a MAC address like 0c:42:a1:00:00:01 (option vif-plug:representor:pf-mac)'],
      ['a VF number out of range', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'representor', '--pf-mac', PF_MAC, '--vf-num', '70000'], 3,
        'vf-num "70000" is not an integer from 0 to 65535 (option vif-plug:representor:vf-num)'],
      ['a missing required provider option', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'representor', '--vf-num', '1'], 3,
        /^provider representor needs pf-mac \(--pf-mac, or a pf-mac column\): MAC address of the host PF/],
      ['an MTU out of range', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--mtu', '67'], 3, 'mtu "67" is not an integer from 68 to 65535'],
      ['an unregistered chassis', () => ['plug', 'val1', '--chassis', 'hv9', '--type', 'dummy'], 3,
        'chassis "hv9" is not registered in the Southbound DB (by name or hostname) (did you mean "hv1" or "hv2"?); known chassis: hv1, hv2 (--force writes it anyway)'],
      ['an --option for an owned key', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--option', 'requested-chassis=hv2', '--force'], 3,
        'option "requested-chassis" is set by --chassis, not as a provider option'],
      ['an --option key with a space', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--option', 'a b=1', '--force'], 3,
        'option key "a b" contains \'=\' or whitespace: option keys are single words like pf-mac'],
      ['an --option outside the owned set', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--option', 'iface:x=1', '--force'], 3,
        /^option key "iface:x" is not one plug owns/],
      ['an --option value that is too long', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--option', `x=${'v'.repeat(5000)}`, '--force'], 3,
        'option vif-plug:dummy:x has a 5000-character value; the limit is 4096'],
      ['a bad line in a batch', async () => {
        const file = await requestFile('bad.csv', ['lsp,chassis,type,mtu', 'val1,hv1,dummy,9000', 'val2,hv1,dummy,nine'])
        return ['plug', '--from-file', file]
      }, 3, /^\S*bad\.csv line 3: mtu "nine" is not an integer from 68 to 65535$/],
      ['a broken JSON line in a batch', async () => {
        const file = await requestFile('bad.jsonl', ['{"lsp": "val1", "chassis": "hv1", "type": "dummy"}', '{"lsp": "val2"'])
        return ['plug', '--from-file', file]
      }, 3, /^\S*bad\.jsonl line 2: not valid JSON \(.*\): write one JSON object per line$/],
      ['a missing --chassis', () => ['plug', 'val1', '--type', 'dummy'], 2, 'missing --chassis: name the chassis that should plug the port(s), or --card-serial-number to name it by its card serial number'],
      ['an unknown flag', () => ['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--vf', '1'], 2, /^Nonexistent flag: --vf$/],
      ['--dry-run with --wait', () => ['unplug', 'val2', '--dry-run', '--wait', 'plugged'], 2,
        '--dry-run writes nothing, so there is nothing to --wait plugged for: drop one of them'],
      ['an unknown port to unplug', () => ['unplug', 'val2', 'val9'], 3, /^no logical switch port "val9" in the Northbound DB \(did you mean/],
    ]

    it.each(cases)('%s', async (_name, args, exitCode, message) => {
      const before = await dumpNorthbound()
      const result = await cli(...(await args()))
      expect(result.exitCode).toBe(exitCode)
      const [first, ...rest] = result.stderr.trimEnd().split('\n')
      expect(first!.replace(/^ovn-vif-ctl: /, '')).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message)
      // oclif's parse errors add a pointer to --help; nothing else follows the one line.
      expect(rest.filter((line) => !line.startsWith("See 'ovn-vif-ctl "))).toEqual([])
      expect(result.stdout).toBe('')
      expect(await dumpNorthbound()).toBe(before)
    })

    it('exits 4 with one line when the Northbound DB cannot be reached', async () => {
      const result = await runCli(['plug', 'val1', '--chassis', 'hv1', '--type', 'dummy', '--nb-db', `unix:${path.join(fileDir, 'no.sock')}`])
      expect(result.exitCode).toBe(4)
      expect(result.stderr).toMatch(/^ovn-vif-ctl: cannot reach the OVN_Northbound database at unix:\S*no\.sock \(.*\): check --nb-db\n$/)
    })

    it('exits 2 with one line for a malformed remote', async () => {
      const result = await runCli(['unplug', 'val1', '--nb-db', 'tcp:nowhere'])
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toMatch(/^ovn-vif-ctl: --nb-db tcp:nowhere: bad OVSDB remote 'tcp:nowhere': .*\n$/)
    })

    it('validates the options of a provider loaded with --provider-module by its own checks', async () => {
      const module = path.join(fileDir, 'vendor-provider.mjs')
      await writeFile(module, `export default {
  type: 'vendor-nic',
  maintainedOptions: [],
  optionSpecs: [{key: 'vif-plug:vendor-nic:slot', flag: 'slot', description: 'PCI slot.', required: true,
    check: (value) => /^[0-9]+$/.test(value) ? undefined : 'slot "' + value + '" is not a slot number'}],
  prepareCreate: () => ({ok: false, reason: 'not here'}),
  prepareRemove: () => ({ok: true, value: undefined}),
  inventory: async () => [],
}
`)
      const before = await dumpNorthbound()
      const refused = await cli('plug', 'val1', '--chassis', 'hv1', '--type', 'vendor-nic', '--provider-module', module, '--option', 'slot=a')
      expect(refused.exitCode).toBe(3)
      expect(refused.stderr).toBe('ovn-vif-ctl: slot "a" is not a slot number (option vif-plug:vendor-nic:slot)\n')
      expect(await dumpNorthbound()).toBe(before)
      const accepted = await cli('plug', 'val1', '--chassis', 'hv1', '--type', 'vendor-nic', '--provider-module', module, '--option', 'slot=2')
      expect(accepted.exitCode).toBe(0)
      expect(await options('val1')).toEqual({'requested-chassis': 'hv1', 'vif-plug-type': 'vendor-nic', 'vif-plug:vendor-nic:slot': '2'})
    })

    it('--force writes a type only ovn-controller knows, to a chassis not registered yet', async () => {
      const result = await cli('plug', 'val1', '--chassis', 'hv9', '--type', 'other-nic', '--option', 'slot=2', '--force')
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain('val1: note: chassis "hv9" is not registered in the Southbound DB')
      expect(await options('val1')).toEqual({'requested-chassis': 'hv9', 'vif-plug-type': 'other-nic', 'vif-plug:other-nic:slot': '2'})
    })
  })
})
