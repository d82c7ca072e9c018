#!/usr/bin/env node
// `--version` answers without loading oclif (most of start-up time); the line is the same as
// oclif's own (its Config.userAgent), which test/unit/version.test.ts checks.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  console.log(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}`)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
