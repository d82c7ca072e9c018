import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/providers')

/** A recorded machine: its `devlink -j port show` output and its fake sysfs tree. */
export function scenario(name: 'dpu-2pf-8vf' | 'local-switchdev' | 'no-hw-addr' | 'vf-renaming') {
  const dir = path.join(FIXTURES, 'representor', name)
  const devlinkFile = path.join(dir, 'devlink.json')
  return {
    devlinkFile,
    sysfsRoot: path.join(dir, 'sysfs'),
    devlinkJson: readFileSync(devlinkFile, 'utf8'),
    /** The parsed dump, to derive variants (a port without netdev, a duplicate MAC) from. */
    dump: () => JSON.parse(readFileSync(devlinkFile, 'utf8')) as {port: Record<string, Record<string, unknown>>},
  }
}

export function lportOptions(pfMac: string, vfNum?: string): Record<string, string> {
  return {
    'vif-plug-type': 'representor',
    'vif-plug:representor:pf-mac': pfMac,
    ...(vfNum === undefined ? {} : {'vif-plug:representor:vf-num': vfNum}),
  }
}
