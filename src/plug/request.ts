import {ValidationError} from '../lib/errors.js'
import type {OptionSpec} from '../providers/types.js'
import {checkCardSerial} from './card-serial.js'
import {didYouMean} from './suggest.js'
import {managedOptions, providerKeyPrefix, REQUESTED_CHASSIS, VIF_PLUG_KEY_PREFIX, VIF_PLUG_MTU_REQUEST, VIF_PLUG_TYPE} from '../ovn/keys.js'

export const MIN_MTU = 68
export const MAX_MTU = 65_535
export const MAX_OPTION_VALUE_LENGTH = 4096

/** The option specs of every provider this run knows, by vif-plug-type. */
export type ProviderSpecs = ReadonlyMap<string, readonly OptionSpec[]>

/** A provider option as the operator gave it: a provider flag name (pf-mac), a bare option name or a full key. */
export interface RawOption {
  name: string
  value: string
}

/** One plug request as given on the command line or in a file line, before validation. */
export interface RawPlugEntry {
  lsp: string
  chassis?: string
  /** The chassis by the card serial number in its ovn-cms-options, as Neutron names a DPU; instead of chassis. */
  cardSerial?: string
  type?: string
  mtu?: string
  /** --clear-mtu: remove vif-plug-mtu-request when no mtu is given (left out, it is kept). */
  clearMtu?: boolean
  options: readonly RawOption[]
  /** Options from the command line for a file entry, used where the entry has no option of the same key. */
  defaultOptions?: readonly RawOption[]
  /** Where a file entry came from, e.g. `ports.csv line 3`; messages start with it. */
  where?: string
}

/** A validated plug request: what the owned options of one Logical_Switch_Port should become. */
export interface PlugRequest {
  lsp: string
  chassis: string
  type: string
  /** A number sets vif-plug-mtu-request, 'remove' removes it; left out, the port's MTU is kept. */
  mtu?: number | 'remove'
  /** vif-plug:<type>:* keys and their values. */
  providerOptions: Readonly<Record<string, string>>
  where?: string
}

/**
 * A validated request whose chassis may still be given by card serial number, resolved to the
 * chassis's hostname against the Southbound DB (resolveCardSerial) before planning.
 */
export type PlugEntry = Omit<PlugRequest, 'chassis'> & ({chassis: string; cardSerial?: undefined} | {chassis?: undefined; cardSerial: string})

export interface ValidationSettings {
  /** Accept a type no provider here serves (ovn-controller may know it) and option names its provider does not list. */
  force: boolean
}

/** Flags that set owned keys, so an --option naming one of them can say which flag to use. */
const FLAG_FOR_OWNED_KEY: Readonly<Record<string, string>> = {
  [REQUESTED_CHASSIS]: '--chassis',
  [VIF_PLUG_TYPE]: '--type',
  [VIF_PLUG_MTU_REQUEST]: '--mtu',
}

// The type sits between colons in option keys, so it cannot hold one, nor '=' or whitespace.
const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const BAD_KEY_CHARACTERS = /[=\s]/

/** A rejection that names where the request came from (a file line), when it came from one. */
export function rejection(where: string | undefined, problem: string): ValidationError {
  return new ValidationError(where ? `${where}: ${problem}` : problem)
}

/** Rejects a port named twice (a batch is one request per port), naming both file lines. A map, not indexOf per name, which is quadratic. */
export function checkNamedOnce(entries: readonly {lsp: string; where?: string}[], verb: 'requested' | 'named'): void {
  const firstSeen = new Map<string, {where?: string}>()
  for (const entry of entries) {
    const earlier = firstSeen.get(entry.lsp)
    if (earlier) throw rejection(entry.where, `${entry.lsp} is ${verb} twice${earlier.where ? ` (also at ${earlier.where})` : ''}: give each port once`)
    firstSeen.set(entry.lsp, entry)
  }
}

/** Splits an --option argument at its first '='; the value may contain more. */
export function parseOptionArgument(argument: string): RawOption {
  const equals = argument.indexOf('=')
  if (equals < 0) throw new ValidationError(`--option "${argument}" has no value: write it as KEY=VALUE, e.g. --option pf-mac=0c:42:a1:00:00:01`)
  return {name: argument.slice(0, equals), value: argument.slice(equals + 1)}
}

/** The full option key an operator's option name stands for, for a request of this type. */
function resolveOptionKey(name: string, type: string, specs: readonly OptionSpec[] | undefined): string {
  if (name.includes(':')) return name
  return specs?.find((spec) => spec.flag === name)?.key ?? `${providerKeyPrefix(type)}${name}`
}

function checkOption(option: RawOption, type: string, specs: readonly OptionSpec[] | undefined, settings: ValidationSettings): {key: string; value: string} {
  const {name, value} = option
  const prefix = providerKeyPrefix(type)
  if (name === '') throw new ValidationError(`an option has an empty key: write it as KEY=VALUE, e.g. pf-mac=0c:42:a1:00:00:01`)
  if (BAD_KEY_CHARACTERS.test(name)) throw new ValidationError(`option key "${name}" contains '=' or whitespace: option keys are single words like pf-mac`)
  const ownedFlag = FLAG_FOR_OWNED_KEY[name]
  if (ownedFlag) throw new ValidationError(`option "${name}" is set by ${ownedFlag}, not as a provider option`)
  if (name.includes(':') && !name.startsWith(VIF_PLUG_KEY_PREFIX)) {
    throw new ValidationError(`option key "${name}" is not one plug owns: plug only writes ${prefix}* options; set other options with ovn-nbctl`)
  }

  if (name.startsWith(VIF_PLUG_KEY_PREFIX) && !name.startsWith(prefix)) {
    throw new ValidationError(`option key "${name}" is not for type ${type}: use ${prefix}<name> keys (or bare names) with --type ${type}`)
  }

  const key = resolveOptionKey(name, type, specs)
  if (key === prefix) throw new ValidationError(`option key "${name}" has no name after "${prefix}": write it as ${prefix}<name>`)
  if (value === '') throw new ValidationError(`option ${key} has an empty value: give a value, or leave the option out to remove it`)
  if (value.length > MAX_OPTION_VALUE_LENGTH) {
    throw new ValidationError(`option ${key} has a ${value.length}-character value; the limit is ${MAX_OPTION_VALUE_LENGTH}`)
  }

  const spec = specs?.find((candidate) => candidate.key === key)
  if (specs && !spec && !settings.force) {
    const names = specs.map((candidate) => candidate.flag)
    const known = names.length > 0 ? `its options: ${names.join(', ')}` : 'it takes no options'
    throw new ValidationError(`provider ${type} has no option "${key.slice(prefix.length)}"${didYouMean(key.slice(prefix.length), names)}; ${known} (--force sets it anyway)`)
  }

  const problem = spec?.check(value)
  if (problem) throw new ValidationError(`${problem} (option ${key})`)
  return {key, value}
}

function checkMtu(mtu: string): number {
  if (!/^\d+$/.test(mtu) || Number(mtu) < MIN_MTU || Number(mtu) > MAX_MTU) {
    throw new ValidationError(`mtu "${mtu}" is not an integer from ${MIN_MTU} to ${MAX_MTU}`)
  }

  return Number(mtu)
}

function checkTarget(chassis: string | undefined, cardSerial: string | undefined): {chassis: string} | {cardSerial: string} {
  const hasChassis = chassis !== undefined && chassis !== ''
  if (cardSerial !== undefined && cardSerial !== '') {
    if (hasChassis) throw new ValidationError(`both a chassis (${chassis}) and a card serial number (${cardSerial}) given: the serial names the chassis, give one of them`)
    return {cardSerial: checkCardSerial(cardSerial)}
  }

  return {chassis: checkChassis(chassis)}
}

function checkChassis(chassis: string | undefined): string {
  if (chassis === undefined || chassis === '') throw new ValidationError('no chassis given: name the chassis that should plug the port (--chassis or --card-serial-number, or a chassis or card-serial-number column)')
  if (/[,\s]/.test(chassis)) throw new ValidationError(`chassis "${chassis}" is not one chassis name: vif-plug plugs a port on a single chassis`)
  return chassis
}

function checkType(type: string | undefined, providers: ProviderSpecs, settings: ValidationSettings): string {
  const known = [...providers.keys()]
  if (type === undefined || type === '') throw new ValidationError(`no type given: name the vif-plug-type (--type, or a type column): ${known.join(', ')}`)
  if (!TYPE_PATTERN.test(type)) throw new ValidationError(`type "${type}" is not a vif-plug-type name: use letters, digits, '.', '_' and '-'`)
  if (!providers.has(type) && !settings.force) {
    throw new ValidationError(`no provider serves type "${type}"${didYouMean(type, known)}; known types: ${known.join(', ')} (--force writes a type only ovn-controller knows)`)
  }

  return type
}

/** Refuses options that name one thing two ways (OptionSpec.excludes), e.g. a VF and an SF of one PF. */
function checkExclusions(providerOptions: Readonly<Record<string, string>>, specs: readonly OptionSpec[] | undefined): void {
  for (const spec of specs ?? []) {
    if (!(spec.key in providerOptions)) continue
    const other = specs?.find((candidate) => spec.excludes?.includes(candidate.key) && candidate.key in providerOptions)
    if (other) throw new ValidationError(`${spec.flag} and ${other.flag} cannot be given together: give one of them`)
  }
}

function validateEntry(entry: RawPlugEntry, providers: ProviderSpecs, settings: ValidationSettings): PlugEntry {
  if (entry.lsp === '') throw new ValidationError('no logical switch port given: name one (an LSP argument, or an lsp column)')
  const target = checkTarget(entry.chassis, entry.cardSerial)
  const type = checkType(entry.type, providers, settings)
  const specs = providers.get(type)
  const providerOptions: Record<string, string> = {}
  for (const option of entry.options) {
    const {key, value} = checkOption(option, type, specs, settings)
    if (key in providerOptions) throw new ValidationError(`option ${key} is given twice: give it once`)
    providerOptions[key] = value
  }

  for (const option of entry.defaultOptions ?? []) {
    const {key, value} = checkOption(option, type, specs, settings)
    providerOptions[key] ??= value
  }

  checkExclusions(providerOptions, specs)
  const missing = (specs ?? []).filter((spec) => spec.required && !(spec.key in providerOptions))
  if (missing.length > 0) {
    const names = missing.map((spec) => `${spec.flag} (--${spec.flag}, or a ${spec.flag} column)`).join(', ')
    throw new ValidationError(`provider ${type} needs ${names}: ${missing.map((spec) => spec.description).join(' ')}`)
  }

  return {
    lsp: entry.lsp,
    ...target,
    type,
    ...(entry.mtu === undefined || entry.mtu === '' ? (entry.clearMtu ? {mtu: 'remove' as const} : {}) : {mtu: checkMtu(entry.mtu)}),
    providerOptions,
    ...(entry.where ? {where: entry.where} : {}),
  }
}

/**
 * Validates every entry against the providers' option specs, or throws a ValidationError for
 * the first bad one (naming its file line, if any): one bad entry rejects the whole batch.
 */
export function validatePlugEntries(entries: readonly RawPlugEntry[], providers: ProviderSpecs, settings: ValidationSettings): PlugEntry[] {
  checkNamedOnce(entries, 'requested')
  return entries.map((entry) => {
    try {
      return validateEntry(entry, providers, settings)
    } catch (error) {
      if (error instanceof ValidationError) throw rejection(entry.where, error.message)
      throw error
    }
  })
}

/**
 * The owned options a validated request asks for: exactly these, and no other key of those it
 * manages (see requestManages).
 */
export function desiredOptions(request: PlugRequest): Record<string, string> {
  return {
    [REQUESTED_CHASSIS]: request.chassis,
    [VIF_PLUG_TYPE]: request.type,
    ...(typeof request.mtu === 'number' ? {[VIF_PLUG_MTU_REQUEST]: String(request.mtu)} : {}),
    ...request.providerOptions,
  }
}

/**
 * The owned keys a request manages: the plug request's and requested-chassis, and the MTU only
 * when the request sets or clears it (managedOptions in owned.ts is the rule).
 */
export function requestManages(request: PlugRequest): (key: string) => boolean {
  return managedOptions({chassis: true, mtu: request.mtu !== undefined})
}

/** The command line's defaults for the entries of a file: what a line leaves out. */
export type PlugDefaults = Pick<RawPlugEntry, 'chassis' | 'cardSerial' | 'type' | 'mtu' | 'clearMtu' | 'options'>

/**
 * File entries take what they leave out from the command line: --chassis (or
 * --card-serial-number), --type, --mtu (or --clear-mtu) and provider options act as defaults
 * for every line.
 */
export function withDefaults(entries: readonly RawPlugEntry[], defaults: PlugDefaults): RawPlugEntry[] {
  return entries.map((entry) => ({
    ...entry,
    // A line naming its chassis either way takes neither default: a chassis column beside a --card-serial-number is no conflict.
    ...(entry.chassis !== undefined || entry.cardSerial !== undefined ? {} : {chassis: defaults.chassis, cardSerial: defaults.cardSerial}),
    type: entry.type ?? defaults.type,
    mtu: entry.mtu ?? defaults.mtu,
    ...(defaults.clearMtu ? {clearMtu: true} : {}),
    defaultOptions: defaults.options,
  }))
}
