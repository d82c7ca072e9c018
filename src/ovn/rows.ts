/** The rows this project reads from OVN's and Open vSwitch's databases, as plain objects. */

/** A Southbound Port_Binding. Absent columns stay absent, so bindings compare and print cleanly. */
export interface PortBinding {
  uuid: string
  logicalPort: string
  /** Port_Binding.type: '' for a VIF. */
  type: string
  options: Readonly<Record<string, string>>
  /** Port_Binding.requested_chassis: the Chassis row's uuid, if any. */
  requestedChassis?: string
  /** Port_Binding.requested_additional_chassis: the other chassis of a requested-chassis list, by uuid; absent when none. */
  requestedAdditionalChassis?: string[]
  /** Port_Binding.chassis: the chassis that claimed it, if any. */
  chassis?: string
  up?: boolean
}

/** An Open_vSwitch Interface on the integration bridge, with the Port that holds it. */
export interface OvsInterface {
  uuid: string
  name: string
  type: string
  options: Readonly<Record<string, string>>
  externalIds: Readonly<Record<string, string>>
  mtuRequest?: number
  ofport?: number
  error?: string
  /** The Port row holding this interface, on the integration bridge. */
  portUuid: string
}
