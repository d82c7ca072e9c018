/**
 * Benchmark: this library against the C ovsdb-client on the same work, each against a fresh
 * ovsdb-server with the OVN Northbound schema:
 *   1. insert ROWS Address_Set rows (ours: one transaction),
 *   2. start a monitor on that table and receive all the rows.
 * Prints wall time and peak RSS of both sides and their ratios. Numbers only; nothing asserts them.
 *
 *   npx tsx bench/ovsdb/run.ts [ROWS [ROUNDS]]
 *   node --import tsx bench/ovsdb/run.ts [ROWS [ROUNDS]]   (without npm/npx, from the repository root)
 *
 * Our side runs in a child process, so its peak RSS (process.resourceUsage().maxRSS) is its own;
 * that child is this file compiled with tsc and run by plain node, as a CLI would ship (the tsx
 * loader's own memory would otherwise count as ours).
 * ovsdb-client takes a transaction only as one command-line argument, and Linux caps one
 * argument at 128 KiB, so the C side inserts in as few transactions as fit that cap; the
 * report says how many.
 */
import {execFile, spawn} from 'node:child_process'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OvsdbClient} from '../../src/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer, stopOvsdbServer} from '../../test/helpers/ovsdb-server.js'

const SCHEMA = '/usr/share/ovn/ovn-nb.ovsschema'
const DATABASE = 'OVN_Northbound'
// A root table: rows of a non-root table that nothing refers to are removed at commit.
const TABLE = 'Address_Set'
const COLUMNS = ['name', 'addresses', 'external_ids']
const MAX_ARGUMENT_BYTES = 128 * 1024 - 1024

interface SideResult {
  transactMs: number
  monitorMs: number
  peakRssKb: number
  transactions: number
  /** Ours only: the child process from spawn to exit, Node and tsx start-up included. */
  processMs?: number
}

function row(i: number): {name: string; addresses: string[]; external_ids: Record<string, string>} {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  return {name: `as_${i}`, addresses: [ip, `${ip}/32`], external_ids: {'neutron:security_group_id': `sg-${i}`}}
}

/** The same rows in wire form, for ovsdb-client. */
function wireInsert(i: number): unknown {
  const {name, addresses, external_ids: ids} = row(i)
  return {op: 'insert', table: TABLE, row: {name, addresses: ['set', addresses], external_ids: ['map', Object.entries(ids)]}}
}

function now(): number {
  return performance.now()
}

/** Runs the child side of the benchmark: our library, in this process. */
async function ours(remote: string, rows: number): Promise<void> {
  let start = now()
  const writer = await OvsdbClient.connect(remote, {database: DATABASE})
  const tx = writer.transaction()
  for (let i = 0; i < rows; i++) tx.insert(TABLE, row(i))
  await tx.commit()
  const transactMs = now() - start
  await writer.close()

  start = now()
  const reader = await OvsdbClient.connect(remote, {database: DATABASE})
  const monitor = await reader.monitor({[TABLE]: {columns: COLUMNS}})
  const monitorMs = now() - start
  const received = monitor.replica.table(TABLE).size
  await reader.close()
  if (received !== rows) throw new Error(`the monitor received ${received} rows, not ${rows}`)
  const result: SideResult = {transactMs, monitorMs, peakRssKb: process.resourceUsage().maxRSS, transactions: 1}
  process.stdout.write(JSON.stringify(result))
}

function execTimed(file: string, args: string[]): Promise<{ms: number; stdout: string; stderr: string}> {
  const start = now()
  return new Promise((resolve, reject) => {
    execFile(file, args, {maxBuffer: 256 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.slice(0, 3).join(' ')}…: ${stderr || error.message}`))
      else resolve({ms: now() - start, stdout, stderr})
    })
  })
}

/** Splits the inserts into as few transactions as fit one command-line argument each. */
function chunkedTransactions(rows: number): string[] {
  const transactions: string[] = []
  let ops: string[] = []
  let bytes = 0
  const flush = (): void => {
    transactions.push(`[${JSON.stringify(DATABASE)},${ops.join(',')}]`)
    ops = []
    bytes = 0
  }
  for (let i = 0; i < rows; i++) {
    const op = JSON.stringify(wireInsert(i))
    if (bytes + op.length + 64 > MAX_ARGUMENT_BYTES) flush()
    ops.push(op)
    bytes += op.length + 1
  }
  if (ops.length > 0) flush()
  return transactions
}

async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0)
}

async function cSide(remote: string, rows: number): Promise<SideResult> {
  const transactions = chunkedTransactions(rows)
  let transactMs = 0
  let peakRssKb = 0
  for (const transaction of transactions) {
    // GNU time prints the child's peak RSS (KiB) as the last line of stderr.
    const {ms, stderr} = await execTimed('/usr/bin/time', ['-f', '%M', 'ovsdb-client', 'transact', remote, transaction])
    transactMs += ms
    peakRssKb = Math.max(peakRssKb, Number(stderr.trim().split('\n').pop()))
  }

  // ovsdb-client monitor never exits: it is done when it has printed the initial rows (one JSON line).
  const start = now()
  const child = spawn('ovsdb-client', ['monitor', remote, DATABASE, TABLE, COLUMNS.join(','), '--format=json'], {stdio: ['ignore', 'pipe', 'ignore']})
  const received = await new Promise<number>((resolve, reject) => {
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (!chunk.includes(0x0a)) return
      const line = Buffer.concat(chunks).toString('utf8').split('\n')[0]!
      resolve((JSON.parse(line) as {data: unknown[]}).data.length)
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`ovsdb-client monitor exited (${code}) before printing the rows`)))
  })
  const monitorMs = now() - start
  peakRssKb = Math.max(peakRssKb, await peakRssOf(child.pid!))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill()
  await exited
  if (received !== rows) throw new Error(`ovsdb-client monitor printed ${received} rows, not ${rows}`)
  return {transactMs, monitorMs, peakRssKb, transactions: transactions.length}
}

const BUILD_DIR = path.join(os.tmpdir(), 'ovn-vif-ctl-bench', `build-${process.pid}`)

/** Compiles this file and what it imports to plain JavaScript; returns the compiled file. */
async function compileSelf(): Promise<string> {
  const self = fileURLToPath(import.meta.url)
  const root = path.resolve(path.dirname(self), '../..')
  await mkdir(BUILD_DIR, {recursive: true})
  // The compiled files are ES modules, as in the repository; node needs to be told so here too.
  await writeFile(path.join(BUILD_DIR, 'package.json'), '{"type": "module"}\n')
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'))
  await execTimed(process.execPath, [tsc, '--ignoreConfig', '--outDir', BUILD_DIR, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node', '--skipLibCheck', self])
  return path.join(BUILD_DIR, path.relative(root, self).replace(/\.ts$/, '.js'))
}

async function oursInChild(compiled: string, remote: string, rows: number): Promise<SideResult> {
  const start = now()
  const {stdout} = await execTimed(process.execPath, [compiled, '--ours', remote, String(rows)])
  return {...(JSON.parse(stdout) as SideResult), processMs: now() - start}
}

async function withFreshServer<T>(name: string, use: (server: OvsdbServer) => Promise<T>): Promise<T> {
  const dir = path.join(os.tmpdir(), 'ovn-vif-ctl-bench', `${name}-${process.pid}`)
  await rm(dir, {recursive: true, force: true})
  await mkdir(dir, {recursive: true})
  const server = await startOvsdbServer({dir, schemaFile: SCHEMA})
  try {
    return await use(server)
  } finally {
    await stopOvsdbServer(server)
    await rm(dir, {recursive: true, force: true})
  }
}

function format(ms: number): string {
  return `${ms.toFixed(0).padStart(7)} ms`
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** The median of each time over the rounds, and the highest peak RSS. */
function summarize(results: SideResult[]): SideResult & {totals: number[]} {
  const totals = results.map((result) => result.transactMs + result.monitorMs)
  return {
    transactMs: median(results.map((result) => result.transactMs)),
    monitorMs: median(results.map((result) => result.monitorMs)),
    peakRssKb: Math.max(...results.map((result) => result.peakRssKb)),
    transactions: results[0]!.transactions,
    processMs: median(results.map((result) => result.processMs ?? 0)),
    totals,
  }
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000)
  const rounds = Number(process.argv[3] ?? 3)
  const compiled = await compileSelf()
  const cResults: SideResult[] = []
  const ourResults: SideResult[] = []
  try {
    // Alternating rounds, so a busy moment on the machine does not land on one side only.
    for (let round = 0; round < rounds; round++) {
      cResults.push(await withFreshServer('c', (server) => cSide(server.unixRemote, rows)))
      ourResults.push(await withFreshServer('ours', (server) => oursInChild(compiled, server.unixRemote, rows)))
    }
  } finally {
    await rm(BUILD_DIR, {recursive: true, force: true})
  }
  const c = summarize(cResults)
  const mine = summarize(ourResults)
  const cTotal = median(c.totals)
  const ourTotal = median(mine.totals)
  const spread = (totals: number[]) => `${Math.min(...totals).toFixed(0)}-${Math.max(...totals).toFixed(0)} ms`
  const lines = [
    `${rows} ${TABLE} rows, ovsdb-server ${DATABASE}, unix socket, median of ${rounds} alternating rounds (Node ${process.version}, ${os.cpus().length} CPUs)`,
    '',
    `                        ovsdb-client (C)     ovn-vif-ctl ovsdb (TS)   ratio TS/C`,
    `insert (transactions)   ${format(c.transactMs)} (${c.transactions})   ${format(mine.transactMs)} (${mine.transactions})       ${(mine.transactMs / c.transactMs).toFixed(2)}x`,
    `monitor, all rows       ${format(c.monitorMs)}          ${format(mine.monitorMs)}              ${(mine.monitorMs / c.monitorMs).toFixed(2)}x`,
    `total                   ${format(cTotal)}          ${format(ourTotal)}              ${(ourTotal / cTotal).toFixed(2)}x`,
    `peak RSS                ${(c.peakRssKb / 1024).toFixed(1).padStart(7)} MB          ${(mine.peakRssKb / 1024).toFixed(1).padStart(7)} MB              ${(mine.peakRssKb / c.peakRssKb).toFixed(2)}x`,
    '',
    `Totals per round: C ${spread(c.totals)}, ours ${spread(mine.totals)}.`,
    `Our child process (plain node) took ${format(mine.processMs ?? 0).trim()} from spawn to exit, Node start-up included.`,
    `Targets: total within 2x of the C client: ${ourTotal <= 2 * cTotal ? 'met' : 'NOT met'}; peak RSS under 150 MB: ${mine.peakRssKb < 150 * 1024 ? 'met' : 'NOT met'}.`,
  ]
  console.log(lines.join('\n'))
}

if (process.argv[2] === '--ours') await ours(process.argv[3]!, Number(process.argv[4]))
else await main()
