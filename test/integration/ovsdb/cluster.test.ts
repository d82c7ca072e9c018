import {rm} from 'node:fs/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {NotLeaderError, OvsdbClient} from '../../../src/ovsdb/index.js'
import {run} from '../../../src/sandbox/daemon.js'
import {type ClusterMember, killOvsdbServer, type OvsdbCluster, startOvsdbCluster, stopOvsdbCluster} from '../../helpers/ovsdb-server.js'
import {TEST_SCHEMA_FILE, testDir, until} from './helpers.js'

const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'
const DATABASE = 'OVN_Northbound'

async function role(member: ClusterMember, database = DATABASE): Promise<string | undefined> {
  const status = await run('ovs-appctl', ['-t', member.ctl, 'cluster/status', database]).catch(() => '')
  return /^Role: (\w+)/m.exec(status)?.[1]
}

async function insertSwitch(client: OvsdbClient, name: string): Promise<string> {
  const tx = client.transaction()
  const ref = tx.insert('Logical_Switch', {name, other_config: {'mcast_snoop': 'true'}})
  return (await tx.commit()).uuid(ref)
}

describe('a 3-member clustered OVN Northbound database', () => {
  let cluster: OvsdbCluster
  let dir: string

  beforeAll(async () => {
    dir = await testDir('cluster')
    cluster = await startOvsdbCluster({dir, schemaFile: NB_SCHEMA, database: DATABASE, size: 3})
  })
  afterAll(async () => {
    if (cluster) await stopOvsdbCluster(cluster)
    await rm(dir, {recursive: true, force: true})
  })

  it('connects to the leader, and moves to the new leader when the leader is killed', async () => {
    const client = await OvsdbClient.connect(cluster.remotes, {database: DATABASE, timeoutMs: 20_000, reconnect: {minBackoffMs: 50, maxBackoffMs: 400}})
    try {
      const leader = cluster.members.find((member) => member.tcpRemote === client.remote)!
      expect(await role(leader)).toBe('leader')
      await insertSwitch(client, 'before')
      const switches = await client.monitor({Logical_Switch: {columns: ['name']}})

      const moved = new Promise<string>((resolve) => client.once('connected', resolve))
      await killOvsdbServer(leader)
      const newRemote = await moved
      expect(newRemote).not.toBe(leader.tcpRemote)
      const newLeader = cluster.members.find((member) => member.tcpRemote === newRemote)!
      expect(await role(newLeader)).toBe('leader')

      const uuid = await insertSwitch(client, 'after')
      await until(() => switches.replica.table('Logical_Switch').get(uuid), Boolean, 'the new switch in the resumed monitor')
      expect([...switches.replica.table('Logical_Switch').rows()].map((row) => row.name).sort()).toEqual(['after', 'before'])
    } finally {
      await client.close()
    }
  })

  it('reads from a follower with leaderOnly false, and refuses a follower-only list by default', async () => {
    const live = []
    for (const member of cluster.members) live.push({member, role: await role(member)})
    const follower = live.find((entry) => entry.role === 'follower')!.member

    const reader = await OvsdbClient.connect(follower.tcpRemote, {database: DATABASE, leaderOnly: false})
    try {
      const tx = reader.transaction()
      tx.select('Logical_Switch', [['name', '==', 'before']], ['name'])
      expect((await tx.commit()).rows(0)).toEqual([{name: 'before'}])
    } finally {
      await reader.close()
    }

    const refused = await OvsdbClient.connect(follower.tcpRemote, {database: DATABASE, timeoutMs: 1000}).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(NotLeaderError)
    expect((refused as Error).message).toContain(`${follower.tcpRemote}: not the cluster leader`)
  })
})

describe('a clustered database whose leader leaves the cluster', () => {
  let cluster: OvsdbCluster
  let dir: string

  beforeAll(async () => {
    dir = await testDir('leave')
    cluster = await startOvsdbCluster({dir, schemaFile: TEST_SCHEMA_FILE, database: 'Test', size: 3})
  })
  afterAll(async () => {
    if (cluster) await stopOvsdbCluster(cluster)
    await rm(dir, {recursive: true, force: true})
  })

  it('sees it in _Server and moves to the new leader, even without the reconnect option', async () => {
    const client = await OvsdbClient.connect(cluster.remotes, {database: 'Test', timeoutMs: 20_000})
    try {
      const leader = cluster.members.find((member) => member.tcpRemote === client.remote)!
      const disconnected = new Promise<unknown>((resolve) => client.once('disconnected', resolve))
      const moved = new Promise<string>((resolve) => client.once('connected', resolve))
      // The server process stays up, its clients connected: only _Server tells that it is no longer the leader.
      await run('ovs-appctl', ['-t', leader.ctl, 'cluster/leave', 'Test'])
      expect(await disconnected).toBeInstanceOf(NotLeaderError)
      const newRemote = await moved
      expect(newRemote).not.toBe(leader.tcpRemote)
      expect(await role(cluster.members.find((member) => member.tcpRemote === newRemote)!, 'Test')).toBe('leader')
      const tx = client.transaction()
      tx.insert('Parent', {name: 'after-leave'})
      await tx.commit()
    } finally {
      await client.close()
    }
  })
})
