import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {messageOf, UserError, ValidationError} from '../lib/errors.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {providerKeyPrefix} from '../ovn/keys.js'
import {createDummyProvider} from './dummy.js'
import {createRepresentorProvider, type RepresentorOptions} from './representor/index.js'
import type {OptionSpec, PrepareResult, ProviderContext, VifPlugProvider} from './types.js'

export const BUILTIN_ORIGIN = 'built-in'

const BUILTIN_PROVIDERS: Readonly<Record<string, (context: ProviderContext, options: ProviderRegistryOptions) => VifPlugProvider>> = {
  dummy: () => createDummyProvider(),
  representor: (context, options) => createRepresentorProvider(options.representor, context),
}

/** How long an async provider call (init, inventory, refresh, destroy, loading a module) may take; --provider-timeout. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 15_000

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
  /** How long each async provider call may take before the provider counts as failed. Default DEFAULT_PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number
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
  return messageOf(error).split('\n')[0] ?? ''
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** Why `candidate` is not a VifPlugProvider, or undefined when it is one. */
function providerProblem(candidate: unknown): string | undefined {
  if (!isRecord(candidate)) return `it is ${describeValue(candidate)}, not a provider object`
  const provider = candidate
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
  const prefix = providerKeyPrefix(provider.type)
  for (const [index, spec] of provider.optionSpecs.entries()) {
    const where = `optionSpecs[${index}]`
    if (!isRecord(spec)) return `${where} is ${describeValue(spec)}; expected an object`
    const {key, flag, description, required, check, identity, excludes} = spec
    if (typeof key !== 'string' || !key.startsWith(prefix) || key === prefix) return `${where}.key is ${describeValue(key)}; expected "${prefix}<name>"`
    if (typeof flag !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(flag)) return `${where}.flag is ${describeValue(flag)}; expected a flag name without dashes, such as "pf-mac"`
    if (typeof description !== 'string') return `${where}.description is ${describeValue(description)}; expected a string`
    if (typeof required !== 'boolean') return `${where}.required is ${describeValue(required)}; expected true or false`
    if (typeof check !== 'function') return `${where}.check is ${describeValue(check)}; expected a function`
    if (identity !== undefined && typeof identity !== 'function') return `${where}.identity is ${describeValue(identity)}; expected a function, or leave it out`
    if (excludes !== undefined && !(Array.isArray(excludes) && excludes.every((excluded) => typeof excluded === 'string'))) {
      return `${where}.excludes is ${describeValue(excludes)}; expected an array of option keys, or leave it out`
    }
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
export async function loadProviderModule(specifier: string, context: ProviderContext, cwd = process.cwd(), timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS): Promise<VifPlugProvider> {
  const origin = JSON.stringify(specifier)
  let loaded: Record<string, unknown>
  try {
    loaded = await within(importModule(specifier, cwd), timeoutMs)
  } catch (error) {
    if (error instanceof ProviderTimeout) throw new ValidationError(`provider module ${origin}: loading it ${error.message}`)
    throw new ValidationError(`provider module ${origin}: cannot load it (${firstLine(error)})`)
  }

  const exported = loaded.default
  if (exported === undefined) throw new ValidationError(`provider module ${origin}: it has no default export; export a provider or a factory function`)
  if (typeof exported !== 'function') return validateProvider(exported, origin)

  let produced: unknown
  try {
    produced = await within(Promise.resolve().then(() => (exported as (context: ProviderContext) => unknown)(context)), timeoutMs)
  } catch (error) {
    throw new ValidationError(`provider module ${origin}: its factory failed: ${firstLine(error)}`)
  }

  return validateProvider(produced, `${origin} (factory result)`)
}

export type ProviderCall = 'init' | 'inventory' | 'refresh' | 'onChange' | 'finish'

export interface ProviderFailure {
  /** The contract method that failed (threw, rejected, or did not settle within the timeout). */
  call: ProviderCall
  /** One line, for `providers`, `status`, `doctor` and `reconcile`. */
  reason: string
  /** The exit code a command that needs this provider leaves with. */
  exitCode: ExitCodeValue
}

/** `provider TYPE failed to initialise: REASON`, or `provider TYPE failed in CALL(): REASON`. */
export function describeProviderFailure(type: string, failure: Pick<ProviderFailure, 'call' | 'reason'>): string {
  return failure.call === 'init' ? `provider ${type} failed to initialise: ${failure.reason}` : `provider ${type} failed in ${failure.call}(): ${failure.reason}`
}

export interface RegisteredProvider {
  /** The provider as the registry guards it: every call isolated and timed; while failed, it refuses every prepare. */
  readonly provider: VifPlugProvider
  /** BUILTIN_ORIGIN, or the --provider-module value the provider was loaded from. */
  readonly origin: string
  /** Set while the provider is failed; see ProviderRegistry. */
  readonly failure?: ProviderFailure
}

/** What the registry is built from: a provider as loaded, and a failure already known (tests). */
export interface LoadedProvider {
  provider: VifPlugProvider
  origin: string
  failure?: ProviderFailure
}

class ProviderTimeout extends Error {}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

/**
 * Settles as `work` does, or rejects with a ProviderTimeout after `timeoutMs` (or at once when
 * `cancel` aborts). The timer is deliberately not unref'd: a provider promise that never
 * settles must end in this rejection, not in Node's exit 13 for an unsettled top-level await.
 */
async function within<T>(work: Promise<T>, timeoutMs: number, cancel?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeout(`did not finish within ${seconds(timeoutMs)} (--provider-timeout)`)), timeoutMs)
    onAbort = () => reject(new ProviderTimeout('abandoned: the command is ending'))
    if (cancel?.aborted) onAbort()
    else cancel?.addEventListener('abort', onAbort, {once: true})
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
    cancel?.removeEventListener('abort', onAbort!)
  }
}

function failureOf(call: ProviderCall, error: unknown): ProviderFailure {
  const exitCode = error instanceof ProviderTimeout ? ExitCode.Connection : error instanceof UserError ? error.exitCode : ExitCode.Internal
  return {call, reason: firstLine(error), exitCode}
}

/** A provider's state in one registry: the module as loaded, the guarded face callers get, and its failure. */
interface Slot {
  readonly raw: VifPlugProvider
  readonly origin: string
  guarded: VifPlugProvider
  failure?: ProviderFailure
  /** An init() still running, maybe past its timeout: a retry waits for it rather than starting a second one. */
  initRunning?: Promise<void>
}

function isPrepareResult(value: unknown): value is PrepareResult<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as {ok?: unknown}).ok === 'boolean' && ((value as {ok: boolean}).ok || typeof (value as {reason?: unknown}).reason === 'string')
}

function guardedIdentity(spec: OptionSpec, value: string): string {
  try {
    const identity: unknown = spec.identity?.(value)
    return typeof identity === 'string' ? identity : value
  } catch {
    return value
  }
}

/**
 * What the planner needs of a prepared interface to plan at all: a name and an options object.
 * A value the database would refuse (a type or an option that is not a string) is left to the
 * transaction, which reports it as it does any invalid row.
 */
function isPlannable(value: unknown): boolean {
  if (!isRecord(value)) return false
  const {name, options} = value
  return typeof name === 'string' && name !== '' && typeof options === 'object' && options !== null
}

/**
 * The providers one command run uses. Every call into a provider goes through here: an async
 * call (init, inventory, refresh, destroy) settles within the timeout or counts as failed, and
 * a throw from any call is caught. A failure marks the provider failed, with its reason: it
 * then refuses every prepare, so its lports stay pending and its interfaces are never unplugged
 * (OVN leaves the interfaces of a provider it could not open on br-int), and the other
 * providers carry on. A failed provider recovers only by a successful init (retryFailedInits,
 * in watch mode). A prepare that throws or answers nonsense refuses that one lport only.
 */
export class ProviderRegistry {
  private readonly slots: Slot[]
  private readonly failureListeners = new Set<(type: string, failure: ProviderFailure) => void>()
  private retrying: Promise<string[]> | undefined
  /** Aborted by destroy(): a call still waiting (a watcher's init retry) stops holding the process up. */
  private readonly ending = new AbortController()

  constructor(
    loaded: readonly LoadedProvider[],
    private readonly timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS,
  ) {
    this.slots = loaded.map(({provider, origin, failure}) => {
      const slot: Slot = {raw: provider, origin, guarded: provider, ...(failure ? {failure} : {})}
      slot.guarded = this.guard(slot)
      return slot
    })
  }

  get entries(): readonly RegisteredProvider[] {
    return this.slots.map(({guarded, origin, failure}) => ({provider: guarded, origin, ...(failure ? {failure} : {})}))
  }

  /** Calls `listener` each time a provider fails (watch mode logs it). Returns the unsubscribe function. */
  onFailure(listener: (type: string, failure: ProviderFailure) => void): () => void {
    this.failureListeners.add(listener)
    return () => this.failureListeners.delete(listener)
  }

  /** Runs init() on every provider that has not failed yet; a failure is recorded, never thrown. */
  async initialise(): Promise<void> {
    await Promise.all(this.slots.filter((slot) => !slot.failure).map((slot) => this.initialiseSlot(slot)))
  }

  /**
   * Runs init() again for the failed providers (say, devlink was not ready when a watcher
   * started); returns the types that work now. Those still failing keep refusing, with the
   * latest reason. Concurrent callers share one round.
   */
  async retryFailedInits(): Promise<string[]> {
    this.retrying ??= (async () => {
      const failed = this.slots.filter((slot) => slot.failure)
      await Promise.all(failed.map((slot) => this.initialiseSlot(slot)))
      return failed.filter((slot) => !slot.failure).map((slot) => slot.raw.type)
    })().finally(() => {
      this.retrying = undefined
    })
    return this.retrying
  }

  get types(): string[] {
    return this.slots.map((slot) => slot.raw.type)
  }

  entry(type: string): RegisteredProvider | undefined {
    return this.entries.find((entry) => entry.provider.type === type)
  }

  /** The guarded provider for a vif-plug-type (refusing everything while failed), or undefined. */
  get(type: string): VifPlugProvider | undefined {
    return this.slots.find((slot) => slot.raw.type === type)?.guarded
  }

  /** Like get(), for a type the operator named: an unknown type is a ValidationError listing the known ones. */
  require(type: string): VifPlugProvider {
    const provider = this.get(type)
    if (!provider) throw new ValidationError(`unknown provider type "${type}"; known types: ${this.types.join(', ')}`)
    return provider
  }

  /** Calls every provider's destroy(), each bounded by the timeout; a failure there is not reported (the command is ending). */
  async destroy(): Promise<void> {
    this.ending.abort()
    await Promise.allSettled(this.slots.map((slot) => within(Promise.resolve().then(() => slot.raw.destroy?.()), this.timeoutMs)))
  }

  private async initialiseSlot(slot: Slot): Promise<void> {
    const {raw} = slot
    if (!raw.init) {
      slot.failure = undefined
      return
    }

    const running = (slot.initRunning ??= Promise.resolve()
      .then(() => raw.init?.())
      .finally(() => {
        slot.initRunning = undefined
      }))
    try {
      await within(running, this.timeoutMs, this.ending.signal)
      slot.failure = undefined
    } catch (error) {
      this.fail(slot, failureOf('init', error))
    }
  }

  /** Records a failure; listeners hear of it once, not again for each retry that fails the same way. */
  private fail(slot: Slot, failure: ProviderFailure): void {
    const known = slot.failure?.call === failure.call && slot.failure.reason === failure.reason
    slot.failure = failure
    if (!known) for (const listener of this.failureListeners) listener(slot.raw.type, failure)
  }

  /** An async provider call, timed and isolated: a failure marks the provider failed and rejects with a UserError saying so. */
  private async call<T>(slot: Slot, call: ProviderCall, run: () => Promise<T>): Promise<T> {
    if (slot.failure) throw new UserError(describeProviderFailure(slot.raw.type, slot.failure), slot.failure.exitCode)
    try {
      return await within(Promise.resolve().then(run), this.timeoutMs, this.ending.signal)
    } catch (error) {
      const failure = failureOf(call, error)
      this.fail(slot, failure)
      throw new UserError(describeProviderFailure(slot.raw.type, failure), failure.exitCode)
    }
  }

  private prepare<T>(slot: Slot, call: 'prepareCreate' | 'prepareRemove', run: () => unknown, valid: (value: unknown) => boolean): PrepareResult<T> {
    const {type} = slot.raw
    if (slot.failure) return {ok: false, reason: describeProviderFailure(type, slot.failure)}
    let result: unknown
    try {
      result = run()
    } catch (error) {
      return {ok: false, reason: `provider ${type} failed: ${firstLine(error)}`}
    }

    if (!isPrepareResult(result) || (result.ok && !valid(result.value))) {
      return {ok: false, reason: `provider ${type} failed: ${call}() returned ${describeValue(result)}, not a result of the provider contract`}
    }

    return result as PrepareResult<T>
  }

  private guard(slot: Slot): VifPlugProvider {
    const {raw} = slot
    const guarded: VifPlugProvider = {
      type: raw.type,
      maintainedOptions: raw.maintainedOptions,
      optionSpecs: raw.optionSpecs.map((spec) => ({
        ...spec,
        check: (value: string) => {
          try {
            const problem: unknown = spec.check(value)
            return problem === undefined ? undefined : String(problem).split('\n')[0]
          } catch (error) {
            return `provider ${raw.type} failed checking ${spec.key}: ${firstLine(error)}`
          }
        },
        // A throw compares the value as given: the same-netdev warning may then miss a respelling, nothing worse.
        ...(spec.identity ? {identity: (value: string) => guardedIdentity(spec, value)} : {}),
      })),
      prepareCreate: (request) => this.prepare(slot, 'prepareCreate', () => raw.prepareCreate(request), isPlannable),
      prepareRemove: (request) => this.prepare(slot, 'prepareRemove', () => raw.prepareRemove(request), () => true),
      inventory: () => this.call(slot, 'inventory', () => raw.inventory()),
    }
    if (raw.refresh) guarded.refresh = () => this.call(slot, 'refresh', async () => (await raw.refresh?.()) === true)
    if (raw.onChange) {
      guarded.onChange = (listener) => {
        try {
          const unsubscribe: unknown = raw.onChange?.(listener)
          if (typeof unsubscribe !== 'function') throw new Error(`it returned ${describeValue(unsubscribe)}, not an unsubscribe function`)
          return () => {
            try {
              unsubscribe()
            } catch {
              // Unsubscribing is the last thing a command does with a provider: nothing left to protect.
            }
          }
        } catch (error) {
          this.fail(slot, failureOf('onChange', error))
          return () => {}
        }
      }
    }

    if (raw.finish) {
      guarded.finish = (committed) => {
        if (slot.failure) return
        try {
          raw.finish?.(committed)
        } catch (error) {
          this.fail(slot, failureOf('finish', error))
        }
      }
    }

    return guarded
  }
}

/**
 * Builds the registry: the built-in providers plus those of --provider-module, restricted
 * to --provider types, each initialised. Loading errors (a bad module, an unknown or
 * duplicate type) throw; init failures are recorded on the entry instead.
 */
export async function loadProviders(options: ProviderRegistryOptions = {}): Promise<ProviderRegistry> {
  const context: ProviderContext = {debug: options.debug ?? (() => {})}
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS
  const candidates: LoadedProvider[] = Object.values(BUILTIN_PROVIDERS).map((create) => ({
    provider: create(context, options),
    origin: BUILTIN_ORIGIN,
  }))

  for (const specifier of options.modules ?? []) {
    const provider = await loadProviderModule(specifier, context, options.cwd, timeoutMs)
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
  const registry = new ProviderRegistry(selected, timeoutMs)
  if (options.initialise !== false) await registry.initialise()
  return registry
}

/** The built-in providers' option specs by type, created but not initialised: what `plug` generates its flags from. */
export function builtinOptionSpecs(): ReadonlyMap<string, readonly OptionSpec[]> {
  const context: ProviderContext = {debug: () => {}}
  return new Map(Object.entries(BUILTIN_PROVIDERS).map(([type, create]) => [type, create(context, {}).optionSpecs]))
}
