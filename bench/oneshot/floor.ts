/**
 * The parts of the one-shot `reconcile`'s floor that are not the local server's transaction,
 * shared by bench/oneshot and bench/reconcile (and so bench/speed's (d)): the CLI loaded with
 * nothing done, and the reads the one-shot must make, by clients already connected.
 */
import {type Monitor, type OvsdbClient} from '../../src/ovsdb/index.js'
import {chassisNames, requestedHere} from '../../src/ovn/local-view.js'
import {COLUMNS, type OvsTables, PASS_COLUMNS, type SouthboundTables} from '../../src/ovn/rows.js'
import {timeProgram} from '../density/sf-chassis.js'

/**
 * The CLI at `cli` (a bin/run.cjs) loaded and nothing done: `reconcile --log-format json`, which
 * oclif parses and the command refuses (exit 2) before it opens anything.
 */
export function cliLoadedMs(node: string, cli: string): Promise<number> {
  return timeProgram(node, [cli, 'reconcile', '--log-format', 'json'])
}

/**
 * The one-shot's reads, as LocalChassis makes them, by clients already connected: the root row
 * and the bridge's rows on one connection; the Chassis row, then the bindings it selects, on
 * the other. The time until all are in; the monitors are cancelled after. Throws unless the
 * reads found `bindings` bindings for `chassis`.
 */
export async function readsMs(ovs: OvsdbClient, sb: OvsdbClient, chassis: string, bindings: number): Promise<number> {
  const started = performance.now()
  const monitors: Monitor<never>[] = []
  const keep = <M>(monitor: M) => {
    monitors.push(monitor as Monitor<never>)
    return monitor
  }

  const southbound = async () => {
    const chassisMonitor = keep(await sb.monitor<Pick<SouthboundTables, 'Chassis'>>({Chassis: {columns: COLUMNS.Chassis, where: [['name', '==', chassis]]}}))
    const rows = [...chassisMonitor.replica.table('Chassis').rows()]
    const where = requestedHere(rows[0]?._uuid, chassisNames(rows, chassis))
    return keep(await sb.monitor<Pick<SouthboundTables, 'Port_Binding'>>({Port_Binding: {columns: PASS_COLUMNS.Port_Binding, where}}))
  }

  const [, , bindingMonitor] = await Promise.all([
    ovs.monitor<Pick<OvsTables, 'Open_vSwitch'>>({Open_vSwitch: {columns: COLUMNS.Open_vSwitch}}).then(keep),
    ovs.monitor<Pick<OvsTables, 'Bridge' | 'Port' | 'Interface'>>({Bridge: {columns: COLUMNS.Bridge}, Port: {columns: COLUMNS.Port}, Interface: {columns: PASS_COLUMNS.Interface}}).then(keep),
    southbound(),
  ])
  const elapsed = performance.now() - started
  await Promise.all(monitors.map((monitor) => monitor.cancel()))
  const read = bindingMonitor.replica.table('Port_Binding').size
  if (read !== bindings) throw new Error(`the reads found ${read} bindings of ${chassis}, expected ${bindings}`)
  return elapsed
}
