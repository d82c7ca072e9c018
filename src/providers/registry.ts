import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {UserError, ValidationError} from '../lib/errors.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {createDummyProvider} from './dummy.js'
import {createRepresentorProvider, type RepresentorOptions} from './representor/index.js'
import type {OptionSpec, PrepareResult, ProviderContext, VifPlugProvider} from './types.js'

export const BUILTIN_ORIGIN = 'built-in'

const BUILTIN_PROVIDERS: Readonly<Record<string, (context: ProviderContext, options: ProviderRegistryOptions) => VifPlugProvider>> = {
  dummy: () => createDummyProvider(),
  representor: (context, options) => createRepresentorProvider(options.representor, context),
}

export interface InitFailure {
  /** One line, for `providers` and `doctor`. */
  reason: string
  /** The exit code a command that needs this provider leaves with. */
  exitCode: ExitCodeValue
}

export interface RegisteredProvider {
  readonly provider: VifPlugProvider
  /** BUILTIN_ORIGIN, or the --provider-module value the provider was loaded from. */
  readonly origin: string
  /** Set when init() failed; the provider then refuses every prepare. */
  readonly initFailure?: InitFailure
}

export interface ProviderRegistryOptions {
  /** --provider-module values: package names or paths of modules whose default export is a provider or factory. */
  modules?: readonly string[]
  /** --provider values: load only providers of these types. */
  only?: readonly string[]
  /** Where relative paths and package names are resolved from. Default: the working directory. */
  cwd?: string
  /** Where the representor provider reads devlink and sysfs facts from (recorded data in tests). */
  representor?: RepresentorOptions
  /** Debug notes from providers; silent by default. */
  debug?: (message: string) => void
  /** false: load without calling init(), for commands that need only option specs (plug). Default true. */
  initialise?: boolean
}

const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const REQUIRED_METHODS = ['prepareCreate', 'prepareRemove', 'inventory'] as const
const OPTIONAL_METHODS = ['init', 'destroy', 'refresh', 'onChange', 'finish'] as const

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}

/** Why `candidate` is not a VifPlugProvider, or undefined when it is one. */
function providerProblem(candidate: unknown): string | undefined {
  if (typeof candidate !== 'object' || candidate === null) return `it is ${describeValue(candidate)}, not a provider object`
  const provider = candidate as Record<string, unknown>
  if (typeof provider.type !== 'string' || !TYPE_PATTERN.test(provider.type)) {
    return `"type" is ${describeValue(provider.type)}; expected a vif-plug-type name such as "my-nic"`
  }

  for (const method of REQUIRED_METHODS) {
    if (typeof provider[method] !== 'function') return `"${method}" is ${describeValue(provider[method])}; expected a function`
  }

  for (const method of OPTIONAL_METHODS) {
    if (provider[method] !== undefined && typeof provider[method] !== 'function') {
      return `"${method}" is ${describeValue(provider[method])}; expected a function or nothing`
    }
  }

  const maintained = provider.maintainedOptions
  if (!Array.isArray(maintained) || !maintained.every((key) => typeof key === 'string')) {
    return `"maintainedOptions" is ${describeValue(maintained)}; expected an array of Interface option keys`
  }

  if (!Array.isArray(provider.optionSpecs)) return `"optionSpecs" is ${describeValue(provider.optionSpecs)}; expected an array`
  const prefix = `vif-plug:${provider.type}:`
  for (const [index, spec] of (provider.optionSpecs as unknown[]).entries()) {
    const where = `optionSpecs[${index}]`
    if (typeof spec !== 'object' || spec === null) return `${where} is ${describeValue(spec)}; expected an object`
    const {key, flag, description, required, check, identity} = spec as Record<string, unknown>
    if (typeof key !== 'string' || !key.startsWith(prefix) || key === prefix) return `${where}.key is ${describeValue(key)}; expected "${prefix}<name>"`
    if (typeof flag !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(flag)) return `${where}.flag is ${describeValue(flag)}; expected a flag name without dashes, such as "pf-mac"`
    if (typeof description !== 'string') return `${where}.description is ${describeValue(description)}; expected a string`
    if (typeof required !== 'boolean') return `${where}.required is ${describeValue(required)}; expected true or false`
    if (typeof check !== 'function') return `${where}.check is ${describeValue(check)}; expected a function`
    if (identity !== undefined && typeof identity !== 'function') return `${where}.identity is ${describeValue(identity)}; expected a function, or leave it out`
  }

  return undefined
}

/** Returns `candidate` typed as a provider, or throws a one-line ValidationError naming `origin` and the problem. */
export function validateProvider(candidate: unknown, origin: string): VifPlugProvider {
  const problem = providerProblem(candidate)
  if (problem) throw new ValidationError(`provider module ${origin}: ${problem}`)
  return candidate as VifPlugProvider
}

function looksLikePath(specifier: string, cwd: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('file:') || path.isAbsolute(specifier) || existsSync(path.resolve(cwd, specifier))
}

async function importModule(specifier: string, cwd: string): Promise<Record<string, unknown>> {
  if (looksLikePath(specifier, cwd)) {
    const url = specifier.startsWith('file:') ? specifier : pathToFileURL(path.resolve(cwd, specifier)).href
    return import(url)
  }

  // A package the operator installed next to their work (cwd) wins; ESM-only packages that
  // require.resolve cannot see are then looked up from this tool's own installation.
  let resolved: string | undefined
  try {
    resolved = createRequire(path.join(cwd, 'package.json')).resolve(specifier)
  } catch {
    resolved = undefined
  }

  return import(resolved ? pathToFileURL(resolved).href : specifier)
}

/**
 * Loads a provider from a package name or file path. The default export is a provider or a
 * factory `(context) => provider`; either way the result is validated before use.
 */
export async function loadProviderModule(specifier: string, context: ProviderContext, cwd = process.cwd()): Promise<VifPlugProvider> {
  const origin = JSON.stringify(specifier)
  let loaded: Record<string, unknown>
  try {
    loaded = await importModule(specifier, cwd)
  } catch (error) {
    throw new ValidationError(`provider module ${origin}: cannot load it (${firstLine(error)})`)
  }

  const exported = loaded.default
  if (exported === undefined) throw new ValidationError(`provider module ${origin}: it has no default export; export a provider or a factory function`)
  if (typeof exported !== 'function') return validateProvider(exported, origin)

  let produced: unknown
  try {
    produced = await (exported as (context: ProviderContext) => unknown)(context)
  } catch (error) {
    throw new ValidationError(`provider module ${origin}: its factory failed: ${firstLine(error)}`)
  }

  return validateProvider(produced, `${origin} (factory result)`)
}

function refusingStandIn(provider: VifPlugProvider, failure: InitFailure): VifPlugProvider {
  const refusal: PrepareResult<never> = {ok: false, reason: `provider ${provider.type} failed to initialise: ${failure.reason}`}
  return {
    type: provider.type,
    maintainedOptions: provider.maintainedOptions,
    optionSpecs: provider.optionSpecs,
    prepareCreate: () => refusal,
    // OVN leaves interfaces of a provider it could not open on br-int; so do we.
    prepareRemove: () => refusal,
    inventory: async () => {
      throw new UserError(refusal.reason, failure.exitCode)
    },
  }
}

/** The providers one command run uses, each initialised (or with the reason it could not be). */
export class ProviderRegistry {
  private readonly standIns = new Map<string, VifPlugProvider>()
  private current: readonly RegisteredProvider[]

  constructor(entries: readonly RegisteredProvider[]) {
    this.current = entries
    for (const entry of entries) {
      if (entry.initFailure) this.standIns.set(entry.provider.type, refusingStandIn(entry.provider, entry.initFailure))
    }
  }

  get entries(): readonly RegisteredProvider[] {
    return this.current
  }

  /**
   * Runs init() again for the providers whose init failed (say, devlink was not ready when a
   * watcher started); returns the types that work now. Those still failing keep refusing, with
   * the latest reason.
   */
  async retryFailedInits(): Promise<string[]> {
    const recovered: string[] = []
    this.current = await Promise.all(
      this.current.map(async (entry) => {
        if (!entry.initFailure) return entry
        const retried = await initialise(entry.provider, entry.origin)
        if (retried.initFailure) {
          this.standIns.set(entry.provider.type, refusingStandIn(entry.provider, retried.initFailure))
        } else {
          this.standIns.delete(entry.provider.type)
          recovered.push(entry.provider.type)
        }

        return retried
      }),
    )
    return recovered
  }

  get types(): string[] {
    return this.entries.map((entry) => entry.provider.type)
  }

  entry(type: string): RegisteredProvider | undefined {
    return this.entries.find((entry) => entry.provider.type === type)
  }

  /** The provider for a vif-plug-type (one that refuses everything if its init failed), or undefined. */
  get(type: string): VifPlugProvider | undefined {
    return this.standIns.get(type) ?? this.entry(type)?.provider
  }

  /** Like get(), for a type the operator named: an unknown type is a ValidationError listing the known ones. */
  require(type: string): VifPlugProvider {
    const provider = this.get(type)
    if (!provider) throw new ValidationError(`unknown provider type "${type}"; known types: ${this.types.join(', ')}`)
    return provider
  }

  async destroy(): Promise<void> {
    await Promise.all(this.entries.map((entry) => entry.provider.destroy?.()))
  }
}

async function initialise(provider: VifPlugProvider, origin: string): Promise<RegisteredProvider> {
  try {
    await provider.init?.()
    return {provider, origin}
  } catch (error) {
    const exitCode = error instanceof UserError ? error.exitCode : ExitCode.Internal
    return {provider, origin, initFailure: {reason: firstLine(error), exitCode}}
  }
}

/**
 * Builds the registry: the built-in providers plus those of --provider-module, restricted
 * to --provider types, each initialised. Loading errors (a bad module, an unknown or
 * duplicate type) throw; init failures are recorded on the entry instead.
 */
export async function loadProviders(options: ProviderRegistryOptions = {}): Promise<ProviderRegistry> {
  const context: ProviderContext = {debug: options.debug ?? (() => {})}
  const candidates: Array<{provider: VifPlugProvider; origin: string}> = Object.values(BUILTIN_PROVIDERS).map((create) => ({
    provider: create(context, options),
    origin: BUILTIN_ORIGIN,
  }))

  for (const specifier of options.modules ?? []) {
    const provider = await loadProviderModule(specifier, context, options.cwd)
    const clash = candidates.find((candidate) => candidate.provider.type === provider.type)
    if (clash) {
      const owner = clash.origin === BUILTIN_ORIGIN ? 'the built-in provider' : `provider module ${JSON.stringify(clash.origin)}`
      throw new ValidationError(`provider module ${JSON.stringify(specifier)}: type "${provider.type}" is already served by ${owner}`)
    }

    candidates.push({provider, origin: specifier})
  }

  const known = candidates.map((candidate) => candidate.provider.type)
  const unknown = (options.only ?? []).filter((type) => !known.includes(type))
  if (unknown.length > 0) {
    throw new ValidationError(`unknown provider type${unknown.length > 1 ? 's' : ''} ${unknown.map((type) => `"${type}"`).join(', ')}; known types: ${known.join(', ')}`)
  }

  const selected = options.only?.length ? candidates.filter((candidate) => options.only?.includes(candidate.provider.type)) : candidates
  if (options.initialise === false) return new ProviderRegistry(selected)
  return new ProviderRegistry(await Promise.all(selected.map(({provider, origin}) => initialise(provider, origin))))
}

/** The built-in providers' option specs by type, created but not initialised: what `plug` generates its flags from. */
export function builtinOptionSpecs(): ReadonlyMap<string, readonly OptionSpec[]> {
  const context: ProviderContext = {debug: () => {}}
  return new Map(Object.entries(BUILTIN_PROVIDERS).map(([type, create]) => [type, create(context, {}).optionSpecs]))
}
