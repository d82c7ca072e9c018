import {describe, expect, it} from 'vitest'

import {runJs, runProgram} from '../../helpers/cli.js'

/**
 * oclif reads a positional argument the command line leaves out from stdin when stdin is no
 * terminal. A command in a script whose stdin is meant for a later command must neither take
 * that input for an argument nor consume it.
 */
describe('a command whose stdin holds input for what runs after it', () => {
  it.each([
    ['help', ['help']],
    ['status', ['status', '--db', 'unix:/nonexistent', '--nb-db', 'unix:/nonexistent', '--sb-db', 'unix:/nonexistent']],
  ])('%s leaves that input unread, for the next command', async (_name, args) => {
    // The CLI, then cat, in one shell sharing one stdin.
    const result = await runProgram('sh', ['-c', '"$0" "$@"; echo next:; cat', process.execPath, runJs, ...args], {input: 'vm1\n'})
    expect(result.stderr).not.toContain('vm1')
    expect(result.stdout).toMatch(/(^|\n)next:\nvm1\n$/)
  })
})
