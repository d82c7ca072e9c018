import {describe, expect, it} from 'vitest'

import {builtInProviderTypes, judgeCoexistence, judgeControllerVersion, parseOvnVersion, vifPlugBehaviours} from '../../../src/doctor/controller-build.js'

const NAME_TAKEN = /Transaction causes multiple rows/
const HELD_OFF = /does not unplug for about 10 s after it starts/
const VF_CHANGE = /please recreate port", ovn-org\/ovn#312/

describe('the ovn-controller release and its vif-plug behaviours', () => {
  it('reads the release from --version, ignoring a distro suffix', () => {
    expect(parseOvnVersion('ovn-controller 23.03.1\nOpen vSwitch Library 3.1.0\n')).toEqual({major: 23, minor: 3, patch: 1})
    expect(parseOvnVersion('ovn-controller 24.03.2-0ubuntu0.24.04.1')).toEqual({major: 24, minor: 3, patch: 2})
    expect(parseOvnVersion('ovn-controller (something else)')).toBeUndefined()
  })

  it.each([
    ['23.03.1', [NAME_TAKEN, HELD_OFF, VF_CHANGE]],
    ['24.09.3', [NAME_TAKEN, HELD_OFF, VF_CHANGE]],
    ['25.03.0', [HELD_OFF, VF_CHANGE]],
    ['25.09.1', [VF_CHANGE]],
    ['26.03.0', [VF_CHANGE]],
  ])('names for %s exactly the behaviours of that release', (release, expected) => {
    const behaviours = vifPlugBehaviours(parseOvnVersion(release)!)
    expect(behaviours).toHaveLength(expected.length)
    expected.forEach((pattern, index) => expect(behaviours[index]).toMatch(pattern))
  })

  it('says a release before 21.12 has no VIF plug providers at all', () => {
    expect(vifPlugBehaviours({major: 21, minor: 9, patch: 0})).toEqual(['it has no VIF plug providers (they came in 21.12)'])
  })

  it('is information only: from the binary, else from the Chassis row, else unknown', () => {
    const binary = {path: '/usr/bin/ovn-controller', versionLine: 'ovn-controller 23.03.1', builtInTypes: []}
    expect(judgeControllerVersion(binary, '25.09.0')).toMatchObject({result: 'info', detail: expect.stringMatching(/^23\.03\.1 \(from \/usr\/bin\/ovn-controller --version\): a plug may fail/)})
    const unreadable = {path: undefined, problem: 'no ovn-controller on PATH (nor in /usr/sbin, /sbin)'}
    expect(judgeControllerVersion(unreadable, '25.09.0-20.41.0-72.0')).toMatchObject({result: 'info', detail: expect.stringMatching(/^25\.09\.0 \(from the Chassis row's other_config:ovn-version\): it refuses/)})
    expect(judgeControllerVersion(unreadable, undefined)).toEqual({result: 'info', detail: 'the ovn-controller version is unknown: no ovn-controller on PATH (nor in /usr/sbin, /sbin)'})
  })
})

describe('the providers built into ovn-controller, next to ours', () => {
  it('finds the provider types whose vif-plug:TYPE:KEY option keys the binary names', () => {
    const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from('vif-plug:representor:pf-mac\0vif-plug:representor:vf-num\0vif-plug-type\0vif-plug-mtu-request\0')])
    expect(builtInProviderTypes(binary)).toEqual(['representor'])
    expect(builtInProviderTypes(Buffer.from('vif-plug-type\0vif-plug-mtu-request\0'))).toEqual([])
  })

  it('informs, never fails, when a built-in provider serves a type loaded here; passes otherwise', () => {
    const debian = {path: '/usr/bin/ovn-controller', versionLine: 'ovn-controller 23.03.1', builtInTypes: ['representor']}
    expect(judgeCoexistence(debian, ['dummy', 'representor'])).toMatchObject({result: 'info', detail: expect.stringContaining('it and reconcile both plug ports of type representor; they converge')})
    expect(judgeCoexistence(debian, ['dummy'])).toEqual({result: 'pass', detail: '/usr/bin/ovn-controller has only representor built in: it plugs none of the types loaded here'})
    expect(judgeCoexistence({...debian, builtInTypes: []}, ['representor'])).toMatchObject({result: 'pass', detail: expect.stringContaining('has no VIF plug provider built in')})
    expect(judgeCoexistence({path: '/x/ovn-controller', problem: 'EACCES'}, ['representor'])).toEqual({result: 'info', detail: 'cannot tell which providers ovn-controller has built in: EACCES'})
  })
})
