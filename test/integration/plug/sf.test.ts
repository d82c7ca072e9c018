import {mkdtemp, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {eventually} from '../../helpers/ovs.js'
import {useSandbox} from '../../helpers/sandbox.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const fixture = path.resolve(here, '../../fixtures/providers/representor/dpu-sf')
const recorded = ['--devlink-json', path.join(fixture, 'devlink.json'), '--sysfs-root', path.join(fixture, 'sysfs')]
const HOST_PF0 = '0c:42:a1:00:00:01'
const HOST_PF1 = '0c:42:a1:00:00:02'
const SF_KEY = 'vif-plug:representor:sf-num'

interface StatusRow {
  lport: string
  state: string
  reason: string
  interface: string | null
}

describe('plug --sf-num and SF representors against real OVN servers', () => {
  const sandbox = useSandbox({chassis: ['hv1'], controller: true})
  let fileDir: string
  const hv1 = () => sandbox().chassis[0]!

  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const cli = (...args: string[]) => runCli([...args, `--nb-db=${sandbox().nbDb}`, `--sb-db=${sandbox().sbDb}`])
  const dumpNorthbound = () => run('ovsdb-client', ['dump', sandbox().nbDb, 'OVN_Northbound'])
  const plugSf = (lsp: string, ...args: string[]) => cli('plug', lsp, '--chassis', 'hv1', '--type', 'representor', '--pf-mac', HOST_PF0, ...args)

  async function requestFile(name: string, lines: string[]): Promise<string> {
    const file = path.join(fileDir, name)
    await writeFile(file, `${lines.join('\n')}\n`)
    return file
  }

  async function statusRows(): Promise<Record<string, StatusRow>> {
    const result = await runCli(['status', '--db', hv1().db, '--nb-db', sandbox().nbDb, ...recorded, '-f', 'json'])
    return Object.fromEntries((JSON.parse(result.stdout) as {rows: StatusRow[]}).rows.map((row) => [row.lport, row]))
  }

  beforeAll(async () => {
    fileDir = await mkdtemp(path.join(os.tmpdir(), 'plug-sf-files-'))
    // --wait=hv: ovn-northd sets each new port's up column, and NB_Global.hv_cfg follows once hv1's
    // ovn-controller has caught up; both must happen before the first "writes nothing" dump.
    await nbctl('--wait=hv', 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'sf-bad', '--', 'lsp-add', 'sw0', 'sf-a', '--', 'lsp-add', 'sw0', 'sf-b')
  })

  it('refuses every malformed sf-num with exit 3, one line naming the range, and writes nothing', async () => {
    const before = await dumpNorthbound()
    for (const value of ['-1', '4294967296', '0x58', '1e3', ' 88', '8 8', '+88', '88.0']) {
      const result = await plugSf('sf-bad', `--sf-num=${value}`)
      expect(result.exitCode, value).toBe(3)
      expect(result.stderr, value).toBe(`ovn-vif-ctl: sf-num "${value}" is not an integer from 0 to 4294967295 (option ${SF_KEY})\n`)
    }

    const empty = await plugSf('sf-bad', '--sf-num=')
    expect(empty.exitCode).toBe(3)
    expect(empty.stderr).toBe(`ovn-vif-ctl: option ${SF_KEY} has an empty value: give a value, or leave the option out to remove it\n`)

    const csv = await requestFile('bad-sf.csv', ['lsp,chassis,type,pf-mac,sf-num', `sf-bad,hv1,representor,${HOST_PF0},0x58`])
    const fromFile = await cli('plug', '--from-file', csv)
    expect(fromFile.exitCode).toBe(3)
    expect(fromFile.stderr).toBe(`ovn-vif-ctl: ${csv} line 2: sf-num "0x58" is not an integer from 0 to 4294967295 (option ${SF_KEY})\n`)
    expect(await dumpNorthbound()).toBe(before)
  })

  it('refuses vf-num with sf-num at plug, from flags and from a file line, and writes nothing', async () => {
    const before = await dumpNorthbound()
    const flags = await plugSf('sf-bad', '--vf-num', '3', '--sf-num', '88')
    expect(flags.exitCode).toBe(3)
    expect(flags.stderr).toBe('ovn-vif-ctl: vf-num and sf-num cannot be given together: give one of them\n')

    const jsonl = await requestFile('both.jsonl', [`{"lsp": "sf-a", "sf-num": 88}`, `{"lsp": "sf-bad", "vf-num": 3, "sf-num": 88}`])
    const fromFile = await cli('plug', '--from-file', jsonl, '--chassis', 'hv1', '--type', 'representor', '--pf-mac', HOST_PF0)
    expect(fromFile.exitCode).toBe(3)
    expect(fromFile.stderr).toBe(`ovn-vif-ctl: ${jsonl} line 2: vf-num and sf-num cannot be given together: give one of them\n`)
    expect(await dumpNorthbound()).toBe(before)
  })

  it('plugs SFs of the same number on two PFs, and leaves pending, with the reason, a missing, an inactive and a doubly named SF', async () => {
    const csv = await requestFile('sfs.csv', [
      'lsp,pf-mac,sf-num',
      `sf-a,${HOST_PF0},88`,
      `sf-b,${HOST_PF1},88`,
      `sf-none,${HOST_PF0},7`,
      `sf-off,${HOST_PF0},89`,
    ])
    await nbctl('lsp-add', 'sw0', 'sf-none', '--', 'lsp-add', 'sw0', 'sf-off', '--', 'lsp-add', 'sw0', 'sf-both')
    expect((await cli('plug', '--from-file', csv, '--chassis', 'hv1', '--type', 'representor', '--wait', 'sb')).exitCode).toBe(0)
    // Written past plug (by a CMS, or by hand): the provider refuses it too.
    await nbctl('--wait=sb', 'set', 'Logical_Switch_Port', 'sf-both', 'options:requested-chassis=hv1', 'options:vif-plug-type=representor',
      `options:"vif-plug:representor:pf-mac"="${HOST_PF0}"`, 'options:"vif-plug:representor:vf-num"=3', `options:"${SF_KEY}"=88`)

    const reconciled = await runCli(['reconcile', '--db', hv1().db, ...recorded])
    expect(reconciled.exitCode).toBe(1)
    expect(reconciled.stdout).toMatch(/^created +sf-a \(interface en3f0c1pf0sf88\)/m)
    expect(reconciled.stdout).toMatch(/^created +sf-b \(interface en3f1c1pf1sf88\)/m)

    const rows = await eventually('ovn-controller to claim sf-a and sf-b', async () => {
      const current = await statusRows()
      return current['sf-a']?.state === 'plugged' && current['sf-b']?.state === 'plugged' ? current : undefined
    })
    expect(rows['sf-a']).toMatchObject({interface: 'en3f0c1pf0sf88', reason: 'plugged as en3f0c1pf0sf88 and claimed by this chassis'})
    expect(rows['sf-b']).toMatchObject({interface: 'en3f1c1pf1sf88'})
    expect(rows['sf-none']).toMatchObject({state: 'pending', reason: `no SF representor for pf-mac ${HOST_PF0} sf 7 (that PF has SFs 88-91)`})
    expect(rows['sf-off']).toMatchObject({
      state: 'pending',
      reason: `the SF representor for pf-mac ${HOST_PF0} sf 89 (devlink port pci/0000:03:00.0/229377) is not active (function state inactive, opstate detached); activate it on the DPU with: devlink port function set pci/0000:03:00.0/229377 state active`,
    })
    expect(rows['sf-both']).toMatchObject({state: 'pending', reason: 'vf-num 3 and sf-num 88 are both set: a port names a VF or an SF of its PF, not both; plug it again with one of them'})
  })
})
