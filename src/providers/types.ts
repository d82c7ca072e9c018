/**
 * The VIF plug provider contract: an idiomatic TypeScript version of OVN's
 * lib/vif-plug-provider.h. A provider answers one question — for this logical port and
 * these options, which netdev goes on br-int, of what type, with which interface options —
 * and never touches OVSDB itself: the reconciler and `status` call it.
 */

/** What the reconciler knows about the Interface row already on br-int for this lport, if any. */
export interface ExistingInterface {
  name: string
  type: string
  options: Readonly<Record<string, string>>
}

export interface PrepareCreateRequest {
  /** The logical port name (Port_Binding.logical_port). */
  lportName: string
  /** Port_Binding.options: vif-plug-type, vif-plug-mtu-request and vif-plug:<type>:* among them. */
  lportOptions: Readonly<Record<string, string>>
  /** The interface this lport has on br-int now, when the reconciler is updating rather than creating. */
  existing?: ExistingInterface
}

export interface PrepareRemoveRequest {
  lportName: string
  /** The interface about to be removed. */
  existing: ExistingInterface
}

/** What goes on br-int: the Interface name, type and the options this provider maintains. */
export interface PlannedInterface {
  name: string
  type: string
  /** Only keys listed in the provider's maintainedOptions; others on the row are left alone. */
  options: Record<string, string>
}

/** A refusal says, for a person, why the provider cannot do this now (and is shown by `status`). */
export type PrepareResult<T> = {ok: true; value: T} | {ok: false; reason: string}

export interface OptionSpec {
  /** The Logical_Switch_Port option key, e.g. vif-plug:representor:pf-mac. */
  key: string
  /** The `plug` flag that sets it, without dashes, e.g. pf-mac. */
  flag: string
  description: string
  required: boolean
  /** Returns undefined when the value is acceptable, else a one-line reason naming what is wrong. */
  check(value: string): string | undefined
  /**
   * Present when the option helps name the netdev (pf-mac, vf-num and sf-num do): two
   * ports asking one chassis for equal identifying options ask for one netdev, and plug warns.
   * Returns the (checked) value in a form in which two spellings of one netdev compare equal.
   */
  identity?(value: string): string
  /**
   * Keys of this provider's other options that cannot be given with this one (the
   * representor's vf-num and sf-num each name a function of the PF): plug refuses a request
   * that has both. Optional; declare it on both options.
   */
  excludes?: readonly string[]
}

/** One thing the provider could plug, as `status`, `doctor` and `providers inventory` show it. */
export interface InventoryItem {
  /** The netdev name that would go on br-int. */
  netdev: string
  /** Free-form, provider-specific columns (flavour, controller, pf, vf, PF MAC, switch id...). */
  details: Record<string, string | number | boolean | undefined>
}

export interface VifPlugProvider {
  /** The vif-plug-type value this provider serves, e.g. 'dummy' or 'representor'. */
  readonly type: string
  /** Interface.options keys this provider owns; the reconciler removes owned keys it no longer sets. */
  readonly maintainedOptions: readonly string[]
  /** Option specs for `plug`: validation and documentation of vif-plug:<type>:* options. */
  readonly optionSpecs: readonly OptionSpec[]

  /** Builds lookup tables; a failure is reported by `providers` and `doctor` and makes every prepare refuse. */
  init?(): Promise<void>
  destroy?(): Promise<void>
  /** Re-reads lookup tables; resolves true when they changed (so a watcher runs a new pass). */
  refresh?(): Promise<boolean>
  /** Subscribes to lookup-table changes for watch mode; returns the unsubscribe function. */
  onChange?(listener: () => void): () => void

  prepareCreate(request: PrepareCreateRequest): PrepareResult<PlannedInterface>
  prepareRemove(request: PrepareRemoveRequest): PrepareResult<void>
  /** Called after the transaction that created, updated or removed interfaces has committed. */
  finish?(committed: {created: string[]; updated: string[]; removed: string[]}): void

  /** What the provider could plug now. */
  inventory(): Promise<InventoryItem[]>
}

/** What a provider module's factory receives from the registry. */
export interface ProviderContext {
  /** Notes for someone debugging a lookup (ignored ports, fallbacks taken); silent by default. */
  debug(message: string): void
}

/**
 * A provider module's default export is either a VifPlugProvider or this factory; the
 * registry calls it once, validates what it returns, and then calls init().
 */
export type ProviderFactory = (context: ProviderContext) => VifPlugProvider | Promise<VifPlugProvider>
