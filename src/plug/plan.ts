import {ValidationError} from '../lib/errors.js'
import {findChassis} from '../ovn/chassis.js'
import {isPlugRequestKey, managedOptions, REQUESTED_CHASSIS, VIF_PLUG_TYPE} from '../ovn/keys.js'
import type {Chassis, LogicalSwitchPort, PortBinding} from '../ovn/rows.js'
import {diffOwnedOptions, type OptionChange} from './diff.js'
import {checkNamedOnce, desiredOptions, type PlugRequest, rejection, requestManages} from './request.js'
import {didYouMean} from './suggest.js'

/** What plug and unplug read before deciding anything. */
export interface PlugSnapshot {
  /** The named ports that exist, by name. */
  ports: ReadonlyMap<string, LogicalSwitchPort>
  /** Every port name in the Northbound DB, for suggestions; read only when a name is missing. */
  allPortNames: () => Promise<string[]>
  chassis: readonly Chassis[]
  /** Port_Bindings of the named ports, by logical port: who has each. */
  bindings: ReadonlyMap<string, Pick<PortBinding, 'logicalPort' | 'chassis' | 'up'>>
  /** plug: the ports whose requested-chassis names a chassis of the requests, for sameNetdevWarnings. */
  requestedOnChassis: readonly LogicalSwitchPort[]
}

/** A port to unplug, and the file line that named it, if any. */
export interface UnplugTarget {
  lsp: string
  where?: string
}

/** What one command does to one port, and what --wait plugged waits for. */
export interface PortPlan {
  lsp: string
  uuid: string
  changes: OptionChange[]
  /** Things the operator should know, e.g. that --force moves a port that is up elsewhere. */
  notes: string[]
  /** plug: the chassis (name or hostname) that should claim the port; unplug: undefined, no chassis should. */
  claimBy?: string
  /** unplug: the port has no plug request (no vif-plug-type), so it is left as it is. */
  noRequest?: boolean
}

/** A Chassis row's name, for messages; a short uuid if the row is gone. */
export function chassisName(chassis: readonly Chassis[], uuid: string): string {
  return chassis.find((row) => row.uuid === uuid)?.name ?? `chassis ${uuid.slice(0, 8)}`
}

async function requirePorts(names: readonly {lsp: string; where?: string}[], snapshot: PlugSnapshot): Promise<void> {
  const missing = names.find(({lsp}) => !snapshot.ports.has(lsp))
  if (!missing) return
  const suggestion = didYouMean(missing.lsp, await snapshot.allPortNames())
  throw rejection(missing.where, `no logical switch port "${missing.lsp}" in the Northbound DB${suggestion}; list ports with ovn-nbctl lsp-list SWITCH`)
}

function checkChassisKnown(request: PlugRequest, snapshot: PlugSnapshot, force: boolean, notes: string[]): Chassis | undefined {
  const row = findChassis(snapshot.chassis, request.chassis)
  if (row) return row
  const known = snapshot.chassis.map((candidate) => candidate.name).sort()
  const problem = `chassis "${request.chassis}" is not registered in the Southbound DB (by name or hostname)`
  if (force) {
    notes.push(`${problem}; written anyway (--force): it plugs once that chassis registers`)
    return undefined
  }

  const knownList = known.length > 0 ? `known chassis: ${known.join(', ')}` : 'no chassis is registered yet'
  throw new ValidationError(`${problem}${didYouMean(request.chassis, [...known, ...snapshot.chassis.map((candidate) => candidate.hostname)])}; ${knownList} (--force writes it anyway)`)
}

function checkMove(request: PlugRequest, target: Chassis | undefined, snapshot: PlugSnapshot, force: boolean, notes: string[]): void {
  const binding = snapshot.bindings.get(request.lsp)
  if (!binding?.chassis || binding.up !== true || binding.chassis === target?.uuid) return
  const from = chassisName(snapshot.chassis, binding.chassis)
  const consequence = `${from} unplugs it and ${request.chassis} plugs it, and its traffic stops in between`
  if (!force) throw new ValidationError(`${request.lsp} is up on ${from}: moving it to ${request.chassis} means ${consequence}; add --force to move it`)
  notes.push(`moving from ${from} to ${request.chassis} (--force): ${consequence}`)
}

/**
 * Checks the validated requests against the databases (ports exist and are VIFs, chassis are
 * registered, no port that is up is moved without --force) and works out each port's changes.
 * Throws a ValidationError for the first problem: nothing is written for any port.
 */
export async function planPlug(requests: readonly PlugRequest[], snapshot: PlugSnapshot, options: {force: boolean}): Promise<PortPlan[]> {
  await requirePorts(requests, snapshot)
  return requests.map((request) => {
    try {
      const port = snapshot.ports.get(request.lsp)!
      if (port.type !== '' && !options.force) {
        throw new ValidationError(`${request.lsp} has type "${port.type}": vif-plug plugs only VIF ports (type ""); --force writes it anyway`)
      }

      const notes: string[] = []
      const target = checkChassisKnown(request, snapshot, options.force, notes)
      checkMove(request, target, snapshot, options.force, notes)
      const changes = diffOwnedOptions(port.options, desiredOptions(request), requestManages(request))
      return {lsp: request.lsp, uuid: port.uuid, changes, notes, claimBy: request.chassis}
    } catch (error) {
      if (error instanceof ValidationError) throw rejection(request.where, error.message)
      throw error
    }
  })
}

const NO_REQUEST = 'no plug request (no vif-plug-type): left as it is'

/**
 * A port without vif-plug-type asks for no plugging: whatever else it has, requested-chassis
 * included, is someone else's (the CMS's) or inert, and is left alone.
 */
function noRequestNote(port: LogicalSwitchPort, clearChassis: boolean): string {
  const inert = Object.keys(port.options).filter((key) => isPlugRequestKey(key)).sort()
  const details = [
    ...(inert.length > 0 ? [`its ${inert.join(', ')} ${inert.length === 1 ? 'does' : 'do'} nothing without vif-plug-type (ovn-nbctl remove Logical_Switch_Port ${port.name} options KEY removes ${inert.length === 1 ? 'it' : 'them'})`] : []),
    ...(clearChassis && port.options[REQUESTED_CHASSIS] !== undefined ? [`--clear-chassis does not apply: its requested-chassis=${port.options[REQUESTED_CHASSIS]} belongs to whoever bound the port`] : []),
  ]
  return [NO_REQUEST, ...details].join('; ')
}

/**
 * Withdraws the plug requests: removes vif-plug-type, vif-plug-mtu-request and vif-plug:*, and
 * requested-chassis only with clearChassis. A port without a plug request is left as it is.
 */
export async function planUnplug(targets: readonly UnplugTarget[], snapshot: PlugSnapshot, options: {clearChassis: boolean}): Promise<PortPlan[]> {
  await requirePorts(targets, snapshot)
  checkNamedOnce(targets, 'named')
  const manages = managedOptions({chassis: options.clearChassis, mtu: true})
  return targets.map(({lsp}) => {
    const port = snapshot.ports.get(lsp)!
    if (port.options[VIF_PLUG_TYPE] === undefined) return {lsp, uuid: port.uuid, changes: [], notes: [noRequestNote(port, options.clearChassis)], noRequest: true}
    return {lsp, uuid: port.uuid, changes: diffOwnedOptions(port.options, {}, manages), notes: []}
  })
}
