/**
 * `npm test`: the whole suite (type-check, lint, build, unit and integration tests) on the floor
 * Node.js, then again on the LTS the packages embed, both pinned in package.json "runtimes" and
 * fetched from the npm registry when missing (scripts/runtimes.js). Prints the counts per runtime,
 * then one closing line with the totals; exits non-zero when any run failed. Arguments go to
 * vitest (e.g. a test file), on both runtimes.
 *
 * With --packages (`npm run test:packages`, root only): builds the .deb and tarball packages
 * and runs their tests (vitest.packages.config.ts) on the embedded runtime, counted the same way.
 *
 * Plain JavaScript: it starts on whatever `node` the machine has.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {ensureRuntime, ROOT, runInherited, runtimeEnv} from './runtimes.js'

const packages = process.argv[2] === '--packages'
const vitestArgs = process.argv.slice(packages ? 3 : 2)
/** @type {Array<'floor' | 'embedded'>} */
const ROLES = packages ? ['embedded'] : ['floor', 'embedded']
const SUITE = packages ? 'packages:suite' : 'suite'
const title = packages ? 'npm run test:packages' : 'npm test'

// Both first: a runtime that cannot be fetched fails the run before anything else takes time.
const runtimes = []
for (const role of ROLES) runtimes.push({role, runtime: await ensureRuntime(role)})

// A fresh clone: the dependencies first, installed by npm on the first runtime.
if (!existsSync(path.join(ROOT, 'node_modules'))) {
  const code = await runInherited('npm', ['ci', '--no-audit', '--no-fund'], runtimeEnv(runtimes[0]?.runtime ?? (await ensureRuntime('floor'))))
  if (code !== 0) process.exit(code)
}

const work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-test-'))
const results = []
try {
  for (const {role, runtime} of runtimes) {
    const report = path.join(work, `vitest-${role}.json`)
    process.stdout.write(`\n== ${title} on Node.js ${runtime.version} (${role})\n`)
    const started = Date.now()
    const code = await runInherited('npm', ['run', '--silent', SUITE, '--', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs], {...runtimeEnv(runtime), FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0')})
    const counts = await readCounts(report)
    results.push({role, version: runtime.version, code, counts, seconds: Math.round((Date.now() - started) / 1000)})
  }
} finally {
  await rm(work, {recursive: true, force: true})
}

process.stdout.write('\n')
for (const {role, version, code, counts, seconds} of results) {
  const tests = counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` : 'no test report (a step before vitest failed)'
  process.stdout.write(`Node.js ${version} (${role}): ${tests}; exit ${code}; ${seconds} s\n`)
}

const passed = results.reduce((sum, {counts}) => sum + (counts?.passed ?? 0), 0)
const failed = results.reduce((sum, {counts}) => sum + (counts?.failed ?? 0), 0)
const skipped = results.reduce((sum, {counts}) => sum + (counts?.skipped ?? 0), 0)
const broken = results.filter(({code, counts}) => code !== 0 || !counts).length
// A run that failed before its tests (type-check, lint, build) counts as one failure.
process.stdout.write(`${passed} passed, ${failed + (failed === 0 ? broken : 0)} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
process.exitCode = broken ? 1 : 0

/**
 * @param {string} report vitest's JSON report
 * @returns {Promise<{passed: number, failed: number, skipped: number} | undefined>}
 */
async function readCounts(report) {
  try {
    const json = JSON.parse(await readFile(report, 'utf8'))
    return {passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests}
  } catch {
    return undefined
  }
}
