/**
 * How OVN names a chassis, in one place: every command that reads options:requested-chassis or
 * takes a chassis from the operator matches it here.
 *
 * OVN's rules (ovn-northd and ovn-controller 22.09 and later, checked against 23.03):
 * - options:requested-chassis is one chassis or a comma-separated list of them (a port being
 *   live-migrated lists its source and its destination). Entries are taken as written: no
 *   spaces are trimmed, empty entries are skipped.
 * - Each entry names a Chassis by its name or, failing that, by its hostname.
 * - ovn-northd resolves the first registered entry into Port_Binding.requested_chassis and the
 *   others into requested_additional_chassis; entries naming no registered chassis are left out.
 * - ovn-controller's vif-plug plugs a port only on the chassis in requested_chassis (the first),
 *   and unplugs an interface only where the port cannot bind at all: an additional chassis keeps
 *   what it has. Where northd has not resolved a name, it reads the option's text: the first
 *   entry naming it makes it the main chassis, a later one an additional one.
 */

import {REQUESTED_CHASSIS} from './keys.js'

/** A chassis as requested-chassis or an operator may name it: its Chassis name, or its hostname. */
export interface ChassisNames {
  name: string
  /** Chassis.hostname; undefined when unknown (no Chassis row yet). */
  hostname?: string | undefined
}

/** The entries of options:requested-chassis, in order. */
export function requestedChassisList(options: Readonly<Record<string, string>>): string[] {
  return (options[REQUESTED_CHASSIS] ?? '').split(',').filter((entry) => entry !== '')
}

/** Whether `nameOrHostname` names this chassis, by name or by hostname. */
export function isNamedBy(chassis: ChassisNames, nameOrHostname: string): boolean {
  return nameOrHostname === chassis.name || (chassis.hostname !== undefined && chassis.hostname !== '' && nameOrHostname === chassis.hostname)
}

/** The chassis an entry names: by name first, then by hostname, as ovn-northd looks it up. */
export function findChassis<T extends ChassisNames>(rows: Iterable<T>, nameOrHostname: string): T | undefined {
  let byHostname: T | undefined
  for (const row of rows) {
    if (row.name === nameOrHostname) return row
    if (byHostname === undefined && row.hostname === nameOrHostname && nameOrHostname !== '') byHostname = row
  }

  return byHostname
}

/** Where a port's request puts a chassis: the one that plugs it, or one listed after it (a live migration's other end). */
export type RequestedRole = 'main' | 'additional'

/** What requestedRole reads of a Port_Binding (or, without one, of a Logical_Switch_Port's options alone). */
export interface RequestedChassisOf {
  options: Readonly<Record<string, string>>
  /** Port_Binding.requested_chassis: a Chassis uuid. */
  requestedChassis?: string | undefined
  /** Port_Binding.requested_additional_chassis: Chassis uuids. */
  requestedAdditionalChassis?: readonly string[] | undefined
}

/**
 * Where the port's request puts this chassis, as ovn-controller decides it: by ovn-northd's
 * resolution (this Chassis row's uuid) first, then by the option's text; undefined when the
 * request does not name it (or names no chassis at all).
 */
export function requestedRole(port: RequestedChassisOf, chassis: ChassisNames & {uuid?: string | undefined}): RequestedRole | undefined {
  if (chassis.uuid !== undefined) {
    if (port.requestedChassis === chassis.uuid) return 'main'
    if (port.requestedAdditionalChassis?.includes(chassis.uuid)) return 'additional'
  }

  const index = requestedChassisList(port.options).findIndex((entry) => isNamedBy(chassis, entry))
  return index < 0 ? undefined : index === 0 ? 'main' : 'additional'
}

