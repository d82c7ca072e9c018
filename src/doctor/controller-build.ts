import {readFile} from 'node:fs/promises'

import {messageOf} from '../lib/errors.js'
import {run} from '../sandbox/daemon.js'
import type {CheckOutcome} from './report.js'

type Outcome = Omit<CheckOutcome, 'id' | 'title'>

/** An OVN release as `ovn-controller --version` names it: 23.03.1 (a distro suffix such as -0ubuntu1 is ignored). */
export interface OvnVersion {
  major: number
  minor: number
  patch: number
}

/** The Chassis other_config key that may carry the version, read when the binary cannot be. */
export const OVN_VERSION = 'ovn-version'

const VERSION = /(\d+)\.(\d+)\.(\d+)/

/** The release in `ovn-controller --version`'s first line, or in a Chassis other_config:ovn-version value. */
export function parseOvnVersion(text: string): OvnVersion | undefined {
  const match = VERSION.exec(text.split('\n')[0] ?? '')
  return match ? {major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3])} : undefined
}

function before(version: OvnVersion, major: number, minor: number): boolean {
  return version.major < major || (version.major === major && version.minor < minor)
}

/**
 * What ovn-controller's own vif-plug does in this release that an operator of this tool meets,
 * from ovn-org/ovn's history (controller/vif-plug.c, lib/ovn-util.c):
 * - VIF plug providers exist from 21.12 on;
 * - before 25.03 (commit fcc2bf154, not backported to 24.03 or 24.09) it may insert an interface
 *   a second time, and the transaction fails with a constraint violation on Interface.name;
 * - before 25.09 its unplugging waits after start for 20 main-loop iterations and at least 10 s
 *   (daemon_started_recently), whether or not its data is loaded by then; from 25.09 on, until
 *   its Southbound data is loaded;
 * - in every release it refuses to move a port whose netdev changed (a VF change), logging
 *   "please recreate port" (ovn-org/ovn#312).
 */
export function vifPlugBehaviours(version: OvnVersion): string[] {
  if (before(version, 21, 12)) return ['it has no VIF plug providers (they came in 21.12)']
  return [
    ...(before(version, 25, 3)
      ? ['a plug may fail with "Transaction causes multiple rows in "Interface" table to have identical values" when the name is taken (fixed in 25.03, commit fcc2bf154; not in 24.03 or 24.09)']
      : []),
    ...(before(version, 25, 9) ? ['it does not unplug for about 10 s after it starts (20 main-loop iterations and 10 s; from 25.09, until its Southbound data is loaded)'] : []),
    'it refuses a VIF whose netdev changed, such as a new VF ("please recreate port", ovn-org/ovn#312); reconcile replaces it, unless --no-replace',
  ]
}

const PROVIDER_OPTION = /vif-plug:([a-z0-9][a-z0-9_-]*):[a-z0-9][a-z0-9_-]*/g

/**
 * The VIF plug provider types whose option keys (`vif-plug:TYPE:KEY`) a binary names: the
 * providers built into it. Debian's and Ubuntu's ovn-controller carry `representor` this way.
 */
export function builtInProviderTypes(binary: Buffer): string[] {
  return [...new Set([...binary.toString('latin1').matchAll(PROVIDER_OPTION)].map((match) => match[1]!))].sort()
}

export interface ControllerBinary {
  /** Its path; undefined when none was found. */
  path: string | undefined
  /** Why nothing could be read of it, when that is so. */
  problem?: string
  /** `--version`'s first line. */
  versionLine?: string
  builtInTypes?: string[]
}

/** What the ovn-controller binary says of itself: its version and the providers built into it. */
export async function readControllerBinary(file: string | undefined): Promise<ControllerBinary> {
  if (file === undefined) return {path: undefined, problem: 'no ovn-controller on PATH (nor in /usr/sbin, /sbin)'}
  try {
    const [versionOutput, contents] = await Promise.all([run(file, ['--version'], {timeoutMs: 5000}), readFile(file)])
    return {path: file, versionLine: versionOutput.split('\n')[0]!.trim(), builtInTypes: builtInProviderTypes(contents)}
  } catch (error) {
    return {path: file, problem: messageOf(error)}
  }
}

/**
 * The ovn-controller-version check: the binary's --version, else the Chassis row's
 * other_config:ovn-version, and the vif-plug behaviours of that release. Never a failure.
 */
export function judgeControllerVersion(binary: ControllerBinary, chassisVersion: string | undefined): Outcome {
  const [text, source] = binary.versionLine ? [binary.versionLine, `${binary.path} --version`] : [chassisVersion, 'the Chassis row\'s other_config:ovn-version']
  const version = text === undefined ? undefined : parseOvnVersion(text)
  if (!version) {
    const why = binary.problem ?? `${binary.path} --version says ${JSON.stringify(text)}`
    return {result: 'info', detail: `the ovn-controller version is unknown: ${why}`}
  }

  const release = `${version.major}.${String(version.minor).padStart(2, '0')}.${version.patch}`
  return {result: 'info', detail: `${release} (from ${source}): ${vifPlugBehaviours(version).join('; ')}`}
}

/**
 * The coexistence check: an ovn-controller with providers built in plugs those types itself,
 * next to reconcile. That is not a fault (docs/reconcile.md, "Next to ovn-controller's own
 * providers"), so never a failure: INFO when it overlaps the providers loaded here.
 */
export function judgeCoexistence(binary: ControllerBinary, loadedTypes: readonly string[]): Outcome {
  if (binary.builtInTypes === undefined) return {result: 'info', detail: `cannot tell which providers ovn-controller has built in: ${binary.problem}`}
  const shared = binary.builtInTypes.filter((type) => loadedTypes.includes(type))
  if (shared.length === 0) {
    const builtIn = binary.builtInTypes.length === 0 ? 'no VIF plug provider' : `only ${binary.builtInTypes.join(', ')}`
    return {result: 'pass', detail: `${binary.path} has ${builtIn} built in: it plugs none of the types loaded here`}
  }

  const types = shared.join(', ')
  return {
    result: 'info',
    detail: `${binary.path} has the ${types} provider built in (it names vif-plug:${shared[0]}:... option keys): where it runs, it and reconcile both plug ports of type ${types}; they converge on one interface per port, built alike (docs/reconcile.md, "Next to ovn-controller's own providers")`,
  }
}
