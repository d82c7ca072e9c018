import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {run} from '../../../src/sandbox/daemon.js'
import {runCli} from '../../helpers/cli.js'
import {metricsPortOf} from '../../helpers/metrics.js'
import {eventually, waitForPluggedInterfaces} from '../../helpers/ovs.js'
import {CliProcess} from '../../helpers/process.js'
import {TEST_SANDBOX_ROOT, useSandbox} from '../../helpers/sandbox.js'

/** A port free on loopback now, for a server that cannot be told to pick its own. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 0}, resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('a real Prometheus server scraping reconcile --watch', () => {
  const sandbox = useSandbox({chassis: ['hv1']})
  const hv1 = () => sandbox().chassis[0]!
  const nbctl = (...args: string[]) => run('ovn-nbctl', [`--db=${sandbox().nbDb}`, ...args])
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function startPrometheus(target: number): Promise<number> {
    const dir = await mkdtemp(path.join(TEST_SANDBOX_ROOT, 'prometheus-'))
    cleanups.push(() => rm(dir, {recursive: true, force: true}))
    const config = path.join(dir, 'prometheus.yml')
    await writeFile(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ovn-vif-ctl\n    static_configs:\n      - targets: ['127.0.0.1:${target}']\n`)
    const port = await freePort()
    const server: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {stdio: 'ignore'})
    const exited = new Promise((resolve) => server.on('exit', resolve))
    cleanups.push(async () => {
      server.kill('SIGTERM')
      await exited
    })
    return port
  }

  it('stores ovn_vif_ctl_lports{state="plugged"} equal to the plugged count status prints', async () => {
    const watcher = new CliProcess(['reconcile', '--watch', '--db', hv1().db, '--log-format', 'json', '--metrics-address', '0'])
    cleanups.push(() => watcher.stop())
    const target = await metricsPortOf(watcher)
    await nbctl('ls-add', 'psw', '--', 'lsp-add', 'psw', 'p1', '--', 'lsp-add', 'psw', 'p2', '--',
      'set', 'Logical_Switch_Port', 'p1', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy', '--',
      'set', 'Logical_Switch_Port', 'p2', 'options:requested-chassis=hv1', 'options:vif-plug-type=dummy')
    cleanups.push(async () => {
      await nbctl('--if-exists', 'ls-del', 'psw')
      await waitForPluggedInterfaces(hv1().db, 'p', [])
    })
    await waitForPluggedInterfaces(hv1().db, 'p', ['p1', 'p2'])
    const status = await eventually('status to show p1 and p2 plugged', async () => {
      const result = await runCli(['status', '--db', hv1().db, '-f', 'json'])
      const {counts} = JSON.parse(result.stdout) as {counts: Record<string, number>}
      return counts.plugged === 2 ? counts : undefined
    })

    const prometheus = await startPrometheus(target)
    const query = encodeURIComponent('ovn_vif_ctl_lports{state="plugged"}')
    const stored = await eventually('Prometheus to have scraped the plugged count', async () => {
      const response = await fetch(`http://127.0.0.1:${prometheus}/api/v1/query?query=${query}`)
      const body = (await response.json()) as {data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}}
      const [sample] = body.data.result
      return sample && Number(sample.value[1]) === status.plugged ? sample : undefined
    }, 60_000)
    expect(stored.metric).toMatchObject({__name__: 'ovn_vif_ctl_lports', state: 'plugged', job: 'ovn-vif-ctl'})
    expect(Number(stored.value[1])).toBe(status.plugged)
  })
})
