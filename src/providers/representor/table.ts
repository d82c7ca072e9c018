import type {PrepareResult} from '../types.js'
import type {DevlinkPort} from './devlink.js'
import {compareDevlinkPortNames} from './port-order.js'
import type {NetdevSwitchAttributes} from './sysfs.js'

export type RepresentorFlavour = 'pcipf' | 'pcivf' | 'pcisf'

/** A PF, VF or SF representor the provider can plug. */
export interface Representor {
  devlinkPort: string
  device: string
  flavour: RepresentorFlavour
  netdev?: string
  controller: number
  external: boolean
  pf: number
  vf?: number
  sf?: number
  /** The host PF's MAC: what vif-plug:representor:pf-mac names (for a VF or SF, its PF's). */
  pfMac?: string
  /** devlink's function state (active, inactive) and opstate (attached, detached), when reported. */
  state?: string
  opstate?: string
  switchId?: string
  physPortName?: string
  /** Set while the netdev has a kernel name that udev is expected to replace; see isAwaitingRename. */
  awaitingRename: boolean
}

/** The VFs and SFs of one PF function, by number (a list: a driver may report a number twice). */
interface FunctionsOfPf {
  vfs: Map<number, Representor[]>
  sfs: Map<number, Representor[]>
}

export interface RepresentorTable {
  /** Sorted by devlink port, so two tables of the same facts compare equal. */
  representors: Representor[]
  /** The indexes lookups use, so that a lookup costs the same however many representors there are. */
  index: {
    pfs: Representor[]
    pfsByMac: Map<string, Representor[]>
    functionsOfPf: Map<string, FunctionsOfPf>
  }
}

/** What building a table needs from sysfs; injectable so tests use a fake tree. */
export interface SysfsFacts {
  netdevs: ReadonlyMap<string, NetdevSwitchAttributes>
  hostPfMac(uplinkNetdev: string): Promise<string | undefined>
}

type Debug = (message: string) => void

// The names the kernel gives representors (see devlink's phys_port_name): pf0, pf0vf3, c1pf0vf3, pf0sf88, c1pf0sf88.
const REPRESENTOR_PORT_NAME = /^(?:c\d+)?pf\d+(?:vf\d+|sf\d+)?$/
// The kernel's default name for a new Ethernet netdev (the eth%d template).
const KERNEL_DEFAULT_NAME = /^eth\d+$/

/**
 * A representor netdev is awaiting a udev rename while it still has the kernel's eth%d
 * name although sysfs gives it a representor phys_port_name: udev's naming rules (which
 * use phys_port_name) have not run yet. ovn-vif infers the same from "first name seen at
 * run time"; the facts here also work for a one-shot CLI that has no history.
 */
function isAwaitingRename(netdev: string | undefined, physPortName: string | undefined): boolean {
  return netdev !== undefined && physPortName !== undefined && KERNEL_DEFAULT_NAME.test(netdev) && REPRESENTOR_PORT_NAME.test(physPortName)
}

/** The phys_port_name the kernel gives a representor: external (host) functions get a c<controller> prefix. */
function kernelPortName(port: DevlinkPort): string {
  if (port.flavour === 'physical') return `p${port.port ?? 0}`
  const pf = `${port.external ? `c${port.controller}` : ''}pf${port.pfnum}`
  return port.flavour === 'pcivf' ? `${pf}vf${port.vfnum}` : port.flavour === 'pcisf' ? `${pf}sf${port.sfnum}` : pf
}

/** VFs and SFs belong to the PF with the same devlink device, controller and PF number. */
function pciFunction(device: string, controller: number, pf: number | undefined): string {
  return `${device} controller ${controller} pf ${pf}`
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** The facts about ports and netdevs that describing a port needs, each gathered in one pass. */
class PortFacts {
  readonly switchIdOfDevice = new Map<string, string>()
  private readonly netdevsByPortName = new Map<string, string[]>()
  readonly netdevOf = new Map<string, string | undefined>()

  constructor(
    ports: readonly DevlinkPort[],
    readonly sysfs: SysfsFacts,
    private readonly debug: Debug,
  ) {
    for (const port of ports) {
      const switchId = port.netdev ? sysfs.netdevs.get(port.netdev)?.physSwitchId : undefined
      if (switchId && !this.switchIdOfDevice.has(port.device)) this.switchIdOfDevice.set(port.device, switchId)
    }

    for (const [name, attributes] of sysfs.netdevs) if (attributes.physPortName) pushTo(this.netdevsByPortName, attributes.physPortName, name)
    for (const port of ports) this.netdevOf.set(port.key, this.resolveNetdev(port))
  }

  /**
   * The netdev of a devlink port: devlink's own answer, else the one netdev in sysfs whose
   * phys_port_name is the kernel's name for the port on the same switch as its device's
   * other ports (older iproute2 and ports mid-registration omit `netdev`).
   */
  private resolveNetdev(port: DevlinkPort): string | undefined {
    if (port.netdev) return port.netdev
    const wanted = kernelPortName(port)
    const switchId = this.switchIdOfDevice.get(port.device)
    const candidates = (this.netdevsByPortName.get(wanted) ?? []).filter(
      (name) => switchId === undefined || this.sysfs.netdevs.get(name)?.physSwitchId === switchId,
    )
    if (candidates.length === 1) return candidates[0]
    this.debug(
      candidates.length === 0
        ? `devlink port ${port.key} has no netdev and no netdev in sysfs has phys_port_name ${wanted}`
        : `devlink port ${port.key} has no netdev and ${candidates.join(', ')} all have phys_port_name ${wanted}`,
    )
    return undefined
  }

  describe(port: DevlinkPort): Representor {
    const netdev = this.netdevOf.get(port.key)
    const attributes = netdev ? this.sysfs.netdevs.get(netdev) : undefined
    return {
      devlinkPort: port.key,
      device: port.device,
      flavour: port.flavour as RepresentorFlavour,
      netdev,
      controller: port.controller,
      external: port.external,
      pf: port.pfnum ?? 0,
      vf: port.vfnum,
      sf: port.sfnum,
      state: port.functionState,
      opstate: port.functionOpstate,
      switchId: attributes?.physSwitchId ?? this.switchIdOfDevice.get(port.device),
      physPortName: attributes?.physPortName,
      awaitingRename: isAwaitingRename(netdev, attributes?.physPortName),
    }
  }
}

/**
 * The PF representors, each with its host PF MAC: from devlink, else the SmartNIC sysfs file of
 * the physical port whose number is the PF's.
 */
async function describePfs(ports: readonly DevlinkPort[], facts: PortFacts, debug: Debug): Promise<Representor[]> {
  // smart_nic/pf/config describes the host's PF: it is the fallback for external PF
  // representors only, unless the kernel is too old to mark any port external.
  const anyExternal = ports.some((port) => port.external)
  const uplinks = new Map<string, DevlinkPort[]>()
  for (const port of ports) if (port.flavour === 'physical') pushTo(uplinks, `${port.device} port ${port.port}`, port)

  const pfs: Representor[] = []
  for (const port of ports.filter((candidate) => candidate.flavour === 'pcipf')) {
    const pf = facts.describe(port)
    if (port.hwAddr) pf.pfMac = port.hwAddr
    else if (anyExternal && !port.external) debug(`PF representor ${port.key} (controller ${port.controller}, not external) has no function hw_addr`)
    else {
      const candidates = uplinks.get(`${port.device} port ${port.pfnum}`) ?? []
      const uplink = candidates.length === 1 ? facts.netdevOf.get(candidates[0]!.key) : undefined
      pf.pfMac = uplink ? await facts.sysfs.hostPfMac(uplink) : undefined
      if (pf.pfMac) debug(`PF representor ${port.key} has no function hw_addr; ${uplink}/smart_nic/pf/config gives ${pf.pfMac}`)
      else debug(`PF representor ${port.key} has no function hw_addr and ${uplink ? `${uplink}/smart_nic/pf/config gives no MAC` : 'no single physical port to read smart_nic/pf/config from'}`)
    }

    pfs.push(pf)
  }

  return pfs
}

/** VF and SF representors, each with its PF's MAC, indexed under their PF function by number. */
function describeFunctions(ports: readonly DevlinkPort[], pfs: readonly Representor[], facts: PortFacts, debug: Debug) {
  const pfsOfFunction = new Map<string, Representor[]>()
  for (const pf of pfs) pushTo(pfsOfFunction, pciFunction(pf.device, pf.controller, pf.pf), pf)
  const functionsOfPf = new Map<string, FunctionsOfPf>()
  const functions: Representor[] = []
  for (const port of ports) {
    if (port.flavour !== 'pcivf' && port.flavour !== 'pcisf') continue
    const representor = facts.describe(port)
    const parentFunction = pciFunction(port.device, port.controller, port.pfnum)
    const parents = pfsOfFunction.get(parentFunction) ?? []
    const what = port.flavour === 'pcivf' ? 'VF' : 'SF'
    if (parents.length === 1) representor.pfMac = parents[0]!.pfMac
    else debug(`${what} representor ${port.key} has ${parents.length === 0 ? 'no' : 'more than one'} PF representor for controller ${port.controller} pf ${port.pfnum}`)

    let siblings = functionsOfPf.get(parentFunction)
    if (!siblings) functionsOfPf.set(parentFunction, (siblings = {vfs: new Map(), sfs: new Map()}))
    if (port.flavour === 'pcivf') pushTo(siblings.vfs, representor.vf ?? 0, representor)
    else pushTo(siblings.sfs, representor.sf ?? 0, representor)
    functions.push(representor)
  }

  return {functions, functionsOfPf}
}

/**
 * Builds the lookup table from a devlink port dump and sysfs: PF representors by host PF MAC,
 * and VF and SF representors by their PF's device, controller and PF number. Each step is one
 * pass over the ports (or a sort): the cost grows with the number of representors, not with
 * its square.
 */
export async function buildRepresentorTable(ports: readonly DevlinkPort[], sysfs: SysfsFacts, debug: Debug): Promise<RepresentorTable> {
  const facts = new PortFacts(ports, sysfs, debug)
  const pfs = await describePfs(ports, facts, debug)
  const {functions, functionsOfPf} = describeFunctions(ports, pfs, facts, debug)
  const pfsByMac = new Map<string, Representor[]>()
  for (const pf of pfs) if (pf.pfMac) pushTo(pfsByMac, pf.pfMac, pf)

  return {representors: byDevlinkPort([...pfs, ...functions]), index: {pfs, pfsByMac, functionsOfPf}}
}

/**
 * Representors in the order of their devlink port names (port-order.ts). The names of one
 * device's ports differ only in the index after it, so two of them compare by that number: the
 * same order, at a fraction of the cost of comparing the names, for thousands of SFs.
 */
function byDevlinkPort(representors: readonly Representor[]): Representor[] {
  const keyed = representors.map((representor) => ({representor, index: Number(representor.devlinkPort.slice(representor.device.length + 1))}))
  keyed.sort((a, b) =>
    a.representor.device === b.representor.device && a.index !== b.index ? a.index - b.index : compareDevlinkPortNames(a.representor.devlinkPort, b.representor.devlinkPort),
  )
  return keyed.map(({representor}) => representor)
}

// Refusals of many ports under one PF with thousands of SFs describe its numbers once.
const describedNumbers = new WeakMap<ReadonlyMap<number, unknown>, string>()

/** "0-7", "0-3, 5, 9-10": the VF or SF numbers a PF has, for refusals. */
function describeNumbers(numbered: ReadonlyMap<number, unknown>): string {
  const known = describedNumbers.get(numbered)
  if (known !== undefined) return known
  const sorted = [...numbered.keys()].sort((a, b) => a - b)
  const ranges: string[] = []
  for (let start = 0; start < sorted.length; ) {
    let end = start
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] ?? 0) + 1) end++
    ranges.push(start === end ? `${sorted[start]}` : `${sorted[start]}-${sorted[end]}`)
    start = end + 1
  }

  const described = ranges.join(', ')
  describedNumbers.set(numbered, described)
  return described
}

function label(representor: Representor): string {
  return `${representor.netdev ?? '(no netdev)'} (${representor.devlinkPort})`
}

/** A representor with a netdev, which plugging needs. */
export type NamedRepresentor = Representor & {netdev: string}

function hasNetdev(representor: Representor): representor is NamedRepresentor {
  return Boolean(representor.netdev)
}

function usable(representor: Representor, what: () => string): PrepareResult<NamedRepresentor> {
  if (!hasNetdev(representor)) return {ok: false, reason: `${what()} is devlink port ${representor.devlinkPort}, which has no netdev yet`}
  if (representor.awaitingRename) {
    return {
      ok: false,
      reason: `${what()} is still named ${representor.netdev}, a kernel name udev is expected to replace (phys_port_name ${representor.physPortName}); waiting for the rename`,
    }
  }

  return {ok: true, value: representor}
}

/**
 * An SF carries traffic only once the operator activated it (state active) and a driver bound it
 * (opstate attached), and only a host's (external) SF is one a host port asks for.
 */
function usableSf(sf: Representor, what: () => string): PrepareResult<NamedRepresentor> {
  const port = sf.devlinkPort
  if (!sf.external) {
    return {ok: false, reason: `${what()} is devlink port ${port}, a local SF of the DPU itself (controller ${sf.controller}, not external): it is never plugged for a host port`}
  }

  if (sf.state !== 'active') {
    return {
      ok: false,
      reason: `${what()} (devlink port ${port}) is not active (function state ${sf.state ?? 'not reported'}, opstate ${sf.opstate ?? 'not reported'}); activate it on the DPU with: devlink port function set ${port} state active`,
    }
  }

  if (sf.opstate !== 'attached') {
    return {
      ok: false,
      reason: `${what()} (devlink port ${port}) is active but not attached (opstate ${sf.opstate ?? 'not reported'}): no driver on the host has bound it yet; devlink port show ${port} says when it is`,
    }
  }

  return usable(sf, what)
}

/** A VF or SF of a PF, by its number: what vf-num or sf-num names. */
export interface PfFunction {
  flavour: 'vf' | 'sf'
  number: number
}

/** The one PF representor whose host PF MAC is `pfMac`, or why there is none. */
function lookupPf(table: RepresentorTable, pfMac: string): PrepareResult<Representor> {
  const pfs = table.index.pfsByMac.get(pfMac) ?? []
  if (pfs.length === 0) {
    const allPfs = table.index.pfs
    const known = allPfs.filter((pf) => pf.pfMac).map((pf) => `${pf.pfMac} (${pf.netdev ?? pf.devlinkPort})`)
    const seen = known.length > 0 ? `PF MACs seen: ${known.join(', ')}` : allPfs.length > 0 ? 'no PF representor has a known MAC' : 'devlink shows no PF representors'
    return {ok: false, reason: `no PF representor for pf-mac ${pfMac} (${seen})`}
  }

  if (pfs.length > 1) {
    return {ok: false, reason: `pf-mac ${pfMac} matches ${pfs.length} PF representors: ${pfs.map(label).join(', ')}; refusing to guess`}
  }

  return {ok: true, value: pfs[0]!}
}

/**
 * Finds the representor for a host PF MAC (normalised) and, when given, a VF or SF of that PF:
 * index lookups only. Without a VF or SF the PF representor itself is the answer, as in ovn-vif.
 */
export function lookupRepresentor(table: RepresentorTable, pfMac: string, child: PfFunction | undefined): PrepareResult<NamedRepresentor> {
  const found = lookupPf(table, pfMac)
  if (!found.ok || child === undefined) return found.ok ? usable(found.value, () => `the PF representor for pf-mac ${pfMac}`) : found

  const pf = found.value
  const siblings = table.index.functionsOfPf.get(pciFunction(pf.device, pf.controller, pf.pf))
  const numbered = child.flavour === 'vf' ? siblings?.vfs : siblings?.sfs
  const matches = numbered?.get(child.number) ?? []
  // Words for a refusal only: built when one is given, not for each of thousands of lports plugged.
  const what = () => `${child.flavour.toUpperCase()} representor for pf-mac ${pfMac} ${child.flavour} ${child.number}`
  if (matches.length === 0) {
    const plural = `${child.flavour.toUpperCase()}s`
    const has = numbered?.size ? `that PF has ${plural} ${describeNumbers(numbered)}` : `that PF has no ${plural.slice(0, 2)} representors`
    return {ok: false, reason: `no ${what()} (${has})`}
  }

  if (matches.length > 1) {
    return {ok: false, reason: `pf-mac ${pfMac} ${child.flavour} ${child.number} matches ${matches.length} ${child.flavour.toUpperCase()} representors: ${matches.map(label).join(', ')}; refusing to guess`}
  }

  const representor = matches[0]!
  const theOne = () => `the ${what()}`
  return child.flavour === 'sf' ? usableSf(representor, theOne) : usable(representor, theOne)
}
