import {beforeAll, describe, expect, it} from 'vitest'

import {type Monitor, OvsdbClient, type RowChange} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {until, useOvsdbServer, useTestClient} from './helpers.js'

describe('monitors against a real ovsdb-server', () => {
  const server = useOvsdbServer()
  const testClient = useTestClient(server)
  let client: OvsdbClient

  beforeAll(() => {
    client = testClient()
  })

  async function insertParent(name: string, row: Record<string, unknown> = {}): Promise<string> {
    const tx = client.transaction()
    const ref = tx.insert('Parent', {name, ...row})
    return (await tx.commit()).uuid(ref)
  }

  function record(monitor: Monitor): RowChange[] {
    const changes: RowChange[] = []
    monitor.on('change', (change) => changes.push(change))
    return changes
  }

  it('fills the replica with the initial rows and follows inserts, modifies (as diffs) and deletes', async () => {
    const first = await insertParent('m-first', {options: {a: '1', b: '2'}, numbers: [1, 2]})
    const monitor = await client.monitor({Parent: {columns: ['name', 'options', 'numbers', 'color']}}, {indexes: {Parent: ['name']}})
    expect(monitor.isComplete).toBe(true)
    expect(monitor.method).toBe('monitor_cond_since')
    const parents = monitor.replica.table('Parent')
    expect(parents.get(first)).toEqual({_uuid: first, name: 'm-first', options: {a: '1', b: '2'}, numbers: [1, 2], color: undefined})
    const changes = record(monitor)

    const second = await insertParent('m-second')
    await until(() => parents.get(second), Boolean, 'the inserted row')
    // Change from another client, so the diff comes from ovsdb-server's own update logic.
    await run('ovsdb-client', ['transact', server().unixRemote, JSON.stringify(['Test', {op: 'mutate', table: 'Parent', where: [['name', '==', 'm-first']], mutations: [['options', 'delete', ['set', ['a']]], ['options', 'insert', ['map', [['c', '3']]]], ['numbers', 'insert', 3], ['numbers', 'delete', 1]]}, {op: 'update', table: 'Parent', where: [['name', '==', 'm-first']], row: {color: 'red'}}])])
    await until(() => parents.get(first)?.color, (color) => color === 'red', 'the modified row')
    expect(parents.get(first)).toEqual({_uuid: first, name: 'm-first', options: {b: '2', c: '3'}, numbers: [2, 3], color: 'red'})
    const tx = client.transaction()
    tx.delete('Parent', [['name', '==', 'm-second']])
    await tx.commit()
    await until(() => parents.get(second), (row) => row === undefined, 'the deleted row')

    expect(changes.map(({kind, uuid}) => [kind, uuid])).toEqual([['insert', second], ['modify', first], ['delete', second]])
    expect(changes[1]!.old).toMatchObject({options: {a: '1', b: '2'}, color: undefined})
    expect(parents.byIndex('name', 'm-first').map((row) => row._uuid)).toEqual([first])
    expect(parents.byIndex('name', 'm-second')).toEqual([])
    await monitor.cancel()
  })

  it('filters rows with conditions, and moves rows in and out on setConditions', async () => {
    const red = await insertParent('c-red', {color: 'red'})
    const green = await insertParent('c-green', {color: 'green'})
    const monitor = await client.monitor({Parent: {columns: ['name', 'color'], where: [['name', '==', 'c-red']]}})
    const parents = monitor.replica.table('Parent')
    expect([...parents.rows()].map((row) => row.name)).toEqual(['c-red'])
    const changes = record(monitor)

    await monitor.setConditions({Parent: [['name', '==', 'c-green']]})
    // ovsdb-server sends the rows entering and leaving the condition before it answers monitor_cond_change.
    expect(parents.get(red)).toBeUndefined()
    expect(parents.get(green)).toMatchObject({name: 'c-green'})
    expect(changes.map(({kind, uuid}) => [kind, uuid]).sort()).toEqual([['delete', red], ['insert', green]].sort())
    await monitor.cancel()
  })

  it('matches rows satisfying any of its where clauses (ovsdb-server ORs monitor conditions)', async () => {
    const a = await insertParent('or-a')
    const b = await insertParent('or-b')
    await insertParent('or-c')
    const monitor = await client.monitor({Parent: {columns: ['name'], where: [['name', '==', 'or-a'], ['name', '==', 'or-b']]}})
    expect([...monitor.replica.table('Parent').rows()].map((row) => row._uuid).sort()).toEqual([a, b].sort())
    await monitor.cancel()
  })

  it('stops updating a cancelled monitor, and the server accepts its id being cancelled', async () => {
    const monitor = await client.monitor({Child: {}})
    const changes = record(monitor)
    await monitor.cancel()
    expect(monitor.isComplete).toBe(false)
    const tx = client.transaction()
    tx.insert('Parent', {name: 'after-cancel', children: [tx.insert('Child', {name: 'late'})]})
    await tx.commit()
    // A monitor that still existed would have its update on the wire before this echo's reply.
    await client.echo()
    expect(changes).toEqual([])
    expect(monitor.replica.table('Child').size).toBe(0)
    await expect(client.request('monitor_cancel', [monitor.id])).rejects.toThrow('unknown monitor')
  })

  it('pauses: the server stops sending, the replica stays as read; resume reports what changed meanwhile', async () => {
    const kept = await insertParent('p-kept', {color: 'red'})
    const gone = await insertParent('p-gone')
    const monitor = await client.monitor({Parent: {columns: ['name', 'color'], where: [['name', '==', 'p-kept'], ['name', '==', 'p-gone'], ['name', '==', 'p-new']]}})
    const changes = record(monitor)
    const completions: unknown[] = []
    monitor.on('complete', (info) => completions.push(info))
    await monitor.pause()
    expect([monitor.isPaused, monitor.isComplete]).toEqual([true, false])
    // The server no longer knows the monitor: nothing is sent for it.
    await expect(client.request('monitor_cancel', [monitor.id])).rejects.toThrow('unknown monitor')

    const tx = client.transaction()
    const added = tx.insert('Parent', {name: 'p-new'})
    tx.update('Parent', [['_uuid', '==', kept]], {color: 'green'})
    tx.delete('Parent', [['_uuid', '==', gone]])
    const fresh = (await tx.commit()).uuid(added)
    await client.echo()
    expect(changes).toEqual([])
    expect(monitor.replica.table('Parent').get(kept)?.color).toBe('red')
    expect(monitor.replica.table('Parent').get(gone)).toBeDefined()

    await monitor.resume()
    expect([monitor.isPaused, monitor.isComplete]).toEqual([false, true])
    expect(completions).toHaveLength(1)
    expect(changes.map(({kind, uuid}) => [kind, uuid]).sort()).toEqual([['delete', gone], ['insert', fresh], ['modify', kept]].sort())
    expect(monitor.replica.table('Parent').get(kept)?.color).toBe('green')

    // Following again, as before the pause.
    await run('ovsdb-client', ['transact', server().unixRemote, JSON.stringify(['Test', {op: 'update', table: 'Parent', where: [['name', '==', 'p-kept']], row: {color: 'red'}}])])
    await until(() => monitor.replica.table('Parent').get(kept)?.color, (color) => color === 'red', 'the update after resume')
    await monitor.cancel()
  })

  it('monitors every column of a table by default', async () => {
    const monitor = await client.monitor({Child: {}})
    expect(monitor.replica.table('Child').columns.map((column) => column.name).sort()).toEqual(['count', 'name'])
    await monitor.cancel()
  })
})
