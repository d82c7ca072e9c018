import {beforeAll, describe, expect, it} from 'vitest'

import {type OvsdbClient, type RowBase, type RowChange} from '../../../src/ovsdb/index.js'
import {until, useOvsdbServer, useTestClient} from './helpers.js'

/** The monitored columns of the test schema's tables, as the library decodes them. */
interface ParentRow extends RowBase {
  name: string
  i: number
  color: 'red' | 'green' | undefined
  numbers: number[]
  options: Record<string, string>
  children: string[]
}

interface ChildRow extends RowBase {
  name: string
  count: number
}

interface TestTables {
  Parent: ParentRow
  Child: ChildRow
}

describe('rows typed by table', () => {
  const server = useOvsdbServer()
  const testClient = useTestClient(server)
  let client: OvsdbClient

  beforeAll(() => {
    client = testClient()
  })

  it('hands out the declared row types from the replica, its index and its changes, with no cast', async () => {
    const monitor = await client.monitor<TestTables>(
      {Parent: {columns: ['name', 'i', 'color', 'numbers', 'options', 'children']}, Child: {columns: ['name', 'count']}},
      {indexes: {Parent: ['name']}},
    )
    const changes: RowChange<TestTables>[] = []
    monitor.on('change', (change) => changes.push(change))
    const tx = client.transaction()
    const child = tx.insert('Child', {name: 't-child', count: 3})
    tx.insert('Parent', {name: 't-parent', i: 7, color: 'red', numbers: [1, 2], options: {k: 'v'}, children: [child]})
    const childUuid = (await tx.commit()).uuid(child)

    const parents = monitor.replica.table('Parent')
    const [parent] = await until(() => parents.byIndex('name', 't-parent'), (rows) => rows.length === 1, 'the typed row')
    // Typed reads: arithmetic on an integer column, a map's value, a set's elements.
    expect(parent!.i + 1).toBe(8)
    expect(parent!.options.k?.toUpperCase()).toBe('V')
    expect(parent!.numbers.reduce((sum, n) => sum + n, 0)).toBe(3)
    expect(parent!.children.map((uuid) => monitor.replica.table('Child').get(uuid)?.count)).toEqual([3])
    // Narrowing on the table narrows the rows of the change.
    const childCounts = changes.flatMap((change) => (change.table === 'Child' && change.new ? [change.new.count] : []))
    expect(childCounts).toEqual([3])
    expect(childUuid).toBe(parent!.children[0])

    // @ts-expect-error: 'size' is not a column of ParentRow
    expect(() => parents.byIndex('size', 1)).toThrow('Parent.size is not indexed')
    await monitor.cancel()
  })

  it('rejects a request for a column the declared row type does not have, before sending it', async () => {
    await expect(
      client.monitor<TestTables>({
        // @ts-expect-error: 'colour' is not a column of ParentRow
        Parent: {columns: ['colour']},
        Child: {},
      }),
    ).rejects.toThrow("Parent has no column 'colour'")
  })

  it('types the rows of a select as the caller declares them', async () => {
    const tx = client.transaction()
    tx.insert('Parent', {name: 't-selected', i: 5})
    await tx.commit()
    const select = client.transaction()
    select.select('Parent', [['name', '==', 't-selected']], ['_uuid', 'name', 'i'])
    const rows = (await select.commit()).rows<Pick<ParentRow, '_uuid' | 'name' | 'i'>>(0)
    expect(rows.map((row) => row.i * 2)).toEqual([10])
  })

  it('leaves rows untyped without a declaration', async () => {
    const monitor = await client.monitor({Parent: {columns: ['name']}})
    const names = [...monitor.replica.table('Parent').rows()].map((row) => row.name)
    expect(names).toContain('t-selected')
    await monitor.cancel()
  })
})
