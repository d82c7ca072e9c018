import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {dateWhenCounted, readCommits} from '../../../bench/reconcile/commit-log.js'
import {run} from '../../../src/sandbox/daemon.js'
import {VSWITCH_SCHEMA} from '../../../src/sandbox/sandbox.js'

describe('bench commit log: what a database file says was committed when', () => {
  let dir: string
  let dbFile: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-commit-log-'))
    dbFile = path.join(dir, 'conf.db')
    await run('ovsdb-tool', ['create', dbFile, VSWITCH_SCHEMA])
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  const transact = (...operations: object[]) => run('ovsdb-tool', ['transact', dbFile, JSON.stringify(['Open_vSwitch', ...operations])])
  const plugTwo = (bridge: string) =>
    transact(
      {op: 'insert', table: 'Interface', row: {name: `${bridge}-a`}, 'uuid-name': 'a'},
      {op: 'insert', table: 'Interface', row: {name: `${bridge}-b`}, 'uuid-name': 'b'},
      {op: 'insert', table: 'Port', row: {name: `${bridge}-a`, interfaces: ['named-uuid', 'a']}, 'uuid-name': 'pa'},
      {op: 'insert', table: 'Port', row: {name: `${bridge}-b`, interfaces: ['named-uuid', 'b']}, 'uuid-name': 'pb'},
      {op: 'insert', table: 'Bridge', row: {name: bridge, ports: ['set', [['named-uuid', 'pa'], ['named-uuid', 'pb']]]}, 'uuid-name': 'br'},
      {op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['set', [['named-uuid', 'br']]]]]},
    )

  it('counts the rows each commit inserted and deleted, from a given time on, and when a count was reached', async () => {
    await transact({op: 'insert', table: 'Open_vSwitch', row: {}})
    await plugTwo('old')
    await sleep(20)
    const since = Date.now()
    await plugTwo('br-int')
    // A change to existing rows inserts nothing, though the record carries them.
    await transact({op: 'update', table: 'Interface', where: [['name', '==', 'br-int-a']], row: {mtu_request: 1500}})
    // Bridge, Port and Interface are not root tables: once nothing refers to the bridges, the server deletes them all.
    await transact({op: 'update', table: 'Open_vSwitch', where: [], row: {bridges: ['set', []]}})

    const commits = await readCommits(dbFile, since)
    expect(commits.map((commit) => [Object.fromEntries(commit.inserted), Object.fromEntries(commit.deleted)])).toEqual([
      [{Interface: 2}, {}],
      [{}, {}],
      [{}, {Interface: 4}],
    ])
    expect(commits.every((commit) => commit.date >= since && commit.date <= Date.now())).toBe(true)
    expect(dateWhenCounted(commits, 'Interface', 'inserted', 2)).toBe(commits[0]!.date)
    expect(dateWhenCounted(commits, 'Interface', 'deleted', 1)).toBe(commits[2]!.date)
    expect(dateWhenCounted(commits, 'Interface', 'inserted', 3)).toBeNull()
  })
})
