import {describe, expect, it} from 'vitest'

import {decodeRow, decodeValue, encodeCondition, encodeMutation, encodeRow, encodeValue, mapDelete, mapInsert, NamedUuid, setDelete, setInsert} from '../../../src/ovsdb/datum.js'
import {DatumError, SchemaError} from '../../../src/ovsdb/errors.js'
import {getTable, parseSchema} from '../../../src/ovsdb/schema.js'
import {loadSchema, TEST_SCHEMA_FILE} from './fixtures.js'

const schema = loadSchema(TEST_SCHEMA_FILE)
const parent = getTable(schema, 'Parent')
const U1 = '2f6a4b3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'
const U2 = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'

describe('schema', () => {
  it('parses every column type of the test schema', () => {
    expect(parent.columns.numbers!.type).toEqual({key: {type: 'integer'}, min: 0, max: Infinity})
    expect(parent.columns.color!.type.key.enum).toEqual(['red', 'green'])
    expect(parent.columns.children!.type.key).toEqual({type: 'uuid', refTable: 'Child', refType: 'strong'})
    expect(parent.columns.created!.mutable).toBe(false)
    expect(parent.indexes).toEqual([['name']])
  })

  it('parses the real OVS and OVN schemas', () => {
    for (const file of ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/share/ovn/ovn-nb.ovsschema', '/usr/share/ovn/ovn-sb.ovsschema']) {
      const real = loadSchema(file)
      expect(Object.keys(real.tables).length).toBeGreaterThan(5)
    }
    const sb = loadSchema('/usr/share/ovn/ovn-sb.ovsschema')
    expect(getTable(sb, 'Port_Binding').columns.requested_chassis!.type).toMatchObject({min: 0, max: 1, key: {refTable: 'Chassis', refType: 'weak'}})
  })

  it('rejects what is not a schema and names an unknown table', () => {
    expect(() => parseSchema({tables: {}})).toThrow(SchemaError)
    expect(() => getTable(schema, 'Nope')).toThrow("database Test has no table 'Nope'")
  })
})

describe('encodeValue', () => {
  it.each([
    ['i', 42, 42],
    ['r', 1.5, 1.5],
    ['b', true, true],
    ['name', 'x', 'x'],
    ['u', U1, ['uuid', U1]],
    ['color', 'red', 'red'],
    ['color', undefined, ['set', []]],
    ['level', 10, 10],
    ['tag', 'ab', 'ab'],
    ['numbers', [1, 2, 3], ['set', [1, 2, 3]]],
    ['numbers', [7], 7],
    ['numbers', [], ['set', []]],
    ['pair', ['a', 'b'], ['set', ['a', 'b']]],
    ['options', {a: '1', b: '2'}, ['map', [['a', '1'], ['b', '2']]]],
    ['options', new Map([['k', 'v']]), ['map', [['k', 'v']]]],
    ['flags', {'1': true, '-2': false}, ['map', [[1, true], [-2, false]]]],
    ['children', [new NamedUuid('c', 'Child'), U2], ['set', [['named-uuid', 'c'], ['uuid', U2]]]],
    ['favorite', U1, ['uuid', U1]],
  ])('encodes %s = %j', (column, value, wire) => {
    expect(encodeValue(parent, column, value)).toEqual(wire)
  })

  it.each([
    ['i', 1.5, 'Parent.i: must be an integer, got 1.5'],
    ['i', '1', "Parent.i: must be an integer, got '1'"],
    ['r', Number.NaN, 'Parent.r: must be a finite number'],
    ['b', 'true', "Parent.b: must be a boolean, got 'true'"],
    ['name', 3, 'Parent.name: must be a string, got 3'],
    ['u', 'not-a-uuid', "Parent.u: must be a uuid, got 'not-a-uuid'"],
    ['color', 'blue', "Parent.color: 'blue' is not one of 'red', 'green'"],
    ['level', 0, 'Parent.level: 0 is less than the minimum 1'],
    ['level', 11, 'Parent.level: 11 is greater than the maximum 10'],
    ['ratio', 1.5, 'Parent.ratio: 1.5 is greater than the maximum 1'],
    ['tag', '', "Parent.tag: '' is shorter than 1 characters"],
    ['tag', 'abcde', "Parent.tag: 'abcde' is longer than 4 characters"],
    ['tag', ['a', 'b'], 'Parent.tag: has 2 elements, at most 1 allowed'],
    ['pair', [], 'Parent.pair: has 0 elements, at least 1 required'],
    ['pair', ['a', 'b', 'c'], 'Parent.pair: has 3 elements, at most 2 allowed'],
    ['numbers', [1, 1], 'Parent.numbers: has the element 1 twice'],
    ['numbers', [1, 'x'], "Parent.numbers: element must be an integer, got 'x'"],
    ['options', ['a'], 'Parent.options: must be a map'],
    ['options', {a: 1}, 'Parent.options: value must be a string, got 1'],
    ['flags', {x: true}, "Parent.flags: key must be an integer, got 'x'"],
    ['children', [new NamedUuid('p', 'Parent')], "Parent.children: element must refer to a Child row, but named uuid 'p' is a Parent row"],
    ['nope', 1, "Parent.nope: table Parent has no column 'nope'"],
  ])('rejects %s = %j', (column, value, message) => {
    expect(() => encodeValue(parent, column, value)).toThrow(DatumError)
    expect(() => encodeValue(parent, column, value)).toThrow(message)
  })

  it('counts string length in characters, not bytes', () => {
    expect(encodeValue(parent, 'tag', '日本語🦀')).toBe('日本語🦀')
  })

  it('names table and column on a real schema', () => {
    const nb = loadSchema('/usr/share/ovn/ovn-nb.ovsschema')
    expect(() => encodeValue(getTable(nb, 'Logical_Switch_Port'), 'options', {a: 1})).toThrow('Logical_Switch_Port.options: value must be a string, got 1')
  })
})

describe('encodeRow', () => {
  it('refuses _uuid, unknown columns, and immutable columns on update', () => {
    expect(() => encodeRow(parent, {_uuid: U1}, 'insert')).toThrow('Parent._uuid: _uuid is set by the server')
    expect(encodeRow(parent, {created: 'now'}, 'insert')).toEqual({created: 'now'})
    expect(() => encodeRow(parent, {created: 'now'}, 'update')).toThrow('Parent.created: is immutable')
    expect(encodeRow(parent, {_uuid: U1, i: 1}, 'compare')).toEqual({_uuid: ['uuid', U1], i: 1})
  })
})

describe('encodeCondition', () => {
  it('encodes full values for == and partial sets for includes', () => {
    expect(encodeCondition(parent, ['favorite', '==', U1])).toEqual(['favorite', '==', ['uuid', U1]])
    expect(encodeCondition(parent, ['favorite', '==', undefined])).toEqual(['favorite', '==', ['set', []]])
    expect(encodeCondition(parent, ['pair', 'includes', []])).toEqual(['pair', 'includes', ['set', []]])
    expect(encodeCondition(parent, ['options', 'includes', {a: '1'}])).toEqual(['options', 'includes', ['map', [['a', '1']]]])
    expect(encodeCondition(parent, ['level', '<', 20])).toEqual(['level', '<', 20])
    expect(encodeCondition(parent, ['_uuid', '!=', U2])).toEqual(['_uuid', '!=', ['uuid', U2]])
  })

  it('rejects ordering on non-numbers and unknown functions', () => {
    expect(() => encodeCondition(parent, ['name', '<', 'a'])).toThrow("Parent.name: '<' works only on integer or real")
    expect(() => encodeCondition(parent, ['name', '~=' as '==', 'a'])).toThrow("unknown condition function '~='")
  })
})

describe('encodeMutation and its helpers', () => {
  it('encodes map and set mutations', () => {
    expect(encodeMutation(parent, mapInsert('options', {k: 'v'}))).toEqual(['options', 'insert', ['map', [['k', 'v']]]])
    expect(encodeMutation(parent, mapDelete('options', ['a', 'b']))).toEqual(['options', 'delete', ['set', ['a', 'b']]])
    expect(encodeMutation(parent, mapDelete('options', {a: '1'}))).toEqual(['options', 'delete', ['map', [['a', '1']]]])
    expect(encodeMutation(parent, mapDelete('flags', ['3']))).toEqual(['flags', 'delete', 3])
    expect(encodeMutation(parent, setInsert('children', [new NamedUuid('c', 'Child')]))).toEqual(['children', 'insert', ['named-uuid', 'c']])
    expect(encodeMutation(parent, setDelete('numbers', [1, 2]))).toEqual(['numbers', 'delete', ['set', [1, 2]]])
    expect(encodeMutation(parent, ['i', '+=', 1])).toEqual(['i', '+=', 1])
    expect(encodeMutation(parent, ['numbers', '*=', 2])).toEqual(['numbers', '*=', 2])
  })

  it('rejects mutations the column cannot take', () => {
    expect(() => encodeMutation(parent, ['name', '+=', 1])).toThrow("Parent.name: '+=' works only on integer or real")
    expect(() => encodeMutation(parent, ['i', 'insert', 1])).toThrow("Parent.i: 'insert' works only on sets and maps")
    expect(() => encodeMutation(parent, ['created', 'insert', 'x'])).toThrow('Parent.created: is immutable')
    expect(() => encodeMutation(parent, mapInsert('options', {k: 2} as Record<string, unknown>))).toThrow('Parent.options: value must be a string')
  })
})

describe('decodeValue and decodeRow', () => {
  it('shapes values by column type', () => {
    const type = (name: string) => parent.columns[name]!.type
    expect(decodeValue(type('i'), 5)).toBe(5)
    // A one-element set is the same value as its element (RFC 7047 5.1); an empty one is the default.
    expect(decodeValue(type('i'), ['set', [5]])).toBe(5)
    expect(decodeValue(type('i'), ['set', []])).toBe(0)
    expect(decodeValue(type('favorite'), ['set', [['uuid', U1]]])).toBe(U1)
    expect(decodeValue(type('u'), ['uuid', U1])).toBe(U1)
    expect(decodeValue(type('favorite'), ['set', []])).toBeUndefined()
    expect(decodeValue(type('favorite'), ['uuid', U1])).toBe(U1)
    expect(decodeValue(type('children'), ['uuid', U1])).toEqual([U1])
    expect(decodeValue(type('children'), ['set', [['uuid', U1], ['uuid', U2]]])).toEqual([U1, U2])
    expect(decodeValue(type('options'), ['map', [['a', '1']]])).toEqual({a: '1'})
    expect(decodeValue(type('flags'), ['map', [[1, true]]])).toEqual({'1': true})
  })

  it('decodes a row, keeping _uuid and _version and dropping unknown columns', () => {
    const row = decodeRow(parent, undefined, {_uuid: ['uuid', U1], _version: ['uuid', U2], name: 'p', bogus: 1, options: ['map', [['__proto__', 'x']]]})
    expect(row).toEqual({_uuid: U1, _version: U2, name: 'p', options: {['__proto__']: 'x'}})
    expect(Object.getPrototypeOf(row.options)).toBe(Object.prototype)
  })

  it('round-trips encode and decode for every column of the test schema', () => {
    const values: Record<string, unknown> = {
      name: 'n', i: -3, r: 2.5, b: true, u: U1, color: 'green', level: 3, ratio: 0.5, tag: 'abc', numbers: [1, 2],
      pair: ['x'], options: {a: 'b'}, flags: {'7': false}, children: [U1, U2], favorite: U2, created: 'c',
    }
    for (const [name, value] of Object.entries(values)) {
      expect(decodeValue(parent.columns[name]!.type, encodeValue(parent, name, value)), name).toEqual(value)
    }
  })
})
