import {afterEach, describe, expect, it} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {until, useOvsdbServer} from './helpers.js'

describe('locks between two clients', () => {
  const server = useOvsdbServer()
  const clients: OvsdbClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })

  async function connect(): Promise<{client: OvsdbClient; events: string[]}> {
    const client = await OvsdbClient.connect(server().unixRemote, {database: 'Test'})
    clients.push(client)
    const events: string[] = []
    client.on('locked', (name) => events.push(`locked ${name}`))
    client.on('stolen', (name) => events.push(`stolen ${name}`))
    return {client, events}
  }

  function assertLock(client: OvsdbClient, lock: string): Promise<unknown> {
    return client.transaction().assert(lock).comment('holder only').commit()
  }

  it('queues the second client, which gets locked only when the first unlocks', async () => {
    const first = await connect()
    const second = await connect()
    expect(await first.client.lock('owner')).toBe(true)
    expect(await second.client.lock('owner')).toBe(false)
    await assertLock(first.client, 'owner')
    await expect(assertLock(second.client, 'owner')).rejects.toMatchObject({error: 'not owner'})
    // A 'locked' notification sent before this echo's reply would already have arrived.
    await second.client.echo()
    expect(second.events).toEqual([])

    await first.client.unlock('owner')
    await until(() => second.events, (events) => events.length > 0, "the second client's locked notification")
    expect(second.events).toEqual(['locked owner'])
    expect(second.client.holdsLock('owner')).toBe(true)
    await assertLock(second.client, 'owner')
  })

  it('does not tell the holder "locked" again when a waiter leaves, as the server does', async () => {
    const holder = await connect()
    expect(await holder.client.lock('kept')).toBe(true)
    const waiter = await connect()
    expect(await waiter.client.lock('kept')).toBe(false)
    await waiter.client.unlock('kept')
    const leaver = await connect()
    expect(await leaver.client.lock('kept')).toBe(false)
    await leaver.client.close()
    // The server sends its notifications before this echo's reply.
    await holder.client.echo()
    expect(holder.events).toEqual([])
    expect(holder.client.holdsLock('kept')).toBe(true)
  })

  it('hands the lock on when the holder connection dies', async () => {
    const first = await connect()
    const second = await connect()
    expect(await first.client.lock('dies')).toBe(true)
    expect(await second.client.lock('dies')).toBe(false)
    await first.client.close()
    await until(() => second.events, (events) => events.length > 0, "the second client's locked notification")
    expect(second.events).toEqual(['locked dies'])
  })

  it('lets a client steal a lock and tells the holder', async () => {
    const first = await connect()
    const second = await connect()
    expect(await first.client.lock('stealable')).toBe(true)
    await second.client.steal('stealable')
    await until(() => first.events, (events) => events.length > 0, 'the stolen notification')
    expect(first.events).toEqual(['stolen stealable'])
    expect(first.client.holdsLock('stealable')).toBe(false)
    await assertLock(second.client, 'stealable')
    await expect(assertLock(first.client, 'stealable')).rejects.toMatchObject({error: 'not owner'})
  })

  it('answers set_db_change_aware', async () => {
    const {client} = await connect()
    await expect(client.setDbChangeAware(true)).resolves.toBeUndefined()
  })
})
