import {describe, expect, it} from 'vitest'

import {COMMANDS} from '../../../src/ovn-vif-ctl.js'

describe('repeatable flags', () => {
  // Greedy, `status --state pending vm1` would take vm1 as a second state.
  it('take one value per occurrence in every command that also takes arguments', () => {
    const withArguments = Object.entries(COMMANDS).filter(([, command]) => Object.keys(command.args ?? {}).length > 0)
    expect(withArguments.map(([id]) => id)).toEqual(expect.arrayContaining(['plug', 'status', 'providers:inventory']))
    for (const [id, command] of withArguments) {
      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        if (flag.type === 'option' && flag.multiple) expect(flag.multipleNonGreedy, `${id} --${name}`).toBe(true)
      }
    }
  })
})
