import {findChassis, requestedChassisList} from '../ovn/chassis.js'
import type {PlugRequest, ProviderSpecs} from './request.js'
import {VIF_PLUG_TYPE} from '../ovn/keys.js'
import type {Chassis, LogicalSwitchPort} from '../ovn/rows.js'

/** A port asking for a netdev: one of the request, or one already requested in the Northbound DB. */
interface NetdevClaim {
  lsp: string
  requested: boolean
  chassis: readonly string[]
  type: string
  options: Readonly<Record<string, string>>
}

/**
 * What names the netdev a port asks for: its type and its provider's identifying options
 * (OptionSpec.identity), an absent one included (no vf-num is the PF itself). Undefined when
 * the provider has none, or is not loaded here: then nothing can be compared.
 */
function netdevIdentity(claim: NetdevClaim, providers: ProviderSpecs): {key: string; label: string} | undefined {
  const specs = (providers.get(claim.type) ?? []).filter((spec) => spec.identity)
  if (specs.length === 0) return undefined
  const parts = specs.map((spec) => {
    const value = claim.options[spec.key]
    if (value !== undefined) return {key: spec.identity!(value), label: `${spec.flag} ${value}`}
    // An absent option is worth naming only when nothing given stands in its place (no vf-num is the PF; no sf-num beside a vf-num says nothing).
    const replaced = spec.excludes?.some((key) => claim.options[key] !== undefined)
    return {key: '', label: replaced ? undefined : `no ${spec.flag}`}
  })
  const labels = parts.flatMap((part) => (part.label === undefined ? [] : [part.label]))
  return {key: JSON.stringify([claim.type, ...parts.map((part) => part.key)]), label: `${claim.type} netdev (${labels.join(', ')})`}
}

function listed(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/**
 * One warning per netdev that several ports ask one chassis for, among the requests and the
 * ports already requested for their chassis (`existing`; those the requests re-plug count with
 * their new request). Only one of them can be plugged: the reconciler reports the others in
 * conflict. Chassis compare by name, a hostname resolving to its chassis.
 */
export function sameNetdevWarnings(requests: readonly PlugRequest[], existing: readonly LogicalSwitchPort[], chassis: readonly Chassis[], providers: ProviderSpecs): string[] {
  const replugged = new Set(requests.map((request) => request.lsp))
  const claims: NetdevClaim[] = [
    ...requests.map((request) => ({lsp: request.lsp, requested: true, chassis: [request.chassis], type: request.type, options: request.providerOptions})),
    ...existing
      .filter((port) => !replugged.has(port.name) && port.options[VIF_PLUG_TYPE] !== undefined)
      .map((port) => ({
        lsp: port.name,
        requested: false,
        chassis: requestedChassisList(port.options),
        type: port.options[VIF_PLUG_TYPE]!,
        options: port.options,
      })),
  ]

  const groups = new Map<string, {chassis: string; label: string; claims: NetdevClaim[]}>()
  for (const claim of claims) {
    const identity = netdevIdentity(claim, providers)
    if (!identity) continue
    for (const name of new Set(claim.chassis.map((requested) => findChassis(chassis, requested)?.name ?? requested))) {
      const key = JSON.stringify([name, identity.key])
      const group = groups.get(key) ?? {chassis: name, label: identity.label, claims: []}
      group.claims.push(claim)
      groups.set(key, group)
    }
  }

  return [...groups.values()]
    .filter((group) => group.claims.length > 1 && group.claims.some((claim) => claim.requested))
    .map((group) => {
      const names = group.claims.map((claim) => (claim.requested ? claim.lsp : `${claim.lsp} (already requested)`))
      return `${listed(names)} ask chassis ${group.chassis} for one ${group.label}: only one can be plugged, and reconcile reports the others in conflict`
    })
}
