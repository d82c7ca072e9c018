import {beforeAll, describe, expect, it} from 'vitest'

import {
  ConnectionError,
  ConstraintViolation,
  mapDelete,
  mapInsert,
  OvsdbClient,
  ReferentialIntegrityViolation,
  RpcError,
  setInsert,
  TransactionError,
} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {useOvsdbServer, useTestClient} from './helpers.js'

describe('transactions against a real ovsdb-server', () => {
  const server = useOvsdbServer()
  const testClient = useTestClient(server)
  let client: OvsdbClient

  beforeAll(() => {
    client = testClient()
  })

  it('fetches the schema on connect and answers list_dbs, get_schema and echo', async () => {
    expect(client.schema.name).toBe('Test')
    expect(Object.keys(client.schema.tables).sort()).toEqual(['Child', 'Parent'])
    expect(await client.listDbs()).toEqual(expect.arrayContaining(['Test', '_Server']))
    expect((await client.getSchema('_Server')).tables.Database).toBeDefined()
    expect(await client.echo('ping', 1)).toEqual(['ping', 1])
  })

  it('inserts with named uuids, selects and reads back every column type', async () => {
    const tx = client.transaction()
    const child = tx.insert('Child', {name: 'c1', count: 1}, {uuidName: 'child'})
    tx.insert('Parent', {
      name: 'p1', i: -7, r: 2.5, b: true, color: 'red', level: 3, ratio: 0.25, tag: 'ab',
      numbers: [3, 1, 2], pair: ['x'], options: {a: '1', b: '2'}, flags: {'5': true}, children: [child], favorite: child, created: 'today',
    }, {uuidName: 'parent'})
    tx.select('Parent', [['name', '==', 'p1']])
    const result = await tx.commit()
    const childUuid = result.uuid(child)
    const [row] = result.rows(2)
    expect(row).toMatchObject({
      _uuid: result.uuid('parent'), name: 'p1', i: -7, r: 2.5, b: true, color: 'red', level: 3, ratio: 0.25, tag: 'ab',
      numbers: [1, 2, 3], pair: ['x'], options: {a: '1', b: '2'}, flags: {'5': true}, children: [childUuid], favorite: childUuid, created: 'today',
    })
    expect(row!._version).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('updates, mutates with the map and set helpers, counts, and deletes', async () => {
    const where = [['name', '==', 'p1']] as const
    const tx = client.transaction()
    const extra = tx.insert('Child', {name: 'c2'})
    tx.update('Parent', [...where], {i: 10, color: undefined})
    tx.mutate('Parent', [...where], [mapDelete('options', ['a']), mapInsert('options', {k: 'v'}), setInsert('children', [extra]), ['i', '+=', 5], ['numbers', '*=', 10]])
    tx.select('Parent', [...where], ['i', 'color', 'options', 'children', 'numbers'])
    const result = await tx.commit()
    expect(result.count(1)).toBe(1)
    expect(result.count(2)).toBe(1)
    const [row] = result.rows(3)
    expect(row).toMatchObject({i: 15, color: undefined, options: {b: '2', k: 'v'}, numbers: [10, 20, 30]})
    expect(row!.children).toHaveLength(2)

    const remove = client.transaction()
    remove.delete('Parent', [...where])
    expect((await remove.commit()).count(0)).toBe(1)
    // Child is not a root table and only the deleted parent referred to the children, so the commit collected them.
    const children = client.transaction()
    children.select('Child', [])
    expect((await children.commit()).rows(0)).toEqual([])
  })

  it('comment and a passing wait succeed; a failing wait is a conflict naming its op', async () => {
    const tx = client.transaction()
    tx.insert('Parent', {name: 'w'})
    await tx.commit()
    const guard = client.transaction()
    guard.comment('guarded write').wait('Parent', [['name', '==', 'w']], ['i'], '==', [{i: 0}]).update('Parent', [['name', '==', 'w']], {i: 1})
    await guard.commit()
    const stale = client.transaction()
    stale.wait('Parent', [['name', '==', 'w']], ['i'], '==', [{i: 0}]).update('Parent', [['name', '==', 'w']], {i: 2})
    const error = await stale.commit().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransactionError)
    expect(error).toMatchObject({opIndex: 0, op: 'wait', isConflict: true})
  })

  it('abort and assert of a lock not held fail the transaction with the server error', async () => {
    const aborted = client.transaction()
    aborted.insert('Child', {name: 'never'})
    aborted.abort()
    await expect(aborted.commit()).rejects.toMatchObject({error: 'aborted', opIndex: 1})
    const asserted = client.transaction()
    asserted.assert('nobody_has_this')
    await expect(asserted.commit()).rejects.toMatchObject({error: 'not owner', opIndex: 0})
  })

  it('reports constraint and referential integrity violations at commit', async () => {
    const duplicate = client.transaction()
    duplicate.insert('Parent', {name: 'dup'})
    duplicate.insert('Parent', {name: 'dup'})
    await expect(duplicate.commit()).rejects.toBeInstanceOf(ConstraintViolation)

    const dangling = client.transaction()
    dangling.insert('Parent', {name: 'dangling', children: ['6b0fa5a4-5b5d-4c48-a8d9-5e1c4bd2c111']})
    await expect(dangling.commit()).rejects.toBeInstanceOf(ReferentialIntegrityViolation)
  })

  it('retries a conflicting transaction, rebuilding it, and stops after the given attempts', async () => {
    const setup = client.transaction()
    setup.insert('Parent', {name: 'counter'})
    await setup.commit()
    let builds = 0
    const result = await client.transactWithRetry(async () => {
      builds++
      const tx = client.transaction()
      const read = client.transaction()
      read.select('Parent', [['name', '==', 'counter']], ['i'])
      const [row] = (await read.commit()).rows(0)
      // Someone else writes between our read and our commit, the first time only.
      if (builds === 1) await run('ovsdb-client', ['transact', server().unixRemote, JSON.stringify(['Test', {op: 'mutate', table: 'Parent', where: [['name', '==', 'counter']], mutations: [['i', '+=', 100]]}])])
      tx.wait('Parent', [['name', '==', 'counter']], ['i'], '==', [{i: row!.i}])
      tx.mutate('Parent', [['name', '==', 'counter']], [['i', '+=', 1]])
      return tx
    })
    expect(builds).toBe(2)
    expect(result.count(1)).toBe(1)

    let attempts = 0
    const always = client.transactWithRetry(() => {
      attempts++
      return client.transaction().wait('Parent', [['name', '==', 'counter']], ['i'], '==', [{i: -1}])
    }, {attempts: 3})
    await expect(always).rejects.toMatchObject({isConflict: true})
    expect(attempts).toBe(3)
  })

  it('cancels a transaction blocked in a wait', async () => {
    const tx = client.transaction().wait('Parent', [['name', '==', 'never-there']], ['name'], '!=', [], 60_000)
    const pending = tx.commit()
    await expect.poll(() => tx.requestId).toBeDefined()
    client.cancel(tx.requestId!)
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcError)
    expect((error as RpcError).error).toBe('canceled')
  })

  it('fails with a one-line ConnectionError for a missing socket and for a refused port', async () => {
    const missing = await OvsdbClient.connect('unix:/nonexistent/db.sock', {database: 'Test'}).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ConnectionError)
    expect((missing as Error).message).toBe('unix:/nonexistent/db.sock: no such socket file: is ovsdb-server running with this --remote? (ENOENT)')
    const refused = await OvsdbClient.connect('tcp:127.0.0.1:1', {database: 'Test'}).catch((e: unknown) => e)
    expect((refused as Error).message).toContain('tcp:127.0.0.1:1: connection refused')
    const wrongDb = await OvsdbClient.connect(server().unixRemote, {database: 'Nope'}).catch((e: unknown) => e)
    expect((wrongDb as Error).message).toContain('the server has no database Nope')
  })
})
