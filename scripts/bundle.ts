/**
 * Bundles the CLI's entry module (dist/ovn-vif-ctl.js, as tsc wrote it) with everything it
 * imports, oclif included, into that same file: see src/ovn-vif-ctl.ts for why. Run by
 * `npm run build` after tsc; the other files tsc wrote stay, for anyone importing the library
 * modules (src/ovsdb) directly.
 */
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entry = path.join(root, 'dist', 'ovn-vif-ctl.js')

await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // oclif and its dependencies are CommonJS and require Node's own modules: an ES module has no `require` of its own.
  banner: {js: "import {createRequire as createRequireForBundle} from 'node:module'; const require = createRequireForBundle(import.meta.url);"},
  // oclif loads TypeScript only to read a tsconfig.json in development (bin/dev.js), never from a build.
  external: ['typescript'],
  logLevel: 'warning',
})
// tsc's source map describes the file this one replaced.
await rm(`${entry}.map`, {force: true})
