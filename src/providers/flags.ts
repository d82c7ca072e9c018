import {Flags} from '@oclif/core'

import type {CardSerialSources} from '../dpu/card-serial.js'
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
      description: 'Read sysfs (netdev attributes under class/net, PCI VPD under bus/pci/devices) from this copy of /sys instead of /sys.',
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

/** Hidden: make the card serial reading use recorded data; it shares --sysfs-root with the representor provider. */
export const cardSerialSourceFlags = {
  'devlink-info-json': Flags.file({
    description: 'Read this recorded `devlink -j dev info` output instead of running devlink.',
    exists: true,
    hidden: true,
  }),
  'sysfs-root': representorSourceFlags['sysfs-root'],
}

/** Where the card serial reading takes its facts from, as the hidden flags ask. */
export function cardSerialSources(flags: {'devlink-info-json'?: string; 'sysfs-root'?: string}): CardSerialSources {
  const devlinkInfo = flags['devlink-info-json']
  return {
    ...(devlinkInfo ? {devlinkInfoJson: devlinkJsonFile(devlinkInfo)} : {}),
    ...(flags['sysfs-root'] ? {sysfsRoot: flags['sysfs-root']} : {}),
  }
}

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
