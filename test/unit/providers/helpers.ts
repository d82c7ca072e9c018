import {readFileSync} from 'node:fs'
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/providers')

/** A recorded machine: its `devlink -j port show` output and its fake sysfs tree. */
export function scenario(name: 'dpu-2pf-8vf' | 'dpu-sf' | 'local-switchdev' | 'no-hw-addr' | 'vf-renaming') {
  const dir = path.join(FIXTURES, 'representor', name)
  const devlinkFile = path.join(dir, 'devlink.json')
  return {
    devlinkFile,
    sysfsRoot: path.join(dir, 'sysfs'),
    devlinkJson: readFileSync(devlinkFile, 'utf8'),
    /** The parsed dump, to derive variants (a port without netdev, a duplicate MAC) from. */
    dump: () => JSON.parse(readFileSync(devlinkFile, 'utf8')) as {port: Record<string, Record<string, unknown>>},
  }
}

export function lportOptions(pfMac: string, vfNum?: string): Record<string, string> {
  return {
    'vif-plug-type': 'representor',
    'vif-plug:representor:pf-mac': pfMac,
    ...(vfNum === undefined ? {} : {'vif-plug:representor:vf-num': vfNum}),
  }
}

/** The options of an lport asking for SF `sfNum` of the host PF `pfMac`. */
export function sfLportOptions(pfMac: string, sfNum: string): Record<string, string> {
  return {...lportOptions(pfMac), 'vif-plug:representor:sf-num': sfNum}
}

const fakeDevlinkDirs: string[] = []

/**
 * A `devlink` program for tests: a shell script that appends its arguments to `argvLog`,
 * one call per line, then runs `body` (which may use $1.. and $DIR, its own directory).
 */
export async function fakeDevlink(body: string): Promise<{program: string; argvLog: string; dir: string}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-devlink-'))
  fakeDevlinkDirs.push(dir)
  const program = path.join(dir, 'devlink')
  const argvLog = path.join(dir, 'argv')
  await writeFile(program, `#!/bin/sh\nDIR='${dir}'\necho "$*" >> "$DIR/argv"\n${body}\n`)
  await chmod(program, 0o755)
  return {program, argvLog, dir}
}

/** For afterAll: removes every fake devlink directory this file made. */
export async function removeFakeDevlinks(): Promise<void> {
  for (const dir of fakeDevlinkDirs.splice(0)) await rm(dir, {recursive: true, force: true})
}
