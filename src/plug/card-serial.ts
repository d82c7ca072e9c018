import {ValidationError} from '../lib/errors.js'
import {CARD_SERIAL_NUMBER, cardSerialOf, cardSerialProblem, cmsOptionEntries} from '../ovn/cms-options.js'
import type {Chassis} from '../ovn/rows.js'

/**
 * Neutron's ML2/OVN driver places a remote-managed (DPU) port by the card serial number Nova
 * read from the VF's PCI VPD: it takes the Southbound Chassis whose other_config:ovn-cms-options
 * has the entry `card-serial-number=<serial>` (entries split on commas, compared exactly) and
 * writes that chassis's hostname into requested-chassis. plug resolves it the same way, but
 * refuses where Neutron would silently take the first of two chassis claiming one serial.
 */

/** A --card-serial-number value (or a card-serial-number column), checked as one cms-options entry can hold it. */
export function checkCardSerial(serial: string): string {
  const problem = cardSerialProblem(serial)
  if (problem) {
    throw new ValidationError(`card serial number ${JSON.stringify(serial)} ${problem}, so it cannot be one entry of ovn-cms-options (give the serial as the VPD's SN shows it)`)
  }

  return serial
}

/** Whether the chassis's ovn-cms-options carries `card-serial-number=<serial>`, as Neutron matches it. */
function carriesSerial(chassis: Chassis, serial: string): boolean {
  return cmsOptionEntries(chassis.cmsOptions).includes(`${CARD_SERIAL_NUMBER}=${serial}`)
}

/** The chassis carrying the serial (none, one, or more when two are misconfigured alike). */
export function chassisWithSerial(chassis: readonly Chassis[], serial: string): Chassis[] {
  return chassis.filter((row) => carriesSerial(row, serial))
}

/**
 * The hostname requested-chassis gets for a card serial, as Neutron writes it; a
 * ValidationError naming the registered serials when no chassis carries it, or both chassis
 * when two do.
 */
export function resolveCardSerial(chassis: readonly Chassis[], serial: string): string {
  const matches = chassisWithSerial(chassis, serial)
  if (matches.length === 1) return matches[0]!.hostname || matches[0]!.name
  if (matches.length > 1) {
    const named = matches.toSorted((a, b) => a.name.localeCompare(b.name)).map((row) => `${row.name} (hostname ${row.hostname || 'unset'})`).join(' and ')
    throw new ValidationError(`card serial number ${serial} is set on more than one chassis, ${named}: a serial identifies one card; fix ovn-cms-options on the wrong one (ovs-vsctl set Open_vSwitch . external_ids:ovn-cms-options=... on that DPU)`)
  }

  const registered = chassis.flatMap((row) => {
    const registeredSerial = cardSerialOf(row.cmsOptions)
    return registeredSerial === undefined ? [] : [`${registeredSerial} (${row.name})`]
  }).sort()
  const known = registered.length > 0 ? `registered serials: ${registered.join(', ')}` : 'no chassis has a card-serial-number in its ovn-cms-options'
  throw new ValidationError(`no chassis has card-serial-number=${serial} in its ovn-cms-options; ${known}: set it on the DPU that carries the card (external_ids:ovn-cms-options in its Open_vSwitch DB)`)
}
