#!/usr/bin/env node
// `--version` answers without loading oclif (most of start-up time); the line is the same as
// oclif's own (its Config.userAgent), which test/unit/version.test.ts checks.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  console.log(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}`)
} else {
  // The bundle's own oclif (scripts/bundle.ts), which the commands share: the one in node_modules would be a second copy to load.
  const {execute, settings} = await import('../dist/oclif-entry.js')
  // The bundle even under NODE_ENV=test or development, where oclif would look for the TypeScript
  // sources and load them, and a second oclif with them, whose errors the first does not know.
  settings.enableAutoTranspile = false
  await execute({dir: import.meta.url})
}
