import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {UserError, ValidationError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {resolveSandboxBinaries, type SandboxBinary} from './binaries.js'
import {type DaemonSpec, isOurDaemon, readPid, run, startDaemon, stopDaemon} from './daemon.js'

export const STATE_FILE = 'sandbox.json'
const NB_SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'
const SB_SCHEMA = '/usr/share/ovn/ovn-sb.ovsschema'
const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'
const CHASSIS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/

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
  nbDb: string
  sbDb: string
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

  constructor(private readonly bin: Record<SandboxBinary, string>) {}

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

  async centralDb(rundir: string, kind: 'nb' | 'sb'): Promise<string> {
    await mkdir(rundir, {recursive: true})
    const dbFile = path.join(rundir, `${kind}.db`)
    const socket = path.join(rundir, `${kind}.sock`)
    await run(this.bin['ovsdb-tool'], ['create', dbFile, kind === 'nb' ? NB_SCHEMA : SB_SCHEMA])
    await this.daemon({
      name: `${kind}/ovsdb-server`,
      binary: this.bin['ovsdb-server'],
      rundir,
      args: [`--remote=punix:${socket}`, `--unixctl=${path.join(rundir, 'ovsdb-server.ctl')}`, dbFile],
    })
    const remote = `unix:${socket}`
    // The same first step ovn-nbctl init / ovn-sbctl init take: the one global row.
    await run(this.bin[kind === 'nb' ? 'ovn-nbctl' : 'ovn-sbctl'], [`--db=${remote}`, 'init'], {env: daemonEnv(rundir)})
    return remote
  }

  async northd(rundir: string, nbDb: string, sbDb: string): Promise<void> {
    await mkdir(rundir, {recursive: true})
    await this.daemon({
      name: 'northd/ovn-northd',
      binary: this.bin['ovn-northd'],
      rundir,
      args: [`--ovnnb-db=${nbDb}`, `--ovnsb-db=${sbDb}`, `--unixctl=${path.join(rundir, 'ovn-northd.ctl')}`],
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
      args: [...(chassis.vifPlug ? ['--enable-dummy-vif-plug'] : []), chassis.db],
    })
  }

  async waitForChassis(sbDb: string, names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let registered: string[] = []
    for (;;) {
      const out = await run(this.bin['ovn-sbctl'], [`--db=${sbDb}`, '--bare', '--columns=name', 'list', 'Chassis'])
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

    await mkdir(dir, {recursive: true})
  }

  const starter = new SandboxStarter(bin)
  const sandbox: Sandbox = {
    dir,
    nbDb: '',
    sbDb: '',
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

  return JSON.parse(text) as Sandbox
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
