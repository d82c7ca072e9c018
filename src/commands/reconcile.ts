import {Flags, type Interfaces} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {chassisFlags} from '../lib/chassis-flags.js'
import {UsageError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {favourMemoryOverSpeed, optimiseOnlyOnCall} from '../lib/long-running.js'
import {untilStopSignal} from '../lib/signals.js'
import {providerFlags, providerRegistryOptions, representorSourceFlags} from '../providers/flags.js'
import {loadProviders} from '../providers/registry.js'
import {describeFailedProviders, type FailedProvider, failedProviders, failuresConcerning} from '../providers/report.js'
import type {Plan} from '../reconcile/plan.js'
import {Reconciler} from '../reconcile/reconciler.js'
import {formatLogLine, type LogFormat, reportEntries, type ReportedEntry} from '../reconcile/report.js'
import {DEFAULT_LIMITS, formatListenAddress, type ListenAddress, MetricsServer, parseListenAddress} from '../metrics/server.js'
import {WatcherMetrics} from '../metrics/watcher.js'
import {type PassObserver, watchAndReconcile, type WatchOptions} from '../reconcile/watch.js'
import {WatcherStateFile, watcherStateDir} from '../reconcile/watch-state.js'
import {vifPlugTypesIn} from '../ovn/local-view.js'

/** With --watch: the pause after a failed pass, doubled after each further failure up to MAX_RETRY_MS. */
const RETRY_MS = 1000
const MAX_RETRY_MS = 60_000
/** With --watch: a pass at least this often; the OvnVifCtlNoSuccessfulPass alert needs it well under 10 minutes. */
const DEFAULT_RESYNC_SECONDS = 60

export interface ReconcileResult {
  chassis: string
  /** False for --dry-run, and when the view was not complete or the lock was held elsewhere. */
  applied: boolean
  converged: boolean
  /** Providers that failed: their lports are pending and their interfaces kept, never unplugged. */
  failedProviders: FailedProvider[]
  entries: ReportedEntry[]
}

type ReconcileFlags = Interfaces.InferredFlags<typeof Reconcile.flags>

/** The report of a plan as applied, made while its transaction commits; `text` unless --json. */
interface PreparedReport {
  plan: Plan
  entries: ReportedEntry[]
  text: string | undefined
}

export default class Reconcile extends BaseCommand {
  static override summary = 'Plug and unplug VIF plug requests on this chassis, as ovn-controller\'s vif-plug module does.'
  static override description = `Reads the Southbound Port_Bindings requested for this chassis that carry options:vif-plug-type, asks the provider which netdev to use, and creates, updates, replaces or removes the Port/Interface rows on the integration bridge of the local Open_vSwitch DB (external_ids iface-id and ovn-plugged), in one guarded transaction.

The chassis is this host's: the local external_ids:system-id, which --chassis may name by its name or by the hostname of its Chassis row. --chassis naming any other chassis is refused (exit 3) before anything is written: acting for another chassis would unplug every port this host plugged and plug that chassis's ports here. --allow-foreign-chassis allows it, for tests and migrations only. The integration bridge is external_ids:ovn-bridge, else br-int; the Southbound DB is --sb-db, else external_ids:ovn-remote, else $OVN_SB_DB.

A port whose requested-chassis lists several chassis (a live migration) is plugged on the first only, as OVN does; on the others it is reported as "additional", and an interface already plugged there is left in place while that chassis is listed.

Interfaces without external_ids:ovn-plugged are never touched. Nothing is unplugged unless both databases' views are complete.

One-shot exit status: 0 when every requested port is plugged as requested, 1 when any is pending, in conflict or an orphan had to be kept (the reasons are printed), 3 on bad input (including --chassis naming another chassis), 4 when a database cannot be reached or refuses writes.

--watch keeps reconciling until SIGTERM or SIGINT (which let the transaction in flight finish, then exit 0). It holds the OVSDB lock "ovn_vif_ctl_reconcile" on the local DB, so a second watcher waits; it survives restarts of every server it talks to. A failed pass is retried after 1 s, then after pauses that double up to 60 s; the error is logged once (again only if it changes), and \`status\` and \`doctor\` report it, from the state the watcher keeps in ovn-vif-ctl-reconcile.PID.json next to the local DB's socket. It logs each action on stdout, one line each: --log-format text, or json for JSON lines ({time, level, message} or {time, level, lport, result, interface?, reason, settled}); --watch --json is --watch --log-format json. A one-shot reconcile prints its report instead: --json for JSON, and --log-format is refused.

--watch --metrics-address [HOST:]PORT serves Prometheus metrics on /metrics (the plug states as status classifies them, passes, actions, connections, the lock; docs/metrics.md) and /healthz (200 while the views are complete and the lock is held or awaited, else 503 with the reason). A bare port listens on 127.0.0.1; [::1]:PORT on IPv6. A malformed address is exit 2; one in use or not bindable here is exit 4 at start.

A local DB that refuses writes (a read-only backup server, or a full disk) is exit 4, at start or for a one-shot.`

  static override examples = [
    {description: 'Reconcile once and show what was done', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Show the plan without writing anything', command: '<%= config.bin %> <%= command.id %> --dry-run'},
    {description: 'Keep reconciling, logging JSON lines (as the systemd unit does)', command: '<%= config.bin %> <%= command.id %> --watch --log-format json'},
    {description: 'Keep reconciling, with Prometheus metrics on 127.0.0.1:9476', command: '<%= config.bin %> <%= command.id %> --watch --metrics-address 9476'},
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
    'resync-interval': Flags.integer({
      description: 'With --watch: run a pass this many seconds (60 by default) after the last one even when no change was announced; it catches what no notification announces, and ovn_vif_ctl_last_pass_timestamp_seconds shows the watcher alive.',
      min: 1,
      dependsOn: ['watch'],
      helpValue: 'SECONDS',
    }),
    'metrics-address': Flags.string({
      description: 'With --watch: serve Prometheus metrics (/metrics) and a health check (/healthz) on [HOST:]PORT; a bare port is on 127.0.0.1, an IPv6 host is in brackets ([::1]:9476).',
      dependsOn: ['watch'],
      helpValue: '[HOST:]PORT',
    }),
    'metrics-headers-timeout-ms': Flags.integer({description: 'With --metrics-address: cut off a client that has not sent its request headers in this time.', default: 10_000, min: 10, hidden: true}),
  }

  async run(): Promise<ReconcileResult | undefined> {
    const {flags, metadata} = await this.parse(Reconcile)
    const logFormat = this.logFormat(flags, !metadata.flags['log-format']?.setFromDefault)
    const metricsAddress = flags['metrics-address'] === undefined ? undefined : parseListenAddress(flags['metrics-address'])
    if (flags.watch) {
      favourMemoryOverSpeed()
      optimiseOnlyOnCall()
    }
    // Bound before anything else: a port in use fails the start (exit 4) before any database is touched.
    const metrics = metricsAddress && (await this.serveMetrics(metricsAddress, logFormat, flags['metrics-headers-timeout-ms']))
    try {
      return await this.reconcile(flags, logFormat, metrics?.watcher)
    } finally {
      await metrics?.server.close()
    }
  }

  private async reconcile(flags: ReconcileFlags, logFormat: LogFormat, metrics: WatcherMetrics | undefined): Promise<ReconcileResult | undefined> {
    const settings = connectionSettings(flags)
    const providers = await loadProviders({...providerRegistryOptions(flags), initialise: false})
    // The providers' init (say, reading and indexing a devlink dump) runs while the servers
    // prepare this chassis's bindings, once every read is asked for: started earlier, its CPU
    // work would hold up the round trips the reads take. A failure is recorded, never thrown.
    let initialising: Promise<void> | undefined
    const initialise = () => (initialising ??= providers.initialise())
    let reconciler: Reconciler
    try {
      reconciler = await Reconciler.open({
        settings,
        ...(flags.chassis ? {chassis: flags.chassis} : {}),
        allowForeignChassis: flags['allow-foreign-chassis'],
        providers,
        replace: flags.replace,
        dryRun: flags['dry-run'],
        watch: flags.watch,
        // Status's states need each interface's ofport and error and each binding's claim and up: the metrics count them.
        ...(metrics ? {daemonState: true} : {}),
        onReadsSent: () => void initialise(),
      })
      await initialise()
    } catch (error) {
      await providers.destroy()
      throw error
    }

    let closing: Promise<void> | undefined
    try {
      this.warnForeignChassis(reconciler)
      if (flags.watch) {
        const detach = metrics?.attach(reconciler, providers)
        try {
          await this.watch(reconciler, providers, logFormat, {batchMs: flags['batch-ms'], retryInitMs: flags['retry-init-ms'], resyncMs: (flags['resync-interval'] ?? DEFAULT_RESYNC_SECONDS) * 1000}, metrics)
        } finally {
          detach?.()
        }

        return undefined
      }

      await reconciler.whenComplete(settings.timeoutMs)
      if (!flags['dry-run'] && !reconciler.lockHeld) {
        this.warnLine('another reconciler (reconcile --watch) holds the lock on this chassis: showing the plan only')
      }

      // The report of the plan being committed, made while the server commits it: the wait for
      // the server's answer is most of a large one-shot, and the report needs only the plan.
      let prepared = undefined as PreparedReport | undefined
      const result = await reconciler.pass((plan) => {
        const entries = reportEntries(plan.entries, true)
        prepared = {plan, entries, text: this.jsonEnabled() ? undefined : this.reportText(reconciler.chassis, entries)}
      })
      const failed = failedProviders(providers)
      // Warn only of the failures that concern this chassis: an unused representor on a host without devlink is not news.
      const involved = failed.length > 0 && !this.jsonEnabled() ? vifPlugTypesIn(reconciler.view()) : new Set<string>()
      // Nothing more to read: close while the report prints. A server busy sending the daemons
      // the rows just committed closes its side late, the later the larger the commit.
      closing = reconciler.close()
      if (!reconciler.chassisRegistered) this.warnUnregistered(reconciler.chassis)

      const report = result.applied && prepared?.plan === result.plan ? prepared : {entries: reportEntries(result.plan.entries, result.applied), text: undefined}
      const {entries} = report
      if (!this.jsonEnabled()) {
        for (const line of describeFailedProviders(failuresConcerning(failed, involved))) this.warnLine(line)
        this.log(report.text ?? this.reportText(reconciler.chassis, entries))
      }

      if (!result.converged) process.exitCode = ExitCode.NotConverged
      return {chassis: reconciler.chassis, applied: result.applied, converged: result.converged, failedProviders: failed, entries}
    } finally {
      await (closing ?? reconciler.close())
      await providers.destroy()
    }
  }

  private async serveMetrics(address: ListenAddress, format: LogFormat, headersTimeoutMs: number): Promise<{watcher: WatcherMetrics; server: MetricsServer}> {
    const watcher = await WatcherMetrics.create({version: this.config.version})
    const server = await MetricsServer.start(
      address,
      {
        metrics: async () => ({contentType: watcher.registry.contentType, body: await watcher.registry.metrics()}),
        health: () => watcher.health(),
      },
      {...DEFAULT_LIMITS, headersTimeoutMs},
    )
    this.emit(formatLogLine(format, {level: 'info', message: `serving metrics on http://${formatListenAddress(server.address)}/metrics and /healthz`}))
    return {watcher, server}
  }

  /** --watch logs in --log-format, json with --json; a one-shot reconcile prints a report and has no log to format. */
  private logFormat(flags: {watch: boolean; 'log-format': string}, given: boolean): LogFormat {
    if (!flags.watch && given) throw new UsageError('--log-format applies to --watch, whose log it formats; a one-shot reconcile prints a report: use --json for JSON')
    if (this.jsonEnabled() && given && flags['log-format'] !== 'json') throw new UsageError(`--watch --json logs JSON lines: drop --log-format ${flags['log-format']} or --json`)
    return this.jsonEnabled() ? 'json' : (flags['log-format'] as LogFormat)
  }

  /** The one-shot's report, printed in one write: a log call per line is slow at 10k lines. */
  private reportText(chassis: string, entries: ReportedEntry[]): string {
    if (entries.length === 0) return `chassis ${chassis}: nothing is requested here and nothing is plugged`
    return entries.map((entry) => `${entry.result.padEnd(13)} ${entry.lport}${entry.interface ? ` (interface ${entry.interface})` : ''}: ${entry.reason}`).join('\n')
  }

  private async watch(
    reconciler: Reconciler,
    providers: Awaited<ReturnType<typeof loadProviders>>,
    format: LogFormat,
    timing: Pick<WatchOptions, 'batchMs' | 'retryInitMs' | 'resyncMs'>,
    observer?: PassObserver,
  ): Promise<void> {
    const log = (line: Parameters<typeof formatLogLine>[1]) => this.emit(formatLogLine(format, line))
    log({level: 'info', message: `reconciling chassis ${reconciler.chassis} on ${reconciler.integrationBridge}`})
    let stateUnwritable = false
    const stateFile = new WatcherStateFile(watcherStateDir(reconciler.localDb), (error) => {
      if (stateUnwritable) return
      stateUnwritable = true
      log({level: 'warn', message: `cannot write this watcher's state for status and doctor (${error.message}); reconciling goes on`})
    })
    await stateFile.sweep().catch(() => undefined)
    try {
      await untilStopSignal(async (signal) => {
        await watchAndReconcile(reconciler, providers, {
          ...timing,
          retryMs: RETRY_MS,
          maxRetryMs: MAX_RETRY_MS,
          signal,
          log,
          publish: (state) => void stateFile.write(state),
          ...(observer ? {observer} : {}),
        })
        log({level: 'info', message: 'stopped'})
      })
    } finally {
      await stateFile.remove().catch(() => undefined)
    }
  }
}
