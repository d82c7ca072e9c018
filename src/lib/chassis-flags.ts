import {Flags} from '@oclif/core'

/**
 * --chassis and its override, shared by the commands that act for one chassis (reconcile and
 * status): the chassis is this host's, and a typo must never make them act for another.
 * `doing` says what the override does in that command; `exclusive` lists flags --chassis excludes.
 */
export function chassisFlags(doing: string, exclusive: string[] = []) {
  return {
    chassis: Flags.string({
      description: 'This chassis, by name or by the hostname of its Chassis row (default: the local external_ids:system-id). Any other chassis is refused with exit 3, unless --allow-foreign-chassis.',
      exclusive,
    }),
    'allow-foreign-chassis': Flags.boolean({
      description: `For tests and migrations only: let --chassis name a chassis other than this host's. ${doing}`,
      dependsOn: ['chassis'],
    }),
  }
}
