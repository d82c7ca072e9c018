import {describe, expect, it} from 'vitest'

import {run} from '../../src/sandbox/daemon.js'
import {useSandbox} from '../helpers/sandbox.js'

describe('sandbox of real OVN servers', () => {
  const sandbox = useSandbox()

  it('registers its chassis and lets ovn-controller claim a port added with ovs-vsctl', async () => {
    const {nbDb, sbDb, chassis} = sandbox()
    const hv1 = chassis[0]!
    await run('ovn-nbctl', [`--db=${nbDb}`, 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'lsp1'])
    await run('ovs-vsctl', [
      `--db=${hv1.db}`,
      'add-port', 'br-int', 'lsp1', '--',
      'set', 'Interface', 'lsp1', 'type=internal', 'external_ids:iface-id=lsp1',
    ])
    await run('ovn-sbctl', [`--db=${sbDb}`, '--timeout=20', 'wait-until', 'Port_Binding', 'lsp1', 'up=true'])

    const chassisUuid = (await run('ovn-sbctl', [`--db=${sbDb}`, '--bare', '--columns=_uuid', 'find', 'Chassis', 'name=hv1'])).trim()
    const binding = await run('ovn-sbctl', [`--db=${sbDb}`, '--bare', '--columns=chassis,up', 'find', 'Port_Binding', 'logical_port=lsp1'])
    expect(binding.split('\n').map((line) => line.trim()).filter(Boolean)).toEqual([chassisUuid, 'true'])
  })
})
