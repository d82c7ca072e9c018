import {findChassis} from '../ovn/chassis.js'
import type {Chassis, PortBinding} from '../ovn/rows.js'
import {chassisName, type PortPlan} from './plan.js'

export const WAIT_MODES = ['none', 'sb', 'hv', 'plugged'] as const
export type WaitMode = (typeof WAIT_MODES)[number]

export interface PortWaitState {
  lsp: string
  done: boolean
  /** Where the port stands, for progress lines and the timeout message. */
  detail: string
}

/**
 * Whether a port has reached what --wait plugged waits for: after plug, claimed by the
 * requested chassis and up; after unplug, claimed by no chassis.
 */
export function portWaitState(plan: Pick<PortPlan, 'lsp' | 'claimBy'>, binding: Pick<PortBinding, 'logicalPort' | 'chassis' | 'up'> | undefined, chassis: readonly Chassis[]): PortWaitState {
  const {lsp, claimBy} = plan
  if (claimBy === undefined) {
    if (!binding?.chassis) return {lsp, done: true, detail: 'claimed by no chassis'}
    return {lsp, done: false, detail: `still claimed by ${chassisName(chassis, binding.chassis)}`}
  }

  if (!binding) return {lsp, done: false, detail: 'no Port_Binding yet (ovn-northd has not created it)'}
  const target = findChassis(chassis, claimBy)
  if (!binding.chassis) return {lsp, done: false, detail: `not claimed yet by ${claimBy}`}
  if (binding.chassis !== target?.uuid) return {lsp, done: false, detail: `claimed by ${chassisName(chassis, binding.chassis)}, not ${claimBy}`}
  if (binding.up !== true) return {lsp, done: false, detail: `claimed by ${claimBy}, not up yet`}
  return {lsp, done: true, detail: `plugged on ${claimBy}`}
}
