import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {UnreachableError, MissingDependencyError, ValidationError} from '../../../src/lib/errors.js'
import {MAX_DEVLINK_DUMP_BYTES, parseDevlinkPortDump, runDevlinkPortShow} from '../../../src/providers/representor/devlink.js'
import {fakeDevlink, removeFakeDevlinks, scenario} from './helpers.js'

function portDump(attributes: Record<string, unknown>, key = 'pci/0000:03:00.0/4097'): string {
  return JSON.stringify({port: {[key]: attributes}})
}

describe('parseDevlinkPortDump', () => {
  it('reads physical, pcipf, pcivf and pcisf ports', () => {
    const {ports, skipped} = parseDevlinkPortDump(scenario('dpu-2pf-8vf').devlinkJson)
    const count = (flavour: string) => ports.filter((port) => port.flavour === flavour).length
    expect([count('physical'), count('pcipf'), count('pcivf'), count('pcisf')]).toEqual([2, 4, 16, 2])
    expect(skipped).toEqual([])
    expect(ports.find((port) => port.netdev === 'c1pf0vf3')).toEqual({
      key: 'pci/0000:03:00.0/4100',
      device: 'pci/0000:03:00.0',
      flavour: 'pcivf',
      netdev: 'c1pf0vf3',
      port: undefined,
      controller: 1,
      external: true,
      pfnum: 0,
      vfnum: 3,
      sfnum: undefined,
      hwAddr: '0c:42:a1:00:10:03',
      functionState: undefined,
      functionOpstate: undefined,
    })
  })

  it('reads an SF port\'s sfnum (a u32), its own hw_addr and its function state and opstate', () => {
    const sf = {flavour: 'pcisf', controller: 1, pfnum: 0, sfnum: 4_294_967_295, external: true, netdev: 'en3f0c1pf0sf1', function: {hw_addr: '0C:42:A1:00:20:01', state: 'inactive', opstate: 'detached'}}
    expect(parseDevlinkPortDump(portDump(sf)).ports).toEqual([{
      key: 'pci/0000:03:00.0/4097',
      device: 'pci/0000:03:00.0',
      flavour: 'pcisf',
      netdev: 'en3f0c1pf0sf1',
      port: undefined,
      controller: 1,
      external: true,
      pfnum: 0,
      vfnum: undefined,
      sfnum: 4_294_967_295,
      hwAddr: '0c:42:a1:00:20:01',
      functionState: 'inactive',
      functionOpstate: 'detached',
    }])
  })

  it('skips other flavours with a note', () => {
    const {ports, skipped} = parseDevlinkPortDump(portDump({flavour: 'virtual'}))
    expect(ports).toEqual([])
    expect(skipped).toEqual(['skipping devlink port pci/0000:03:00.0/4097: flavour "virtual" is not physical, pcipf, pcivf or pcisf'])
  })

  it('treats an all-zero function hw_addr as none, and a missing controller as the local host', () => {
    const [port] = parseDevlinkPortDump(portDump({flavour: 'pcipf', pfnum: 0, function: {hw_addr: '00:00:00:00:00:00'}})).ports
    expect(port?.hwAddr).toBeUndefined()
    expect(port?.controller).toBe(0)
    expect(port?.external).toBe(false)
  })

  it.each([
    ['not JSON', '{"port": {', /devlink port dump is not JSON .*expected the output of `devlink -j port show`/],
    ['no port object', '{"dev": {}}', /has no "port" object/],
    ['an array', '[]', /has no "port" object/],
    ['a bad port name', JSON.stringify({port: {'eth0': {flavour: 'pcivf'}}}), /port named "eth0", expected <bus>\/<device>\/<index>/],
    ['non-object attributes', JSON.stringify({port: {'pci/0000:03:00.0/1': 'pcivf'}}), /pci\/0000:03:00\.0\/1: attributes are not an object/],
    ['a textual vfnum', portDump({flavour: 'pcivf', pfnum: 0, vfnum: 'three'}), /4097: "vfnum" is "three", expected a non-negative integer/],
    ['a missing pfnum', portDump({flavour: 'pcivf', vfnum: 3}), /4097: "pfnum" is missing/],
    ['a bad hw_addr', portDump({flavour: 'pcipf', pfnum: 0, function: {hw_addr: 'zz'}}), /"function.hw_addr" is "zz", expected a MAC address/],
    ['a netdev name that escapes sysfs', portDump({flavour: 'pcipf', pfnum: 0, netdev: '../../etc'}), /"netdev" is "..\/..\/etc", which is not a valid netdev name/],
    ['a netdev name over 15 bytes', portDump({flavour: 'pcipf', pfnum: 0, netdev: 'a-netdev-name-too-long'}), /not a valid netdev name/],
    ['an SF without sfnum', portDump({flavour: 'pcisf', pfnum: 0, controller: 1}), /4097: "sfnum" is missing/],
    ['a negative sfnum', portDump({flavour: 'pcisf', pfnum: 0, sfnum: -1}), /4097: "sfnum" is -1, expected a non-negative integer/],
    ['an SF function state that is not a word', portDump({flavour: 'pcisf', pfnum: 0, sfnum: 1, function: {state: 1}}), /"function.state" is 1, expected a word such as active or attached/],
    ['an SF function opstate that is not a word', portDump({flavour: 'pcisf', pfnum: 0, sfnum: 1, function: {opstate: 'at tached'}}), /"function.opstate" is "at tached"/],
    ['a textual external', portDump({flavour: 'pcivf', pfnum: 0, vfnum: 1, external: 'yes'}), /"external" is "yes", expected true or false/],
  ])('rejects %s with a ValidationError naming what is wrong', (_case, text, message) => {
    expect(() => parseDevlinkPortDump(text)).toThrow(ValidationError)
    expect(() => parseDevlinkPortDump(text)).toThrow(message)
  })

  it('does not validate the attributes of flavours it skips, nor the function state of a VF, which nothing reads', () => {
    expect(parseDevlinkPortDump(portDump({flavour: 'virtual', pfnum: 'n/a', netdev: 42})).ports).toEqual([])
    expect(parseDevlinkPortDump(portDump({flavour: 'pcivf', pfnum: 0, vfnum: 1, function: {state: 7}})).ports).toHaveLength(1)
  })

  it('refuses a dump larger than it will read, before parsing it', () => {
    const huge = `{"port": {}, "padding": "${'x'.repeat(MAX_DEVLINK_DUMP_BYTES)}"}`
    expect(() => parseDevlinkPortDump(huge)).toThrow(/devlink port dump is 16\.0 MiB, more than the 16\.0 MiB this tool reads/)
  })
})

describe('runDevlinkPortShow', () => {
  afterAll(removeFakeDevlinks)

  it('runs devlink -j port show directly and returns its output', async () => {
    const {program, argvLog} = await fakeDevlink(`cat '${scenario('local-switchdev').devlinkFile}'`)
    expect(await runDevlinkPortShow(program)).toBe(scenario('local-switchdev').devlinkJson)
    expect(await readFile(argvLog, 'utf8')).toBe('-j port show\n')
  })

  it('fails naming the iproute2 package when devlink is not installed', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'devlink')
    await expect(runDevlinkPortShow(missing)).rejects.toThrow(MissingDependencyError)
    await expect(runDevlinkPortShow(missing)).rejects.toThrow(`${missing} not found: install the iproute2 package (apt-get install iproute2)`)
  })

  it('reports the first line of what a failing devlink printed', async () => {
    const {program} = await fakeDevlink(`echo 'Error: Failed to connect to devlink Netlink' >&2; echo 'more detail' >&2; exit 1`)
    const running = runDevlinkPortShow(program)
    await expect(running).rejects.toThrow(UnreachableError)
    await expect(running).rejects.toThrow(`${program} -j port show failed: Error: Failed to connect to devlink Netlink`)
  })
})
