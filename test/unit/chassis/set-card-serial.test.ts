import {describe, expect, it} from 'vitest'

import {chooseSerial} from '../../../src/chassis/set-card-serial.js'
import type {Card, CardSerialReport} from '../../../src/dpu/card-serial.js'

function card(serial: string, address: string): Card {
  return {serial, source: 'PCI VPD SN', functions: [{address, vpd: {serial}, serial, source: 'PCI VPD SN'}], notes: []}
}

const report = (...cards: Card[]): CardSerialReport => ({cards, notes: []})

describe('chooseSerial', () => {
  it("takes the one NIC's serial, or the SERIAL that names one of several", () => {
    expect(chooseSerial(undefined, report(card('MT1', '0000:03:00.0')))).toEqual({serial: 'MT1'})
    expect(chooseSerial('MT2', report(card('MT1', '0000:03:00.0'), card('MT2', '0000:81:00.0')))).toEqual({serial: 'MT2'})
  })

  it("refuses a NIC's own serial that could not be one ovn-cms-options entry, writing nothing", () => {
    expect(() => chooseSerial(undefined, report(card('MT 1,2', '0000:03:00.0')))).toThrow(
      expect.objectContaining({exitCode: 3, message: 'the NIC\'s serial "MT 1,2" (0000:03:00.0) contains a comma, which separates ovn-cms-options entries, so it cannot be one entry of ovn-cms-options; nothing written'}),
    )
  })

  it('refuses a malformed SERIAL as a rejected value (exit 3), as plug --card-serial-number does', () => {
    expect(() => chooseSerial('MT1,MT2', report(card('MT1', '0000:03:00.0')))).toThrow(
      expect.objectContaining({exitCode: 3, name: 'ValidationError', message: 'SERIAL "MT1,MT2" contains a comma, which separates ovn-cms-options entries: give the serial as the NIC reports it (ovn-vif-ctl chassis show); nothing written'}),
    )
  })
})
