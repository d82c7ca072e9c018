import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {UserError, ValidationError} from '../../../src/lib/errors.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {BUILTIN_ORIGIN, loadProviderModule, loadProviders, ProviderRegistry, validateProvider} from '../../../src/providers/registry.js'
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
    expect(registry.entries.map(({origin, initFailure}) => ({origin, initFailure}))).toEqual([
      {origin: BUILTIN_ORIGIN, initFailure: undefined},
      {origin: BUILTIN_ORIGIN, initFailure: undefined},
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
    expect(registry.entry('dummy')?.initFailure).toBeUndefined()
    expect(registry.entry('flaky')?.initFailure).toEqual({reason: 'no flaky NIC found', exitCode: ExitCode.Internal})
    const flaky = registry.require('flaky')
    const refusal = {ok: false, reason: 'provider flaky failed to initialise: no flaky NIC found'}
    expect(flaky.prepareCreate({lportName: 'lp', lportOptions: {}})).toEqual(refusal)
    expect(flaky.prepareRemove({lportName: 'lp', existing: {name: 'flaky0', type: '', options: {}}})).toEqual(refusal)
    await expect(flaky.inventory()).rejects.toThrow(UserError)
  })

  it('keeps a missing devlink as the representor\'s init failure with the missing-dependency exit code', async () => {
    const registry = await loadProviders({representor: {devlinkPath: path.join(os.tmpdir(), 'no-such-dir', 'devlink')}})
    expect(registry.entry('representor')?.initFailure).toEqual({
      reason: expect.stringMatching(/devlink not found: install the iproute2 package/),
      exitCode: ExitCode.MissingDependency,
    })
    expect(registry.entry('dummy')?.initFailure).toBeUndefined()
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
    const registry = new ProviderRegistry([{provider, origin: 'test', initFailure: {reason: 'devlink is not ready', exitCode: 4}}])
    const request = {lportName: 'lsp1', lportOptions: {}}
    expect(registry.get('late')!.prepareCreate(request)).toEqual({ok: false, reason: 'provider late failed to initialise: devlink is not ready'})

    expect(await registry.retryFailedInits()).toEqual([])
    expect(registry.entry('late')?.initFailure?.reason).toBe('devlink is not ready')
    expect(registry.get('late')!.prepareCreate(request).ok).toBe(false)

    ready = true
    expect(await registry.retryFailedInits()).toEqual(['late'])
    expect(registry.entry('late')?.initFailure).toBeUndefined()
    expect(registry.get('late')).toBe(provider)
    expect(registry.get('late')!.prepareCreate(request)).toEqual({ok: true, value: {name: 'vf0', type: '', options: {}}})
  })
})
