import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../../src/lib/errors.js'
import {checkCardSerial, resolveCardSerial} from '../../../src/plug/card-serial.js'
import {parseRequestFile} from '../../../src/plug/file.js'

const chassis = [
  {uuid: 'u1', name: 'hv1', hostname: 'dpu1.example.net', cmsOptions: 'enable-chassis-as-gw,card-serial-number=MT1'},
  {uuid: 'u2', name: 'hv2', hostname: 'dpu2.example.net', cmsOptions: 'card-serial-number=MT2'},
  {uuid: 'u3', name: 'hv3', hostname: 'hv3'},
]

describe('resolveCardSerial', () => {
  it('gives the hostname of the one chassis whose ovn-cms-options has the serial, matched exactly', () => {
    expect(resolveCardSerial(chassis, 'MT1')).toBe('dpu1.example.net')
    expect(() => resolveCardSerial(chassis, 'mt1')).toThrow(ValidationError)
  })

  it('names the registered serials when none matches', () => {
    expect(() => resolveCardSerial(chassis, 'MT9')).toThrow('registered serials: MT1 (hv1), MT2 (hv2)')
    expect(() => resolveCardSerial([chassis[2]!], 'MT9')).toThrow('no chassis has a card-serial-number in its ovn-cms-options')
  })

  it('names both chassis when two carry the serial', () => {
    const twice = [...chassis, {uuid: 'u4', name: 'hv4', hostname: 'hv4', cmsOptions: 'card-serial-number=MT2'}]
    expect(() => resolveCardSerial(twice, 'MT2')).toThrow('more than one chassis, hv2 (hostname dpu2.example.net) and hv4 (hostname hv4)')
    expect(() => resolveCardSerial(twice.toReversed(), 'MT2')).toThrow('more than one chassis, hv2 (hostname dpu2.example.net) and hv4 (hostname hv4)')
  })
})

describe('checkCardSerial', () => {
  it('refuses what cannot be one ovn-cms-options entry', () => {
    expect(checkCardSerial('MT2232X01234')).toBe('MT2232X01234')
    for (const bad of ['', 'a,b', 'a b', 'a=b', 'MT\u0001X', 'MTé']) expect(() => checkCardSerial(bad)).toThrow(ValidationError)
  })
})

describe('card-serial-number in request files', () => {
  it('reads the column and the JSON key', () => {
    expect(parseRequestFile('lsp,card-serial-number,type\nvm1,MT1,dummy\n', 'p.csv')[0]).toEqual({lsp: 'vm1', cardSerial: 'MT1', type: 'dummy', options: [], where: 'p.csv line 2'})
    expect(parseRequestFile('{"lsp": "vm1", "card-serial-number": "MT1", "type": "dummy"}\n', 'p.jsonl')[0]).toMatchObject({cardSerial: 'MT1', options: []})
  })
})
