import {access, mkdir} from 'node:fs/promises'
import path from 'node:path'

import {readPid, run, startDaemon, stopDaemon} from '../../src/sandbox/daemon.js'
import {freePort, ovsdbServerTlsArgs, requireBinary, type ServerTls, waitForCluster} from '../../src/sandbox/ovsdb-server.js'

/**
 * Standalone and clustered ovsdb-server instances for the OVSDB library's tests and benchmark,
 * each in its own directory, listening on a unix socket and, if asked, loopback TCP/SSL.
 */

export interface OvsdbServerOptions {
  dir: string
  /** Creates dir/db.db from this schema unless dbFile is given. */
  schemaFile?: string
  dbFile?: string
  /** Extra listening remotes, e.g. ptcp:6641:127.0.0.1 or pssl:6641:127.0.0.1. */
  remotes?: readonly string[]
  tls?: ServerTls
  /** Run as a read-only backup of this active server's remote (ovsdb-server --sync-from). */
  syncFrom?: string
  /**
   * Start with SIGXFSZ ignored, so that a file size limit set later (prlimit --fsize) makes the
   * server's writes fail with EFBIG, as a full disk makes them fail, instead of killing it.
   */
  survivesFileSizeLimit?: boolean
}

export interface OvsdbServer {
  dir: string
  dbFile: string
  /** The unix socket, as a client remote: unix:DIR/db.sock. */
  unixRemote: string
  pidfile: string
  /** The unixctl socket, for ovs-appctl -t. */
  ctl: string
  options: OvsdbServerOptions
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}

export async function startOvsdbServer(options: OvsdbServerOptions): Promise<OvsdbServer> {
  await mkdir(options.dir, {recursive: true})
  const dbFile = options.dbFile ?? path.join(options.dir, 'db.db')
  if (!(await exists(dbFile))) {
    if (!options.schemaFile) throw new Error(`startOvsdbServer: ${dbFile} does not exist and no schemaFile was given`)
    await run(await requireBinary('ovsdb-tool'), ['create', dbFile, options.schemaFile])
  }
  const server: OvsdbServer = {
    dir: options.dir,
    dbFile,
    unixRemote: `unix:${path.join(options.dir, 'db.sock')}`,
    pidfile: path.join(options.dir, 'ovsdb-server.pid'),
    ctl: path.join(options.dir, 'ovsdb-server.ctl'),
    options,
  }
  await restartOvsdbServer(server)
  return server
}

/** Starts the server again on the same files and sockets, e.g. after killOvsdbServer. */
export async function restartOvsdbServer(server: OvsdbServer): Promise<void> {
  const {options} = server
  await startDaemon({
    name: 'ovsdb-server',
    binary: await requireBinary('ovsdb-server'),
    args: [
      `--remote=p${server.unixRemote}`,
      ...(options.remotes ?? []).map((remote) => `--remote=${remote}`),
      `--unixctl=${server.ctl}`,
      ...ovsdbServerTlsArgs(options.tls),
      ...(options.syncFrom ? [`--sync-from=${options.syncFrom}`] : []),
      server.dbFile,
    ],
    env: {...process.env, OVS_RUNDIR: server.dir, OVS_LOGDIR: server.dir, OVS_DBDIR: server.dir},
    pidfile: server.pidfile,
    logfile: path.join(server.dir, 'ovsdb-server.log'),
    ...(options.survivesFileSizeLimit ? {ignoredSignals: ['SIGXFSZ' as const]} : {}),
  })
}

export async function stopOvsdbServer(server: OvsdbServer): Promise<void> {
  await stopDaemon(server.pidfile)
}

/** Kills the server with SIGKILL, as a crash would, and waits until it is gone. */
export async function killOvsdbServer(server: OvsdbServer): Promise<void> {
  const pid = await readPid(server.pidfile)
  if (pid === undefined) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  // stopDaemon finds nothing left to stop once the process is gone, and waits until then.
  await stopDaemon(server.pidfile)
}

export interface ClusterMember extends OvsdbServer {
  /** The client remote, tcp:127.0.0.1:PORT. */
  tcpRemote: string
  /** The Raft remote, tcp:127.0.0.1:PORT. */
  raftRemote: string
}

export interface OvsdbCluster {
  members: ClusterMember[]
  /** All client remotes, comma-separated, as OvsdbClient.connect takes them. */
  remotes: string
}

/** Creates and starts a clustered database of `size` members on loopback TCP ports. */
export async function startOvsdbCluster(options: {dir: string; schemaFile: string; database: string; size?: number}): Promise<OvsdbCluster> {
  const tool = await requireBinary('ovsdb-tool')
  const size = options.size ?? 3
  const members: ClusterMember[] = []
  for (let i = 0; i < size; i++) {
    const dir = path.join(options.dir, `member${i}`)
    await mkdir(dir, {recursive: true})
    const dbFile = path.join(dir, 'db.db')
    const raftRemote = `tcp:127.0.0.1:${await freePort()}`
    const clientPort = await freePort()
    if (i === 0) await run(tool, ['create-cluster', dbFile, options.schemaFile, raftRemote])
    else await run(tool, ['join-cluster', dbFile, options.database, raftRemote, members[0]!.raftRemote])
    members.push({
      dir,
      dbFile,
      unixRemote: `unix:${path.join(dir, 'db.sock')}`,
      pidfile: path.join(dir, 'ovsdb-server.pid'),
      ctl: path.join(dir, 'ovsdb-server.ctl'),
      options: {dir, dbFile, remotes: [`ptcp:${clientPort}:127.0.0.1`]},
      tcpRemote: `tcp:127.0.0.1:${clientPort}`,
      raftRemote,
    })
  }
  const cluster = {members, remotes: members.map((member) => member.tcpRemote).join(',')}
  try {
    for (const member of members) await restartOvsdbServer(member)
    await waitForCluster(members.map((member) => member.ctl), options.database)
  } catch (error) {
    await stopOvsdbCluster(cluster)
    throw error
  }
  return cluster
}

export async function stopOvsdbCluster(cluster: OvsdbCluster): Promise<void> {
  await Promise.all(cluster.members.map(stopOvsdbServer))
}
