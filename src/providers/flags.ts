import {Flags} from '@oclif/core'

import {devlinkJsonFile} from './representor/index.js'
import {DEFAULT_PROVIDER_TIMEOUT_MS, type ProviderRegistryOptions} from './registry.js'

const HELP_GROUP = 'PROVIDER'

/** --provider-module and --provider, for every command that builds a provider registry. */
export const providerFlags = {
  'provider-module': Flags.string({
    description: 'Load a third-party VIF plug provider from this package name or file path (repeatable); see docs/providers.md.',
    multiple: true,
    multipleNonGreedy: true,
    helpGroup: HELP_GROUP,
  }),
  provider: Flags.string({
    description: 'Use only providers of this vif-plug-type (repeatable, or comma-separated).',
    multiple: true,
    multipleNonGreedy: true,
    delimiter: ',',
    helpValue: 'TYPE',
    helpGroup: HELP_GROUP,
  }),
  'provider-timeout': Flags.integer({
    description: 'Seconds each provider call (loading a module, init, inventory, refresh) may take; a provider that does not answer in time is reported as failed and the rest go on.',
    default: DEFAULT_PROVIDER_TIMEOUT_MS / 1000,
    min: 1,
    helpValue: 'SECONDS',
    helpGroup: HELP_GROUP,
  }),
}

/** Make the representor provider read recorded data instead of this machine's. */
function representorSource(hidden: boolean) {
  return {
    'devlink-json': Flags.file({
      description: 'Read this recorded `devlink -j port show` output instead of running devlink (for data recorded on another machine).',
      exists: true,
      hidden,
      helpGroup: HELP_GROUP,
    }),
    'sysfs-root': Flags.directory({
      description: 'Read netdev attributes from this copy of /sys (its class/net) instead of /sys, with --devlink-json.',
      exists: true,
      hidden,
      helpGroup: HELP_GROUP,
    }),
  }
}

/** Hidden where they would change what is plugged or reported about this machine: for tests. */
export const representorSourceFlags = representorSource(true)
/** Shown by the providers commands, which can inspect what a DPU reported, recorded elsewhere. */
export const recordedRepresentorFlags = representorSource(false)

export interface ProviderFlagValues {
  'provider-module'?: string[]
  provider?: string[]
  'provider-timeout'?: number
  'devlink-json'?: string
  'sysfs-root'?: string
}

/** The registry options the shared flags ask for; pass the result to loadProviders(). */
export function providerRegistryOptions(flags: ProviderFlagValues, debug?: (message: string) => void): ProviderRegistryOptions {
  const devlinkJson = flags['devlink-json']
  return {
    modules: flags['provider-module'],
    only: flags.provider,
    ...(flags['provider-timeout'] === undefined ? {} : {timeoutMs: flags['provider-timeout'] * 1000}),
    representor: {devlinkJson: devlinkJson ? devlinkJsonFile(devlinkJson) : undefined, sysfsRoot: flags['sysfs-root']},
    debug,
  }
}
