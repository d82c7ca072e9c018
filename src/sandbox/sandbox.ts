import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {UserError, ValidationError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {resolveSandboxBinaries, type SandboxBinary} from './binaries.js'
import {type DaemonSpec, isOurDaemon, readPid, run, startDaemon, stopDaemon} from './daemon.js'
import {freePort, ovsdbServerTlsArgs, type ServerTls, waitForCluster} from './ovsdb-server.js'

export const STATE_FILE = 'sandbox.json'
const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'
const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema'
export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
const CHASSIS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/
/** Three members: the smallest cluster that keeps a majority when one of them is killed. */
const CLUSTER_SIZE = 3

export interface SandboxOptions {
  /** Where to put everything; created if missing. Default: a new temp dir. */
  dir?: string
  /** Chassis names; default ['hv1']. */
  chassis?: string[]
  /** Start ovn-controller on each chassis (default true). */
  controller?: boolean
  /** Chassis whose ovn-controller runs with --enable-dummy-vif-plug. */
  controllerVifPlug?: boolean | string[]
  /** How long to wait for every chassis to register in SB. */
  registerTimeoutMs?: number
  /**
   * Run NB and SB each as a 3-member Raft cluster on loopback TCP ports instead of one server on
   * a unix socket; northd, the chassis and the returned remotes name every member.
   */
  clustered?: boolean
  /**
   * Serve NB and SB over ssl: on loopback, and make northd and every ovn-controller connect
   * with these files (one certificate for all of them, signed by caCert).
   */
  tls?: ServerTls
}

export interface SandboxChassis {
  name: string
  /** Its own OVS_RUNDIR/OVN_RUNDIR. */
  dir: string
  /** Its local Open_vSwitch database. */
  db: string
  encapIp: string
  controller: boolean
  vifPlug: boolean
}

export interface SandboxDaemon {
  name: string
  pidfile: string
  /** How it was started, so that it can be started again after a (test's) kill. */
  start: {binary: string; args: string[]; rundir: string}
}

export interface Sandbox {
  dir: string
  /** The remote(s) of the Northbound DB: unix:, or with clustered or tls a comma-separated tcp:/ssl: list. */
  nbDb: string
  sbDb: string
  clustered: boolean
  tls?: ServerTls
  chassis: SandboxChassis[]
  daemons: SandboxDaemon[]
}

function daemonEnv(rundir: string): NodeJS.ProcessEnv {
  // Point every OVS/OVN default path into the sandbox, so nothing is written outside it.
  return {
    ...process.env,
    OVS_RUNDIR: rundir,
    OVS_LOGDIR: rundir,
    OVS_DBDIR: rundir,
    OVS_SYSCONFDIR: rundir,
    OVN_RUNDIR: rundir,
    OVN_LOGDIR: rundir,
    OVN_DBDIR: rundir,
    OVN_SYSCONFDIR: rundir,
  }
}

function pidfileFor(rundir: string, name: string): string {
  return path.join(rundir, `${name.split('/').pop()}.pid`)
}

function startSandboxDaemon(daemon: SandboxDaemon): Promise<number> {
  const {binary, args, rundir} = daemon.start
  return startDaemon({
    name: daemon.name,
    binary,
    args,
    env: daemonEnv(rundir),
    pidfile: daemon.pidfile,
    logfile: daemon.pidfile.replace(/\.pid$/, '.log'),
  })
}

function validateChassisNames(names: string[]): void {
  if (names.length === 0) throw new ValidationError('--chassis needs at least one name, e.g. --chassis hv1,hv2')
  const seen = new Set<string>()
  for (const name of names) {
    if (!CHASSIS_NAME.test(name)) {
      throw new ValidationError(`bad chassis name '${name}': use letters, digits, '.', '_' or '-' (at most 32)`)
    }

    if (seen.has(name)) throw new ValidationError(`chassis '${name}' is given twice in --chassis`)
    seen.add(name)
  }
}

function wantsVifPlug(option: SandboxOptions['controllerVifPlug'], name: string): boolean {
  return Array.isArray(option) ? option.includes(name) : Boolean(option)
}

class SandboxStarter {
  readonly daemons: SandboxDaemon[] = []

  constructor(
    private readonly bin: Record<SandboxBinary, string>,
    private readonly options: Pick<SandboxOptions, 'clustered' | 'tls'>,
  ) {}

  async daemon(spec: Omit<DaemonSpec, 'pidfile' | 'logfile' | 'env'> & {rundir: string}): Promise<void> {
    // Recorded before the start, so a daemon that wrote its pidfile and then failed is still stopped.
    const daemon: SandboxDaemon = {
      name: spec.name,
      pidfile: pidfileFor(spec.rundir, spec.name),
      start: {binary: spec.binary, args: [...spec.args], rundir: spec.rundir},
    }
    this.daemons.push(daemon)
    await startSandboxDaemon(daemon)
  }

  /** The -p/-c/-C arguments every OVN client of an ssl: sandbox passes. */
  private get tlsClientArgs(): string[] {
    const {tls} = this.options
    return tls ? ['-p', tls.privateKey, '-c', tls.certificate, '-C', tls.caCert] : []
  }

  private get tlsServerArgs(): string[] {
    return ovsdbServerTlsArgs(this.options.tls)
  }

  /** A loopback listening remote and its client remote: ssl when the sandbox has TLS, else tcp. */
  private async loopbackRemote(): Promise<{listen: string; connect: string}> {
    const port = await freePort()
    const method = this.options.tls ? 'ssl' : 'tcp'
    return {listen: `p${method}:${port}:127.0.0.1`, connect: `${method}:127.0.0.1:${port}`}
  }

  async centralDb(rundir: string, kind: 'nb' | 'sb'): Promise<string> {
    await mkdir(rundir, {recursive: true})
    const schema = kind === 'nb' ? NB_SCHEMA : SB_SCHEMA
    const remote = this.options.clustered ? await this.clusteredDb(rundir, kind, schema) : await this.standaloneDb(rundir, kind, schema)
    // The same first step ovn-nbctl init / ovn-sbctl init take: the one global row.
    await run(this.bin[kind === 'nb' ? 'ovn-nbctl' : 'ovn-sbctl'], [...this.tlsClientArgs, `--db=${remote}`, 'init'], {env: daemonEnv(rundir)})
    return remote
  }

  private async standaloneDb(rundir: string, kind: 'nb' | 'sb', schema: string): Promise<string> {
    const dbFile = path.join(rundir, `${kind}.db`)
    const socket = path.join(rundir, `${kind}.sock`)
    await run(this.bin['ovsdb-tool'], ['create', dbFile, schema])
    const network = this.options.tls ? await this.loopbackRemote() : undefined
    await this.daemon({
      name: `${kind}/ovsdb-server`,
      binary: this.bin['ovsdb-server'],
      rundir,
      args: [
        `--remote=punix:${socket}`,
        ...(network ? [`--remote=${network.listen}`] : []),
        `--unixctl=${path.join(rundir, 'ovsdb-server.ctl')}`,
        ...this.tlsServerArgs,
        dbFile,
      ],
    })
    return network?.connect ?? `unix:${socket}`
  }

  /** Members m0..m2, each in rundir/mN with its own unix socket too; Raft runs over plain loopback TCP. */
  private async clusteredDb(rundir: string, kind: 'nb' | 'sb', schema: string): Promise<string> {
    const database = kind === 'nb' ? 'OVN_Northbound' : 'OVN_Southbound'
    const remotes: string[] = []
    const ctls: string[] = []
    let firstRaftRemote = ''
    for (let index = 0; index < CLUSTER_SIZE; index++) {
      const memberDir = path.join(rundir, `m${index}`)
      await mkdir(memberDir, {recursive: true})
      const dbFile = path.join(memberDir, `${kind}.db`)
      const raftRemote = `tcp:127.0.0.1:${await freePort()}`
      if (index === 0) {
        firstRaftRemote = raftRemote
        await run(this.bin['ovsdb-tool'], ['create-cluster', dbFile, schema, raftRemote])
      } else {
        await run(this.bin['ovsdb-tool'], ['join-cluster', dbFile, database, raftRemote, firstRaftRemote])
      }

      const network = await this.loopbackRemote()
      const ctl = path.join(memberDir, 'ovsdb-server.ctl')
      await this.daemon({
        name: `${kind}/m${index}/ovsdb-server`,
        binary: this.bin['ovsdb-server'],
        rundir: memberDir,
        args: [`--remote=punix:${path.join(memberDir, `${kind}.sock`)}`, `--remote=${network.listen}`, `--unixctl=${ctl}`, ...this.tlsServerArgs, dbFile],
      })
      remotes.push(network.connect)
      ctls.push(ctl)
    }

    await waitForCluster(ctls, database)
    return remotes.join(',')
  }

  async northd(rundir: string, nbDb: string, sbDb: string): Promise<void> {
    await mkdir(rundir, {recursive: true})
    await this.daemon({
      name: 'northd/ovn-northd',
      binary: this.bin['ovn-northd'],
      rundir,
      args: [...this.tlsClientArgs, `--ovnnb-db=${nbDb}`, `--ovnsb-db=${sbDb}`, `--unixctl=${path.join(rundir, 'ovn-northd.ctl')}`],
    })
  }

  async chassis(chassis: SandboxChassis, sbDb: string): Promise<void> {
    const rundir = chassis.dir
    const env = daemonEnv(rundir)
    await mkdir(rundir, {recursive: true})
    const dbFile = path.join(rundir, 'conf.db')
    await run(this.bin['ovsdb-tool'], ['create', dbFile, VSWITCH_SCHEMA])
    await this.daemon({
      name: `${chassis.name}/ovsdb-server`,
      binary: this.bin['ovsdb-server'],
      rundir,
      args: [`--remote=punix:${path.join(rundir, 'db.sock')}`, dbFile],
    })
    // br-int is made here, as ovn-controller would, so a chassis without ovn-controller has one too.
    await run(
      this.bin['ovs-vsctl'],
      [
        `--db=${chassis.db}`,
        '--no-wait',
        '--',
        'init',
        '--',
        'set',
        'Open_vSwitch',
        '.',
        `external_ids:system-id=${chassis.name}`,
        `external_ids:hostname=${chassis.name}`,
        `external_ids:ovn-remote=${sbDb}`,
        'external_ids:ovn-encap-type=geneve',
        `external_ids:ovn-encap-ip=${chassis.encapIp}`,
        'external_ids:ovn-bridge=br-int',
        '--',
        'add-br',
        'br-int',
        '--',
        'set',
        'Bridge',
        'br-int',
        'fail-mode=secure',
        'other-config:disable-in-band=true',
      ],
      {env},
    )
    await this.daemon({
      name: `${chassis.name}/ovs-vswitchd`,
      binary: this.bin['ovs-vswitchd'],
      rundir,
      args: ['--enable-dummy=override', '--disable-system', '--disable-system-route', chassis.db],
    })
    if (!chassis.controller) return
    await this.daemon({
      name: `${chassis.name}/ovn-controller`,
      binary: this.bin['ovn-controller'],
      rundir,
      args: [...this.tlsClientArgs, ...(chassis.vifPlug ? ['--enable-dummy-vif-plug'] : []), chassis.db],
    })
  }

  async waitForChassis(sbDb: string, names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let registered: string[] = []
    for (;;) {
      const out = await run(this.bin['ovn-sbctl'], [...this.tlsClientArgs, `--db=${sbDb}`, '--bare', '--columns=name', 'list', 'Chassis'])
      registered = out.split('\n').map((line) => line.trim()).filter(Boolean)
      if (names.every((name) => registered.includes(name))) return
      if (Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }

    const missing = names.filter((name) => !registered.includes(name))
    throw new UserError(
      `chassis ${missing.join(', ')} did not register in the Southbound DB within ${timeoutMs / 1000}s: see the ovn-controller.log of each`,
      ExitCode.Connection,
    )
  }
}

/** Starts NB and SB ovsdb-servers, ovn-northd and one OVS + ovn-controller per chassis. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const names = options.chassis ?? ['hv1']
  validateChassisNames(names)
  const bin = await resolveSandboxBinaries()
  const createdDir = options.dir === undefined
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-sandbox-'))))
  if (!createdDir) {
    const existing = await readSandboxState(dir).catch(() => undefined)
    if (existing) {
      throw new ValidationError(`${dir} already holds a sandbox: stop it with 'ovn-vif-ctl sandbox stop --dir ${dir}' first`)
    }

    await makeSandboxDir(dir)
  }

  const starter = new SandboxStarter(bin, options)
  const sandbox: Sandbox = {
    dir,
    nbDb: '',
    sbDb: '',
    clustered: options.clustered ?? false,
    ...(options.tls ? {tls: options.tls} : {}),
    chassis: names.map((name, index) => ({
      name,
      dir: path.join(dir, name),
      db: `unix:${path.join(dir, name, 'db.sock')}`,
      encapIp: `127.0.0.${index + 11}`,
      controller: options.controller ?? true,
      vifPlug: wantsVifPlug(options.controllerVifPlug, name),
    })),
    daemons: starter.daemons,
  }
  try {
    ;[sandbox.nbDb, sandbox.sbDb] = await Promise.all([
      starter.centralDb(path.join(dir, 'nb'), 'nb'),
      starter.centralDb(path.join(dir, 'sb'), 'sb'),
    ])
    await starter.northd(path.join(dir, 'northd'), sandbox.nbDb, sandbox.sbDb)
    await Promise.all(sandbox.chassis.map((chassis) => starter.chassis(chassis, sandbox.sbDb)))
    await writeSandboxState(sandbox)
    const withController = sandbox.chassis.filter((chassis) => chassis.controller).map((chassis) => chassis.name)
    await starter.waitForChassis(sandbox.sbDb, withController, options.registerTimeoutMs ?? 20_000)
    return sandbox
  } catch (error) {
    await Promise.all(starter.daemons.map((daemon) => stopDaemon(daemon.pidfile)))
    if (createdDir) await rm(dir, {recursive: true, force: true})
    else await rm(path.join(dir, STATE_FILE), {force: true})
    throw error
  }
}

/** Creates the sandbox directory, or accepts it as it is; what stands in the way is a one-line refusal. */
async function makeSandboxDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, {recursive: true})
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    // EEXIST: dir is a file; ENOTDIR: one of its parents is.
    const problem = code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a directory: a file is in the way' : `cannot be created (${code ?? (error as Error).message})`
    throw new ValidationError(`sandbox directory ${dir} ${problem}: give --dir a directory (new, or empty), or leave --dir out for a new temp dir`)
  }
}

async function writeSandboxState(sandbox: Sandbox): Promise<void> {
  await writeFile(path.join(sandbox.dir, STATE_FILE), JSON.stringify(sandbox, null, 2) + '\n')
}

export async function readSandboxState(dir: string): Promise<Sandbox> {
  let text: string
  try {
    text = await readFile(path.join(dir, STATE_FILE), 'utf8')
  } catch {
    throw new ValidationError(`no sandbox in ${dir}: start one with 'ovn-vif-ctl sandbox start --dir ${dir}'`)
  }

  try {
    return JSON.parse(text) as Sandbox
  } catch (error) {
    throw new ValidationError(
      `${path.join(dir, STATE_FILE)} is not a sandbox state file (${(error as Error).message}): stop its daemons by their pidfiles in ${dir}, then remove it`,
    )
  }
}

export interface StopOptions {
  /** Keep the directory (databases and logs) after stopping. */
  keep?: boolean
}

/** Stops exactly the daemons recorded in the sandbox's state file, then removes its dir. */
export async function stopSandbox(dir: string, options: StopOptions = {}): Promise<SandboxDaemon[]> {
  const sandbox = await readSandboxState(dir)
  // Chassis daemons first, central ones last, so nobody logs reconnect noise on the way down.
  const ordered = [...sandbox.daemons].reverse()
  const stopped: SandboxDaemon[] = []
  for (const daemon of ordered) {
    if ((await stopDaemon(daemon.pidfile)) === 'stopped') stopped.push(daemon)
  }

  if (options.keep) await rm(path.join(sandbox.dir, STATE_FILE), {force: true})
  else await rm(sandbox.dir, {recursive: true, force: true})
  return stopped
}

export interface DaemonStatus extends SandboxDaemon {
  pid: number | undefined
  running: boolean
}

export async function sandboxStatus(sandbox: Sandbox): Promise<DaemonStatus[]> {
  return Promise.all(
    sandbox.daemons.map(async (daemon) => {
      const pid = await readPid(daemon.pidfile)
      return {...daemon, pid, running: pid !== undefined && (await isOurDaemon(pid, daemon.pidfile))}
    }),
  )
}

function sandboxDaemon(sandbox: Sandbox, name: string): SandboxDaemon {
  const daemon = sandbox.daemons.find((candidate) => candidate.name === name)
  if (!daemon) throw new ValidationError(`no daemon '${name}' in this sandbox: choose one of ${sandbox.daemons.map((d) => d.name).join(', ')}`)
  return daemon
}

/** Kills one of the sandbox's daemons (SIGKILL by default: a crash, for fault tests) and waits until it is gone. */
export async function killSandboxDaemon(sandbox: Sandbox, name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const daemon = sandboxDaemon(sandbox, name)
  const pid = await readPid(daemon.pidfile)
  if (pid === undefined || !(await isOurDaemon(pid, daemon.pidfile))) return
  process.kill(pid, signal)
  while (await isOurDaemon(pid, daemon.pidfile)) await new Promise((resolve) => setTimeout(resolve, 5))
}

/** Starts a daemon of the sandbox again, exactly as it was first started (same sockets and files). */
export async function restartSandboxDaemon(sandbox: Sandbox, name: string): Promise<void> {
  const daemon = sandboxDaemon(sandbox, name)
  await rm(daemon.pidfile, {force: true})
  await startSandboxDaemon(daemon)
}

/**
 * Starts again, as first started, the daemons of the sandbox that do not run: those named, or
 * every one, in the order they were started (central databases first). Returns those started.
 */
export async function startStoppedDaemons(sandbox: Sandbox, names: readonly string[] = []): Promise<SandboxDaemon[]> {
  const wanted = names.length > 0 ? names.map((name) => sandboxDaemon(sandbox, name)) : sandbox.daemons
  const started: SandboxDaemon[] = []
  for (const daemon of sandbox.daemons.filter((candidate) => wanted.includes(candidate))) {
    const pid = await readPid(daemon.pidfile)
    if (pid !== undefined && (await isOurDaemon(pid, daemon.pidfile))) continue
    await restartSandboxDaemon(sandbox, daemon.name)
    started.push(daemon)
  }

  return started
}

/** The sandbox a local Open_vSwitch DB belongs to, and its chassis: a sandbox keeps each chassis's DB at DIR/CHASSIS/db.sock. */
export async function sandboxOfLocalDb(ovsDb: string): Promise<{sandbox: Sandbox; chassis: SandboxChassis} | undefined> {
  if (!ovsDb.startsWith('unix:')) return undefined
  const sandbox = await readSandboxState(path.dirname(path.dirname(ovsDb.slice('unix:'.length)))).catch(() => undefined)
  const chassis = sandbox?.chassis.find((candidate) => candidate.db === ovsDb)
  return sandbox && chassis ? {sandbox, chassis} : undefined
}

/** The shell exports that point ovn-nbctl, ovn-sbctl, ovs-vsctl and ovn-vif-ctl at the sandbox. */
export function sandboxEnv(sandbox: Sandbox, chassisName?: string): Record<string, string> {
  const chassis = chassisName ? sandbox.chassis.find((c) => c.name === chassisName) : sandbox.chassis[0]
  if (!chassis) {
    throw new ValidationError(
      `no chassis '${chassisName}' in this sandbox: choose one of ${sandbox.chassis.map((c) => c.name).join(', ')}`,
    )
  }

  return {
    OVN_VIF_CTL_SANDBOX: sandbox.dir,
    OVN_NB_DB: sandbox.nbDb,
    OVN_SB_DB: sandbox.sbDb,
    // ovs-vsctl and ovn-vif-ctl find the local DB at unix:$OVS_RUNDIR/db.sock.
    OVS_RUNDIR: chassis.dir,
    OVN_RUNDIR: chassis.dir,
  }
}
