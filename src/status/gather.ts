import {EventEmitter} from 'node:events'

import {type ConnectionSettings, northboundRemote, southboundRemote} from '../lib/connection.js'
import {connectDatabase, connectOptionalNorthbound, databaseError} from '../lib/database.js'
import {isUsageError, messageOf} from '../lib/errors.js'
import {settleAll} from '../lib/settle.js'
import {IFACE_ID, OVN_PLUGGED} from '../ovn/keys.js'
import {LocalChassis, SOUTHBOUND_DB} from '../ovn/local-chassis.js'
import type {LocalChassisView} from '../ovn/local-view.js'
import {COLUMNS, decodeChassis, decodeLogicalSwitchPort, decodePortBinding, type LogicalSwitchPort, type NorthboundTables, type PortBinding, type SouthboundTables} from '../ovn/rows.js'
import {type Condition, type Monitor, type MonitorRequests, type OvsdbClient, type Tables, ZERO_UUID} from '../ovsdb/index.js'
import type {ProviderRegistry} from '../providers/registry.js'
import {collectInventory, failedProviders, type InventoryRow} from '../providers/report.js'
import {indexView, planReconcile} from '../reconcile/plan.js'
import {absentReason, classifyCentral, classifyLocal, countByChassis, countStates} from './classify.js'
import type {DataHealth, StatusReport, StatusRow} from './model.js'

/** How long a burst of changes may run before --watch re-derives which orphans' bindings to read. */
const FOLLOW_ORPHANS_MS = 100

export type StatusScope =
  | {kind: 'local'; chassis?: string; allowForeignChassis?: boolean; northbound: 'optional' | 'skip'}
  | {kind: 'all-chassis'}

export interface StatusSourceOptions {
  settings: ConnectionSettings
  providers: ProviderRegistry
  scope: StatusScope
  /** Keep connections up through server restarts (--watch). */
  reconnect: boolean
  /** Something the operator should know that does not stop the command (an unreachable optional DB). */
  warn(message: string): void
  /** Ports named on the command line: read even when they do not concern this chassis, to say why. */
  lports?: readonly string[]
}

/** What status monitors of each central database. */
type StatusNorthbound = Pick<NorthboundTables, 'Logical_Switch_Port'>
type StatusSouthbound = Pick<SouthboundTables, 'Chassis' | 'Port_Binding'>

const LSP_REQUEST: MonitorRequests<StatusNorthbound> = {Logical_Switch_Port: {columns: COLUMNS.Logical_Switch_Port}}
/**
 * Local mode needs from the Northbound DB only the ports not in the Southbound DB yet (and those
 * named on the command line). ovn-northd sets Logical_Switch_Port.up, true or false, on every
 * port it has made a Port_Binding for, so a port whose `up` is still empty is one it has not
 * reached. On a healthy cloud that reads nothing, where reading every port would make each
 * status run cost the Northbound server a read of the whole table.
 */
const NOT_YET_BOUND: Condition = ['up', '==', undefined]
// Only VIFs can ask to be plugged: router, localnet and other ports stay on the server.
const SB_REQUEST: MonitorRequests<StatusSouthbound> = {
  Chassis: {columns: COLUMNS.Chassis},
  Port_Binding: {columns: COLUMNS.Port_Binding, where: [['type', '==', '']]},
}

/**
 * Local mode reads only what concerns this chassis, so its cost follows what is requested
 * here and not the size of the central databases. LocalChassis already follows the ports
 * requested here; this adds the ports of interfaces plugged here for an lport not requested
 * here (orphans, whose binding says where the port went) and the ports named on the command line.
 */
function localBindingConditions(view: LocalChassisView, named: readonly string[] = []): Condition[] {
  const wanted = new Set(view.bindings.map((binding) => binding.logicalPort))
  const orphans = new Set<string>()
  for (const iface of view.interfaces) {
    const lport = iface.externalIds[IFACE_ID]
    if (lport !== undefined && iface.externalIds[OVN_PLUGGED] !== undefined && !wanted.has(lport)) orphans.add(lport)
  }

  return bindingConditions([...orphans, ...named])
}

function bindingConditions(lports: readonly string[]): Condition[] {
  const sorted = [...new Set(lports)].sort()
  // No clause at all would mean every row.
  return sorted.length === 0 ? [['_uuid', '==', ZERO_UUID]] : sorted.map((lport): Condition => ['logical_port', '==', lport])
}

async function monitor<T extends Tables<T>>(client: OvsdbClient, requests: MonitorRequests<T>): Promise<Monitor<T>> {
  try {
    return await client.monitor<T>(requests)
  } catch (error) {
    throw databaseError(error, `cannot read the ${client.database} database`)
  }
}

const DATABASE_NAMES: Readonly<Record<string, string>> = {OVN_Northbound: 'Northbound DB', OVN_Southbound: SOUTHBOUND_DB}

/**
 * The live data `status` reports from: in local mode this chassis's view (LocalChassis, as
 * `reconcile` reads it: the same connections, chassis and bridge) plus the Southbound and, when
 * reachable, Northbound ports; with --all-chassis the two central databases only. Emits
 * 'changed' on any database or provider change, for --watch.
 */
export class StatusSource extends EventEmitter<{changed: []}> {
  private inventory = new Map<string, InventoryRow>()
  private readonly cleanups: Array<() => unknown> = []
  /**
   * The chassis's view, kept until it reports a change: building it walks every port, and
   * opening (for the orphans) and the first report would otherwise each build one.
   */
  private keptView: LocalChassisView | undefined
  private updatedAt = new Date().toISOString()
  /** Database -> since when its connection is lost. */
  private readonly down = new Map<string, string>()

  private constructor(
    private readonly options: StatusSourceOptions,
    private readonly sbMonitor: Monitor<StatusSouthbound>,
    private readonly nbMonitor: Monitor<StatusNorthbound> | undefined,
    private readonly localChassis: LocalChassis | undefined,
    private readonly clients: OvsdbClient[],
  ) {
    super()
    localChassis?.on('changed', () => (this.keptView = undefined))
  }

  static async open(options: StatusSourceOptions): Promise<StatusSource> {
    const {settings, scope, reconnect} = options
    if (scope.kind === 'all-chassis') {
      // The two databases are independent: read them at once (a Northbound failure is still the one told first).
      let nb: OvsdbClient | undefined
      let sb: OvsdbClient | undefined
      try {
        const [nbMonitor, sbMonitor] = await settleAll([
          connectDatabase(northboundRemote(settings), 'OVN_Northbound', settings, {reconnect}).then((client) => monitor((nb = client), LSP_REQUEST)),
          connectDatabase(southboundRemote(settings), 'OVN_Southbound', settings, {reconnect}).then((client) => monitor((sb = client), SB_REQUEST)),
        ])
        const source = new StatusSource(options, sbMonitor, nbMonitor, undefined, [nb!, sb!])
        source.listen()
        return source
      } catch (error) {
        await Promise.allSettled([nb?.close(), sb?.close()])
        throw error
      }
    }

    // This chassis's view, the Northbound ports not bound yet and the rest of the Southbound DB
    // are independent: read them at once. The last needs LocalChassis's Southbound connection,
    // which comes early in its reading.
    let localChassis: LocalChassis | undefined
    let nb: OvsdbClient | undefined
    try {
      const named = options.lports ?? []
      const nbConnected = scope.northbound === 'optional' ? StatusSource.optionalNorthbound(options).then((value) => (nb = value)) : Promise.resolve(undefined)
      let southboundUp!: (southbound: OvsdbClient) => void
      const southboundConnected = new Promise<OvsdbClient>((resolve) => (southboundUp = resolve))
      const opening = LocalChassis.open({
        settings,
        ...(scope.chassis ? {chassis: scope.chassis} : {}),
        ...(scope.allowForeignChassis ? {allowForeignChassis: true} : {}),
        reconnect,
        daemonState: true,
        onSouthbound: southboundUp,
      }).then((value) => (localChassis = value))
      // The connection, or LocalChassis's own failure when it fails before connecting.
      const southbound = Promise.race([southboundConnected, opening.then(() => southboundConnected)])
      const nbReading = nbConnected.then(
        (client) => client && monitor<StatusNorthbound>(client, {Logical_Switch_Port: {columns: COLUMNS.Logical_Switch_Port, where: [NOT_YET_BOUND, ...named.map((lport): Condition => ['name', '==', lport])]}}),
      )
      // The orphans are known only once this chassis's view is whole: their bindings are added then.
      const namedWhere = bindingConditions(named)
      const sbReading = southbound.then((client) => monitor<StatusSouthbound>(client, {...SB_REQUEST, Port_Binding: {columns: COLUMNS.Port_Binding, where: namedWhere}}))
      // Each result is kept as soon as it exists, so the catch below closes it if another fails.
      const [opened, nbMonitor, sbMonitor] = await settleAll([opening, nbReading, sbReading])
      const source = new StatusSource(options, sbMonitor, nbMonitor, opened, nb ? [nb] : [])
      const bindingWhere = localBindingConditions(source.localView(opened), named)
      if (JSON.stringify(bindingWhere) !== JSON.stringify(namedWhere)) {
        await sbMonitor.setConditions({Port_Binding: bindingWhere}).catch((error: unknown) => {
          throw databaseError(error, 'cannot read the OVN_Southbound database')
        })
      }
      await source.loadInventory()
      source.listen(bindingWhere)
      return source
    } catch (error) {
      await Promise.allSettled([localChassis?.close(), nb?.close()])
      throw error
    }
  }

  private static async optionalNorthbound(options: StatusSourceOptions): Promise<OvsdbClient | undefined> {
    const {settings, reconnect} = options
    try {
      return await connectOptionalNorthbound(settings, {reconnect})
    } catch (error) {
      // Optional means it may be down, not that a malformed --nb-db or a missing TLS flag goes unnoticed.
      if (isUsageError(error)) throw error
      options.warn(`${messageOf(error)}; ports not yet in the Southbound DB are not shown`)
      return undefined
    }
  }

  private async loadInventory(): Promise<void> {
    // A provider whose inventory fails is reported by report() (failedProviders), not here.
    const rows = await collectInventory(this.options.providers, {strict: false, onSkip: () => {}})
    this.inventory = new Map(rows.map((row) => [row.netdev, row]))
  }

  /** Emits 'changed' on every change; in local mode keeps the binding conditions (first `bindingWhere`) in step with the orphans. */
  private listen(bindingWhere?: Condition[]): void {
    const changed = () => {
      this.updatedAt = new Date().toISOString()
      this.emit('changed')
    }
    for (const monitor of [this.sbMonitor, this.nbMonitor]) monitor?.on('change', changed)
    this.localChassis?.on('changed', changed)
    const connection = (database: string, up: boolean) => {
      if (up) this.down.delete(database)
      else if (!this.down.has(database)) this.down.set(database, new Date().toISOString())
      this.emit('changed')
    }
    this.localChassis?.on('connection', connection)
    for (const client of this.clients) {
      const database = DATABASE_NAMES[client.database] ?? client.database
      client.on('disconnected', () => connection(database, false))
      client.on('connected', () => connection(database, true))
    }

    const {localChassis} = this
    if (localChassis && bindingWhere) {
      // The set of orphans changes as ports come and go: keep the binding conditions in step,
      // once per burst of changes (working them out reads the whole view).
      const named = this.options.lports ?? []
      let conditions = JSON.stringify(bindingWhere)
      let timer: NodeJS.Timeout | undefined
      const follow = () => {
        timer = undefined
        const next = localBindingConditions(this.localView(localChassis), named)
        if (JSON.stringify(next) === conditions) return
        conditions = JSON.stringify(next)
        this.sbMonitor.setConditions({Port_Binding: next}).catch((error: unknown) => this.options.warn(`cannot follow orphaned ports: ${messageOf(error)}`))
      }

      localChassis.on('changed', () => {
        timer ??= setTimeout(follow, FOLLOW_ORPHANS_MS)
      })
      this.cleanups.push(() => clearTimeout(timer))
    }

    for (const {provider} of this.options.providers.entries) {
      if (!provider.onChange) continue
      this.cleanups.push(provider.onChange(() => void this.loadInventory().then(changed, changed)))
    }
  }

  async whenComplete(timeoutMs: number): Promise<void> {
    await this.localChassis?.whenComplete(timeoutMs)
  }

  /** Local mode only: false while this chassis has no Chassis row in the Southbound DB. */
  get chassisRegistered(): boolean {
    return !this.localChassis || this.localChassis.chassisRegistered
  }

  get chassis(): string | undefined {
    return this.localChassis?.chassis
  }

  /** Local mode: the chassis shown, and this host's system-id when that is another chassis (--allow-foreign-chassis). */
  get local(): Pick<LocalChassis, 'chassis' | 'foreignTo'> | undefined {
    return this.localChassis
  }

  private get logicalPorts(): LogicalSwitchPort[] | undefined {
    return this.nbMonitor ? [...this.nbMonitor.replica.table('Logical_Switch_Port').rows()].map(decodeLogicalSwitchPort) : undefined
  }

  /** The chassis's view, built once per change (keptView). */
  private localView(localChassis: LocalChassis): LocalChassisView {
    return (this.keptView ??= localChassis.view())
  }

  /** Every binding read: in local mode, those requested here (the view's) and those this source asked for. */
  private bindings(view = this.localChassis && this.localView(this.localChassis)): readonly PortBinding[] {
    const read = this.sbMonitor.replica.table('Port_Binding')
    const held = view?.bindings ?? []
    // In local mode this monitor holds the orphans' and named ports' bindings only, often none:
    // the view's own (every port requested here) are then the answer, not copied.
    if (read.size === 0) return held
    const byUuid = new Map(held.map((binding) => [binding.uuid, binding]))
    for (const row of read.rows()) {
      if (row.type === '' && !byUuid.has(row._uuid)) byUuid.set(row._uuid, decodePortBinding(row))
    }

    return [...byUuid.values()]
  }

  health(): DataHealth {
    return {updatedAt: this.updatedAt, down: [...this.down].map(([database, since]) => ({database, since}))}
  }

  /** Every row as things stand now, and the counts. */
  report(): StatusReport {
    const chassis = [...this.sbMonitor.replica.table('Chassis').rows()].map(decodeChassis)
    const logicalPorts = this.logicalPorts
    if (!this.localChassis) {
      const rows = classifyCentral({logicalPorts: logicalPorts ?? [], bindings: this.bindings(), chassis})
      return {mode: 'all-chassis', rows, counts: countStates(rows), byChassis: countByChassis(rows)}
    }

    // The chassis's own view holds its bindings only; with all of them, orphans say where their port went.
    const localView = this.localView(this.localChassis)
    const view = {...localView, bindings: this.bindings(localView)}
    const index = indexView(view)
    const plan = planReconcile(view, this.options.providers, {replace: true}, index)
    const rows = classifyLocal({
      chassisName: this.localChassis.chassis,
      view,
      plan: plan.entries,
      index,
      chassis,
      ...(logicalPorts ? {logicalPorts} : {}),
      inventory: this.inventory,
    })
    const {foreignTo} = this.localChassis
    return {mode: 'local', chassis: this.localChassis.chassis, ...(foreignTo ? {foreignTo} : {}), failedProviders: failedProviders(this.options.providers), rows, counts: countStates(rows)}
  }

  /** For lports named on the command line: why each one without a row has none. */
  absentReasons(lports: readonly string[], rows: readonly StatusRow[]): string[] {
    if (lports.length === 0) return []
    const known = {bindings: this.bindings(), ...(this.logicalPorts ? {logicalPorts: this.logicalPorts} : {}), ...(this.chassis ? {chassisName: this.chassis} : {})}
    return lports.flatMap((lport) => absentReason(lport, rows, known) ?? [])
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups) cleanup()
    await Promise.allSettled([this.localChassis?.close(), ...this.clients.map((client) => client.close())])
  }
}
