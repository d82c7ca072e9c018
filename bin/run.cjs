#!/usr/bin/env node
'use strict'
// CommonJS, and `--version` answered without loading oclif: a runtime starts an ES module entry
// and oclif (most of start-up time) more slowly. The line is the same as oclif's own (its
// Config.userAgent), which test/unit/version.test.ts checks.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {name, version} = require('../package.json')
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // The bundle's own oclif (scripts/bundle.ts), which the commands share: the one in node_modules would be a second copy to load.
  import('../dist/oclif-entry.js').then(({execute, settings}) => {
    // The bundle even under NODE_ENV=test or development, where oclif would look for the TypeScript
    // sources and load them, and a second oclif with them, whose errors the first does not know.
    settings.enableAutoTranspile = false
    return execute({dir: __filename})
  })
}
