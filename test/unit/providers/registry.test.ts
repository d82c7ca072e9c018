import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import {UserError, ValidationError} from '../../../src/lib/errors.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {BUILTIN_ORIGIN, loadProviderModule, loadProviders, ProviderRegistry, validateProvider} from '../../../src/providers/registry.js'
import {createDummyProvider} from '../../../src/providers/dummy.js'
import {collectInventory} from '../../../src/providers/report.js'
import type {VifPlugProvider} from '../../../src/providers/types.js'
import {FIXTURES, lportOptions, scenario} from './helpers.js'

const MODULES = path.join(FIXTURES, 'modules')
const module = (name: string) => path.join(MODULES, name)
const recordedDpu = {devlinkJson: scenario('dpu-2pf-8vf').devlinkJson, sysfsRoot: scenario('dpu-2pf-8vf').sysfsRoot}
const silent = {debug: () => {}}

describe('loadProviders', () => {
  it('has the built-in dummy and representor providers, initialised', async () => {
    const registry = await loadProviders({representor: recordedDpu})
    expect(registry.types).toEqual(['dummy', 'representor'])
    expect(registry.entries.map(({origin, failure}) => ({origin, failure}))).toEqual([
      {origin: BUILTIN_ORIGIN, failure: undefined},
      {origin: BUILTIN_ORIGIN, failure: undefined},
    ])
    expect(registry.require('representor').prepareCreate({lportName: 'lp', lportOptions: lportOptions('0c:42:a1:00:00:01', '2')})).toMatchObject({
      ok: true,
      value: {name: 'c1pf0vf2'},
    })
  })

  it('loads a provider module by path, passing the debug channel to its factory', async () => {
    const notes: string[] = []
    const registry = await loadProviders({modules: [module('named-provider.mjs')], only: ['named'], debug: (note) => notes.push(note)})
    expect(registry.entry('named')?.origin).toBe(module('named-provider.mjs'))
    const named = registry.require('named')
    expect(named.prepareCreate({lportName: 'vm1', lportOptions: {'vif-plug:named:netdev': 'tap-vm1'}})).toEqual({
      ok: true,
      value: {name: 'tap-vm1', type: '', options: {}},
    })
    expect(notes).toEqual(['lport vm1 plugs tap-vm1'])
  })

  it('resolves relative module paths from cwd', async () => {
    const registry = await loadProviders({modules: ['./object-provider.mjs'], cwd: MODULES, only: ['static']})
    expect(registry.types).toEqual(['static'])
    expect(await registry.require('static').inventory()).toEqual([{netdev: 'st-example', details: {kind: 'static'}}])
  })

  it('restricts to the --provider types and names unknown ones', async () => {
    expect((await loadProviders({only: ['dummy']})).types).toEqual(['dummy'])
    const failure = loadProviders({only: ['dummy', 'nope', 'named']})
    await expect(failure).rejects.toThrow(ValidationError)
    await expect(loadProviders({only: ['nope']})).rejects.toThrow('unknown provider type "nope"; known types: dummy, representor')
  })

  it('records an init failure as one line instead of throwing, and its provider refuses everything', async () => {
    const registry = await loadProviders({modules: [module('init-fails.mjs')], only: ['flaky', 'dummy']})
    expect(registry.entry('dummy')?.failure).toBeUndefined()
    expect(registry.entry('flaky')?.failure).toEqual({call: 'init', reason: 'no flaky NIC found', exitCode: ExitCode.Internal})
    const flaky = registry.require('flaky')
    const refusal = {ok: false, reason: 'provider flaky failed to initialise: no flaky NIC found'}
    expect(flaky.prepareCreate({lportName: 'lp', lportOptions: {}})).toEqual(refusal)
    expect(flaky.prepareRemove({lportName: 'lp', existing: {name: 'flaky0', type: '', options: {}}})).toEqual(refusal)
    await expect(flaky.inventory()).rejects.toThrow(UserError)
  })

  it('keeps a missing devlink as the representor\'s init failure with the missing-dependency exit code', async () => {
    const registry = await loadProviders({representor: {devlinkPath: path.join(os.tmpdir(), 'no-such-dir', 'devlink')}})
    expect(registry.entry('representor')?.failure).toEqual({
      call: 'init',
      reason: expect.stringMatching(/devlink not found: install the iproute2 package/),
      exitCode: ExitCode.MissingDependency,
    })
    expect(registry.entry('dummy')?.failure).toBeUndefined()
  })

  it('refuses a module that claims a type already served', async () => {
    await expect(loadProviders({modules: [module('claims-dummy.mjs')]})).rejects.toThrow(
      `provider module ${JSON.stringify(module('claims-dummy.mjs'))}: type "dummy" is already served by the built-in provider`,
    )
  })
})

describe('loadProviderModule', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, {recursive: true, force: true})
  })

  it('accepts a default export that is a provider object', async () => {
    expect((await loadProviderModule(module('object-provider.mjs'), silent)).type).toBe('static')
  })

  it('loads an installed package by name from cwd', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'provider-project-'))
    dirs.push(project)
    const packageDir = path.join(project, 'node_modules', '@acme', 'vif-plug-named')
    await mkdir(packageDir, {recursive: true})
    await writeFile(path.join(packageDir, 'package.json'), JSON.stringify({name: '@acme/vif-plug-named', type: 'module', main: 'index.js'}))
    await writeFile(path.join(packageDir, 'index.js'), `export {default} from ${JSON.stringify(module('named-provider.mjs'))}\n`)
    expect((await loadProviderModule('@acme/vif-plug-named', silent, project)).type).toBe('named')
  })

  it.each([
    ['a missing file', './does-not-exist.mjs', /^provider module "\.\/does-not-exist\.mjs": cannot load it \(/],
    ['a package that is not installed', 'vif-plug-not-installed', /^provider module "vif-plug-not-installed": cannot load it \(/],
    ['no default export', 'no-default.mjs', /: it has no default export; export a provider or a factory function$/],
    ['a missing method', 'missing-method.mjs', /: "prepareRemove" is undefined; expected a function$/],
    ['a factory that throws', 'factory-throws.mjs', /: its factory failed: cannot open \/dev\/mynic$/],
    ['an option key outside vif-plug:<type>:', 'bad-option-key.mjs', /\(factory result\): optionSpecs\[0\]\.key is string "pf-mac"; expected "vif-plug:sloppy:<name>"$/],
  ])('rejects %s with one line naming the module and the problem', async (_case, specifier, message) => {
    const loading = loadProviderModule(specifier, silent, MODULES)
    await expect(loading).rejects.toThrow(ValidationError)
    const error = (await loading.catch((caught: unknown) => caught)) as Error
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain('\n')
  })
})

describe('validateProvider', () => {
  const valid = {
    type: 'ok',
    maintainedOptions: [],
    optionSpecs: [],
    prepareCreate: () => ({ok: false, reason: 'x'}),
    prepareRemove: () => ({ok: true, value: undefined}),
    inventory: async () => [],
  }

  it('accepts a complete provider', () => {
    expect(validateProvider(valid, 'x')).toBe(valid)
  })

  it.each([
    [null, 'it is null, not a provider object'],
    [{...valid, type: ''}, '"type" is string ""; expected a vif-plug-type name such as "my-nic"'],
    [{...valid, type: 'has space'}, '"type" is string "has space"; expected a vif-plug-type name such as "my-nic"'],
    [{...valid, init: 'yes'}, '"init" is string "yes"; expected a function or nothing'],
    [{...valid, maintainedOptions: [1]}, '"maintainedOptions" is an array; expected an array of Interface option keys'],
    [{...valid, optionSpecs: {}}, '"optionSpecs" is an object; expected an array'],
    [{...valid, optionSpecs: [{key: 'vif-plug:ok:a', flag: '--a', description: '', required: true, check: () => undefined}]}, 'optionSpecs[0].flag is string "--a"; expected a flag name without dashes, such as "pf-mac"'],
    [{...valid, optionSpecs: [{key: 'vif-plug:ok:a', flag: 'a', description: '', required: 'yes', check: () => undefined}]}, 'optionSpecs[0].required is string "yes"; expected true or false'],
    [{...valid, optionSpecs: [{key: 'vif-plug:ok:a', flag: 'a', description: '', required: true}]}, 'optionSpecs[0].check is undefined; expected a function'],
  ])('rejects %j', (candidate, problem) => {
    expect(() => validateProvider(candidate, '"m.mjs"')).toThrow(`provider module "m.mjs": ${problem}`)
  })

  it('rejects an identity that is not a function', () => {
    const spec = {key: 'vif-plug:ok:a', flag: 'a', description: '', required: true, check: () => undefined, identity: 'a'}
    expect(() => validateProvider({...valid, optionSpecs: [spec]}, '"m.mjs"')).toThrow('provider module "m.mjs": optionSpecs[0].identity is string "a"; expected a function, or leave it out')
  })

  it('takes excludes as a list of option keys, and rejects anything else', () => {
    const spec = {key: 'vif-plug:ok:a', flag: 'a', description: '', required: false, check: () => undefined}
    expect(validateProvider({...valid, optionSpecs: [{...spec, excludes: ['vif-plug:ok:b']}]}, '"m.mjs"').optionSpecs[0]!.excludes).toEqual(['vif-plug:ok:b'])
    expect(() => validateProvider({...valid, optionSpecs: [{...spec, excludes: 'vif-plug:ok:b'}]}, '"m.mjs"')).toThrow(
      'provider module "m.mjs": optionSpecs[0].excludes is string "vif-plug:ok:b"; expected an array of option keys, or leave it out',
    )
    expect(() => validateProvider({...valid, optionSpecs: [{...spec, excludes: [1]}]}, '"m.mjs"')).toThrow(/optionSpecs\[0\]\.excludes is an array; expected an array of option keys/)
  })
})

describe('ProviderRegistry.retryFailedInits', () => {
  it('brings back a provider whose init failed once it initialises, and keeps refusing until then', async () => {
    let ready = false
    const provider: VifPlugProvider = {
      type: 'late',
      maintainedOptions: [],
      optionSpecs: [],
      init: async () => {
        if (!ready) throw new Error('devlink is not ready')
      },
      prepareCreate: () => ({ok: true, value: {name: 'vf0', type: '', options: {}}}),
      prepareRemove: () => ({ok: true, value: undefined}),
      inventory: async () => [],
    }
    const registry = new ProviderRegistry([{provider, origin: 'test', failure: {call: 'init', reason: 'devlink is not ready', exitCode: 4}}])
    const request = {lportName: 'lsp1', lportOptions: {}}
    expect(registry.get('late')!.prepareCreate(request)).toEqual({ok: false, reason: 'provider late failed to initialise: devlink is not ready'})

    expect(await registry.retryFailedInits()).toEqual([])
    expect(registry.entry('late')?.failure?.reason).toBe('devlink is not ready')
    expect(registry.get('late')!.prepareCreate(request).ok).toBe(false)

    ready = true
    expect(await registry.retryFailedInits()).toEqual(['late'])
    expect(registry.entry('late')?.failure).toBeUndefined()
    expect(registry.get('late')!.prepareCreate(request)).toEqual({ok: true, value: {name: 'vf0', type: '', options: {}}})
  })
})

describe('ProviderRegistry isolates every provider call', () => {
  const never = () => new Promise<never>(() => {})
  const request = {lportName: 'lsp1', lportOptions: {}}
  const existing = {lportName: 'lsp1', existing: {name: 'vf0', type: '', options: {}}}

  function faulty(type: string, faults: Partial<VifPlugProvider>): VifPlugProvider {
    return {
      type,
      maintainedOptions: [],
      optionSpecs: [],
      prepareCreate: () => ({ok: true, value: {name: `${type}0`, type: '', options: {}}}),
      prepareRemove: () => ({ok: true, value: undefined}),
      inventory: async () => [{netdev: `${type}0`, details: {}}],
      ...faults,
    }
  }

  /** A registry of the faulty provider and the dummy one, with a short timeout. */
  async function registryOf(provider: VifPlugProvider, timeoutMs = 50): Promise<ProviderRegistry> {
    const registry = new ProviderRegistry([{provider: createDummyProvider(), origin: BUILTIN_ORIGIN}, {provider, origin: 'test'}], timeoutMs)
    await registry.initialise()
    return registry
  }

  it('records an init that never settles as failed after the timeout, and the other providers initialise', async () => {
    const registry = await registryOf(faulty('hung', {init: never}))
    expect(registry.entry('hung')?.failure).toEqual({call: 'init', reason: 'did not finish within 0.05 s (--provider-timeout)', exitCode: ExitCode.Connection})
    expect(registry.get('hung')!.prepareCreate(request)).toEqual({ok: false, reason: 'provider hung failed to initialise: did not finish within 0.05 s (--provider-timeout)'})
    expect(registry.get('hung')!.prepareRemove(existing).ok).toBe(false)
    expect(registry.entry('dummy')?.failure).toBeUndefined()
    expect(registry.get('dummy')!.prepareCreate(request).ok).toBe(true)
  })

  it('loads the fixture modules whose init never settles or whose inventory throws, each failing alone', async () => {
    // Imported once before, so the 50 ms bound times their init and inventory, not a slow first import.
    await Promise.all(['init-never-settles.mjs', 'inventory-throws.mjs'].map((name) => import(pathToFileURL(module(name)).href)))
    const registry = await loadProviders({modules: [module('init-never-settles.mjs'), module('inventory-throws.mjs')], only: ['dummy', 'hung-init', 'broken-inventory'], timeoutMs: 50})
    expect(registry.entry('hung-init')?.failure?.call).toBe('init')
    const skipped: string[] = []
    const rows = await collectInventory(registry, {strict: false, onSkip: (type, reason) => skipped.push(`${type}: ${reason}`)})
    expect(rows).toEqual([])
    expect(skipped).toEqual([
      'hung-init: did not finish within 0.05 s (--provider-timeout)',
      "broken-inventory: inventory() failed: Cannot read properties of undefined (reading 'ports')",
    ])
    expect(registry.entry('broken-inventory')?.failure).toEqual({call: 'inventory', reason: "Cannot read properties of undefined (reading 'ports')", exitCode: ExitCode.Internal})
  })

  it.each([
    ['throws', () => Promise.reject(new Error('table torn')), 'table torn', ExitCode.Internal],
    ['never settles', never, 'did not finish within 0.05 s (--provider-timeout)', ExitCode.Connection],
  ])('marks a provider whose inventory %s as failed: strict collection fails with its reason, and it then refuses every prepare', async (_case, inventory, reason, exitCode) => {
    const registry = await registryOf(faulty('nic', {inventory}))
    const collected = collectInventory(registry, {strict: true, onSkip: () => {}})
    await expect(collected).rejects.toThrow(`provider nic failed in inventory(): ${reason}`)
    await expect(collected).rejects.toMatchObject({exitCode})
    expect(registry.entry('nic')?.failure).toEqual({call: 'inventory', reason, exitCode})
    expect(registry.get('nic')!.prepareRemove(existing)).toEqual({ok: false, reason: `provider nic failed in inventory(): ${reason}`})
    expect(registry.entry('dummy')?.failure).toBeUndefined()
  })

  it('times out and isolates refresh, and reports a failed onChange subscription and finish', async () => {
    const hung = await registryOf(faulty('hung', {refresh: never}))
    await expect(hung.get('hung')!.refresh!()).rejects.toThrow('provider hung failed in refresh(): did not finish within 0.05 s (--provider-timeout)')

    const failures: string[] = []
    const subscribing = await registryOf(
      faulty('sub', {
        onChange: () => {
          throw new Error('no event source')
        },
      }),
    )
    subscribing.onFailure((type, failure) => failures.push(`${type} ${failure.call}: ${failure.reason}`))
    const unsubscribe = subscribing.get('sub')!.onChange!(() => {})
    expect(unsubscribe).toBeTypeOf('function')
    expect(() => unsubscribe()).not.toThrow()

    const finishing = await registryOf(
      faulty('fin', {
        finish: () => {
          throw new Error('bookkeeping lost')
        },
      }),
    )
    finishing.onFailure((type, failure) => failures.push(`${type} ${failure.call}: ${failure.reason}`))
    expect(() => finishing.get('fin')!.finish!({created: ['fin0'], updated: [], removed: []})).not.toThrow()
    expect(failures).toEqual(['sub onChange: no event source', 'fin finish: bookkeeping lost'])
    expect(finishing.get('fin')!.prepareCreate(request).ok).toBe(false)
  })

  it('refuses one lport, not the provider, for a prepare that throws or answers outside the contract', async () => {
    let answer: unknown = undefined
    const registry = await registryOf(
      faulty('odd', {
        prepareCreate: ({lportName}) => {
          if (lportName === 'boom') throw new Error('index out of range\nstack line')
          return answer as ReturnType<VifPlugProvider['prepareCreate']>
        },
      }),
    )
    const odd = registry.get('odd')!
    expect(odd.prepareCreate({lportName: 'boom', lportOptions: {}})).toEqual({ok: false, reason: 'provider odd failed: index out of range'})
    expect(odd.prepareCreate(request)).toEqual({ok: false, reason: 'provider odd failed: prepareCreate() returned undefined, not a result of the provider contract'})
    answer = {ok: true, value: {name: '', type: '', options: {}}}
    expect(odd.prepareCreate(request).ok).toBe(false)
    answer = {ok: true, value: {name: 'vf1', type: '', options: {}}}
    expect(odd.prepareCreate(request)).toEqual({ok: true, value: {name: 'vf1', type: '', options: {}}})
    expect(registry.entry('odd')?.failure).toBeUndefined()
  })

  it('turns an option check that throws into a refusal naming the provider, and an identity that throws into the value as given', async () => {
    const registry = await registryOf(
      faulty('chk', {
        optionSpecs: [
          {
            key: 'vif-plug:chk:slot',
            flag: 'slot',
            description: 'slot',
            required: true,
            check: () => {
              throw new Error('bad regex')
            },
            identity: () => {
              throw new Error('bad normaliser')
            },
          },
        ],
      }),
    )
    expect(registry.get('chk')!.optionSpecs[0]!.check('1')).toBe('provider chk failed checking vif-plug:chk:slot: bad regex')
    expect(registry.get('chk')!.optionSpecs[0]!.identity!('0C:42')).toBe('0C:42')
  })

  it('does not wait past the timeout for a destroy that never settles', async () => {
    const registry = await registryOf(faulty('slow', {destroy: never}))
    await expect(registry.destroy()).resolves.toBeUndefined()
  })

  it('does not start a second init while one that timed out still runs, and recovers when it settles', async () => {
    let calls = 0
    let settle!: () => void
    const registry = await registryOf(
      faulty('late', {
        init: () => {
          calls++
          return new Promise<void>((resolve) => (settle = resolve))
        },
      }),
    )
    expect(registry.entry('late')?.failure?.call).toBe('init')
    const retry = registry.retryFailedInits()
    settle()
    expect(await retry).toEqual(['late'])
    expect(calls).toBe(1)
    expect(registry.get('late')!.prepareCreate(request).ok).toBe(true)
  })

  it('tells failure listeners once, not again for each retry that fails the same way', async () => {
    const registry = new ProviderRegistry([{provider: faulty('flaky', {init: () => Promise.reject(new Error('no NIC'))}), origin: 'test'}], 50)
    const heard: string[] = []
    registry.onFailure((type, failure) => heard.push(`${type} ${failure.call}: ${failure.reason}`))
    await registry.initialise()
    expect(await registry.retryFailedInits()).toEqual([])
    expect(await registry.retryFailedInits()).toEqual([])
    expect(heard).toEqual(['flaky init: no NIC'])
  })

  it('abandons an init retry still waiting when the registry is destroyed, so a stopping watcher is not held up', async () => {
    const registry = new ProviderRegistry([{provider: faulty('hung', {init: never}), origin: 'test', failure: {call: 'init', reason: 'x', exitCode: ExitCode.Connection}}], 600_000)
    const retry = registry.retryFailedInits()
    await registry.destroy()
    expect(await retry).toEqual([])
    expect(registry.entry('hung')?.failure?.reason).toBe('abandoned: the command is ending')
  })

  it('rejects a module whose loading or factory never settles, after the timeout', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'provider-hang-'))
    try {
      await writeFile(path.join(dir, 'tla.mjs'), 'await new Promise(() => {})\nexport default {}\n')
      await writeFile(path.join(dir, 'factory.mjs'), 'export default () => new Promise(() => {})\n')
      await expect(loadProviderModule('./tla.mjs', silent, dir, 50)).rejects.toThrow('provider module "./tla.mjs": loading it did not finish within 0.05 s (--provider-timeout)')
      // Imported once before, so the 50 ms bound times the factory, not a slow first import.
      await import(pathToFileURL(path.join(dir, 'factory.mjs')).href)
      await expect(loadProviderModule('./factory.mjs', silent, dir, 50)).rejects.toThrow('provider module "./factory.mjs": its factory failed: did not finish within 0.05 s (--provider-timeout)')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
