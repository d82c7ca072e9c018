/**
 * What `status` reports per logical port, as plain data. The JSON and CSV formats are these
 * fields (documented in docs/status.md); keep them stable.
 */

import type {FailedProvider} from '../providers/report.js'

export const STATES = ['plugged', 'pending', 'orphaned', 'conflict', 'additional'] as const
export type StatusState = (typeof STATES)[number]

export interface StatusRow {
  lport: string
  state: StatusState
  /** Why the port is in this state, for a person to act on. */
  reason: string
  /** The requested chassis (its Chassis name when SB knows it, else as options:requested-chassis says). */
  chassis?: string
  /** The card-serial-number in the requested chassis's ovn-cms-options, as Neutron finds a DPU's chassis by it. */
  cardSerial?: string
  /** The chassis that claimed the Port_Binding. */
  claimedBy?: string
  /** Port_Binding.up. */
  up?: boolean
  /** options:vif-plug-type. */
  type?: string
  /** The provider's options (vif-plug:<type>:KEY), keyed by KEY. */
  options?: Record<string, string>
  /** options:vif-plug-mtu-request, when it is a valid MTU. */
  mtu?: number
  /** The Interface on the integration bridge carrying this lport (local mode). */
  interface?: string
  ofport?: number
  /** The Interface's OVS error column. */
  error?: string
  /** The netdev the provider resolves for this lport now (local mode). */
  netdev?: string
}

export type StateCounts = Record<StatusState, number>

export interface StatusReport {
  mode: 'local' | 'all-chassis'
  /** The chassis shown, in local mode. */
  chassis?: string
  /** Local mode with --allow-foreign-chassis: the chassis shown is not this host's, whose system-id this is. */
  foreignTo?: {systemId: string | undefined}
  /** Local mode: the providers that failed (their ports are pending, their interfaces kept). */
  failedProviders?: FailedProvider[]
  rows: StatusRow[]
  counts: StateCounts
  /** Counts per requested chassis, with --all-chassis. */
  byChassis?: Record<string, StateCounts>
}

/** How current a watched status is: for status --watch, which keeps showing the last data through an outage. */
export interface DataHealth {
  /** When the data last changed (ISO 8601). */
  updatedAt: string
  /** The databases whose connection is lost, and since when; each is being reconnected. */
  down: Array<{database: string; since: string}>
}
