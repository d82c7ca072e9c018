import {access, constants} from 'node:fs/promises'
import path from 'node:path'

import {MissingDependencyError} from '../lib/errors.js'

export const OVN_PACKAGES = 'openvswitch-switch ovn-central ovn-host'

/** The programs a sandbox runs, and what it needs to set them up. */
export const SANDBOX_BINARIES = [
  'ovsdb-tool',
  'ovsdb-server',
  'ovs-vsctl',
  'ovs-vswitchd',
  'ovn-nbctl',
  'ovn-sbctl',
  'ovn-northd',
  'ovn-controller',
] as const

export type SandboxBinary = (typeof SANDBOX_BINARIES)[number]

// ovsdb-server and ovs-vswitchd live in /usr/sbin, which an ordinary user's PATH often lacks.
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin']

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export async function findBinary(name: string, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...searchPath.split(path.delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const candidate = path.join(dir, name)
    if (await isExecutable(candidate)) return candidate
  }

  return undefined
}

/** Resolves every sandbox binary to a path, or fails naming the Debian packages to install. */
export async function resolveSandboxBinaries(searchPath?: string): Promise<Record<SandboxBinary, string>> {
  const found: Partial<Record<SandboxBinary, string>> = {}
  const missing: string[] = []
  for (const name of SANDBOX_BINARIES) {
    const file = await findBinary(name, searchPath)
    if (file) found[name] = file
    else missing.push(name)
  }

  if (missing.length > 0) {
    throw new MissingDependencyError(
      `missing ${missing.join(', ')}: install them with 'apt-get install ${OVN_PACKAGES}'`,
    )
  }

  return found as Record<SandboxBinary, string>
}
