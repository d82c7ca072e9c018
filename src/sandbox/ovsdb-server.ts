import net from 'node:net'

import {findBinary} from './binaries.js'
import {run} from './daemon.js'

/** What the sandbox's ovsdb-servers need: loopback ports, TLS arguments, a Raft cluster that has formed. */

export interface ServerTls {
  privateKey: string
  certificate: string
  caCert: string
}

/** The path of an OVS program, or an error naming the package to install. */
export async function requireBinary(name: string): Promise<string> {
  const file = await findBinary(name)
  if (!file) throw new Error(`${name} not found: install openvswitch-switch`)
  return file
}

/** ovsdb-server's arguments for serving ssl: remotes with these files. */
export function ovsdbServerTlsArgs(tls: ServerTls | undefined): string[] {
  return tls ? [`--private-key=${tls.privateKey}`, `--certificate=${tls.certificate}`, `--ca-cert=${tls.caCert}`] : []
}

/** A TCP port that was free a moment ago, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Waits until every member (given by its unixctl socket) has joined and knows the leader. Until
 * then the cluster is smaller than it looks: killing one member could leave no majority.
 */
export async function waitForCluster(ctls: readonly string[], database: string, timeoutMs = 30_000): Promise<void> {
  const appctl = await requireBinary('ovs-appctl')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const statuses = await Promise.all(ctls.map((ctl) => run(appctl, ['-t', ctl, 'cluster/status', database]).catch(() => '')))
    const joined = statuses.every((status) => {
      const servers = /^Servers:\n((?:\s+.*\n?)*)/m.exec(status)?.[1] ?? ''
      return /^Status: cluster member$/m.test(status) && /^Leader: (?!unknown)/m.test(status) && servers.trim().split('\n').length === ctls.length
    })
    if (joined) return
    if (Date.now() > deadline) throw new Error(`the ${ctls.length}-member cluster did not form within ${timeoutMs} ms:\n${statuses.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
