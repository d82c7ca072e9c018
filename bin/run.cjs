#!/usr/bin/env node
'use strict'
// CommonJS, and `--version` answered without loading oclif: a runtime starts an ES module entry
// and oclif (most of start-up time) more slowly. The line is the same as oclif's own (its
// Config.userAgent), which test/unit/version.test.ts checks.

// The oldest Node.js major this CLI runs on: package.json's engines, the bundle's target (scripts/bundle.ts).
const NODE_FLOOR = 22
const supported = Number(process.versions.node.split('.')[0]) >= NODE_FLOOR
if (!supported) {
  process.stderr.write(`ovn-vif-ctl: Node.js ${process.version} is older than ${NODE_FLOOR}, the oldest it supports: run it on Node.js ${NODE_FLOOR} or later, or install the .deb or tarball, which carry their own\n`)
}

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const {name, version} = require('../package.json')
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // V8's compiled code of the bundle, kept from one run to the next: compiling it is most of a
  // command's start. Older runtimes have no compile cache to enable.
  const cache = supported ? compileCacheDirectory() : undefined
  if (cache !== undefined) require('node:module').enableCompileCache(cache)
  // The bundle's own oclif (scripts/bundle.ts), which the commands share: the one in node_modules would be a second copy to load.
  import('../dist/oclif-entry.js').then(({start}) => start(__filename)).then(exitOnceWritten)
}

/**
 * Ends the process once the command has returned (oclif exits by itself on an error) and its
 * output has left. Left to end by itself, the runtime would first free its heap piece by piece,
 * which after a large one-shot reconcile holds tens of thousands of rows: time spent after the
 * work is done. Output still queued for a slow reader is written first; what is in the pipe
 * already outlives the process.
 */
function exitOnceWritten() {
  const queued = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0 && !stream.destroyed)
  Promise.all(queued.map((stream) => new Promise((resolve) => {
    stream.once('drain', resolve)
    stream.once('close', resolve)
  }))).then(() => process.exit())
}

/**
 * $XDG_CACHE_HOME/ovn-vif-ctl (by default ~/.cache/ovn-vif-ctl), created 0700, if it is a directory
 * of this user's that no one else can write: the runtime runs the code it finds there, so a cache
 * another user could write (a shared /tmp, a user's own ~/.cache under `sudo` that kept HOME)
 * would run their code as this user. Otherwise, or when it cannot be created (a read-only or
 * hidden home, as under the systemd unit's ProtectHome), no cache: the command only starts slower.
 */
function compileCacheDirectory() {
  const path = require('node:path')
  const fs = require('node:fs')
  const xdg = process.env.XDG_CACHE_HOME
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(process.env.HOME || require('node:os').homedir(), '.cache')
  const directory = path.join(base, 'ovn-vif-ctl')
  try {
    // One level at a time: a home that does not exist is not created.
    for (const level of [base, directory]) {
      try {
        fs.mkdirSync(level, {mode: 0o700})
      } catch (error) {
        if (error.code !== 'EEXIST') throw error
      }
    }
    const stat = fs.lstatSync(directory)
    return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o022) === 0 ? directory : undefined
  } catch {
    return undefined
  }
}
