import {Args, Flags} from '@oclif/core'

import {type CardSerialChange, chooseSerial, SET_ATTEMPTS, setLocalCardSerial} from '../../chassis/set-card-serial.js'
import {readCardSerials} from '../../dpu/card-serial.js'
import {BaseCommand} from '../../lib/base-command.js'
import {connectionSettings, localConnectionFlags} from '../../lib/flags.js'
import {cardSerialSourceFlags, cardSerialSources} from '../../providers/flags.js'

export default class ChassisSetCardSerial extends BaseCommand {
  static override summary = "Put the NIC's card serial number into this chassis's ovn-cms-options, where OpenStack Neutron looks for it."
  static override description = `Sets the card-serial-number=SERIAL entry of the comma-separated external_ids:ovn-cms-options in the local Open_vSwitch DB, keeping every other entry (enable-chassis-as-gw, ...) in place. ovn-controller copies the option into the Southbound Chassis row, where Neutron finds the chassis of a remote-managed port by this serial.

Without SERIAL, the serial read from this machine's one NIC is used (devlink dev info, else the PCI VPD's SN). With several NICs it refuses and lists them: SERIAL picks one. A SERIAL no NIC here reports is refused, unless no NIC serial can be read at all (then it is set, with a warning).

The write is one transaction guarded by a wait on external_ids as read: if another writer changes them between the read and the write, nothing is written, the row is read again and the write retried (${SET_ATTEMPTS} attempts in all).

Exit status: 0 set (or already set); 2 usage error; 3 refused (a malformed SERIAL: empty, or with a comma, '=', white space, control or non-ASCII characters, as plug --card-serial-number refuses it; no NIC serial and no SERIAL, several NICs and no SERIAL, the NIC's own serial malformed, a SERIAL no NIC here reports, the row kept changing under the write, no system-id for --wait sb): nothing written; 4 a database could not be reached, or --wait sb timed out (the option *was* written).

With --json: {serial, before, after, changed, written, systemId, dryRun, waited: "none"|"sb"}.`

  static override examples = [
    {description: "Set this DPU's one serial", command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Pick a NIC on a machine with two, and wait until the Southbound DB shows it', command: '<%= config.bin %> <%= command.id %> MT2232X01234 --wait sb'},
    {description: 'Show the change without writing it', command: '<%= config.bin %> <%= command.id %> --dry-run'},
  ]

  static override enableJsonFlag = true
  static override args = {
    serial: Args.string({description: "The card serial number to set (default: the one NIC's).", ignoreStdin: true}),
  }

  static override flags = {
    ...localConnectionFlags,
    ...cardSerialSourceFlags,
    'dry-run': Flags.boolean({description: 'Show the change to external_ids:ovn-cms-options without writing it.', default: false, exclusive: ['wait']}),
    wait: Flags.string({description: 'After writing, wait (at most --timeout) until the Southbound Chassis row shows the serial: ovn-controller copies it.', options: ['sb']}),
  }

  async run(): Promise<CardSerialChange & {systemId: string | null; dryRun: boolean; waited: 'none' | 'sb'}> {
    const {args, flags} = await this.parse(ChassisSetCardSerial)
    const settings = connectionSettings(flags)
    const chosen = chooseSerial(args.serial, await readCardSerials(cardSerialSources(flags)))
    if (chosen.unchecked) this.warnLine(chosen.unchecked)

    const change = await setLocalCardSerial(settings, chosen.serial, {
      dryRun: flags['dry-run'],
      waitSouthbound: flags.wait === 'sb',
      onWritten: (written) => {
        if (!this.jsonEnabled()) this.log(describeChange(written, flags['dry-run']))
      },
    })
    if (flags.wait === 'sb' && !this.jsonEnabled()) this.log(`the Southbound Chassis row ${change.systemId} shows card-serial-number=${chosen.serial}`)
    return {...change, dryRun: flags['dry-run'], waited: flags.wait === 'sb' ? 'sb' : 'none'}
  }
}

function describeChange(change: CardSerialChange, dryRun: boolean): string {
  const before = change.before === null ? '(unset)' : `"${change.before}"`
  if (!change.changed) return `external_ids:ovn-cms-options already has card-serial-number=${change.serial}: nothing to change`
  return `${dryRun ? 'would set' : 'set'} external_ids:ovn-cms-options from ${before} to "${change.after}"${dryRun ? ' (dry run: nothing written)' : ''}`
}
