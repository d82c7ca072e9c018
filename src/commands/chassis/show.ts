import {Flags} from '@oclif/core'

import {renderChassisReport} from '../../chassis/render.js'
import {type ChassisReport, showChassis} from '../../chassis/show.js'
import {BaseCommand} from '../../lib/base-command.js'
import {ExitCode} from '../../lib/exit-codes.js'
import {connectionSettings, localConnectionFlags} from '../../lib/flags.js'
import {cardSerialSourceFlags, cardSerialSources} from '../../providers/flags.js'
import {colourFor} from '../../status/render.js'

export default class ChassisShow extends BaseCommand {
  static override summary = 'Show what this chassis is to OVN: its identity, its ovn-cms-options, and the card serial of its NICs.'
  static override description = `Reads the local Open_vSwitch row (external_ids: system-id, hostname, ovn-remote, ovn-bridge, ovn-encap-type, ovn-encap-ip, ovn-cms-options), the serial number of each NIC on this machine (devlink dev info, else the SN keyword of the PCI VPD in /sys/bus/pci/devices/*/vpd; the functions of one card are listed together), and this chassis's Southbound Chassis row.

The card serial line says whether OpenStack Neutron can find this chassis for a remote-managed (DPU) port: the NIC's serial must be the card-serial-number entry of external_ids:ovn-cms-options, and ovn-controller must have copied it into the Chassis row's other_config:ovn-cms-options. It is the same judgement as doctor's card-serial check.

Exit status: 0 shown; 2 usage error; 4 the local OVS DB could not be reached, or the Southbound DB could not (what could be read is shown, with the reason).

With --json: {systemId, hostname: {value, from}, ovnRemote, integrationBridge, encap: {type, ip}, cmsOptions: {value, cardSerialNumber, otherEntries}, nics: {cards: [{serial?, source?, product?, functions: [{address, vpd, devlink?, serial?, source?}], notes}], notes}, southbound: {remote, chassis: {name, hostname, cmsOptions} | null, reason?}, cardSerial: {result, detail, fix?}}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  static override enableJsonFlag = true

  static override flags = {
    ...localConnectionFlags,
    ...cardSerialSourceFlags,
    color: Flags.boolean({description: 'Colour the card serial verdict on a terminal; --no-color never does.', default: true, allowNo: true}),
  }

  async run(): Promise<ChassisReport> {
    const {flags} = await this.parse(ChassisShow)
    const report = await showChassis({settings: connectionSettings(flags), sources: cardSerialSources(flags)})
    if (!this.jsonEnabled()) this.log(renderChassisReport(report, colourFor(flags.color, process.stdout)))
    if (report.southbound.unreachable) process.exitCode = ExitCode.Connection
    return report
  }
}
