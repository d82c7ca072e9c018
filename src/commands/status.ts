import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {chassisFlags} from '../lib/chassis-flags.js'
import {UsageError, ValidationError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {favourMemoryOverSpeed} from '../lib/long-running.js'
import {untilStopSignal} from '../lib/signals.js'
import {providerFlags, providerRegistryOptions, representorSourceFlags} from '../providers/flags.js'
import {loadProviders, ProviderRegistry} from '../providers/registry.js'
import {describeFailedProviders} from '../providers/report.js'
import {countByChassis, countStates, isHealthy} from '../status/classify.js'
import {renderPlugState} from '../metrics/plug-state.js'
import {StatusSource} from '../status/gather.js'
import {type DataHealth, STATES, type StatusReport, type StatusState} from '../status/model.js'
import {checkSelection, colourFor, COLUMN_NAMES, DEFAULT_COLUMNS, DEFAULT_CSV_COLUMNS, failuresConcerningRows, FORMATS, jsonReport, parseColumns, renderCsv, renderTable, type StatusFormat, watchHeader} from '../status/render.js'
import {readWatcherState} from '../reconcile/watch-state.js'
import {watchStatus} from '../status/watch.js'

export default class Status extends BaseCommand {
  private watching = false

  static override summary = 'Show, per logical port, whether it is plugged, pending, orphaned or in conflict, and why.'
  static override description = `Local mode (the default) shows this chassis as \`reconcile\` finds it: the Southbound Port_Bindings requested here, the interfaces on the integration bridge of the local Open_vSwitch DB, and what each VIF plug provider resolves; every state follows from the plan reconcile would make. The chassis is this host's, the local external_ids:system-id, which --chassis may name by its name or by the hostname of its Chassis row; any other --chassis is refused (exit 3) unless --allow-foreign-chassis. The summary line and the JSON's chassis say which chassis is shown. The Northbound DB is read when reachable, to also show ports ovn-northd has not copied to the Southbound DB yet.

--all-chassis reads the Northbound and Southbound DBs only (from any host with access to them; no local OVS DB) and judges each requested port by its Port_Binding: claimed by its requested chassis and up. It cannot see interfaces, so it never reports orphaned or conflict. It adds counts per chassis.

States:
  plugged     our interface is on the bridge (external_ids ovn-plugged, iface-id) with an ofport and no error, and this chassis claimed the Port_Binding
  pending     requested here but not plugged yet; the reason says what is missing (no provider, the provider lookup failed, not reconciled yet, an OVS interface error, not claimed yet, chassis unknown...)
  orphaned    an interface we plugged whose logical port is gone or requested elsewhere
  conflict    a port not maintained by OVN carries the lport's iface-id, or the plugged netdev is not the one the provider resolves now
  additional  requested-chassis lists this chassis after another (a live migration): OVN plugs the port on the first only; healthy

Formats (docs/status.md): table (colour per state on a terminal; NO_COLOR and --no-color turn it off; a value wider than 48 columns is cut with … except in the last column), csv (a header line, then one line per row, by default every column the mode can fill), json (an object: mode, chassis, systemId, counts, byChassis with --all-chassis, rows with every field, null when unknown; --json is -f json, also with --watch). prometheus (the gauges ovn_vif_ctl_lports{state} and ovn_vif_ctl_lport_problem{lport,state,reason} of docs/metrics.md, with a chassis label under --all-chassis, in the text format node_exporter's textfile collector reads; exit 0 whenever they were read, whatever the states; every port, so --state, --columns, named ports and --watch are refused). --columns picks and orders the columns of table and csv; with json it is refused, as are --all-chassis with a column (interface, ofport, error, netdev) or state (orphaned, conflict) only local mode knows.

Exit status: 0 when every port shown is plugged (or additional), 1 when any is pending, orphaned or in conflict, 2 for bad flags (an unknown column, a filter that cannot apply), 3 for a named port that is not requested here or --chassis naming another chassis, 4 when a database cannot be reached. --watch redraws on every change until SIGINT or SIGTERM, then exits 0; with json, one document per line.`

  static override examples = [
    {description: 'This chassis, as a table', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Only what needs attention', command: '<%= config.bin %> <%= command.id %> --state pending --state orphaned --state conflict'},
    {description: 'Two ports, as JSON, for a script', command: '<%= config.bin %> <%= command.id %> vm1-eth0 vm2-eth0 -f json'},
    {description: 'Every chassis, from any host that reaches the central databases', command: '<%= config.bin %> <%= command.id %> --all-chassis --nb-db tcp:10.0.0.1:6641 --sb-db tcp:10.0.0.1:6642'},
    {description: 'Chosen columns as CSV', command: '<%= config.bin %> <%= command.id %> -f csv --columns lport,state,interface,netdev'},
    {description: 'Keep redrawing as things change', command: '<%= config.bin %> <%= command.id %> --watch'},
    {
      description: 'Every chassis\'s plug states for node_exporter\'s textfile collector, replaced atomically',
      command: '<%= config.bin %> <%= command.id %> --all-chassis -f prometheus > /var/lib/prometheus/node-exporter/ovn-vif-ctl.prom.tmp && mv /var/lib/prometheus/node-exporter/ovn-vif-ctl.prom.tmp /var/lib/prometheus/node-exporter/ovn-vif-ctl.prom',
    },
  ]

  static override strict = false
  static override args = {
    lport: Args.string({description: 'Logical ports to show (repeatable; default: all that concern this chassis).', ignoreStdin: true}),
  }

  static override enableJsonFlag = true

  static override flags = {
    ...connectionFlags,
    ...providerFlags,
    ...representorSourceFlags,
    ...chassisFlags('status then describes that chassis as seen from this host\'s integration bridge: this host\'s plugged ports show as orphaned.', ['all-chassis']),
    'all-chassis': Flags.boolean({description: 'Every chassis, from the Northbound and Southbound DBs only.'}),
    state: Flags.string({description: 'Show only ports in this state (repeatable, or comma-separated).', options: [...STATES], multiple: true, multipleNonGreedy: true, delimiter: ','}),
    format: Flags.string({char: 'f', description: 'Output format.', options: [...FORMATS], default: 'table'}),
    columns: Flags.string({description: `Columns for table and csv, comma-separated: ${COLUMN_NAMES.join(', ')}.`, multiple: true, multipleNonGreedy: true, delimiter: ','}),
    watch: Flags.boolean({char: 'w', description: 'Redraw on every change until SIGINT/SIGTERM.'}),
    color: Flags.boolean({description: 'Colour the states on a terminal; --no-color never does.', default: true, allowNo: true}),
    'batch-ms': Flags.integer({description: 'With --watch: redraw once for changes arriving within this many milliseconds.', default: 100, min: 0, hidden: true}),
  }

  async run(): Promise<Record<string, unknown> | undefined> {
    const {argv, flags, metadata} = await this.parse(Status)
    const lports = argv.map(String)
    const columns = flags.columns ? parseColumns(flags.columns) : undefined
    const states = flags.state as StatusState[] | undefined
    // --json is -f json, also for --watch (one document per line); another -f contradicts it.
    if (this.jsonEnabled() && !metadata.flags.format?.setFromDefault && flags.format !== 'json') throw new UsageError(`--json prints JSON: drop -f ${flags.format} or --json`)
    const format = (this.jsonEnabled() ? 'json' : flags.format) as StatusFormat
    checkSelection({format, columns, states, allChassis: flags['all-chassis'], lports, watch: flags.watch})
    const settings = connectionSettings(flags)
    // --all-chassis never asks a provider anything: do not run devlink for nothing.
    const providers = flags['all-chassis'] ? new ProviderRegistry([]) : await loadProviders(providerRegistryOptions(flags))
    try {
      const source = await StatusSource.open({
        settings,
        providers,
        scope: flags['all-chassis']
          ? {kind: 'all-chassis'}
          : {kind: 'local', northbound: 'optional', ...(flags.chassis ? {chassis: flags.chassis} : {}), allowForeignChassis: flags['allow-foreign-chassis']},
        reconnect: flags.watch,
        lports,
        warn: (message) => this.warnLine(message),
      })
      try {
        if (source.local) this.warnForeignChassis(source.local)
        await source.whenComplete(settings.timeoutMs)
        // Named ports are checked once: in a watch, one deleted meanwhile simply has no row.
        const first = selectRows(source.report(), source, lports, states, {checkNamed: true})
        const select = (report: StatusReport) => selectRows(report, source, lports, states, {checkNamed: false})
        const defaultColumns = format === 'csv' ? DEFAULT_CSV_COLUMNS : DEFAULT_COLUMNS
        const print = (report: StatusReport, health?: DataHealth) => this.emit(this.render(report, format, columns ?? defaultColumns[report.mode], flags.color, health))
        if (flags.watch) {
          favourMemoryOverSpeed()
          await this.watch(source, (report, health) => print(select(report), health), format, flags['batch-ms'])
          return undefined
        }

        const report = first
        if (!source.chassisRegistered) this.warnUnregistered(source.chassis)
        if (!flags['all-chassis']) await this.warnWatcherFailing(settings.ovsDb)
        // The table says it in its summary; JSON in failedProviders.
        if (format === 'csv') for (const line of describeFailedProviders(failuresConcerningRows(report))) this.warnLine(line)

        // The states are in the metrics: a scrape job (cron, a systemd timer) fails only when they could not be read.
        if (format === 'prometheus') {
          this.emit((await renderPlugState(report.rows, {byChassis: flags['all-chassis']})).trimEnd())
          return undefined
        }

        if (!isHealthy(report.rows) || !source.chassisRegistered) process.exitCode = ExitCode.NotConverged
        if (this.jsonEnabled()) return jsonReport(report)
        print(report)
        return undefined
      } finally {
        await source.close()
      }
    } finally {
      await providers.destroy()
    }
  }

  /** A reconcile --watch whose passes fail leaves ports as they are: say so, as its state tells. */
  private async warnWatcherFailing(ovsDb: string): Promise<void> {
    const failing = (await readWatcherState(ovsDb))?.failing
    if (!failing) return
    this.warnLine(`reconcile --watch cannot reconcile this chassis: ${failing.message} (since ${failing.since}, ${failing.attempts} failed passes; next try at ${failing.nextAttemptAt}); ovn-vif-ctl doctor says how to fix it`)
  }

  /** With --watch, `health` says how current the data is: JSON carries it, the other formats get a line above (watch()). */
  private render(report: StatusReport, format: StatusFormat, columns: readonly string[], colour: boolean, health?: DataHealth): string {
    if (format === 'json') return JSON.stringify({...jsonReport(report), ...health}, null, this.watching ? 0 : 2)
    if (format === 'csv') return renderCsv(report.rows, columns)
    return renderTable(report, columns, colourFor(colour, process.stdout))
  }

  private async watch(source: StatusSource, print: (report: StatusReport, health: DataHealth) => void, format: StatusFormat, batchMs: number): Promise<void> {
    this.watching = true
    // On a terminal the table is redrawn in place; elsewhere each rendering follows the last (JSON: one per line).
    const redrawInPlace = format === 'table' && process.stdout.isTTY
    await untilStopSignal((signal) =>
      watchStatus(source, {
        batchMs,
        signal,
        render: (report, health) => {
          if (redrawInPlace) process.stdout.write('\u001B[H\u001B[2J')
          if (format !== 'json') this.emit(watchHeader(health, new Date()))
          print(report, health)
        },
      }),
    )
  }
}

/** The rows asked for (named ports, states) with their counts; a named port without a row is an error saying why. */
function selectRows(
  report: StatusReport,
  source: StatusSource,
  lports: readonly string[],
  states: readonly StatusState[] | undefined,
  {checkNamed}: {checkNamed: boolean},
): StatusReport {
  const absent = checkNamed ? source.absentReasons(lports, report.rows) : []
  if (absent.length > 0) throw new ValidationError(absent.join('; '))
  const named = new Set(lports)
  const rows = report.rows.filter((row) => (named.size === 0 || named.has(row.lport)) && (!states || states.includes(row.state)))
  return {...report, rows, counts: countStates(rows), ...(report.byChassis ? {byChassis: countByChassis(rows)} : {})}
}
