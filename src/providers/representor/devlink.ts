import {execFile, spawn} from 'node:child_process'
import type {Socket} from 'node:net'

import {UnreachableError, MissingDependencyError, ValidationError} from '../../lib/errors.js'
import {isZeroMac, normalizeMac} from './mac.js'

/** The devlink port flavours a representor lookup uses; every other flavour is skipped. */
export type DevlinkFlavour = 'physical' | 'pcipf' | 'pcivf' | 'pcisf'

export interface DevlinkPort {
  /** The dump's key, e.g. pci/0000:03:00.0/4097. */
  key: string
  /** Bus and device, e.g. pci/0000:03:00.0: ports of one devlink device share it. */
  device: string
  flavour: DevlinkFlavour
  netdev?: string
  /** The physical port number (flavour physical only). */
  port?: number
  controller: number
  external: boolean
  pfnum?: number
  vfnum?: number
  /** devlink's sfnum, a u32 (flavour pcisf only). */
  sfnum?: number
  /** The function's MAC (normalised), absent when the kernel reports none or all zeros. */
  hwAddr?: string
  /** An SF's function.state (active, inactive) and function.opstate (attached, detached), when the kernel reports them. */
  functionState?: string
  functionOpstate?: string
}

export interface ParsedDevlinkDump {
  ports: DevlinkPort[]
  /** One line per port skipped for its flavour, for debug output. */
  skipped: string[]
}

/** Far above any real dump (a few hundred bytes per port), low enough to fail fast on a wrong file. */
export const MAX_DEVLINK_DUMP_BYTES = 16 * 1024 * 1024

const DEVLINK_ARGS = ['-j', 'port', 'show'] as const
const MONITOR_ARGS = ['-j', 'monitor', 'port'] as const
const DEVLINK_TIMEOUT_MS = 10_000
const SUPPORTED_FLAVOURS = new Set<string>(['physical', 'pcipf', 'pcivf', 'pcisf'])
const PORT_KEY = /^([^/]+\/[^/]+)\/(\d+)$/
// The kernel's dev_valid_name: 1-15 bytes, no '/', ':' or white space, not '.' or '..'.
const NETDEV_NAME = /^[^/:\s]+$/

const EXPECTED = 'expected the output of `devlink -j port show`'

function describeSize(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}

/** Runs `devlink -j port show` (never through a shell) and returns its standard output. */
export function runDevlinkPortShow(devlinkPath = 'devlink'): Promise<string> {
  return runDevlinkJson(DEVLINK_ARGS, devlinkPath)
}

/** Runs `devlink ARGS` (never through a shell) and returns its standard output; failures are one-line operator errors. */
export function runDevlinkJson(args: readonly string[], devlinkPath = 'devlink'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      devlinkPath,
      args,
      {maxBuffer: MAX_DEVLINK_DUMP_BYTES, timeout: DEVLINK_TIMEOUT_MS, encoding: 'utf8'},
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout)
          return
        }

        const failure = error as NodeJS.ErrnoException & {killed?: boolean}
        const command = `${devlinkPath} ${args.join(' ')}`
        if (failure.code === 'ENOENT') {
          reject(new MissingDependencyError(`${devlinkPath} not found: install the iproute2 package (apt-get install iproute2)`))
        } else if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(new ValidationError(`${command} printed more than ${describeSize(MAX_DEVLINK_DUMP_BYTES)}; refusing to parse it`))
        } else if (failure.killed) {
          reject(new UnreachableError(`${command} did not finish within ${DEVLINK_TIMEOUT_MS / 1000} s`))
        } else {
          const reason = stderr.trim().split('\n')[0] || failure.message.split('\n')[0]
          // Typically the kernel's devlink netlink family is unreachable (no permission, no module).
          reject(new UnreachableError(`${command} failed: ${reason}`))
        }
      },
    )
  })
}

/**
 * Runs `devlink -j monitor port` (never through a shell) and calls onEvent for every chunk
 * of event output; onEnd gets a one-line reason if the monitor fails or exits. Neither the
 * child nor its pipe keeps the process alive. Returns the function that stops it.
 */
export function monitorDevlinkPorts(devlinkPath: string, onEvent: () => void, onEnd: (reason: string) => void): () => void {
  const command = `${devlinkPath} ${MONITOR_ARGS.join(' ')}`
  let stopped = false
  const child = spawn(devlinkPath, MONITOR_ARGS, {stdio: ['ignore', 'pipe', 'ignore']})
  // Unref'd, the monitor would otherwise outlive a CLI that exits without unsubscribing.
  const stop = () => {
    stopped = true
    process.off('exit', stop)
    // Only a child that started and still runs: when the spawn failed (no devlink), Node can still
    // hold a handle whose pid is 0, and kill(0) would signal this whole process group.
    if (child.pid && child.exitCode === null && child.signalCode === null) child.kill()
  }

  const end = (reason: string) => {
    if (!stopped) onEnd(reason)
    stopped = true
    process.off('exit', stop)
  }

  process.once('exit', stop)
  child.on('error', (error) => end(`${command}: ${error.message}`))
  child.on('exit', (code, signal) => end(`${command} exited (${signal ?? `code ${code}`})`))
  child.stdout.on('data', () => {
    if (!stopped) onEvent()
  })
  child.unref()
  ;(child.stdout as Socket).unref()
  return stop
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

class PortReader {
  constructor(
    private readonly key: string,
    private readonly attributes: Record<string, unknown>,
  ) {}

  fail(message: string): never {
    throw new ValidationError(`devlink port ${this.key}: ${message}`)
  }

  integer(name: string): number | undefined {
    const value = this.attributes[name]
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      this.fail(`"${name}" is ${JSON.stringify(value)}, expected a non-negative integer`)
    }

    return value
  }

  requiredInteger(name: string): number {
    return this.integer(name) ?? this.fail(`"${name}" is missing`)
  }

  netdev(): string | undefined {
    const value = this.attributes.netdev
    if (value === undefined) return undefined
    if (typeof value !== 'string' || !NETDEV_NAME.test(value) || Buffer.byteLength(value) > 15 || value === '.' || value === '..') {
      this.fail(`"netdev" is ${JSON.stringify(value)}, which is not a valid netdev name`)
    }

    return value
  }

  private portFunction(): Record<string, unknown> | undefined {
    const portFunction = this.attributes.function
    if (portFunction === undefined) return undefined
    if (!isRecord(portFunction)) this.fail('"function" is not an object')
    return portFunction
  }

  hwAddr(): string | undefined {
    const value = this.portFunction()?.hw_addr
    if (value === undefined) return undefined
    const mac = typeof value === 'string' ? normalizeMac(value) : undefined
    if (!mac) this.fail(`"function.hw_addr" is ${JSON.stringify(value)}, expected a MAC address`)
    return isZeroMac(mac) ? undefined : mac
  }

  /** function.state or function.opstate: a lower-case word, as devlink prints it. */
  functionWord(name: 'state' | 'opstate'): string | undefined {
    const value = this.portFunction()?.[name]
    if (value === undefined) return undefined
    if (typeof value !== 'string' || !/^[a-z_]{1,32}$/.test(value)) this.fail(`"function.${name}" is ${JSON.stringify(value)}, expected a word such as active or attached`)
    return value
  }

  external(): boolean {
    const value = this.attributes.external
    if (value === undefined) return false
    if (typeof value !== 'boolean') this.fail(`"external" is ${JSON.stringify(value)}, expected true or false`)
    return value
  }
}

/** A dump larger than any real NIC's is refused before it is read or parsed. */
export function checkDevlinkDumpSize(bytes: number): void {
  if (bytes > MAX_DEVLINK_DUMP_BYTES) {
    throw new ValidationError(
      `devlink port dump is ${describeSize(bytes)}, more than the ${describeSize(MAX_DEVLINK_DUMP_BYTES)} this tool reads; ${EXPECTED}`,
    )
  }
}

/**
 * Parses `devlink -j port show` output. Anything that is not such a dump, or a port of a
 * supported flavour whose attributes have the wrong shape, is a ValidationError naming the
 * port and attribute; ports of other flavours are skipped unread.
 */
export function parseDevlinkPortDump(text: string): ParsedDevlinkDump {
  checkDevlinkDumpSize(Buffer.byteLength(text))

  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ValidationError(`devlink port dump is not JSON (${(error as Error).message}); ${EXPECTED}`)
  }

  if (!isRecord(document) || !isRecord(document.port)) {
    throw new ValidationError(`devlink port dump has no "port" object; ${EXPECTED}`)
  }

  const ports: DevlinkPort[] = []
  const skipped: string[] = []
  for (const [key, attributes] of Object.entries(document.port)) {
    const keyMatch = PORT_KEY.exec(key)
    if (!keyMatch?.[1]) throw new ValidationError(`devlink port dump has a port named "${key}", expected <bus>/<device>/<index>`)
    if (!isRecord(attributes)) throw new ValidationError(`devlink port ${key}: attributes are not an object`)

    const flavour = attributes.flavour
    if (typeof flavour !== 'string' || !SUPPORTED_FLAVOURS.has(flavour)) {
      skipped.push(`skipping devlink port ${key}: flavour ${JSON.stringify(flavour ?? null)} is not physical, pcipf, pcivf or pcisf`)
      continue
    }

    const reader = new PortReader(key, attributes)
    ports.push({
      key,
      device: keyMatch[1],
      flavour: flavour as DevlinkFlavour,
      netdev: reader.netdev(),
      port: flavour === 'physical' ? reader.integer('port') : undefined,
      controller: reader.integer('controller') ?? 0,
      external: reader.external(),
      pfnum: flavour === 'physical' ? undefined : reader.requiredInteger('pfnum'),
      vfnum: flavour === 'pcivf' ? reader.requiredInteger('vfnum') : undefined,
      sfnum: flavour === 'pcisf' ? reader.requiredInteger('sfnum') : undefined,
      hwAddr: flavour === 'physical' ? undefined : reader.hwAddr(),
      // Read for SFs only, which are plugged by them; PFs and VFs are plugged whatever devlink says.
      functionState: flavour === 'pcisf' ? reader.functionWord('state') : undefined,
      functionOpstate: flavour === 'pcisf' ? reader.functionWord('opstate') : undefined,
    })
  }

  return {ports, skipped}
}
