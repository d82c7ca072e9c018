import {describe, expect, it} from 'vitest'

import {UnreachableError, MissingDependencyError, ServerError, UsageError, UserError, ValidationError} from '../../src/lib/errors.js'
import {ExitCode} from '../../src/lib/exit-codes.js'

describe('the kind of an operator error (its name, the `kind` of a --json error)', () => {
  it('follows the exit code, however the error was made', () => {
    expect(new UserError('x', ExitCode.Usage).name).toBe('UsageError')
    expect(new UserError('x', ExitCode.Validation).name).toBe('ValidationError')
    expect(new UserError('x', ExitCode.Connection).name).toBe('ConnectionError')
    expect(new UserError('x', ExitCode.MissingDependency).name).toBe('MissingDependencyError')
    expect([new UsageError('x'), new ValidationError('x'), new UnreachableError('x'), new MissingDependencyError('x')].map((error) => error.name)).toEqual([
      'UsageError',
      'ValidationError',
      'ConnectionError',
      'MissingDependencyError',
    ])
  })

  it('names a server that answered with an error apart from one that could not be reached, under the same exit code', () => {
    expect(new ServerError('x')).toMatchObject({name: 'ServerError', exitCode: ExitCode.Connection})
  })
})
