import type {PrepareResult} from '../types.js'
import type {DevlinkPort} from './devlink.js'
import type {NetdevSwitchAttributes} from './sysfs.js'

/** A PF or VF representor the provider can plug. */
export interface Representor {
  devlinkPort: string
  device: string
  flavour: 'pcipf' | 'pcivf'
  netdev?: string
  controller: number
  external: boolean
  pf: number
  vf?: number
  /** The host PF's MAC: what vif-plug:representor:pf-mac names (for a VF, its PF's). */
  pfMac?: string
  switchId?: string
  physPortName?: string
  /** Set while the netdev has a kernel name that udev is expected to replace; see isAwaitingRename. */
  awaitingRename: boolean
}

export interface RepresentorTable {
  /** Sorted by devlink port, so two tables of the same facts compare equal. */
  representors: Representor[]
}

/** What building a table needs from sysfs; injectable so tests use a fake tree. */
export interface SysfsFacts {
  netdevs: ReadonlyMap<string, NetdevSwitchAttributes>
  hostPfMac(uplinkNetdev: string): Promise<string | undefined>
}

// The names the kernel gives representors (see devlink's phys_port_name): pf0, pf0vf3, c1pf0vf3.
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
function kernelPortName(port: Pick<DevlinkPort, 'flavour' | 'external' | 'controller' | 'pfnum' | 'vfnum' | 'port'>): string {
  if (port.flavour === 'physical') return `p${port.port ?? 0}`
  const prefix = port.external ? `c${port.controller}` : ''
  return port.flavour === 'pcivf' ? `${prefix}pf${port.pfnum}vf${port.vfnum}` : `${prefix}pf${port.pfnum}`
}

/** VFs belong to the PF with the same devlink device, controller and PF number. */
function pciFunction(device: string, controller: number, pf: number | undefined): string {
  return `${device} controller ${controller} pf ${pf}`
}

/**
 * The netdev of a devlink port: devlink's own answer, else the one netdev in sysfs whose
 * phys_port_name is the kernel's name for the port on the same switch as its device's
 * other ports (older iproute2 and ports mid-registration omit `netdev`).
 */
function resolveNetdev(port: DevlinkPort, switchId: string | undefined, sysfs: SysfsFacts, debug: (message: string) => void): string | undefined {
  if (port.netdev) return port.netdev
  const wanted = kernelPortName(port)
  const candidates = [...sysfs.netdevs].filter(
    ([, attributes]) => attributes.physPortName === wanted && (switchId === undefined || attributes.physSwitchId === switchId),
  )
  if (candidates.length === 1) return candidates[0]?.[0]
  debug(
    candidates.length === 0
      ? `devlink port ${port.key} has no netdev and no netdev in sysfs has phys_port_name ${wanted}`
      : `devlink port ${port.key} has no netdev and ${candidates.map(([name]) => name).join(', ')} all have phys_port_name ${wanted}`,
  )
  return undefined
}

/**
 * Builds the lookup table from a devlink port dump and sysfs: PF representors by host PF
 * MAC (from devlink, else the SmartNIC sysfs file of the physical port whose number is
 * the PF's), and VF representors by their PF's device, controller and PF number.
 */
export async function buildRepresentorTable(ports: readonly DevlinkPort[], sysfs: SysfsFacts, debug: (message: string) => void): Promise<RepresentorTable> {
  const switchIdOfDevice = new Map<string, string>()
  for (const port of ports) {
    const switchId = port.netdev ? sysfs.netdevs.get(port.netdev)?.physSwitchId : undefined
    if (switchId && !switchIdOfDevice.has(port.device)) switchIdOfDevice.set(port.device, switchId)
  }

  const netdevOf = new Map(ports.map((port) => [port.key, resolveNetdev(port, switchIdOfDevice.get(port.device), sysfs, debug)]))

  const describe = (port: DevlinkPort): Representor => {
    const netdev = netdevOf.get(port.key)
    const attributes = netdev ? sysfs.netdevs.get(netdev) : undefined
    return {
      devlinkPort: port.key,
      device: port.device,
      flavour: port.flavour as Representor['flavour'],
      netdev,
      controller: port.controller,
      external: port.external,
      pf: port.pfnum ?? 0,
      vf: port.vfnum,
      switchId: attributes?.physSwitchId ?? switchIdOfDevice.get(port.device),
      physPortName: attributes?.physPortName,
      awaitingRename: isAwaitingRename(netdev, attributes?.physPortName),
    }
  }

  // smart_nic/pf/config describes the host's PF: it is the fallback for external PF
  // representors only, unless the kernel is too old to mark any port external.
  const fallbackApplies = (port: DevlinkPort) => port.external || !ports.some((candidate) => candidate.external)
  const pfs: Representor[] = []
  for (const port of ports.filter((candidate) => candidate.flavour === 'pcipf')) {
    const pf = describe(port)
    if (port.hwAddr) pf.pfMac = port.hwAddr
    else if (!fallbackApplies(port)) debug(`PF representor ${port.key} (controller ${port.controller}, not external) has no function hw_addr`)
    else {
      const uplinks = ports.filter((candidate) => candidate.flavour === 'physical' && candidate.device === port.device && candidate.port === port.pfnum)
      const uplink = uplinks.length === 1 ? netdevOf.get(uplinks[0]?.key ?? '') : undefined
      pf.pfMac = uplink ? await sysfs.hostPfMac(uplink) : undefined
      if (pf.pfMac) debug(`PF representor ${port.key} has no function hw_addr; ${uplink}/smart_nic/pf/config gives ${pf.pfMac}`)
      else debug(`PF representor ${port.key} has no function hw_addr and ${uplink ? `${uplink}/smart_nic/pf/config gives no MAC` : 'no single physical port to read smart_nic/pf/config from'}`)
    }

    pfs.push(pf)
  }

  const vfs: Representor[] = []
  for (const port of ports.filter((candidate) => candidate.flavour === 'pcivf')) {
    const vf = describe(port)
    const parentFunction = pciFunction(port.device, port.controller, port.pfnum)
    const parents = ports.filter((candidate) => candidate.flavour === 'pcipf' && pciFunction(candidate.device, candidate.controller, candidate.pfnum) === parentFunction)
    const parent = parents.length === 1 ? pfs.find((pf) => pf.devlinkPort === parents[0]?.key) : undefined
    if (parent) vf.pfMac = parent.pfMac
    else debug(`VF representor ${port.key} has ${parents.length === 0 ? 'no' : 'more than one'} PF representor for controller ${port.controller} pf ${port.pfnum}`)
    vfs.push(vf)
  }

  const representors = [...pfs, ...vfs].sort((a, b) => a.devlinkPort.localeCompare(b.devlinkPort, 'en', {numeric: true}))
  return {representors}
}

/** "0-7", "0-3, 5, 9-10": the VF numbers a PF has, for refusals. */
function describeNumbers(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b)
  const ranges: string[] = []
  for (let start = 0; start < sorted.length; ) {
    let end = start
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] ?? 0) + 1) end++
    ranges.push(start === end ? `${sorted[start]}` : `${sorted[start]}-${sorted[end]}`)
    start = end + 1
  }

  return ranges.join(', ')
}

function label(representor: Representor): string {
  return `${representor.netdev ?? '(no netdev)'} (${representor.devlinkPort})`
}

/** A representor with a netdev, which plugging needs. */
export type NamedRepresentor = Representor & {netdev: string}

function hasNetdev(representor: Representor): representor is NamedRepresentor {
  return Boolean(representor.netdev)
}

function usable(representor: Representor, what: string): PrepareResult<NamedRepresentor> {
  if (!hasNetdev(representor)) return {ok: false, reason: `${what} is devlink port ${representor.devlinkPort}, which has no netdev yet`}
  if (representor.awaitingRename) {
    return {
      ok: false,
      reason: `${what} is still named ${representor.netdev}, a kernel name udev is expected to replace (phys_port_name ${representor.physPortName}); waiting for the rename`,
    }
  }

  return {ok: true, value: representor}
}

/**
 * Finds the representor for a host PF MAC (normalised) and, when given, a VF number.
 * Without a VF number the PF representor itself is the answer, as in ovn-vif 26.03.
 */
export function lookupRepresentor(table: RepresentorTable, pfMac: string, vf: number | undefined): PrepareResult<NamedRepresentor> {
  const allPfs = table.representors.filter((representor) => representor.flavour === 'pcipf')
  const pfs = allPfs.filter((representor) => representor.pfMac === pfMac)
  if (pfs.length === 0) {
    const known = allPfs.filter((pf) => pf.pfMac).map((pf) => `${pf.pfMac} (${pf.netdev ?? pf.devlinkPort})`)
    const seen = known.length > 0 ? `PF MACs seen: ${known.join(', ')}` : allPfs.length > 0 ? 'no PF representor has a known MAC' : 'devlink shows no PF representors'
    return {ok: false, reason: `no PF representor for pf-mac ${pfMac} (${seen})`}
  }

  if (pfs.length > 1) {
    return {ok: false, reason: `pf-mac ${pfMac} matches ${pfs.length} PF representors: ${pfs.map(label).join(', ')}; refusing to guess`}
  }

  const pf = pfs[0] as Representor
  if (vf === undefined) return usable(pf, `the PF representor for pf-mac ${pfMac}`)

  const pfFunction = pciFunction(pf.device, pf.controller, pf.pf)
  const siblings = table.representors.filter(
    (representor) => representor.flavour === 'pcivf' && pciFunction(representor.device, representor.controller, representor.pf) === pfFunction,
  )
  const matches = siblings.filter((representor) => representor.vf === vf)
  if (matches.length === 0) {
    const has = siblings.length > 0 ? `that PF has VFs ${describeNumbers(siblings.map((sibling) => sibling.vf ?? 0))}` : 'that PF has no VF representors'
    return {ok: false, reason: `no VF representor for pf-mac ${pfMac} vf ${vf} (${has})`}
  }

  if (matches.length > 1) {
    return {ok: false, reason: `pf-mac ${pfMac} vf ${vf} matches ${matches.length} VF representors: ${matches.map(label).join(', ')}; refusing to guess`}
  }

  return usable(matches[0] as Representor, `the VF representor for pf-mac ${pfMac} vf ${vf}`)
}
