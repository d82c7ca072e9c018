import {describe, expect, it} from 'vitest'

import {parseDevlinkPortDump} from '../../../src/providers/representor/devlink.js'
import {buildRepresentorTable, lookupRepresentor} from '../../../src/providers/representor/table.js'
import {generateSfDump} from '../../helpers/sf-dump.js'

/** The items as an array that counts reads of its elements (by index, as iteration, filter and find read them). */
function counted<T>(items: readonly T[]): {array: T[]; reads: () => number} {
  let reads = 0
  const array = new Proxy([...items], {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++
      return Reflect.get(target, property, receiver) as unknown
    },
  })
  return {array, reads: () => reads}
}

const noSysfs = {netdevs: new Map(), hostPfMac: async () => undefined}
const dump = generateSfDump({sfsPerPf: 500})

// A pass looks up every requested lport, and a DPU gives its host thousands of SFs: the work per
// port must not grow with their number. Counted in reads of the ports and of the table, not timed.
describe('representor table at SF density (generated dump, 2 PFs x 500 host SFs)', () => {
  it('is built reading each devlink port a bounded number of times', async () => {
    const {ports} = parseDevlinkPortDump(dump.json)
    const {array, reads} = counted(ports)
    const table = await buildRepresentorTable(array, noSysfs, () => {})
    // Every PF (the DPU's own and the host's) and every host SF.
    expect(table.representors).toHaveLength(4 + dump.sfs.length)
    expect(reads()).toBeLessThanOrEqual(10 * ports.length)
  })

  it('finds every SF by pf-mac and sfnum without scanning the table', async () => {
    const table = await buildRepresentorTable(parseDevlinkPortDump(dump.json).ports, noSysfs, () => {})
    const {array, reads} = counted(table.representors)
    const watched = {...table, representors: array}
    for (const sf of dump.sfs) {
      expect(lookupRepresentor(watched, sf.pfMac, {flavour: 'sf', number: sf.sfnum})).toMatchObject({ok: true, value: {netdev: sf.netdev}})
    }

    expect(reads()).toBe(0)
  })
})
