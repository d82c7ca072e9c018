import {Flags, type Interfaces} from '@oclif/core'

import type {ProviderSpecs, RawOption} from './request.js'

const HELP_GROUP = 'PROVIDER OPTION'

type ProviderOptionFlag = Interfaces.OptionFlag<string | undefined>

/**
 * One string flag per provider option flag name (--pf-mac, --vf-num...), generated from the
 * providers' option specs so a new provider's options appear without changing plug. A name
 * several providers share is one flag; names in `reserved` (plug's own flags) are left to --option.
 */
export function providerOptionFlags(providers: ProviderSpecs, reserved: readonly string[]): Record<string, ProviderOptionFlag> {
  const descriptions = new Map<string, string[]>()
  for (const [type, specs] of providers) {
    for (const spec of specs) {
      if (reserved.includes(spec.flag)) continue
      descriptions.set(spec.flag, [...(descriptions.get(spec.flag) ?? []), `--type ${type}${spec.required ? ' (required)' : ''}: ${spec.description}`])
    }
  }

  return Object.fromEntries([...descriptions].map(([flag, lines]) => [flag, Flags.string({description: lines.join(' '), helpGroup: HELP_GROUP, helpValue: 'VALUE'})]))
}

/** The provider options the generated flags carry, by flag name, in flag order. */
export function providerOptionsFromFlags(flagNames: readonly string[], values: Readonly<Record<string, unknown>>): RawOption[] {
  return flagNames.flatMap((name) => (typeof values[name] === 'string' ? [{name, value: values[name]}] : []))
}
