/**
 * The Depends of a package whose one binary is the Node.js runtime, computed from what that
 * ELF links, the way dpkg-shlibdeps does it: each NEEDED library is looked up in the symbols
 * files that the installed Debian packages of the package's architecture ship
 * (/var/lib/dpkg/info/PACKAGE:ARCH.symbols, whose header line `SONAME PACKAGE #MINVER#` names
 * the package that ships the library), and each symbol version the binary needs from it
 * (`GLIBC_2.28`, `GLIBCXX_3.4.21`, ...) gives, through the line `VERSION@VERSION MINVER`, the
 * oldest package version that has it (a base version such as GLIBC_2.2.5 has no such line:
 * then the oldest MINVER of the symbols of that version).
 *
 * For arm64 that needs the arm64 libraries installed beside the native ones (dpkg multiarch:
 * libc6:arm64 libstdc++6:arm64 libatomic1:arm64, which scripts/install-ovn.sh --packaging
 * installs, and which qemu-aarch64-static needs to run the arm64 runtime anyway).
 */
import {execFile} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

const exec = promisify(execFile)
const DPKG_INFO = '/var/lib/dpkg/info'

export interface ElfLinkage {
  machine: string
  needed: string[]
  /** Symbol versions needed, by library. */
  versions: Map<string, string[]>
}

export async function readElfLinkage(file: string): Promise<ElfLinkage> {
  const run = async (flag: string) => (await exec('readelf', ['-W', flag, file], {maxBuffer: 16 * 1024 * 1024})).stdout
  const [header, dynamic, versionInfo] = await Promise.all([run('-h'), run('-d'), run('-V')])
  const machine = /^\s*Machine:\s+(.+)$/m.exec(header)?.[1]?.trim()
  if (!machine) throw new Error(`${file}: readelf shows no ELF machine`)
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]!)
  // "Version needs section": a "File: LIB" line, then one "Name: VERSION" line per version.
  const versions = new Map<string, string[]>()
  let library: string | undefined
  for (const line of versionInfo.split('\n')) {
    const file = /File: (\S+)/.exec(line)?.[1]
    if (file) {
      library = file
      versions.set(library, [])
      continue
    }

    const name = /Name: (\S+)/.exec(line)?.[1]
    if (library && name) versions.get(library)!.push(name)
  }

  return {machine, needed, versions}
}

interface SymbolsFile {
  packageName: string
  /** Oldest package version by symbol version. */
  minimumVersions: Map<string, string>
  /** The symbol versions that have a `VERSION@VERSION MINVER` line, which then decides. */
  versionNodes: Set<string>
}

/** The symbols files of the installed packages of one architecture, by the library (soname) each describes. */
async function readSymbolsFiles(architecture: string): Promise<Map<string, SymbolsFile>> {
  const files = (await readdir(DPKG_INFO)).filter((name) => name.endsWith(`:${architecture}.symbols`)).sort()
  const bySoname = new Map<string, SymbolsFile>()
  for (const name of files) {
    let current: SymbolsFile | undefined
    for (const line of (await readFile(path.join(DPKG_INFO, name), 'utf8')).split('\n')) {
      const header = /^(\S+) (\S+) #MINVER#$/.exec(line)
      if (header) {
        current = {packageName: header[2]!, minimumVersions: new Map(), versionNodes: new Set()}
        bySoname.set(header[1]!, current)
        continue
      }

      const symbol = /^ (\S+)@(\S+) (\S+)$/.exec(line)
      if (!current || !symbol) continue
      const [, name, version, minimum] = symbol as unknown as [string, string, string, string]
      const known = current.minimumVersions.get(version)
      if (name === version) current.versionNodes.add(version)
      if (name === version || (!current.versionNodes.has(version) && (known === undefined || compareVersions(minimum, known) < 0))) {
        current.minimumVersions.set(version, minimum)
      }
    }
  }

  return bySoname
}

/** Compares Debian upstream versions made of digits and dots, which is all symbols files use here. */
function compareVersions(a: string, b: string): number {
  const left = a.split(/[.+~-]/).map(Number)
  const right = b.split(/[.+~-]/).map(Number)
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return difference
  }

  return 0
}

/** `libc6 (>= 2.28), libstdc++6 (>= 5.2), ...` for a Debian architecture, in the order the libraries are NEEDED. */
export async function computeDepends(linkage: ElfLinkage, architecture: string): Promise<string> {
  const symbols = await readSymbolsFiles(architecture)
  const minimums = new Map<string, string | undefined>()
  for (const soname of linkage.needed) {
    const file = symbols.get(soname)
    if (!file) {
      throw new Error(`no installed ${architecture} package has a symbols file for ${soname}: install the package that ships it for ${architecture} (scripts/install-ovn.sh --packaging)`)
    }

    let minimum = minimums.get(file.packageName)
    for (const version of linkage.versions.get(soname) ?? []) {
      const needed = file.minimumVersions.get(version)
      if (!needed) throw new Error(`${file.packageName}'s symbols file has no ${version}@${version} line: is the installed ${file.packageName} older than the runtime needs?`)
      if (minimum === undefined || compareVersions(needed, minimum) > 0) minimum = needed
    }

    minimums.set(file.packageName, minimum)
  }

  return [...minimums].map(([name, minimum]) => (minimum ? `${name} (>= ${minimum})` : name)).join(', ')
}
