/**
 * `status` at scale (measure.ts): one sandbox chassis with 10,000 requested and reconciled lports;
 * once the chassis has settled, `ovn-vif-ctl status` against `ovs-vsctl show` and `ovn-sbctl
 * show` on the same data, and `ovn-vif-ctl --version` against `node -e 0`.
 * Targets: status <= 1 s; --version <= 2x node.
 * Run after `npm run build`: npx tsx bench/status/run.ts [lports]
 */
import {measureStatusAtScale} from './measure.js'

const {lports, runs, settledAfterMs, status, statusJson, allChassis, vsctl, sbctl, version, node} = await measureStatusAtScale({lports: Number(process.argv[2] ?? 10_000), node: process.execPath})
const row = (name: string, ms: number, against?: [string, number]) =>
  console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms${against ? `   ${(ms / against[1]).toFixed(2)}x ${against[0]}` : ''}`)
console.log(`\nmedian of ${runs} runs each, taking turns, ${lports} lports on one chassis${settledAfterMs === undefined ? ' (not settled)' : ''}`)
row('ovs-vsctl show', vsctl)
row('ovn-sbctl show', sbctl)
row('ovn-vif-ctl status (table)', status, ['ovs-vsctl show', vsctl])
row('ovn-vif-ctl status (table)', status, ['ovn-sbctl show', sbctl])
row('ovn-vif-ctl status -f json', statusJson, ['ovn-sbctl show', sbctl])
row('ovn-vif-ctl status --all-chassis', allChassis, ['ovn-sbctl show', sbctl])
row('node -e 0', node)
row('ovn-vif-ctl --version', version, ['node -e 0', node])
console.log(`\ntargets: status <= 1000 ms (${status <= 1000 ? 'met' : 'missed'}); --version <= 2x node (${version <= 2 * node ? 'met' : 'missed'})`)
