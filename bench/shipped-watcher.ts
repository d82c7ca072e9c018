/**
 * The environment the packaged systemd unit (contrib/ovn-vif-ctl-reconcile.service) gives
 * `reconcile --watch`, from its Environment= lines: the benches run their watcher with it, so
 * that they measure the watcher as shipped.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const UNIT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'contrib', 'ovn-vif-ctl-reconcile.service')

/** The assignments of a unit's Environment= lines: words apart by spaces, a double-quoted word kept whole. */
export function unitEnvironment(unit: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of unit.split('\n')) {
    if (!line.startsWith('Environment=')) continue
    for (const [, quoted, bare] of line.slice('Environment='.length).matchAll(/"([^"]*)"|(\S+)/g)) {
      const assignment = quoted ?? bare!
      const equals = assignment.indexOf('=')
      if (equals > 0) env[assignment.slice(0, equals)] = assignment.slice(equals + 1)
    }
  }

  return env
}

export const SHIPPED_WATCHER_ENV = unitEnvironment(readFileSync(UNIT, 'utf8'))
