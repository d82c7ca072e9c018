import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {summariseProfile} from '../../../bench/cpu-profile.js'

const frame = (functionName: string, url: string, lineNumber = 0) => ({functionName, url, lineNumber, columnNumber: 0, scriptId: '0'})

describe('bench cpu-profile: self time from a node --cpu-prof profile', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-cpu-profile-'))
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('gives each sample the time until the next, summed per function and per script, largest first', async () => {
    const profile = {
      nodes: [
        {id: 1, callFrame: frame('(root)', '')},
        {id: 2, callFrame: frame('parse', 'file:///x/dist/ovn-vif-ctl.js', 9)},
        {id: 3, callFrame: frame('', 'file:///x/node_modules/@oclif/core/lib/config.js', 1)},
        {id: 4, callFrame: frame('compile', 'node:internal/modules/esm/utils', 3)},
        {id: 5, callFrame: frame('load', 'file:///x/node_modules/@oclif/core/lib/config.js', 40)},
        {id: 6, callFrame: frame('(garbage collector)', '')},
        {id: 7, callFrame: frame('parse', '')},
      ],
      startTime: 0,
      endTime: 16_000,
      samples: [2, 3, 2, 4, 5, 6, 7, 1],
      timeDeltas: [500, 1000, 2000, 4000, 1000, 4000, 3000, 3000],
    }
    await writeFile(path.join(dir, 'CPU.1.cpuprofile'), JSON.stringify(profile))

    const summary = await summariseProfile(dir, 4)

    const bundle = path.relative(process.cwd(), '/x/dist/ovn-vif-ctl.js')
    expect(summary.totalMs).toBe(18)
    expect(summary.functions).toEqual([
      {name: `parse ${bundle}:10`, ms: 5, share: 5 / 18},
      {name: 'load @oclif/core:41', ms: 4, share: 4 / 18},
      {name: '(garbage collector)', ms: 3, share: 3 / 18},
      {name: 'parse', ms: 3, share: 3 / 18},
    ])
    expect(summary.scripts.map(({name, ms}) => [name, ms])).toEqual([
      ['@oclif/core', 6],
      [bundle, 5],
      ['(garbage collector)', 3],
      ['(native)', 3],
    ])
  })

  it('says so when the directory holds no profile', async () => {
    await expect(summariseProfile(dir)).rejects.toThrow(`no .cpuprofile in ${dir}`)
  })
})
