/**
 * Bundles the CLI with everything it imports, oclif included, in place of tsc's output: see
 * src/ovn-vif-ctl.ts for why. The entry points share their code through chunks in dist/chunks:
 * dist/oclif-entry.js, all bin/run.cjs imports to start oclif and answer help from the manifest;
 * each command's file under dist/commands, which oclif imports (by the manifest's path to it)
 * only to run that command, so that a command, `reconcile --watch` for weeks among them, carries
 * no other command's code; and dist/ovn-vif-ctl.js, every command and the hook, the package's
 * own export. Run by `npm run build` after tsc; the other files tsc wrote stay, for anyone
 * importing the library modules (src/ovsdb) directly.
 */
import {readFile, rm} from 'node:fs/promises'
import {createRequire, isBuiltin} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {build, type Plugin} from 'esbuild'

import {commandFiles} from './command-files.js'
import {applyOclifEdits, OCLIF_EDITS} from './oclif-edits.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const entries = ['oclif-entry.js', 'ovn-vif-ctl.js', ...(await commandFiles(dist))].map((file) => path.join(dist, file))

/**
 * Built-ins whose shim exports a getter for each export, which reads it only where it is used.
 * esbuild's interop for an ES module importing a CommonJS one (a built-in, here) copies the
 * exports by their descriptors, and node:util makes some exports (parseArgs, diff,
 * setTraceSigInt) when their descriptor is first read, loading their modules, worker_threads
 * among them: into every command, since oclif's start imports wsl-utils, which imports node:util.
 */
const READ_WHEN_USED = new Set(['node:util', 'util'])

/**
 * Node's built-in modules reach the bundle through `require`, as its CommonJS dependencies
 * already reach them, never through a static `import`: the ES module namespace of a built-in
 * reads every one of its exports, and some exports are lazy getters that load much more.
 * node:http's WebSocket, CloseEvent and MessageEvent load Node's fetch and, with it, crypto,
 * tls, http2, zlib and worker_threads, into every command that merely imports node:http.
 * `require` returns the exports object and leaves those getters alone; a named import becomes a
 * property read where it is used.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(bundler) {
    bundler.onResolve({filter: /.*/}, ({path: specifier, kind}) =>
      kind === 'import-statement' && isBuiltin(specifier) ? {path: specifier, namespace: 'node-builtin'} : undefined,
    )
    bundler.onLoad({filter: /.*/, namespace: 'node-builtin'}, ({path: specifier}) => ({
      contents: READ_WHEN_USED.has(specifier)
        ? `const real = require(${JSON.stringify(specifier)}); for (const name of Object.getOwnPropertyNames(real)) Object.defineProperty(module.exports, name, {enumerable: true, get: () => real[name]})`
        : `module.exports = require(${JSON.stringify(specifier)})`,
    }))
  },
}

/**
 * Dependencies whose module start is expensive and which most commands never call: each is
 * initialised on its first call instead of when the command's module is imported. string-width
 * builds an Intl.Segmenter and compiles a \p{RGI_Emoji} regular expression as its module starts,
 * while src/lib/text-width.ts calls it only for a cell that is not printable ASCII. The shim
 * `require`s the real module, which esbuild bundles as a module initialised on that first
 * `require` (Node's own `require` of an ES module is synchronous too); each must export a
 * function as its default.
 */
const initialisedOnFirstCall = ['string-width']
const lazyDefaultFunctions: Plugin = {
  name: 'lazy-default-functions',
  setup(bundler) {
    const filter = new RegExp(`^(${initialisedOnFirstCall.join('|')})$`)
    bundler.onResolve({filter}, ({path: specifier, kind}) => (kind === 'require-call' ? undefined : {path: specifier, namespace: 'initialised-on-first-call'}))
    bundler.onLoad({filter: /.*/, namespace: 'initialised-on-first-call'}, ({path: specifier}) => ({
      resolveDir: root,
      contents: `let real; export default function (...args) { real ??= require(${JSON.stringify(specifier)}).default; return real(...args) }`,
    }))
  },
}

/**
 * @oclif/core's files as scripts/oclif-edits.ts edits them. The build fails if an edit's text is not
 * in its file exactly once, or if a file to edit is not bundled: an oclif that no longer matches
 * the edits is never bundled without them.
 */
const oclifCore = path.dirname(createRequire(import.meta.url).resolve('@oclif/core/package.json'))
const editedOclif: Plugin = {
  name: 'edited-oclif',
  setup(bundler) {
    const files = new Map(OCLIF_EDITS.map(({file}) => [path.join(oclifCore, file), file]))
    const edited = new Set<string>()
    bundler.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/}, async ({path: file}) => {
      const relative = files.get(file)
      if (relative === undefined) return undefined
      edited.add(relative)
      return {contents: applyOclifEdits(relative, await readFile(file, 'utf8')), loader: 'js'}
    })
    bundler.onEnd(() => ({
      errors: [...files.values()].filter((relative) => !edited.has(relative)).map((relative) => ({text: `@oclif/core ${relative} was not bundled: its edit was not made`})),
    }))
  },
}

await build({
  entryPoints: entries,
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // oclif and its dependencies are CommonJS and require Node's own modules: an ES module has no `require` of its own.
  banner: {js: "import {createRequire as createRequireForBundle} from 'node:module'; const require = createRequireForBundle(import.meta.url);"},
  // oclif loads TypeScript only to read a tsconfig.json in development (bin/dev.js), never from a build.
  external: ['typescript'],
  plugins: [builtinsThroughRequire, lazyDefaultFunctions, editedOclif],
  logLevel: 'warning',
})
// tsc's source maps describe the files these replaced.
for (const entry of entries) await rm(`${entry}.map`, {force: true})
