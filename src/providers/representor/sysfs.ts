import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {normalizeMac} from './mac.js'

export interface NetdevSwitchAttributes {
  /** e.g. p0, pf0vf3, c1pf0vf3; absent for netdevs that are not switch ports. */
  physPortName?: string
  physSwitchId?: string
}

async function readAttribute(file: string): Promise<string | undefined> {
  try {
    const value = (await readFile(file, 'utf8')).trim()
    return value === '' ? undefined : value
  } catch {
    // Reading these fails with EOPNOTSUPP for netdevs that are not switch ports.
    return undefined
  }
}

/** Reads phys_port_name and phys_switch_id of every netdev under <sysfsRoot>/class/net. */
export async function readNetdevSwitchAttributes(sysfsRoot: string): Promise<Map<string, NetdevSwitchAttributes>> {
  const netDir = path.join(sysfsRoot, 'class', 'net')
  let names: string[]
  try {
    names = await readdir(netDir)
  } catch {
    return new Map()
  }

  const entries = await Promise.all(
    names.map(async (name): Promise<[string, NetdevSwitchAttributes]> => {
      const [physPortName, physSwitchId] = await Promise.all([
        readAttribute(path.join(netDir, name, 'phys_port_name')),
        readAttribute(path.join(netDir, name, 'phys_switch_id')),
      ])
      return [name, {physPortName, physSwitchId}]
    }),
  )
  return new Map(entries)
}

/**
 * The host PF's MAC from the interim SmartNIC interface older kernels offer instead of the
 * devlink function hw_addr: the `MAC` line of <uplink>/smart_nic/pf/config, e.g.
 * `MAC        : 0c:42:a1:00:00:01`. Undefined when the file or line is missing or malformed.
 */
export async function readSmartNicHostPfMac(sysfsRoot: string, uplinkNetdev: string): Promise<string | undefined> {
  const config = await readAttribute(path.join(sysfsRoot, 'class', 'net', uplinkNetdev, 'smart_nic', 'pf', 'config'))
  for (const line of config?.split('\n') ?? []) {
    const separator = line.indexOf(':')
    if (separator > 0 && line.slice(0, separator).trim() === 'MAC') return normalizeMac(line.slice(separator + 1).trim())
  }

  return undefined
}
