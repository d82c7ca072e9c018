/**
 * `status` at scale (measure.ts): one sandbox chassis with 10,000 requested and reconciled lports;
 * once the chassis has settled, `ovn-vif-ctl status` against `ovs-vsctl show` and `ovn-sbctl
 * show` on the same data, and `ovn-vif-ctl --version` against `node -e 0`; beside them the floor
 * of status on that data (a bare oclif CLI's run + the reads status makes, by clients already
 * connected), and each --against tree's `status` (another checkout's build: DIR/bin/run.cjs).
 * Targets: status <= 1 s; status <= 1.2x `ovs-vsctl show` (issue 23 g); --version <= 2x node.
 * Run after `npm run build`: npx tsx bench/status/run.ts [--lports N] [--runs K] [--against DIR ...]
 */
import path from 'node:path'
import {parseArgs} from 'node:util'

import {measureStatusAtScale, RUNS} from './measure.js'

const {values} = parseArgs({options: {lports: {type: 'string', default: '10000'}, runs: {type: 'string', default: String(RUNS)}, against: {type: 'string', multiple: true, default: []}}})
const measured = await measureStatusAtScale({lports: Number(values.lports), runs: Number(values.runs), node: process.execPath, against: values.against})
const {lports, runs, settledAfterMs, status, statusTiming, statusAgainst, statusJson, allChassis, vsctl, sbctl, version, node, bareOclif, reads} = measured
const row = (name: string, ms: number, against?: [string, number], note = '') =>
  console.log(`${name.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms${against ? `   ${(ms / against[1]).toFixed(2)}x ${against[0]}` : ''}${note}`)
const cpu = (cpuMs: number) => `   CPU ${cpuMs.toFixed(0)} ms`
const floor = bareOclif + reads.readsMs
console.log(`\nmedian of ${runs} runs each, taking turns, ${lports} lports on one chassis${settledAfterMs === undefined ? ' (not settled)' : ''}`)
row('ovs-vsctl show', vsctl)
row('ovn-sbctl show', sbctl)
row('ovn-vif-ctl status (table)', status, ['ovs-vsctl show', vsctl], cpu(statusTiming.cpuMs))
for (const [tree, timing] of Object.entries(statusAgainst)) row(`  the same by ${path.basename(tree)}`, timing.wallMs, ['ovs-vsctl show', vsctl], `${cpu(timing.cpuMs)}; this tree: wall ${(status / timing.wallMs).toFixed(2)}x, CPU ${(statusTiming.cpuMs / timing.cpuMs).toFixed(2)}x`)
row('ovn-vif-ctl status (table)', status, ['ovn-sbctl show', sbctl])
row('ovn-vif-ctl status -f json', statusJson, ['ovn-sbctl show', sbctl])
row('ovn-vif-ctl status --all-chassis', allChassis, ['ovn-sbctl show', sbctl])
row('node -e 0', node)
row('ovn-vif-ctl --version', version, ['node -e 0', node])
console.log('\nthe floor of status on the same data:')
row('bare oclif CLI, hello', bareOclif)
row('the reads status makes, connected clients', reads.readsMs, undefined, `   (${(reads.bytes / 1e6).toFixed(1)} MB of JSON; JSON.parse alone ${reads.parseMs.toFixed(0)} ms)`)
row('floor: the two together', floor, ['ovs-vsctl show', vsctl])
row('ovn-vif-ctl status above the floor', status - floor, undefined, `   status = ${(status / floor).toFixed(2)}x the floor`)
console.log(`\ntargets: status <= 1000 ms (${status <= 1000 ? 'met' : 'missed'}); status <= 1.2x ovs-vsctl show (${status <= 1.2 * vsctl ? 'met' : 'missed'}; the floor is ${(floor / vsctl).toFixed(2)}x); --version <= 2x node (${version <= 2 * node ? 'met' : 'missed'})`)
