import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {chassisFlags} from '../lib/chassis-flags.js'
import {UsageError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {favourMemoryOverSpeed} from '../lib/long-running.js'
import {providerFlags, providerRegistryOptions, representorSourceFlags} from '../providers/flags.js'
import {loadProviders} from '../providers/registry.js'
import {Reconciler} from '../reconcile/reconciler.js'
import {formatLogLine, type LogFormat, reportEntries, type ReportedEntry} from '../reconcile/report.js'
import {watchAndReconcile} from '../reconcile/watch.js'

export interface ReconcileResult {
  chassis: string
  /** False for --dry-run, and when the view was not complete or the lock was held elsewhere. */
  applied: boolean
  converged: boolean
  entries: ReportedEntry[]
}

export default class Reconcile extends BaseCommand {
  static override summary = 'Plug and unplug VIF plug requests on this chassis, as ovn-controller\'s vif-plug module does.'
  static override description = `Reads the Southbound Port_Bindings requested for this chassis that carry options:vif-plug-type, asks the provider which netdev to use, and creates, updates, replaces or removes the Port/Interface rows on the integration bridge of the local Open_vSwitch DB (external_ids iface-id and ovn-plugged), in one guarded transaction.

The chassis is this host's: the local external_ids:system-id, which --chassis may name by its name or by the hostname of its Chassis row. --chassis naming any other chassis is refused (exit 3) before anything is written: acting for another chassis would unplug every port this host plugged and plug that chassis's ports here. --allow-foreign-chassis allows it, for tests and migrations only. The integration bridge is external_ids:ovn-bridge, else br-int; the Southbound DB is --sb-db, else external_ids:ovn-remote, else $OVN_SB_DB.

A port whose requested-chassis lists several chassis (a live migration) is plugged on the first only, as OVN does; on the others it is reported as "additional", and an interface already plugged there is left in place while that chassis is listed.

Interfaces without external_ids:ovn-plugged are never touched. Nothing is unplugged unless both databases' views are complete.

One-shot exit status: 0 when every requested port is plugged as requested, 1 when any is pending, in conflict or an orphan had to be kept (the reasons are printed), 3 on bad input (including --chassis naming another chassis), 4 when a database cannot be reached.

--watch keeps reconciling until SIGTERM or SIGINT (which let the transaction in flight finish, then exit 0). It holds the OVSDB lock "ovn_vif_ctl_reconcile" on the local DB, so a second watcher waits; it survives restarts of every server it talks to. It logs each action on stdout, one line each: --log-format text, or json for JSON lines ({time, level, message} or {time, level, lport, result, interface?, reason, settled}); --watch --json is --watch --log-format json. A one-shot reconcile prints its report instead: --json for JSON, and --log-format is refused.`

  static override examples = [
    {description: 'Reconcile once and show what was done', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Show the plan without writing anything', command: '<%= config.bin %> <%= command.id %> --dry-run'},
    {description: 'Keep reconciling, logging JSON lines (as the systemd unit does)', command: '<%= config.bin %> <%= command.id %> --watch --log-format json'},
    {description: 'Keep ovn-controller\'s refusal to replace a port whose VF changed', command: '<%= config.bin %> <%= command.id %> --no-replace'},
  ]

  static override enableJsonFlag = true

  static override flags = {
    ...connectionFlags,
    ...providerFlags,
    ...representorSourceFlags,
    ...chassisFlags('DANGER: reconcile then unplugs every port this host plugged and plugs that chassis\'s ports on this host\'s integration bridge.'),
    watch: Flags.boolean({char: 'w', description: 'Keep reconciling on every change until SIGTERM/SIGINT.'}),
    'dry-run': Flags.boolean({description: 'Print the plan; write nothing.', exclusive: ['watch']}),
    replace: Flags.boolean({
      description: 'Replace a plugged port whose netdev changed; --no-replace keeps ovn-controller\'s refusal ("please recreate port").',
      default: true,
      allowNo: true,
    }),
    'log-format': Flags.string({description: 'With --watch: how to log each action (--json means json).', options: ['text', 'json'], default: 'text'}),
    'batch-ms': Flags.integer({description: 'With --watch: start a pass at most once per this many milliseconds; changes in between are handled together.', default: 20, min: 0, hidden: true}),
    'retry-init-ms': Flags.integer({description: 'With --watch: how often to retry a provider whose init failed.', default: 10_000, min: 10, hidden: true}),
  }

  async run(): Promise<ReconcileResult | undefined> {
    const {flags, metadata} = await this.parse(Reconcile)
    const logFormat = this.logFormat(flags, !metadata.flags['log-format']?.setFromDefault)
    if (flags.watch) favourMemoryOverSpeed()
    const settings = connectionSettings(flags)
    const providers = await loadProviders(providerRegistryOptions(flags))
    const reconciler = await Reconciler.open({
      settings,
      ...(flags.chassis ? {chassis: flags.chassis} : {}),
      allowForeignChassis: flags['allow-foreign-chassis'],
      providers,
      replace: flags.replace,
      dryRun: flags['dry-run'],
      watch: flags.watch,
    })
    let closing: Promise<void> | undefined
    try {
      this.warnForeignChassis(reconciler)
      if (flags.watch) {
        await this.watch(reconciler, providers, logFormat, {batchMs: flags['batch-ms'], retryInitMs: flags['retry-init-ms']})
        return undefined
      }

      await reconciler.whenComplete(settings.timeoutMs)
      if (!flags['dry-run'] && !reconciler.lockHeld) {
        this.warnLine('another reconciler (reconcile --watch) holds the lock on this chassis: showing the plan only')
      }

      const result = await reconciler.pass()
      // Nothing more to read: close while the report prints. A server busy sending the daemons
      // the rows just committed closes its side late (0.15 s after a 10,000-port commit).
      closing = reconciler.close()
      if (!reconciler.chassisRegistered) this.warnUnregistered(reconciler.chassis)

      const entries = reportEntries(result.plan.entries, result.applied)
      if (!this.jsonEnabled()) this.render(reconciler.chassis, entries)
      if (!result.converged) process.exitCode = ExitCode.NotConverged
      return {chassis: reconciler.chassis, applied: result.applied, converged: result.converged, entries}
    } finally {
      await (closing ?? reconciler.close())
      await providers.destroy()
    }
  }

  /** --watch logs in --log-format, json with --json; a one-shot reconcile prints a report and has no log to format. */
  private logFormat(flags: {watch: boolean; 'log-format': string}, given: boolean): LogFormat {
    if (!flags.watch && given) throw new UsageError('--log-format applies to --watch, whose log it formats; a one-shot reconcile prints a report: use --json for JSON')
    if (this.jsonEnabled() && given && flags['log-format'] !== 'json') throw new UsageError(`--watch --json logs JSON lines: drop --log-format ${flags['log-format']} or --json`)
    return this.jsonEnabled() ? 'json' : (flags['log-format'] as LogFormat)
  }

  private render(chassis: string, entries: ReportedEntry[]): void {
    if (entries.length === 0) {
      this.log(`chassis ${chassis}: nothing is requested here and nothing is plugged`)
      return
    }

    // One write: a log call per line took 0.25 s for 10,000 lines.
    this.log(entries.map((entry) => `${entry.result.padEnd(13)} ${entry.lport}${entry.interface ? ` (interface ${entry.interface})` : ''}: ${entry.reason}`).join('\n'))
  }

  private async watch(
    reconciler: Reconciler,
    providers: Awaited<ReturnType<typeof loadProviders>>,
    format: LogFormat,
    timing: {batchMs: number; retryInitMs: number},
  ): Promise<void> {
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    const log = (line: Parameters<typeof formatLogLine>[1]) => this.emit(formatLogLine(format, line))
    log({level: 'info', message: `reconciling chassis ${reconciler.chassis} on ${reconciler.integrationBridge}`})
    try {
      await watchAndReconcile(reconciler, providers, {...timing, retryMs: 1000, signal: controller.signal, log})
      log({level: 'info', message: 'stopped'})
    } finally {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
    }
  }
}
