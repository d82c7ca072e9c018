import {describe, expect, it} from 'vitest'

import {ReplicaStore, type RowChange, type TableUpdates} from '../../../src/ovsdb/replica.js'
import {loadSchema, TEST_SCHEMA_FILE} from './fixtures.js'

const schema = loadSchema(TEST_SCHEMA_FILE)
const P1 = '11111111-1111-4111-8111-111111111111'
const P2 = '22222222-2222-4222-8222-222222222222'
const C1 = 'c1c1c1c1-0000-4000-8000-000000000001'
const C2 = 'c2c2c2c2-0000-4000-8000-000000000002'
const COLUMNS = ['name', 'i', 'color', 'numbers', 'options', 'children', 'favorite']

function newReplica(): ReplicaStore {
  return new ReplicaStore(schema, {Parent: {columns: COLUMNS, indexes: ['name', 'children', 'favorite']}, Child: {columns: ['name']}})
}

const EMPTY = {i: 0, color: undefined, numbers: [], options: {}, children: [], favorite: undefined}

describe('Replica with update2 (monitor_cond)', () => {
  it('fills left-out default columns on initial and insert', () => {
    const replica = newReplica()
    const changes = replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'p1'}}}, Child: {[C1]: {insert: {name: 'c1'}}}})
    expect(changes).toEqual([
      {table: 'Parent', kind: 'insert', uuid: P1, new: {_uuid: P1, name: 'p1', ...EMPTY}},
      {table: 'Child', kind: 'insert', uuid: C1, new: {_uuid: C1, name: 'c1'}},
    ])
    expect(replica.table('Parent').size).toBe(1)
  })

  it('applies modify diffs: scalars replace, sets toggle, maps add, remove or replace per key', () => {
    const replica = newReplica()
    replica.applyUpdate2({
      Parent: {[P1]: {initial: {name: 'p1', i: 1, numbers: ['set', [1, 2]], options: ['map', [['keep', 'k'], ['gone', 'g'], ['change', 'old']]], children: ['uuid', C1]}}},
    })
    const [change] = replica.applyUpdate2({
      Parent: {
        [P1]: {
          modify: {
            i: 5,
            color: 'red',
            numbers: ['set', [2, 3]],
            options: ['map', [['gone', 'g'], ['change', 'new'], ['added', 'a']]],
            children: ['set', [['uuid', C1], ['uuid', C2]]],
            favorite: ['uuid', C2],
          },
        },
      },
    })
    expect(change).toMatchObject({kind: 'modify', uuid: P1, old: {i: 1, numbers: [1, 2], children: [C1], favorite: undefined}})
    expect(change!.new).toEqual({
      _uuid: P1, name: 'p1', i: 5, color: 'red', numbers: [1, 3], options: {keep: 'k', change: 'new', added: 'a'}, children: [C2], favorite: C2,
    })
    // An optional column's "diff" is its new value (ovsdb-server's ovsdb_datum_diff), here none.
    const [second] = replica.applyUpdate2({Parent: {[P1]: {modify: {favorite: ['uuid', C1], color: ['set', []]}}}})
    expect(second!.new).toMatchObject({favorite: C1, color: undefined})
  })

  it("adds and removes a map key named '__proto__' like any other, never touching the prototype", () => {
    const replica = newReplica()
    replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'p1', options: ['map', [['keep', 'k']]]}}}})
    const [added] = replica.applyUpdate2({Parent: {[P1]: {modify: {options: ['map', [['__proto__', 'x']]]}}}})
    const options = added!.new!.options as Record<string, string>
    expect(Object.keys(options).sort()).toEqual(['__proto__', 'keep'])
    expect(Object.getPrototypeOf(options)).toBe(Object.prototype)
    const [removed] = replica.applyUpdate2({Parent: {[P1]: {modify: {options: ['map', [['__proto__', 'x']]]}}}})
    expect(Object.keys(removed!.new!.options as object)).toEqual(['keep'])
  })

  it('deletes and reports the old row; ignores tables it does not monitor and unknown rows', () => {
    const replica = newReplica()
    replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'p1'}}}})
    expect(replica.applyUpdate2({Parent: {[P1]: {delete: null}, [P2]: {delete: null}}, Other: {[P1]: {insert: {}}}})).toEqual([
      {table: 'Parent', kind: 'delete', uuid: P1, old: {_uuid: P1, name: 'p1', ...EMPTY}},
    ])
    expect(replica.applyUpdate2({Parent: {[P2]: {modify: {i: 1}}}})).toEqual([])
    expect(replica.table('Parent').size).toBe(0)
  })

  it('keeps indexes on scalar, set and optional columns current', () => {
    const replica = newReplica()
    replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'p1', children: ['set', [['uuid', C1], ['uuid', C2]]]}}, [P2]: {initial: {name: 'p2', favorite: ['uuid', C1]}}}})
    const parents = replica.table('Parent')
    expect(parents.byIndex('name', 'p1').map((row) => row._uuid)).toEqual([P1])
    expect(parents.byIndex('children', C2).map((row) => row._uuid)).toEqual([P1])
    expect(parents.byIndex('favorite', C1).map((row) => row._uuid)).toEqual([P2])
    replica.applyUpdate2({Parent: {[P1]: {modify: {name: 'renamed', children: ['uuid', C2]}}, [P2]: {delete: null}}})
    expect(parents.byIndex('name', 'p1')).toEqual([])
    expect(parents.byIndex('name', 'renamed')).toHaveLength(1)
    expect(parents.byIndex('children', C2)).toEqual([])
    expect(parents.byIndex('children', C1)).toHaveLength(1)
    expect(parents.byIndex('favorite', C1)).toEqual([])
    expect(() => parents.byIndex('i', 0)).toThrow('Parent.i is not indexed')
    expect(() => new ReplicaStore(schema, {Parent: {columns: ['options'], indexes: ['options']}})).toThrow('it is a map')
  })
})

describe('Replica with update (monitor) and update3 bodies', () => {
  it('applies <table-updates>: new is the whole row, old only the changed columns', () => {
    const replica = newReplica()
    replica.applyUpdate({Parent: {[P1]: {new: {name: 'p1', i: 1, numbers: ['set', []], options: ['map', []], children: ['set', []], favorite: ['set', []], color: ['set', []]}}}})
    const [modify] = replica.applyUpdate({Parent: {[P1]: {old: {i: 1}, new: {name: 'p1', i: 2, numbers: 4, options: ['map', [['a', 'b']]], children: ['set', []], favorite: ['set', []], color: 'green'}}}})
    expect(modify).toMatchObject({kind: 'modify', old: {i: 1}, new: {i: 2, numbers: [4], options: {a: 'b'}, color: 'green'}})
    expect(replica.applyUpdate({Parent: {[P1]: {old: {name: 'p1'}}}})).toMatchObject([{kind: 'delete', uuid: P1}])
  })
})

/** A whole reply's rows as a snapshot, replacing the replica's. */
function replaceAll(replica: ReplicaStore, updates: TableUpdates, format: 1 | 2, options?: {record: boolean}): RowChange[] {
  const snapshot = replica.snapshot(format)
  snapshot.addAll(updates)
  return replica.replaceAll(snapshot, options)
}

describe('Replica.replaceAll (first snapshot and resync)', () => {
  it('takes a first snapshot whole, in either format: every row an insert, defaults filled, indexed', () => {
    const replica = newReplica()
    const changes = replaceAll(replica, {Parent: {[P1]: {initial: {name: 'p1', favorite: ['uuid', C1]}}, [P2]: {insert: {name: 'p2'}}}, Child: {}}, 2)
    expect(changes).toEqual([
      {table: 'Parent', kind: 'insert', uuid: P1, new: {_uuid: P1, name: 'p1', ...EMPTY, favorite: C1}},
      {table: 'Parent', kind: 'insert', uuid: P2, new: {_uuid: P2, name: 'p2', ...EMPTY}},
    ])
    expect(replica.table('Parent').byIndex('favorite', C1).map((row) => row._uuid)).toEqual([P1])
    const plain = newReplica()
    expect(replaceAll(plain, {Child: {[C1]: {new: {name: 'c1'}}, [C2]: {old: {name: 'gone'}}}}, 1)).toEqual([{table: 'Child', kind: 'insert', uuid: C1, new: {_uuid: C1, name: 'c1'}}])
    expect(plain.table('Child').size).toBe(1)
  })

  it('stores a first snapshot without change records when not recording, indexed all the same; a resync still reports', () => {
    const replica = newReplica()
    const snapshot = {Parent: {[P1]: {initial: {name: 'p1', favorite: ['uuid', C1]}}}, Child: {[C1]: {initial: {name: 'c1'}}}}
    expect(replaceAll(replica, snapshot, 2, {record: false})).toEqual([])
    expect(replica.table('Parent').get(P1)).toEqual({_uuid: P1, name: 'p1', ...EMPTY, favorite: C1})
    expect(replica.table('Parent').byIndex('favorite', C1).map((row) => row._uuid)).toEqual([P1])
    expect(replica.table('Child').get(C1)).toEqual({_uuid: C1, name: 'c1'})
    expect(replaceAll(replica, {Parent: {[P1]: {initial: {name: 'renamed'}}}, Child: {}}, 2, {record: false}).map(({table, kind}) => [table, kind])).toEqual([
      ['Parent', 'modify'],
      ['Child', 'delete'],
    ])
  })

  it('does not report a set whose elements only came in another order', () => {
    const replica = newReplica()
    replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'p', numbers: ['set', [1, 2]]}}}})
    // Toggling 1 off and on leaves [2, 1]; the server sends its own order on resync.
    replica.applyUpdate2({Parent: {[P1]: {modify: {numbers: 1}}}})
    replica.applyUpdate2({Parent: {[P1]: {modify: {numbers: 1}}}})
    expect(replica.table('Parent').get(P1)!.numbers).toEqual([2, 1])
    expect(replaceAll(replica, {Parent: {[P1]: {initial: {name: 'p', numbers: ['set', [1, 2]]}}}}, 2)).toEqual([])
    expect(replaceAll(replica, {Parent: {[P1]: {initial: {name: 'p', numbers: ['set', [1, 3]]}}}}, 2)).toHaveLength(1)
  })

  it('reports only the difference, with vanished rows as deletes', () => {
    const replica = newReplica()
    replica.applyUpdate2({Parent: {[P1]: {initial: {name: 'same'}}, [P2]: {initial: {name: 'vanishes'}}}, Child: {[C1]: {initial: {name: 'old'}}}})
    const changes = replaceAll(replica, {Parent: {[P1]: {initial: {name: 'same'}}}, Child: {[C1]: {initial: {name: 'new'}}, [C2]: {initial: {name: 'c2'}}}}, 2)
    expect(changes.map(({table, kind, uuid}) => [table, kind, uuid])).toEqual([
      ['Parent', 'delete', P2],
      ['Child', 'modify', C1],
      ['Child', 'insert', C2],
    ])
    expect(replaceAll(replica, {Parent: {[P1]: {new: {name: 'same'}}}, Child: {}}, 1).map(({kind, uuid}) => [kind, uuid])).toEqual([
      ['delete', C1],
      ['delete', C2],
    ])
  })
})
