import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'

import {OvsdbClient} from '../../../src/ovsdb/index.js'
import {killOvsdbServer, restartOvsdbServer} from '../../helpers/ovsdb-server.js'
import {until, useOvsdbServer} from './helpers.js'

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/connect-and-close.ts')

function runScript(remote: string, mode: string): Promise<{code: number | null; stdout: string}> {
  return new Promise((resolve) => {
    // A generous kill timer: a process that does not exit on its own is what this test catches.
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, remote, mode], {timeout: 30_000}, (error, stdout) => {
      resolve({code: error ? (error.code as number | null) ?? null : 0, stdout})
    })
  })
}

describe('connection life', () => {
  const server = useOvsdbServer()
  const clients: OvsdbClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })

  it.each(['cli', 'watcher'])('lets a %s process exit by itself once the client is closed', async (mode) => {
    const result = await runScript(server().unixRemote, mode)
    expect(result).toEqual({code: 0, stdout: expect.stringMatching(/^\d+\n$/)})
  })

  it('holds requests made while reconnecting until the server is back, and reports disconnected and connected', async () => {
    const client = await OvsdbClient.connect(server().unixRemote, {database: 'Test', reconnect: {minBackoffMs: 20, maxBackoffMs: 100}, timeoutMs: 30_000})
    clients.push(client)
    const events: string[] = []
    client.on('disconnected', () => events.push('disconnected'))
    client.on('connected', () => events.push('connected'))
    await killOvsdbServer(server())
    await until(() => client.isConnected, (connected) => !connected, 'the client to notice')
    const tx = client.transaction()
    const ref = tx.insert('Parent', {name: 'sent-while-down'})
    const pending = tx.commit()
    await restartOvsdbServer(server())
    const result = await pending
    expect(result.uuid(ref)).toMatch(/^[0-9a-f-]{36}$/)
    expect(events).toEqual(['disconnected', 'connected'])
  })

  it('cancels a monitor at once while disconnected, and does not bring it back on reconnect', async () => {
    const client = await OvsdbClient.connect(server().unixRemote, {database: 'Test', reconnect: {minBackoffMs: 20, maxBackoffMs: 100}, timeoutMs: 30_000})
    clients.push(client)
    const monitor = await client.monitor({Parent: {columns: ['name']}})
    const size = monitor.replica.table('Parent').size
    await killOvsdbServer(server())
    await until(() => client.isConnected, (connected) => !connected, 'the client to notice')
    await monitor.cancel()
    const back = new Promise((resolve) => client.once('connected', resolve))
    await restartOvsdbServer(server())
    await back
    const tx = client.transaction()
    tx.insert('Parent', {name: 'unseen'})
    await tx.commit()
    await client.echo()
    expect(monitor.replica.table('Parent').size).toBe(size)
    expect(monitor.isComplete).toBe(false)
  })

  it('fails requests at once when disconnected without the reconnect option', async () => {
    const client = await OvsdbClient.connect(server().unixRemote, {database: 'Test'})
    clients.push(client)
    await killOvsdbServer(server())
    await until(() => client.isConnected, (connected) => !connected, 'the client to notice')
    await expect(client.echo()).rejects.toThrow(`not connected to ${server().unixRemote}`)
    await restartOvsdbServer(server())
  })
})
