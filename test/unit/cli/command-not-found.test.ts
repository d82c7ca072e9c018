import {describe, expect, it} from 'vitest'

import {closestCommands} from '../../../src/hooks/command-not-found.js'

const NAMES = ['plug', 'unplug', 'status', 'sandbox', 'sandbox start', 'sandbox status', 'sandbox stop', 'reconcile', 'doctor']

describe('the commands suggested for a typo', () => {
  it('suggests a command with two letters swapped', () => {
    expect(closestCommands('plgu', NAMES)).toEqual(['plug'])
    expect(closestCommands('statsu', NAMES)).toEqual(['status'])
  })

  it('suggests a subcommand typed with its topic', () => {
    expect(closestCommands('sandbox strat', NAMES)).toEqual(['sandbox start'])
  })

  it('names every command equally close, in order', () => {
    expect(closestCommands('sandbox sto', NAMES)).toEqual(['sandbox stop'])
    expect(closestCommands('sandbox sta', NAMES)).toEqual(['sandbox start', 'sandbox stop'])
  })

  it('suggests nothing for a word close to no command', () => {
    expect(closestCommands('xyzzy', NAMES)).toEqual([])
  })
})
