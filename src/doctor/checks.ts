import {type ConnectionSettings, describeOrigin, localOvsRemote, OVN_REMOTE_SOURCE, southboundRemote} from '../lib/connection.js'
import {connectDatabase, connectOptionalNorthbound} from '../lib/database.js'
import {UnreachableError, isUsageError, messageOf} from '../lib/errors.js'
import {REFUSAL_FIXES, writeRefusal} from '../lib/write-refusal.js'
import {type OvsdbClient, parseRemotes, ZERO_UUID} from '../ovsdb/index.js'
import {judgeCardSerial} from '../chassis/card-serial-verdict.js'
import {nicReasons} from '../chassis/show.js'
import {type CardSerialSources, cardSerials, readCardSerials} from '../dpu/card-serial.js'
import {cardSerialOf, OVN_CMS_OPTIONS} from '../ovn/cms-options.js'
import {type ChassisIdentity, chassisIdentity, type ChassisRow, selectRows} from '../ovn/rows.js'
import type {ProviderRegistry} from '../providers/registry.js'
import {StatusSource} from '../status/gather.js'
import type {StatusRow} from '../status/model.js'
import {readWatcherState} from '../reconcile/watch-state.js'
import {checkController, checkNorthd, checkWatcher} from './daemons.js'
import {findBinary} from '../sandbox/binaries.js'
import {judgeControllerVersion, judgeCoexistence, OVN_VERSION, readControllerBinary} from './controller-build.js'
import type {CheckOutcome} from './report.js'

export interface DoctorOptions {
  settings: ConnectionSettings
  providers: ProviderRegistry
  /** How long ovn-controller may take to catch up with the Southbound nb_cfg. */
  controllerWaitMs: number
  /** How long ovn-northd may take to bring the Southbound DB up to the Northbound nb_cfg. */
  northdWaitMs: number
  /** Where the card serial check reads the NICs' serials (sysfs, devlink dev info). */
  cardSerialSources: CardSerialSources
  /** The ovn-controller binary the version and coexistence checks read; default: ovn-controller on PATH. */
  controllerBinary?: string | undefined
  env?: Readonly<Record<string, string | undefined>>
}

/** A malformed remote or a missing TLS flag is the operator's typo, not a failed check: exit 2, as for every command. */
function rethrowUsageError(error: unknown): void {
  if (isUsageError(error)) throw error
}

function isWellFormed(remotes: string): boolean {
  try {
    parseRemotes(remotes)
    return true
  } catch {
    return false
  }
}

export interface DoctorReport {
  /** The chassis checked: this host's external_ids:system-id, undefined when it could not be read. */
  chassis: string | undefined
  checks: CheckOutcome[]
}

type Verdict = Omit<CheckOutcome, 'id' | 'title'>

/**
 * The checks run so far, in order, and which passed: a check whose prerequisite did not pass
 * is skipped, naming it. A check may hand on what it read (its value) to those after it.
 */
class CheckList {
  readonly outcomes: CheckOutcome[] = []
  private readonly passed = new Set<string>()

  passedAll(needs: readonly string[]): boolean {
    return needs.every((need) => this.passed.has(need))
  }

  async check<T = never>(id: string, title: string, needs: readonly string[], run: () => Promise<Verdict & {value?: T}>): Promise<T | undefined> {
    const missing = needs.find((need) => !this.passed.has(need))
    const {value, ...outcome} = missing
      ? {result: 'skip' as const, detail: `skipped: needs a passing ${this.outcomes.find((previous) => previous.id === missing)?.title ?? missing} check`, value: undefined}
      : await run()
    this.outcomes.push({id, title, ...outcome})
    if (outcome.result !== 'fail' && outcome.result !== 'skip') this.passed.add(id)
    return value
  }
}

/** What the local OVS DB told: read once, judged by several checks. */
interface LocalFacts {
  ovs: OvsdbClient
  identity: ChassisIdentity
  cmsOptions: string | undefined
  bridges: string[]
  interfaceErrors: Array<{name: string; error: string}>
}

/** What the Southbound side told. */
interface SouthboundFacts {
  sb: OvsdbClient
  /** This chassis's Chassis row, when the checks got that far. */
  chassisRow: ChassisRow | undefined
}

/** The clients opened by the checks, all closed at the end. */
type OpenClients = OvsdbClient[]

/**
 * The checks, in order; each either runs or is skipped because one it depends on did not pass.
 * Connections are opened one at a time, as each check needs them, and all closed at the end.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const list = new CheckList()
  const local = await withClients(async (clients) => {
    const local = await checkLocal(list, options, clients)
    const southbound = await checkSouthbound(list, options, local, clients)
    await checkControllerBuild(list, options, southbound?.chassisRow)
    await checkNorthbound(list, options, southbound?.sb, clients)
    await checkPorts(list, options, local)
    return local
  })
  return {chassis: local?.identity.systemId, checks: list.outcomes}
}

async function withClients<T>(use: (clients: OpenClients) => Promise<T>): Promise<T> {
  const clients: OpenClients = []
  try {
    return await use(clients)
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
  }
}

async function readLocal(ovs: OvsdbClient): Promise<LocalFacts> {
  const [[root], bridgeRows, interfaces] = await Promise.all([
    selectRows(ovs, 'Open_vSwitch', [], ['external_ids']),
    selectRows(ovs, 'Bridge', [], ['name']),
    selectRows(ovs, 'Interface', [], ['name', 'error']),
  ])
  return {
    ovs,
    identity: chassisIdentity(root),
    cmsOptions: root?.external_ids[OVN_CMS_OPTIONS],
    bridges: bridgeRows.map((row) => row.name),
    interfaceErrors: interfaces.flatMap((row) => (row.error === undefined ? [] : [{name: row.name, error: row.error}])),
  }
}

/** ovs-db, ovs-db-writable, system-id, integration-bridge: what the local OVS DB says of this chassis. */
async function checkLocal(list: CheckList, {settings}: DoctorOptions, clients: OpenClients): Promise<LocalFacts | undefined> {
  const local = await list.check<LocalFacts>('ovs-db', 'local OVS DB', [], async () => {
    try {
      const ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', settings)
      clients.push(ovs)
      return {result: 'pass', detail: `${settings.ovsDb} answers`, value: await readLocal(ovs)}
    } catch (error) {
      rethrowUsageError(error)
      return {
        result: 'fail',
        detail: messageOf(error),
        fix: 'start ovsdb-server (systemctl start openvswitch-switch), or point --db or $OVS_RUNDIR at its socket',
        unreachable: true,
      }
    }
  })

  await list.check('ovs-db-writable', 'local OVS DB writable', ['ovs-db'], () => checkWritable(local!.ovs, settings.ovsDb))
  await list.check('system-id', 'system-id', ['ovs-db'], async () =>
    local!.identity.systemId
      ? {result: 'pass', detail: `external_ids:system-id is ${local!.identity.systemId}`}
      : {
          result: 'fail',
          detail: 'the Open_vSwitch row has no external_ids:system-id, so ovn-controller cannot register a chassis',
          fix: 'ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME (the chassis name)',
        },
  )
  await list.check('integration-bridge', 'integration bridge', ['ovs-db'], async () => {
    const bridge = local!.identity.integrationBridge
    return local!.bridges.includes(bridge)
      ? {result: 'pass', detail: `${bridge} exists`}
      : {result: 'fail', detail: `${bridge} does not exist`, fix: `start ovn-controller, which creates it, or ovs-vsctl add-br ${bridge}`}
  })
  return local
}

/** southbound, chassis, ovn-controller, card-serial: this chassis as the Southbound DB knows it. */
async function checkSouthbound(list: CheckList, options: DoctorOptions, local: LocalFacts | undefined, clients: OpenClients): Promise<SouthboundFacts | undefined> {
  const {settings} = options
  const env = options.env ?? process.env
  const southbound = southboundRemote(settings, local?.identity.ovnRemote, env)
  const source = describeOrigin(southbound.origin)
  const sb = await list.check<OvsdbClient>('southbound', 'Southbound DB', [], async () => {
    try {
      const client = await connectDatabase(southbound, 'OVN_Southbound', settings)
      clients.push(client)
      return {result: 'pass', detail: `${southbound.remote} (from ${source}) answers`, value: client}
    } catch (error) {
      // A malformed external_ids:ovn-remote is this chassis's fault, and a failed check.
      if (source !== OVN_REMOTE_SOURCE || isWellFormed(southbound.remote)) rethrowUsageError(error)
      return {
        result: 'fail',
        detail: `${messageOf(error)} (the remote comes from ${source})`,
        fix: `check ${source} (ovs-vsctl get Open_vSwitch . external_ids:ovn-remote) and that the Southbound ovsdb-server runs`,
        unreachable: true,
      }
    }
  })
  const systemId = local?.identity.systemId
  const chassisRow = await list.check<ChassisRow>('chassis', 'Chassis row', ['system-id', 'southbound'], async () => {
    const [row] = await selectRows(sb!, 'Chassis', [['name', '==', systemId!]])
    return row
      ? {result: 'pass', detail: `the Southbound DB has chassis ${systemId}`, value: row}
      : {
          result: 'fail',
          detail: `the Southbound DB has no Chassis row named ${systemId}`,
          fix: 'start (or restart) ovn-controller on this host: it registers the chassis; its log says why it could not',
        }
  })
  await list.check('ovn-controller', 'ovn-controller', ['chassis'], () => checkController(sb!, systemId!, settings, options.controllerWaitMs, env))
  await list.check('card-serial', 'card serial', ['chassis'], async () => {
    const nics = await readCardSerials(options.cardSerialSources)
    return judgeCardSerial({
      nicSerials: cardSerials(nics),
      nicReasons: nicReasons(nics),
      local: cardSerialOf(local!.cmsOptions),
      southbound: {serial: cardSerialOf(chassisRow!.other_config[OVN_CMS_OPTIONS])},
    })
  })
  return sb && {sb, chassisRow}
}

/** ovn-controller-version, coexistence: what the ovn-controller binary of this host is. Informational, never a failure. */
async function checkControllerBuild(list: CheckList, options: DoctorOptions, chassisRow: ChassisRow | undefined): Promise<void> {
  const file = options.controllerBinary ?? (await findBinary('ovn-controller'))
  const binary = await readControllerBinary(file)
  const chassisVersion = chassisRow?.other_config[OVN_VERSION]
  await list.check('ovn-controller-version', 'ovn-controller version', [], async () => judgeControllerVersion(binary, chassisVersion))
  const loaded = options.providers.entries.map((entry) => entry.provider.type)
  await list.check('coexistence', 'coexistence', [], async () => judgeCoexistence(binary, loaded))
}

/** northbound, northd: the central side, optional on a chassis. */
async function checkNorthbound(list: CheckList, {settings, northdWaitMs}: DoctorOptions, sb: OvsdbClient | undefined, clients: OpenClients): Promise<void> {
  const nb = await list.check<OvsdbClient>('northbound', 'Northbound DB', [], async () => {
    try {
      const client = await connectOptionalNorthbound(settings)
      clients.push(client)
      return {result: 'pass', detail: `${settings.nbDb} answers`, value: client}
    } catch (error) {
      rethrowUsageError(error)
      return {
        result: 'warn',
        detail: `${messageOf(error)}; optional on a chassis, but status cannot show ports not yet in the Southbound DB`,
        fix: 'set --nb-db or $OVN_NB_DB if this host should reach it',
      }
    }
  })
  await list.check('northd', 'ovn-northd', ['southbound'], () => checkNorthd(sb!, nb, settings, northdWaitMs))
}

const STATUS_NEEDS = ['system-id', 'integration-bridge', 'southbound']

/** The ports as `status` classifies them, or why they could not be. */
type Classified = {rows: StatusRow[]; error?: undefined} | {rows?: undefined; error: unknown}

function cannotClassify(error: unknown): Verdict {
  return {result: 'fail', detail: `cannot classify the ports: ${messageOf(error)}`, unreachable: error instanceof UnreachableError}
}

/** provider:TYPE, orphans, conflicts, interface-errors, reconciler: the ports of this chassis and what plugs them. */
async function checkPorts(list: CheckList, options: DoctorOptions, local: LocalFacts | undefined): Promise<void> {
  const classified: Classified | undefined = list.passedAll(STATUS_NEEDS)
    ? await classifyHere(options).then((rows) => ({rows}), (error: unknown) => ({error}))
    : undefined
  const rows = classified?.rows
  for (const entry of options.providers.entries) {
    await list.check(`provider:${entry.provider.type}`, `provider ${entry.provider.type}`, [], async () => checkProvider(entry, rows))
  }

  // Run only when STATUS_NEEDS passed, so the ports were classified, or failed to be.
  const fromStatus = (judge: (rows: StatusRow[]) => Verdict) => async () => (classified!.rows ? judge(classified!.rows) : cannotClassify(classified!.error))
  await list.check('orphans', 'orphaned ports', STATUS_NEEDS, fromStatus(judgeOrphans))
  await list.check('conflicts', 'ports in conflict', STATUS_NEEDS, fromStatus(judgeConflicts))
  await list.check('interface-errors', 'interface errors', ['ovs-db'], async () => judgeInterfaceErrors(local!.interfaceErrors))
  await list.check('reconciler', 'reconcile --watch', ['ovs-db'], async () => checkWatcher(await readWatcherState(options.settings.ovsDb, options.env ?? process.env), rows))
}

function judgeOrphans(all: readonly StatusRow[]): Verdict {
  const orphans = all.filter((row) => row.state === 'orphaned')
  return orphans.length === 0
    ? {result: 'pass', detail: 'none'}
    : {result: 'warn', detail: `${orphans.length}: ${orphans.map((row) => row.interface ?? row.lport).join(', ')}`, fix: 'ovn-vif-ctl reconcile unplugs them (ovn-vif-ctl status --state orphaned says why each is one)'}
}

function judgeConflicts(all: readonly StatusRow[]): Verdict {
  const conflicts = all.filter((row) => row.state === 'conflict')
  return conflicts.length === 0
    ? {result: 'pass', detail: 'none'}
    : {result: 'fail', detail: `${conflicts.length}: ${conflicts.map((row) => row.lport).join(', ')}`, fix: 'ovn-vif-ctl status --state conflict says what is in the way of each'}
}

function judgeInterfaceErrors(errors: ReadonlyArray<{name: string; error: string}>): Verdict {
  return errors.length === 0
    ? {result: 'pass', detail: 'no interface has an OVS error'}
    : {
        result: 'fail',
        detail: errors.map(({name, error}) => `${name}: ${error}`).join('; '),
        fix: 'see ovs-vsctl list Interface NAME and the ovs-vswitchd log; a plugged port shows as pending in ovn-vif-ctl status',
      }
}

async function classifyHere(options: DoctorOptions): Promise<StatusRow[]> {
  const source = await StatusSource.open({
    settings: options.settings,
    providers: options.providers,
    scope: {kind: 'local', northbound: 'skip'},
    reconnect: false,
    warn: () => {},
  })
  try {
    await source.whenComplete(options.settings.timeoutMs)
    return source.report().rows
  } finally {
    await source.close()
  }
}

function checkProvider(entry: ProviderRegistry['entries'][number], rows: readonly StatusRow[] | undefined): Verdict {
  const {type} = entry.provider
  const users = rows?.filter((row) => row.type === type && row.state !== 'orphaned').length ?? 0
  const use = rows ? `${users} port${users === 1 ? '' : 's'} requested here use${users === 1 ? 's' : ''} it` : 'its use here is unknown'
  if (entry.failure) {
    const failed = entry.failure.call === 'init' ? 'failed to initialise' : `failed in ${entry.failure.call}()`
    return {
      result: users > 0 || !rows ? 'fail' : 'warn',
      detail: `${failed}: ${entry.failure.reason}; ${use}`,
      fix: users > 0 || !rows ? `fix what the provider needs, or load only the providers in use (--provider)` : `not needed now; --provider TYPE loads only the providers in use`,
    }
  }

  return {result: 'pass', detail: `ready; ${use}`}
}

/**
 * Whether the local OVS DB takes writes, without changing anything: an update that matches no
 * row is refused by a read-only (backup) server like any write, and is a no-op elsewhere. A full
 * disk shows only when something is written: the reconcile --watch check reports that.
 */
async function checkWritable(ovs: OvsdbClient, remote: string): Promise<Verdict> {
  try {
    await ovs.transaction().update('Open_vSwitch', [['_uuid', '==', ZERO_UUID]], {}).commit()
    return {result: 'pass', detail: `${remote} accepts writes`}
  } catch (error) {
    const refusal = writeRefusal(error)
    if (refusal?.kind !== 'read-only') throw error
    return {result: 'fail', detail: `${remote} is read-only: a backup server (ovsdb-server --sync-from) refuses every write`, fix: REFUSAL_FIXES[refusal.kind], unreachable: true}
  }
}
