import {compareCodeUnits} from '../lib/order.js'
import {requestedRole} from '../ovn/chassis.js'
import type {PrepareCreateRequest, VifPlugProvider} from '../providers/types.js'
import {IFACE_ID, OVN_PLUGGED, REQUESTED_CHASSIS, VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE} from '../ovn/keys.js'
import {type OvsInterface, type PortBinding} from '../ovn/rows.js'
import {type LocalChassisView} from '../ovn/local-view.js'

/** The full contents of an Interface row as the reconciler wants it. */
export interface DesiredInterface {
  name: string
  type: string
  options: Record<string, string>
  externalIds: Record<string, string>
  mtuRequest?: number
}

export type PlanAction =
  | {kind: 'create'; lport: string; desired: DesiredInterface}
  | {kind: 'update'; lport: string; current: OvsInterface; desired: DesiredInterface; changes: string[]}
  | {kind: 'replace'; lport: string; current: OvsInterface; desired: DesiredInterface}
  | {kind: 'remove'; lport: string; current: OvsInterface}

/**
 * What the plan says about one logical port (or one orphaned interface): an action to take,
 * or why none is taken. Every entry carries a reason a person can act on.
 */
export interface PlanEntry {
  lport: string
  outcome: 'create' | 'update' | 'replace' | 'remove' | 'unchanged' | 'pending' | 'conflict' | 'kept' | 'additional'
  reason: string
  /** The interface name the lport has or will have, where known. */
  interfaceName?: string
  action?: PlanAction
}

/** An entry that still needs someone's attention (exit 1 in one-shot mode). */
export function isUnsettled(entry: Pick<PlanEntry, 'outcome'>): boolean {
  return entry.outcome === 'pending' || entry.outcome === 'conflict' || entry.outcome === 'kept'
}

export interface Plan {
  entries: PlanEntry[]
  actions: PlanAction[]
}

/**
 * Providers by vif-plug-type: the ProviderRegistry, whose providers never throw (it isolates
 * every call), or a Map in tests.
 */
export interface ProviderLookup {
  get(type: string): VifPlugProvider | undefined
}

export interface PlanOptions {
  /** Replace a plugged port whose netdev name changed (default); false keeps OVN's refusal. */
  replace: boolean
}

/** OVN reads vif-plug-mtu-request with smap_get_int: anything not a positive integer means none. */
export function mtuRequestOf(options: Readonly<Record<string, string>>): number | undefined {
  const raw = options[VIF_PLUG_MTU_REQUEST]
  if (raw === undefined || !/^\s*[+-]?\d+\s*$/.test(raw)) return undefined
  const mtu = Number.parseInt(raw, 10)
  return mtu > 0 && mtu <= 2 ** 31 - 1 ? mtu : undefined
}

/** No interfaces: what most lports of a large plug carry, shared rather than made for each. */
const NONE: readonly OvsInterface[] = []

function isPlugged(iface: OvsInterface): boolean {
  return iface.externalIds[OVN_PLUGGED] !== undefined && iface.externalIds[IFACE_ID] !== undefined
}

function byName<T extends {name: string}>(a: T, b: T): number {
  return compareCodeUnits(a.name, b.name)
}

function byLogicalPort(a: PortBinding, b: PortBinding): number {
  return compareCodeUnits(a.logicalPort, b.logicalPort)
}

/** A binding is wanted here when it is a VIF requested for this chassis that asks to be plugged. */
function isWantedHere(binding: PortBinding, chassisUuid: string): boolean {
  return binding.type === '' && binding.requestedChassis === chassisUuid && binding.options[VIF_PLUG_TYPE] !== undefined
}

/** What an update must change on `current` to make it `desired`, in words; empty when nothing. */
function describeChanges(current: OvsInterface, desired: DesiredInterface): string[] {
  const changes: string[] = []
  if (current.type !== desired.type) changes.push(`type '${current.type}' -> '${desired.type}'`)
  for (const key of Object.keys(current.options)) {
    if (current.options[key] !== desired.options[key]) changes.push(`options:${key}`)
  }
  for (const key of Object.keys(desired.options)) {
    if (!Object.hasOwn(current.options, key)) changes.push(`options:${key}`)
  }

  for (const key of [IFACE_ID, OVN_PLUGGED]) {
    if (current.externalIds[key] !== desired.externalIds[key]) changes.push(`external_ids:${key}`)
  }

  if (current.mtuRequest !== desired.mtuRequest) {
    changes.push(`mtu_request ${current.mtuRequest ?? '[]'} -> ${desired.mtuRequest ?? '[]'}`)
  }

  return changes
}

/**
 * The interface row as it must be: for an update, keys the provider does not maintain and
 * other external_ids stay as they are (as OVN's ovsport_update_iface does).
 */
function desiredInterface(
  provider: VifPlugProvider,
  planned: {name: string; type: string; options: Record<string, string>},
  binding: PortBinding,
  vifPlugType: string,
  current: OvsInterface | undefined,
): DesiredInterface {
  const options: Record<string, string> = {}
  if (current) {
    for (const [key, value] of Object.entries(current.options)) {
      if (!provider.maintainedOptions.includes(key)) options[key] = value
    }
  }

  for (const [key, value] of Object.entries(planned.options)) options[key] = value
  // Assigned, not spread in with computed keys: a large plan builds one for every lport, and an
  // object literal with computed keys or a spread of nothing takes the runtime's slow path.
  const externalIds: Record<string, string> = current ? {...current.externalIds} : {}
  externalIds[IFACE_ID] = binding.logicalPort
  externalIds[OVN_PLUGGED] = vifPlugType
  const desired: DesiredInterface = {name: planned.name, type: planned.type, options, externalIds}
  const mtuRequest = mtuRequestOf(binding.options)
  if (mtuRequest !== undefined) desired.mtuRequest = mtuRequest
  return desired
}

/**
 * What the plan says of a port that names this chassis in requested-chassis without being
 * wanted here (see src/ovn/chassis.ts): OVN plugs a port only on its requested_chassis and
 * leaves an interface in place wherever the port still names the chassis. Undefined for a port
 * that does not name it, or that does not ask to be plugged.
 */
function namedNotWanted(binding: PortBinding | undefined, view: LocalChassisView, chassisUuid: string, iface: OvsInterface | undefined): Omit<PlanEntry, 'lport'> | undefined {
  if (!binding || binding.type !== '' || binding.options[VIF_PLUG_TYPE] === undefined) return undefined
  const role = requestedRole(binding, {...view.chassis, uuid: chassisUuid})
  const interfaceName = iface ? {interfaceName: iface.name} : {}
  if (role === 'additional') {
    const listed = `this chassis is an additional one in ${REQUESTED_CHASSIS} ${binding.options[REQUESTED_CHASSIS]} (a live migration): OVN plugs the port only on the first chassis of the list`
    return iface
      ? {outcome: 'additional', reason: `${listed}, and leaves this interface in place while this chassis is listed`, ...interfaceName}
      : {outcome: 'additional', reason: listed}
  }

  // Named first, by name or hostname, yet the binding's requested_chassis is not this chassis's row.
  if (role === 'main') {
    return {
      outcome: iface ? 'kept' : 'pending',
      reason: `${REQUESTED_CHASSIS} names this chassis first, but ovn-northd has not resolved it to this chassis's Chassis row yet: is ovn-northd running?`,
      ...interfaceName,
    }
  }

  return undefined
}

function whyUnwanted(binding: PortBinding | undefined, chassisUuid: string): string {
  if (!binding) return 'its logical port is gone, or no longer requested for this chassis'
  if (binding.requestedChassis !== chassisUuid) {
    return binding.requestedChassis ? 'its logical port is requested for another chassis' : 'its logical port is requested for no chassis'
  }

  if (binding.type !== '') return `its logical port is no longer a VIF (type '${binding.type}')`
  return `its logical port no longer asks to be plugged (no ${VIF_PLUG_TYPE})`
}

/**
 * What one plan has decided so far, shared by the rules below while they run over one view:
 * the interfaces wanted lports keep (never unplugged as orphans) and the names they claim.
 * Created per call of planReconcile, so the planner stays a pure function of its inputs.
 */
interface PlanState {
  view: LocalChassisView
  chassisUuid: string
  providers: ProviderLookup
  options: PlanOptions
  /** The interfaces carrying each iface-id, by name. */
  byIfaceId: ReadonlyMap<string, readonly OvsInterface[]>
  byInterfaceName: ReadonlyMap<string, OvsInterface>
  /** The lports of the bindings wanted here. */
  wantedLports: ReadonlySet<string>
  /**
   * Interfaces some wanted lport keeps, updates or replaces: never unplugged as orphans. Held
   * as the view's objects, not their uuids: the plan runs over every interface (10k per pass),
   * and hashing uuid strings is the costly part of such a set.
   */
  accounted: Set<OvsInterface>
  /** Interface names taken by this plan, to never plan two interfaces with one name. */
  claimedNames: Map<string, string>
}

/**
 * A view's bindings and interfaces by the keys the plan looks them up by. Built once per view:
 * status classifies with the same maps (ten thousand entries each on a large chassis).
 */
export interface ViewIndex {
  bindingsByLport: ReadonlyMap<string, PortBinding>
  interfacesByName: ReadonlyMap<string, OvsInterface>
  /** The interfaces carrying each iface-id, the first by name first. */
  interfacesByIfaceId: ReadonlyMap<string, readonly OvsInterface[]>
}

export function indexView(view: Pick<LocalChassisView, 'bindings' | 'interfaces'>): ViewIndex {
  return {
    bindingsByLport: new Map(view.bindings.map((binding) => [binding.logicalPort, binding])),
    interfacesByName: new Map(view.interfaces.map((iface) => [iface.name, iface])),
    interfacesByIfaceId: interfacesByIfaceId(view.interfaces),
  }
}

/**
 * The interfaces carrying each iface-id, by name where several carry one (the first is the one
 * an lport keeps). Only those need an order: sorting every interface of the bridge would cost
 * a comparison sort of all of them on each pass.
 */
function interfacesByIfaceId(interfaces: readonly OvsInterface[]): Map<string, OvsInterface[]> {
  const byIfaceId = Map.groupBy(
    interfaces.filter((iface) => iface.externalIds[IFACE_ID] !== undefined),
    (iface) => iface.externalIds[IFACE_ID]!,
  )
  for (const carrying of byIfaceId.values()) if (carrying.length > 1) carrying.sort(byName)
  return byIfaceId
}

/** As ovn-controller: without our Chassis row nothing can be judged, so nothing is touched. */
function keepWithoutChassis(interfaces: readonly OvsInterface[]): PlanEntry[] {
  return interfaces.filter(isPlugged).sort(byName).map((iface) => ({
    lport: iface.externalIds[IFACE_ID]!,
    outcome: 'kept',
    reason: 'this chassis has no Chassis row in the Southbound DB yet',
    interfaceName: iface.name,
  }))
}

/**
 * A wanted lport (vif-plug.c's consider_plug_lport): refused when an interface OVN does not
 * maintain carries its iface-id, pending without a provider or the provider's consent, else
 * created or updated by the two rules below, once its interface name is its own. Appends its
 * entries to the plan's `entries`: no array of its own for each of thousands of lports.
 */
function considerPlugLport(binding: PortBinding, state: PlanState, entries: PlanEntry[]): void {
  const lport = binding.logicalPort
  const vifPlugType = binding.options[VIF_PLUG_TYPE]!
  const carrying = state.byIfaceId.get(lport) ?? NONE
  for (const iface of carrying) state.accounted.add(iface)
  const foreign = carrying.find((iface) => iface.externalIds[OVN_PLUGGED] === undefined)
  if (foreign) {
    entries.push({
      lport,
      outcome: 'conflict',
      reason: `a port not maintained by OVN already exists: interface ${foreign.name} has ${IFACE_ID}=${lport} but no ${OVN_PLUGGED}`,
      interfaceName: foreign.name,
    })
    return
  }

  const provider = state.providers.get(vifPlugType)
  if (!provider) {
    entries.push({lport, outcome: 'pending', reason: `no VIF plug provider for ${VIF_PLUG_TYPE} '${vifPlugType}'`})
    return
  }

  const current = carrying[0]
  const request: PrepareCreateRequest = {lportName: lport, lportOptions: binding.options}
  if (current) request.existing = {name: current.name, type: current.type, options: current.options}
  const prepared = provider.prepareCreate(request)
  if (!prepared.ok) {
    entries.push({lport, outcome: 'pending', reason: prepared.reason, ...(current ? {interfaceName: current.name} : {})})
    return
  }

  const claim = claimInterfaceName(lport, prepared.value.name, current, state)
  if ('refused' in claim) {
    entries.push(claim.refused)
    return
  }

  const {target} = claim
  const desired = desiredInterface(provider, prepared.value, binding, vifPlugType, target)
  for (const duplicate of carrying) {
    if (duplicate === target || duplicate === current) continue
    entries.push({lport, outcome: 'remove', reason: `a second interface plugged for lport ${lport}`, interfaceName: duplicate.name, action: {kind: 'remove', lport, current: duplicate}})
  }

  if (target) considerPlugLportUpdate(lport, current, target, desired, state.options, entries)
  else entries.push(considerPlugLportCreate(lport, desired, vifPlugType))
}

/**
 * Rule 4: the interface name the provider resolved for `lport`, claimed for it by this plan.
 * An interface with that name that is ours for this lport is the one to keep; one plugged for
 * an lport no longer wanted here is taken over by updating it, since a second row with the
 * same name cannot be committed. Anything else is a conflict. The target is the interface to
 * keep or update, undefined for a create.
 */
function claimInterfaceName(lport: string, wantedName: string, current: OvsInterface | undefined, state: PlanState): {target: OvsInterface | undefined} | {refused: PlanEntry} {
  const holder = state.claimedNames.get(wantedName)
  if (holder !== undefined) return {refused: {lport, outcome: 'conflict', reason: `netdev ${wantedName} is also wanted by lport ${holder}`, interfaceName: wantedName}}
  const sameName = state.byInterfaceName.get(wantedName)
  let target = current
  if (sameName && sameName !== current) {
    const owner = sameName.externalIds[IFACE_ID]
    if (!isPlugged(sameName)) {
      return {refused: {lport, outcome: 'conflict', reason: `interface ${wantedName} exists on the integration bridge and is not maintained by OVN`, interfaceName: wantedName}}
    }

    if (owner !== lport && state.wantedLports.has(owner!)) {
      return {refused: {lport, outcome: 'conflict', reason: `netdev ${wantedName} is plugged for lport ${owner}`, interfaceName: wantedName}}
    }

    target = sameName
    state.accounted.add(sameName)
  }

  state.claimedNames.set(wantedName, lport)
  return {target}
}

/** vif-plug.c's consider_plug_lport_create__: no interface carries the lport yet. */
function considerPlugLportCreate(lport: string, desired: DesiredInterface, vifPlugType: string): PlanEntry {
  const action: PlanAction = {kind: 'create', lport, desired}
  return {lport, outcome: 'create', reason: `requested for this chassis with ${VIF_PLUG_TYPE} ${vifPlugType}`, interfaceName: desired.name, action}
}

/**
 * vif-plug.c's consider_plug_lport_update__: `target` is the interface to keep. With the
 * wanted name it is kept or updated (and a `current` it supersedes removed). Rule 7: under
 * another name the provider now resolves another netdev (say, the VF changed), which OVN
 * refuses as an incompatible change and this planner replaces unless --no-replace.
 */
function considerPlugLportUpdate(lport: string, current: OvsInterface | undefined, target: OvsInterface, desired: DesiredInterface, options: PlanOptions, entries: PlanEntry[]): void {
  const wantedName = desired.name
  if (target.name !== wantedName) {
    if (!options.replace) {
      entries.push({
        lport,
        outcome: 'conflict',
        reason: `plugged as ${target.name} but the provider now resolves ${wantedName}: recreate the port (ovn-controller's behaviour, kept by --no-replace)`,
        interfaceName: target.name,
      })
      return
    }

    entries.push({lport, outcome: 'replace', reason: `netdev changed from ${target.name} to ${wantedName}`, interfaceName: wantedName, action: {kind: 'replace', lport, current: target, desired}})
    return
  }

  if (current && current !== target) {
    entries.push({lport, outcome: 'remove', reason: `superseded by interface ${wantedName}`, interfaceName: current.name, action: {kind: 'remove', lport, current}})
  }

  const changes = describeChanges(target, desired)
  if (changes.length === 0) entries.push({lport, outcome: 'unchanged', reason: 'plugged as requested', interfaceName: wantedName})
  else entries.push({lport, outcome: 'update', reason: changes.join(', '), interfaceName: wantedName, action: {kind: 'update', lport, current: target, desired, changes}})
}

/**
 * vif-plug.c's consider_unplug_iface: an interface OVN plugged that no wanted lport keeps. It
 * is removed only with complete views and with its provider's consent; a port that still names
 * this chassis keeps it (namedNotWanted).
 */
function considerUnplugIface(iface: OvsInterface, binding: PortBinding | undefined, state: PlanState): PlanEntry {
  const lport = iface.externalIds[IFACE_ID]!
  const named = namedNotWanted(binding, state.view, state.chassisUuid, iface)
  if (named) return {lport, ...named}
  const reason = whyUnwanted(binding, state.chassisUuid)
  if (!state.view.complete) return {lport, outcome: 'kept', reason: `${reason}; not unplugged until the database views are complete`, interfaceName: iface.name}
  const pluggedBy = iface.externalIds[OVN_PLUGGED]!
  const provider = state.providers.get(pluggedBy)
  if (!provider) {
    return {lport, outcome: 'kept', reason: `${reason}; but no VIF plug provider '${pluggedBy}' is loaded to agree to the unplug`, interfaceName: iface.name}
  }

  const agreed = provider.prepareRemove({lportName: lport, existing: {name: iface.name, type: iface.type, options: iface.options}})
  if (!agreed.ok) return {lport, outcome: 'kept', reason: `${reason}; the provider refuses the unplug: ${agreed.reason}`, interfaceName: iface.name}
  return {lport, outcome: 'remove', reason, interfaceName: iface.name, action: {kind: 'remove', lport, current: iface}}
}

/**
 * The pure heart of `reconcile`: from what SB asks of this chassis and what is on br-int,
 * decide per logical port what to create, update, replace or remove, and why; following
 * OVN's controller/vif-plug.c rule by rule, except where documented in docs/reconcile.md.
 * Entries come in a stable order: wanted lports by name, then orphaned interfaces by name,
 * then ports that name this chassis without being wanted here. `index` is indexView(view), for a
 * caller that has built it already.
 */
export function planReconcile(view: LocalChassisView, providers: ProviderLookup, options: PlanOptions, index: ViewIndex = indexView(view)): Plan {
  const {interfaces, chassisUuid} = view
  if (chassisUuid === undefined) return {entries: keepWithoutChassis(interfaces), actions: []}
  const wanted = view.bindings.filter((binding) => isWantedHere(binding, chassisUuid)).sort(byLogicalPort)
  const state: PlanState = {
    view,
    chassisUuid,
    providers,
    options,
    byIfaceId: index.interfacesByIfaceId,
    byInterfaceName: index.interfacesByName,
    wantedLports: new Set(wanted.map((binding) => binding.logicalPort)),
    accounted: new Set(),
    claimedNames: new Map(),
  }

  const entries: PlanEntry[] = []
  for (const binding of wanted) considerPlugLport(binding, state, entries)

  const orphanLports = new Set<string>()
  const orphans = interfaces.filter((iface) => isPlugged(iface) && !state.accounted.has(iface)).sort(byName)
  for (const iface of orphans) {
    const lport = iface.externalIds[IFACE_ID]!
    orphanLports.add(lport)
    entries.push(considerUnplugIface(iface, index.bindingsByLport.get(lport), state))
  }

  // Ports that name this chassis but not as the one to plug them, with no interface here: say why nothing is done.
  const rest = view.bindings.filter((binding) => !state.wantedLports.has(binding.logicalPort) && !orphanLports.has(binding.logicalPort))
  for (const binding of rest.sort(byLogicalPort)) {
    const named = namedNotWanted(binding, view, chassisUuid, undefined)
    if (named) entries.push({lport: binding.logicalPort, ...named})
  }

  // A loop, not flatMap: no array per entry.
  const actions: PlanAction[] = []
  for (const entry of entries) if (entry.action) actions.push(entry.action)
  return {entries, actions}
}
