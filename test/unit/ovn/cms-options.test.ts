import {describe, expect, it} from 'vitest'

import {cardSerialOf, cardSerialProblem, cmsOptionEntries, cmsOptionValue, withCmsOption} from '../../../src/ovn/cms-options.js'

describe('ovn-cms-options', () => {
  it('splits on commas, skipping empty entries and keeping spaces as written', () => {
    expect(cmsOptionEntries('enable-chassis-as-gw,,card-serial-number=MT1, x')).toEqual(['enable-chassis-as-gw', 'card-serial-number=MT1', ' x'])
    expect(cmsOptionEntries(undefined)).toEqual([])
    expect(cmsOptionEntries('')).toEqual([])
  })

  it('reads the first value of a key, and the card serial number', () => {
    expect(cmsOptionValue('a=1,card-serial-number=MT2232X01234,a=2', 'a')).toBe('1')
    expect(cardSerialOf('enable-chassis-as-gw,card-serial-number=MT2232X01234')).toBe('MT2232X01234')
    expect(cardSerialOf('enable-chassis-as-gw')).toBeUndefined()
    expect(cardSerialOf('card-serial-number')).toBeUndefined()
    // A key that merely starts like another is not that key.
    expect(cardSerialOf('card-serial-number-old=X')).toBeUndefined()
  })

  it('sets a key in place, keeps every other entry, and drops repeats of the key', () => {
    expect(withCmsOption('enable-chassis-as-gw,card-serial-number=OLD,availability-zones=az1', 'card-serial-number', 'NEW')).toBe('enable-chassis-as-gw,card-serial-number=NEW,availability-zones=az1')
    expect(withCmsOption('enable-chassis-as-gw', 'card-serial-number', 'NEW')).toBe('enable-chassis-as-gw,card-serial-number=NEW')
    expect(withCmsOption(undefined, 'card-serial-number', 'NEW')).toBe('card-serial-number=NEW')
    expect(withCmsOption('card-serial-number=A,x,card-serial-number=B', 'card-serial-number', 'C')).toBe('card-serial-number=C,x')
  })

  it('removes a key when the value is undefined', () => {
    expect(withCmsOption('enable-chassis-as-gw,card-serial-number=OLD', 'card-serial-number', undefined)).toBe('enable-chassis-as-gw')
    expect(withCmsOption('card-serial-number', 'card-serial-number', undefined)).toBe('')
  })

  it('refuses a card serial that could not be one exact entry of the list', () => {
    expect(cardSerialProblem('MT2232X01234')).toBeUndefined()
    expect(cardSerialProblem('e8:eb:d3:03:00:aa:bb:cc')).toBeUndefined()
    expect(cardSerialProblem('')).toBe('is empty')
    expect(cardSerialProblem('MT1,MT2')).toBe('contains a comma, which separates ovn-cms-options entries')
    expect(cardSerialProblem('card-serial-number=MT1')).toBe("contains '=', which separates an entry's key from its value")
    expect(cardSerialProblem('MT 1')).toBe('contains white space')
    expect(cardSerialProblem('MT1\t')).toBe('contains white space')
    expect(cardSerialProblem('MT1\u0007')).toBe('contains control or non-ASCII characters')
    expect(cardSerialProblem('MT\u00e91')).toBe('contains control or non-ASCII characters')
  })
})
