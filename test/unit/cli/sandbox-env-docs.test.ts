import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import SandboxEnv from '../../../src/commands/sandbox/env.js'
import {sandboxEnv} from '../../../src/sandbox/sandbox.js'

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md')

describe('the variables `sandbox env` exports', () => {
  const exported = Object.keys(
    sandboxEnv({
      dir: '/tmp/ovn',
      nbDb: 'unix:/tmp/ovn/nb/nb.sock',
      sbDb: 'unix:/tmp/ovn/sb/sb.sock',
      clustered: false,
      chassis: [{name: 'hv1', dir: '/tmp/ovn/hv1', db: 'unix:/tmp/ovn/hv1/db.sock', encapIp: '127.0.0.11', controller: true, vifPlug: false}],
      daemons: [],
    }),
  )

  it('are each named in its description', () => {
    for (const name of exported) expect(SandboxEnv.description, name).toContain(name)
  })

  it('are each named where the README evaluates it', async () => {
    const line = (await readFile(README, 'utf8')).split('\n').find((text) => text.startsWith('eval "$(ovn-vif-ctl sandbox env'))
    for (const name of exported) expect(line, name).toMatch(new RegExp(`\\b${name}\\b`))
  })
})
