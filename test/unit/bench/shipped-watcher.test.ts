import {spawnSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {SHIPPED_WATCHER_ENV, unitEnvironment} from '../../../bench/shipped-watcher.js'

describe('bench/shipped-watcher', () => {
  it('reads every assignment of a unit\'s Environment= lines, a double-quoted one whole', () => {
    const unit = ['[Service]', '# Environment=COMMENTED=1', 'Environment="A=x y" B=2', 'EnvironmentFile=-/etc/default/x', 'Environment=C=3=4'].join('\n')
    expect(unitEnvironment(unit)).toEqual({A: 'x y', B: '2', C: '3=4'})
  })

  it('is the packaged unit\'s, and the runtime starts with it (NODE_OPTIONS takes only some flags)', () => {
    expect(Object.keys(SHIPPED_WATCHER_ENV)).toContain('NODE_OPTIONS')
    const started = spawnSync(process.execPath, ['-e', 'process.stdout.write("started")'], {env: {...process.env, ...SHIPPED_WATCHER_ENV}, encoding: 'utf8'})
    expect(started.stderr).toBe('')
    expect(started.stdout).toBe('started')
  })
})
