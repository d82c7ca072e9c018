import {describe, expect, it} from 'vitest'

import {mapDelete, mapInsert, setInsert} from '../../../src/ovsdb/datum.js'
import {ConstraintViolation, DatumError, ReferentialIntegrityViolation, TransactionError} from '../../../src/ovsdb/errors.js'
import {Transaction} from '../../../src/ovsdb/transaction.js'
import {loadSchema, TEST_SCHEMA_FILE} from './fixtures.js'

const schema = loadSchema(TEST_SCHEMA_FILE)
const U1 = '2f6a4b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'

function transactionReplying(reply: unknown): {tx: Transaction; sent: unknown[][]} {
  const sent: unknown[][] = []
  const tx = new Transaction(schema, async (operations, onSent) => {
    sent.push([...operations])
    onSent(7)
    return reply
  })
  return {tx, sent}
}

describe('Transaction builder', () => {
  it('emits every operation in RFC 7047 form', () => {
    const {tx} = transactionReplying([])
    const child = tx.insert('Child', {name: 'c1'}, {uuidName: 'c1'})
    tx.insert('Parent', {name: 'p', children: [child], options: {a: '1'}})
    tx.update('Parent', [['name', '==', 'p']], {i: 3, favorite: child})
    tx.mutate('Parent', [['name', '==', 'p']], [mapDelete('options', ['a', 'b']), mapInsert('options', {k: 'v'}), setInsert('children', [child]), ['i', '+=', 1]])
    tx.delete('Child', [['count', '>', 5]])
    tx.select('Parent', [], ['name', 'i'])
    tx.wait('Parent', [['name', '==', 'p']], ['i'], '==', [{i: 3}], 100)
    tx.waitUnchanged('Parent', {_uuid: U1, i: 3, favorite: undefined}, ['i', 'favorite'])
    tx.comment('why')
    tx.assert('my_lock')
    tx.abort()
    expect(tx.operations).toEqual([
      {op: 'insert', table: 'Child', row: {name: 'c1'}, 'uuid-name': 'c1'},
      {op: 'insert', table: 'Parent', row: {name: 'p', children: ['named-uuid', 'c1'], options: ['map', [['a', '1']]]}, 'uuid-name': expect.stringMatching(/^[A-Za-z_]\w*$/)},
      {op: 'update', table: 'Parent', where: [['name', '==', 'p']], row: {i: 3, favorite: ['named-uuid', 'c1']}},
      {
        op: 'mutate',
        table: 'Parent',
        where: [['name', '==', 'p']],
        mutations: [
          ['options', 'delete', ['set', ['a', 'b']]],
          ['options', 'insert', ['map', [['k', 'v']]]],
          ['children', 'insert', ['named-uuid', 'c1']],
          ['i', '+=', 1],
        ],
      },
      {op: 'delete', table: 'Child', where: [['count', '>', 5]]},
      {op: 'select', table: 'Parent', where: [], columns: ['name', 'i']},
      {op: 'wait', table: 'Parent', where: [['name', '==', 'p']], columns: ['i'], until: '==', rows: [{i: 3}], timeout: 100},
      {op: 'wait', table: 'Parent', where: [['_uuid', '==', ['uuid', U1]]], columns: ['i', 'favorite'], until: '==', rows: [{i: 3, favorite: ['set', []]}], timeout: 0},
      {op: 'comment', comment: 'why'},
      {op: 'assert', lock: 'my_lock'},
      {op: 'abort'},
    ])
  })

  it('checks values as they are added, naming table and column', () => {
    const {tx} = transactionReplying([])
    expect(() => tx.insert('Parent', {level: 99})).toThrow(DatumError)
    expect(() => tx.update('Parent', [['nope', '==', 1]], {})).toThrow("Parent.nope: table Parent has no column 'nope'")
    expect(() => tx.select('Parent', [], ['nope'])).toThrow('Parent.nope')
    expect(() => tx.insert('Nope', {})).toThrow("database Test has no table 'Nope'")
    expect(() => tx.insert('Child', {}, {uuidName: '1bad'})).toThrow("bad uuidName '1bad'")
    tx.insert('Child', {}, {uuidName: 'x'})
    expect(() => tx.insert('Child', {}, {uuidName: 'x'})).toThrow('used twice')
    expect(() => tx.assert('my-lock')).toThrow("bad lock name 'my-lock'")
  })

  it('maps named uuids, select rows and counts from the result', async () => {
    const {tx, sent} = transactionReplying([{uuid: ['uuid', U1]}, {rows: [{_uuid: ['uuid', U1], name: 'c1', count: 2}]}, {count: 1}, {}])
    const ref = tx.insert('Child', {name: 'c1'})
    tx.select('Child', [['name', '==', 'c1']])
    tx.update('Child', [['name', '==', 'c1']], {count: 2})
    tx.comment('x')
    const result = await tx.commit()
    expect(sent).toHaveLength(1)
    expect(tx.requestId).toBe(7)
    expect(result.uuid(ref)).toBe(U1)
    expect(result.rows(1)).toEqual([{_uuid: U1, name: 'c1', count: 2}])
    expect(result.count(2)).toBe(1)
    expect(() => result.count(3)).toThrow('only update, mutate and delete have a count')
    expect(() => result.rows(0)).toThrow('not a select')
    await expect(tx.commit()).rejects.toThrow('already committed')
  })

  it('lets go of its operations once they are sent, and still names a failing one by its index', async () => {
    let onWire: readonly unknown[] | undefined
    const tx = new Transaction(schema, async (operations, onSent) => {
      onSent(7)
      onWire = tx.operations
      return [{}, {error: 'constraint violation', details: 'no'}]
    })
    tx.comment('a').delete('Child', [])
    expect(tx.operations).toHaveLength(2)
    await expect(tx.commit()).rejects.toMatchObject({opIndex: 1, op: 'delete'})
    expect(onWire).toEqual([])
    expect(tx.operations).toEqual([])
  })

  it('throws typed errors naming the failing operation or the commit', async () => {
    const wait = transactionReplying([{}, {error: 'timed out', details: "wait timed out"}, null])
    wait.tx.comment('a').wait('Child', [], ['name'], '==', []).delete('Child', [])
    const conflict = await wait.tx.commit().catch((error: unknown) => error)
    expect(conflict).toBeInstanceOf(TransactionError)
    expect(conflict).toMatchObject({error: 'timed out', opIndex: 1, op: 'wait', isConflict: true})
    expect((conflict as Error).message).toBe('transaction failed at operation 1 (wait): timed out: wait timed out')

    const constraint = transactionReplying([{uuid: ['uuid', U1]}, {error: 'constraint violation', details: 'Parent.name duplicates'}])
    constraint.tx.insert('Parent', {name: 'p'})
    const violation = await constraint.tx.commit().catch((error: unknown) => error)
    expect(violation).toBeInstanceOf(ConstraintViolation)
    expect(violation).toMatchObject({opIndex: undefined, isConflict: false})
    expect((violation as Error).message).toContain('transaction failed at commit: constraint violation')

    const integrity = transactionReplying([{}, {error: 'referential integrity violation'}])
    integrity.tx.delete('Child', [])
    await expect(integrity.tx.commit()).rejects.toBeInstanceOf(ReferentialIntegrityViolation)

    // ovsdb-server gives the system's reason for an I/O error in a field of its own.
    const full = transactionReplying([{count: 1}, {error: 'I/O error', details: 'conf.db: write failed', 'io-error': 'No space left on device'}])
    full.tx.delete('Child', [])
    await expect(full.tx.commit()).rejects.toMatchObject({error: 'I/O error', details: 'conf.db: write failed (No space left on device)', opIndex: undefined})
  })
})
