import {type ConnectionSettings, describeOrigin, localOvsRemote, OVN_REMOTE_SOURCE, southboundRemote} from '../lib/connection.js'
import {connectDatabase, connectOptionalNorthbound} from '../lib/database.js'
import {UnreachableError, isUsageError, messageOf} from '../lib/errors.js'
import {REFUSAL_FIXES, writeRefusal} from '../lib/write-refusal.js'
import {type OvsdbClient, parseRemotes, ZERO_UUID} from '../ovsdb/index.js'
import {judgeCardSerial} from '../chassis/card-serial-verdict.js'
import {nicReasons} from '../chassis/show.js'
import {type CardSerialSources, cardSerials, readCardSerials} from '../dpu/card-serial.js'
import {cardSerialOf, OVN_CMS_OPTIONS} from '../ovn/cms-options.js'
import {type Chassis, type ChassisIdentity, chassisIdentity, decodeChassis, selectRows} from '../ovn/rows.js'
import type {ProviderRegistry} from '../providers/registry.js'
import {StatusSource} from '../status/gather.js'
import type {StatusRow} from '../status/model.js'
import {readWatcherState} from '../reconcile/watch-state.js'
import {checkController, checkNorthd, checkWatcher} from './daemons.js'
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

/**
 * The checks, in order; each either runs or is skipped because one it depends on did not pass.
 * Connections are opened one at a time, as each check needs them, and all closed at the end.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const {settings, providers} = options
  const env = options.env ?? process.env
  const outcomes: CheckOutcome[] = []
  const passed = new Set<string>()
  const clients: OvsdbClient[] = []
  const check = async (id: string, title: string, needs: readonly string[], run: () => Promise<Omit<CheckOutcome, 'id' | 'title'>>) => {
    const missing = needs.find((need) => !passed.has(need))
    const outcome = missing
      ? {result: 'skip' as const, detail: `skipped: needs a passing ${outcomes.find((previous) => previous.id === missing)?.title ?? missing} check`}
      : await run()
    outcomes.push({id, title, ...outcome})
    if (outcome.result !== 'fail' && outcome.result !== 'skip') passed.add(id)
  }

  let identity: ChassisIdentity | undefined
  let localCmsOptions: string | undefined
  let bridges: string[] = []
  let interfaceErrors: Array<{name: string; error: string}> = []
  let ovs: OvsdbClient | undefined
  let sb: OvsdbClient | undefined
  let nb: OvsdbClient | undefined
  let chassis: Chassis | undefined
  let rows: StatusRow[] | undefined
  let gatherError: unknown

  try {
    await check('ovs-db', 'local OVS DB', [], async () => {
      try {
        ovs = await connectDatabase(localOvsRemote(settings), 'Open_vSwitch', settings)
        clients.push(ovs)
        const [[root], bridgeRows, interfaces] = await Promise.all([
          selectRows(ovs, 'Open_vSwitch', [], ['external_ids']),
          selectRows(ovs, 'Bridge', [], ['name']),
          selectRows(ovs, 'Interface', [], ['name', 'error']),
        ])
        identity = chassisIdentity(root)
        localCmsOptions = root?.external_ids[OVN_CMS_OPTIONS]
        bridges = bridgeRows.map((row) => row.name)
        interfaceErrors = interfaces.flatMap((row) => (row.error === undefined ? [] : [{name: row.name, error: row.error}]))
        return {result: 'pass', detail: `${settings.ovsDb} answers`}
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

    await check('ovs-db-writable', 'local OVS DB writable', ['ovs-db'], () => checkWritable(ovs!, settings.ovsDb))

    await check('system-id', 'system-id', ['ovs-db'], async () =>
      identity?.systemId
        ? {result: 'pass', detail: `external_ids:system-id is ${identity.systemId}`}
        : {
            result: 'fail',
            detail: 'the Open_vSwitch row has no external_ids:system-id, so ovn-controller cannot register a chassis',
            fix: 'ovs-vsctl set Open_vSwitch . external_ids:system-id=NAME (the chassis name)',
          },
    )

    await check('integration-bridge', 'integration bridge', ['ovs-db'], async () => {
      const bridge = identity!.integrationBridge
      return bridges.includes(bridge)
        ? {result: 'pass', detail: `${bridge} exists`}
        : {result: 'fail', detail: `${bridge} does not exist`, fix: `start ovn-controller, which creates it, or ovs-vsctl add-br ${bridge}`}
    })

    const southbound = southboundRemote(settings, identity?.ovnRemote, env)
    const sbRemote = southbound.remote
    const sbSource = describeOrigin(southbound.origin)
    await check('southbound', 'Southbound DB', [], async () => {
      try {
        sb = await connectDatabase(southbound, 'OVN_Southbound', settings)
        clients.push(sb)
        return {result: 'pass', detail: `${sbRemote} (from ${sbSource}) answers`}
      } catch (error) {
        // A malformed external_ids:ovn-remote is this chassis's fault, and a failed check.
        if (sbSource !== OVN_REMOTE_SOURCE || isWellFormed(sbRemote)) rethrowUsageError(error)
        return {
          result: 'fail',
          detail: `${messageOf(error)} (the remote comes from ${sbSource})`,
          fix: `check ${sbSource} (ovs-vsctl get Open_vSwitch . external_ids:ovn-remote) and that the Southbound ovsdb-server runs`,
          unreachable: true,
        }
      }
    })

    await check('chassis', 'Chassis row', ['system-id', 'southbound'], async () => {
      const [row] = await selectRows(sb!, 'Chassis', [['name', '==', identity!.systemId!]])
      chassis = row && decodeChassis(row)
      return chassis
        ? {result: 'pass', detail: `the Southbound DB has chassis ${identity!.systemId}`}
        : {
            result: 'fail',
            detail: `the Southbound DB has no Chassis row named ${identity!.systemId}`,
            fix: 'start (or restart) ovn-controller on this host: it registers the chassis; its log says why it could not',
          }
    })

    await check('ovn-controller', 'ovn-controller', ['chassis'], () => checkController(sb!, identity!.systemId!, settings, options.controllerWaitMs, env))

    await check('card-serial', 'card serial', ['chassis'], async () => {
      const nics = await readCardSerials(options.cardSerialSources)
      return judgeCardSerial({
        nicSerials: cardSerials(nics),
        nicReasons: nicReasons(nics),
        local: cardSerialOf(localCmsOptions),
        southbound: {serial: cardSerialOf(chassis!.cmsOptions)},
      })
    })

    await check('northbound', 'Northbound DB', [], async () => {
      try {
        nb = await connectOptionalNorthbound(settings)
        clients.push(nb)
        return {result: 'pass', detail: `${settings.nbDb} answers`}
      } catch (error) {
        rethrowUsageError(error)
        return {
          result: 'warn',
          detail: `${messageOf(error)}; optional on a chassis, but status cannot show ports not yet in the Southbound DB`,
          fix: 'set --nb-db or $OVN_NB_DB if this host should reach it',
        }
      }
    })

    await check('northd', 'ovn-northd', ['southbound'], () => checkNorthd(sb!, nb, settings, options.northdWaitMs))

    const statusNeeds = ['system-id', 'integration-bridge', 'southbound']
    if (statusNeeds.every((need) => passed.has(need))) {
      try {
        rows = await classifyHere(options)
      } catch (error) {
        gatherError = error
      }
    }

    for (const entry of providers.entries) {
      await check(`provider:${entry.provider.type}`, `provider ${entry.provider.type}`, [], async () => checkProvider(entry, rows))
    }

    const fromStatus = (judge: (rows: StatusRow[]) => Omit<CheckOutcome, 'id' | 'title'>) => async () =>
      rows
        ? judge(rows)
        : {result: 'fail' as const, detail: `cannot classify the ports: ${messageOf(gatherError)}`, unreachable: gatherError instanceof UnreachableError}

    await check('orphans', 'orphaned ports', statusNeeds, fromStatus((all) => {
      const orphans = all.filter((row) => row.state === 'orphaned')
      return orphans.length === 0
        ? {result: 'pass', detail: 'none'}
        : {result: 'warn', detail: `${orphans.length}: ${orphans.map((row) => row.interface ?? row.lport).join(', ')}`, fix: 'ovn-vif-ctl reconcile unplugs them (ovn-vif-ctl status --state orphaned says why each is one)'}
    }))

    await check('conflicts', 'ports in conflict', statusNeeds, fromStatus((all) => {
      const conflicts = all.filter((row) => row.state === 'conflict')
      return conflicts.length === 0
        ? {result: 'pass', detail: 'none'}
        : {result: 'fail', detail: `${conflicts.length}: ${conflicts.map((row) => row.lport).join(', ')}`, fix: 'ovn-vif-ctl status --state conflict says what is in the way of each'}
    }))

    await check('interface-errors', 'interface errors', ['ovs-db'], async () =>
      interfaceErrors.length === 0
        ? {result: 'pass', detail: 'no interface has an OVS error'}
        : {
            result: 'fail',
            detail: interfaceErrors.map(({name, error}) => `${name}: ${error}`).join('; '),
            fix: 'see ovs-vsctl list Interface NAME and the ovs-vswitchd log; a plugged port shows as pending in ovn-vif-ctl status',
          },
    )

    await check('reconciler', 'reconcile --watch', ['ovs-db'], async () => checkWatcher(await readWatcherState(settings.ovsDb, env), rows))
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
  }

  return {chassis: identity?.systemId, checks: outcomes}
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

function checkProvider(entry: ProviderRegistry['entries'][number], rows: readonly StatusRow[] | undefined): Omit<CheckOutcome, 'id' | 'title'> {
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
async function checkWritable(ovs: OvsdbClient, remote: string): Promise<Omit<CheckOutcome, 'id' | 'title'>> {
  try {
    await ovs.transaction().update('Open_vSwitch', [['_uuid', '==', ZERO_UUID]], {}).commit()
    return {result: 'pass', detail: `${remote} accepts writes`}
  } catch (error) {
    const refusal = writeRefusal(error)
    if (refusal?.kind !== 'read-only') throw error
    return {result: 'fail', detail: `${remote} is read-only: a backup server (ovsdb-server --sync-from) refuses every write`, fix: REFUSAL_FIXES[refusal.kind], unreachable: true}
  }
}
