import {Flags} from '@oclif/core'

import {runDoctor} from '../doctor/checks.js'
import {type CheckOutcome, doctorExitCode, renderOutcomes} from '../doctor/report.js'
import {BaseCommand} from '../lib/base-command.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {cardSerialSourceFlags, cardSerialSources, providerFlags, providerRegistryOptions, representorSourceFlags} from '../providers/flags.js'
import {loadProviders} from '../providers/registry.js'
import {colourFor} from '../status/render.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check, in order, everything VIF plugging on this chassis depends on, and say how to fix what is wrong.'
  static override description = `Checks this host's chassis, the local external_ids:system-id, and names it on the first line (and in the JSON's chassis). Checks, each pass, info, warn or fail with the fix in one line:
  local OVS DB       the local Open_vSwitch DB answers (--db, else $OVS_RUNDIR/db.sock)
  local OVS DB writable  it takes writes: a read-only backup (ovsdb-server --sync-from) is a failure
  system-id          external_ids:system-id is set
  integration bridge external_ids:ovn-bridge (default br-int) exists
  Southbound DB      answers, at --sb-db, else external_ids:ovn-remote, else $OVN_SB_DB
  Chassis row        the Southbound DB has a Chassis named after the system-id
  ovn-controller     runs (its pidfile next to the DB socket, in $OVN_RUNDIR or $OVS_RUNDIR, else a process using this local DB; not running is a failure) and its Chassis_Private nb_cfg catches up with SB_Global within --controller-wait
  card serial        the NIC's serial (devlink dev info, else the PCI VPD's SN) is the card-serial-number of external_ids:ovn-cms-options and of the Chassis row, where OpenStack Neutron finds a DPU's chassis; warns when none is set, informs (never fails) when no NIC serial can be read
  ovn-controller version  the release of ovn-controller (its --version, else the Chassis row's other_config:ovn-version) and the known behaviours of its own vif-plug in that release; informs, never fails
  coexistence        the VIF plug providers built into the ovn-controller binary (Debian's and Ubuntu's carry representor): informs that both it and reconcile plug the types loaded here too, and that they converge; never fails
  Northbound DB      answers (optional on a chassis: a warning, never a failure)
  ovn-northd         an ovn-northd holds its lock on the Southbound DB (not running is a failure) and, with the Northbound DB, NB_Global.sb_cfg catches up with nb_cfg within --northd-wait
  provider TYPE      each VIF plug provider initialised (a failure is a warning while no port requested here uses it)
  orphaned ports     interfaces we plugged for ports gone or requested elsewhere (warning), as \`status\` classifies them
  ports in conflict  as \`status\` classifies them (failure)
  interface errors   Interface rows with an OVS error (failure)
  reconcile --watch  the watcher of this local DB, from the state it keeps next to the DB socket: passes failing is a failure (exit 4 when the DB refuses writes); none running is a warning only while ports wait for a reconcile
A check whose prerequisite failed is skipped, saying which.

Exit status: 0 every check passed (info included); 1 a warning, or a failure of something reachable; 4 a failure to reach the local OVS DB, the Southbound DB, ovn-controller or ovn-northd, or a local OVS DB that refuses writes.`

  static override examples = [
    {description: 'Check this chassis', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'For monitoring: JSON, and the exit status', command: '<%= config.bin %> <%= command.id %> --json'},
    {description: 'Only the providers this chassis uses', command: '<%= config.bin %> <%= command.id %> --provider representor'},
  ]

  static override enableJsonFlag = true

  static override flags = {
    ...connectionFlags,
    ...providerFlags,
    ...representorSourceFlags,
    ...cardSerialSourceFlags,
    'controller-wait': Flags.integer({description: 'Seconds ovn-controller may take to catch up with the Southbound nb_cfg.', default: 3, min: 0}),
    'ovn-controller-binary': Flags.string({description: 'The ovn-controller binary the version and coexistence checks read (default: ovn-controller on PATH).', hidden: true}),
    'northd-wait': Flags.integer({description: 'Seconds ovn-northd may take to bring the Southbound DB up to the Northbound nb_cfg.', default: 3, min: 0}),
    color: Flags.boolean({description: 'Colour the results on a terminal; --no-color never does.', default: true, allowNo: true}),
  }

  async run(): Promise<{chassis: string | null; checks: CheckOutcome[]; exitCode: number}> {
    const {flags} = await this.parse(Doctor)
    const providers = await loadProviders(providerRegistryOptions(flags))
    try {
      const settings = connectionSettings(flags)
      const {chassis, checks} = await runDoctor({settings, providers, controllerWaitMs: flags['controller-wait'] * 1000, northdWaitMs: flags['northd-wait'] * 1000, cardSerialSources: cardSerialSources(flags), controllerBinary: flags['ovn-controller-binary']})
      const exitCode = doctorExitCode(checks)
      if (!this.jsonEnabled()) {
        const which = chassis === undefined ? `chassis unknown: no external_ids:system-id read from ${settings.ovsDb}` : `chassis ${chassis} (external_ids:system-id in ${settings.ovsDb})`
        this.log(`${which}\n${renderOutcomes(checks, colourFor(flags.color, process.stdout))}`)
      }

      process.exitCode = exitCode
      return {chassis: chassis ?? null, checks, exitCode}
    } finally {
      await providers.destroy()
    }
  }
}
