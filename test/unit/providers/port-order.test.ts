import {describe, expect, it} from 'vitest'

import {compareDevlinkPortNames} from '../../../src/providers/representor/port-order.js'
import {randomInt, seededRandom} from '../../helpers/prng.js'

const collator = new Intl.Collator('en', {numeric: true})

/** Pieces of names: devlink's own, and what sends a comparison to the collator (capitals, punctuation, other scripts' digits, leading zeros). */
const PIECES = ['pci/', 'auxiliary/', 'mlx5_core.sf.', '0000:03:00.', 'a', 'b', 'z', '0', '1', '9', '00', '12', '007', '229376', '4294967295', '.', '/', ':', '_', '-', 'A', 'B', 'é', '٣', ' ']

function randomName(random: () => number, start: string): string {
  return start + Array.from({length: randomInt(random, 5)}, () => PIECES[randomInt(random, PIECES.length)]).join('')
}

describe('compareDevlinkPortNames', () => {
  it('orders as Intl.Collator en with numeric collation does, for any two names (100,000 random pairs sharing a start)', () => {
    const random = seededRandom(22)
    for (let pair = 0; pair < 100_000; pair++) {
      const start = randomName(random, '')
      const [a, b] = [randomName(random, start), randomName(random, start)]
      expect(Math.sign(compareDevlinkPortNames(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(collator.compare(a, b)))
    }
  })

  it('sorts the ports of a devlink dump by device, then by port index as a number', () => {
    const names = ['pci/0000:03:00.1/229376', 'pci/0000:03:00.0/229377', 'auxiliary/mlx5_core.sf.10/1', 'pci/0000:03:00.0/4096', 'pci/0000:03:00.0/65535', 'auxiliary/mlx5_core.sf.2/1']
    expect(names.toSorted(compareDevlinkPortNames)).toEqual([
      'auxiliary/mlx5_core.sf.2/1',
      'auxiliary/mlx5_core.sf.10/1',
      'pci/0000:03:00.0/4096',
      'pci/0000:03:00.0/65535',
      'pci/0000:03:00.0/229377',
      'pci/0000:03:00.1/229376',
    ])
  })
})
