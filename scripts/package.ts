/**
 * `npm run package` (after `npm run build`): into out/ (or --out DIR), for amd64 and arm64,
 *   ovn-vif-ctl_<version>_<arch>.deb and ovn-vif-ctl-<version>-linux-<x64|arm64>.tar.gz,
 * the same tree in both: /usr/bin/ovn-vif-ctl (a link to the launcher, which runs the bundle
 * on the Node.js runtime in /usr/lib/ovn-vif-ctl/bin/node), the man page, the bash and zsh
 * completions generated from the built CLI, the systemd unit, /etc/default/ovn-vif-ctl (a
 * conffile), the Prometheus alert rules and Grafana dashboard in /usr/share/ovn-vif-ctl, and
 * /usr/share/doc/ovn-vif-ctl. The runtime is package.json's runtimes.embedded.
 *
 * Reproducible: every file's time is SOURCE_DATE_EPOCH (default: the last commit's time),
 * owners are root, modes are fixed, file lists are sorted and the compressors are single-
 * threaded, so the same sources and runtime give byte-identical packages.
 */
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmod, copyFile, lstat, mkdir, readdir, readFile, rm, symlink, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {parseArgs, promisify} from 'node:util'
import {gzipSync} from 'node:zlib'

import {ensureRuntime, readPins, ROOT, type RuntimeArch} from './runtimes.js'
import {commandFiles} from './command-files.js'
import {type BundledPackage, debianCopyright} from './package/copyright.js'
import {field} from './package/deb822.js'
import {computeDepends, readElfLinkage} from './package/depends.js'

const exec = promisify(execFile)
const OUT = path.resolve(parseArgs({options: {out: {type: 'string', default: path.join(ROOT, 'out')}}}).values.out)
const NAME = 'ovn-vif-ctl'
const LIB = `usr/lib/${NAME}`
const UNIT = 'ovn-vif-ctl-reconcile.service'
const CONFFILES = [`/etc/default/${NAME}`]
const DESCRIPTION = `On a DPU or SmartNIC, plugs the representors of the host's PFs and VFs
into OVN's integration bridge as ovn-controller's VIF plug providers do, from
the requests a CMS writes in the Northbound DB. plug and unplug write those
requests; reconcile --watch plugs them on this chassis (the service
ovn-vif-ctl-reconcile, installed but neither enabled nor started); status and
doctor say what is plugged, pending, orphaned or in conflict, and why.

It runs on its own Node.js runtime, in /usr/lib/ovn-vif-ctl.`

interface Manifest {
  name: string
  version: string
  description: string
  license: string
  author: string
  type: string
  engines: Record<string, string>
  oclif: unknown
}

const ARCHES: ReadonlyArray<{deb: string; node: RuntimeArch; elfMachine: string}> = [
  {deb: 'amd64', node: 'x64', elfMachine: 'Advanced Micro Devices X86-64'},
  {deb: 'arm64', node: 'arm64', elfMachine: 'AArch64'},
]

const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Manifest
// Debian policy 5.6.2: the Maintainer field (and the changelog's trailer) is a name and an e-mail address.
const AUTHOR_NAME = authorName(manifest.author)
const runtimeVersion = (await readPins()).embedded
const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? (await exec('git', ['log', '-1', '--format=%ct'], {cwd: ROOT})).stdout.trim())
if (!Number.isInteger(epoch) || epoch <= 0) throw new Error(`SOURCE_DATE_EPOCH must be seconds since 1970, not ${process.env.SOURCE_DATE_EPOCH}`)

await rm(OUT, {recursive: true, force: true})
const stageRoot = path.join(OUT, 'stage')
const common = await stageCommon(path.join(stageRoot, 'common'))
// Both architectures at once: each compressor is single-threaded (for reproducible output).
const built = await Promise.all(ARCHES.map((arch) => buildArch(arch)))
await rm(stageRoot, {recursive: true, force: true})
for (const file of built.flat()) process.stdout.write(`${path.relative(process.cwd(), file)}  ${((await lstat(file)).size / 1e6).toFixed(1)} MB\n`)

async function buildArch(arch: (typeof ARCHES)[number]): Promise<string[]> {
  const runtime = await ensureRuntime('embedded', arch.node)
  const linkage = await readElfLinkage(runtime.node)
  if (linkage.machine !== arch.elfMachine) throw new Error(`${runtime.node} is an ELF for ${linkage.machine}, not ${arch.elfMachine}`)

  const tree = path.join(stageRoot, arch.deb)
  await exec('cp', ['-a', common, tree])
  await copyFile(runtime.node, path.join(tree, LIB, 'bin', 'node'))
  await chmod(path.join(tree, LIB, 'bin', 'node'), 0o755)
  await writeCopyright(tree, {version: runtime.version, licenseFile: path.join(runtime.dir, 'LICENSE')})

  const deb = path.join(OUT, `${NAME}_${manifest.version}_${arch.deb}.deb`)
  await buildDeb(tree, arch.deb, await computeDepends(linkage, arch.deb), deb)
  const tarball = path.join(OUT, `${NAME}-${manifest.version}-linux-${arch.node}.tar.gz`)
  await buildTarball(tree, `${NAME}-${manifest.version}-linux-${arch.node}`, tarball)
  return [deb, tarball]
}

/** Everything but the runtime and the package metadata: the same for both architectures. */
async function stageCommon(tree: string): Promise<string> {
  const lib = path.join(tree, LIB)
  await mkdir(path.join(lib, 'bin'), {recursive: true})
  await mkdir(path.join(lib, 'dist'), {recursive: true})
  await copyFile(path.join(ROOT, 'scripts', 'package', 'launcher.sh'), path.join(lib, 'bin', NAME))
  await chmod(path.join(lib, 'bin', NAME), 0o755)
  await copyFile(path.join(ROOT, 'bin', 'run.cjs'), path.join(lib, 'bin', 'run.cjs'))
  // The bundle holds the CLI and every production dependency it imports (scripts/bundle.ts):
  // its entry points (oclif's start, each command's file, the package's export) and the chunks
  // they share.
  for (const file of ['oclif-entry.js', `${NAME}.js`, ...(await commandFiles(path.join(ROOT, 'dist')))]) {
    await mkdir(path.dirname(path.join(lib, 'dist', file)), {recursive: true})
    await copyFile(path.join(ROOT, 'dist', file), path.join(lib, 'dist', file))
  }
  await exec('cp', ['-r', path.join(ROOT, 'dist', 'chunks'), path.join(lib, 'dist', 'chunks')])
  await copyFile(path.join(ROOT, 'oclif.manifest.json'), path.join(lib, 'oclif.manifest.json'))
  // What oclif and `--version` read: no scripts, no dependency lists.
  const {name, version, description, license, type, engines, oclif} = manifest
  await writeFile(path.join(lib, 'package.json'), `${JSON.stringify({name, version, description, license, type, engines, oclif}, null, 2)}\n`)

  await mkdir(path.join(tree, 'usr', 'bin'), {recursive: true})
  await symlink(`../lib/${NAME}/bin/${NAME}`, path.join(tree, 'usr', 'bin', NAME))

  const man = path.join(tree, 'usr', 'share', 'man', 'man8')
  await mkdir(man, {recursive: true})
  await writeFile(path.join(man, `${NAME}.8.gz`), gzip(await readFile(path.join(ROOT, 'man', `${NAME}.8`))))

  // Generated by the CLI just built, so they list exactly its commands and flags.
  const cli = async (...args: string[]) => (await exec(process.execPath, [path.join(ROOT, 'bin', 'run.cjs'), ...args])).stdout
  const bash = path.join(tree, 'usr', 'share', 'bash-completion', 'completions')
  const zsh = path.join(tree, 'usr', 'share', 'zsh', 'vendor-completions')
  await mkdir(bash, {recursive: true})
  await mkdir(zsh, {recursive: true})
  await writeFile(path.join(bash, NAME), await cli('completion', 'bash'))
  await writeFile(path.join(zsh, `_${NAME}`), await cli('completion', 'zsh'))

  const units = path.join(tree, 'lib', 'systemd', 'system')
  await mkdir(units, {recursive: true})
  await copyFile(path.join(ROOT, 'contrib', UNIT), path.join(units, UNIT))
  await mkdir(path.join(tree, 'etc', 'default'), {recursive: true})
  await copyFile(path.join(ROOT, 'contrib', `${NAME}.default`), path.join(tree, 'etc', 'default', NAME))

  // Data, not documentation: a minimal image that drops /usr/share/doc keeps them.
  for (const [dir, file] of [['prometheus', `${NAME}.rules.yml`], ['grafana', `${NAME}.json`]] as const) {
    await mkdir(path.join(tree, 'usr', 'share', NAME, dir), {recursive: true})
    await copyFile(path.join(ROOT, 'contrib', dir, file), path.join(tree, 'usr', 'share', NAME, dir, file))
  }

  const doc = path.join(tree, 'usr', 'share', 'doc', NAME)
  await mkdir(doc, {recursive: true})
  await writeFile(path.join(doc, 'changelog.Debian.gz'), gzip(Buffer.from(changelog())))
  return tree
}

/** The name in package.json's "author", which must also give the e-mail address a Maintainer field needs. */
function authorName(author: string): string {
  const name = /^(?<name>[^<>]+?) <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$/.exec(author)?.groups?.name
  if (!name) throw new Error(`package.json "author" must be "Name <e-mail>", as a .deb's Maintainer field: not ${JSON.stringify(author)}`)
  return name
}

/** gzip -9n: no name, no time stamp in the header. */
function gzip(data: Buffer): Buffer {
  return gzipSync(data, {level: 9})
}

function changelog(): string {
  const date = new Date(epoch * 1000).toUTCString().replace('GMT', '+0000')
  return `${NAME} (${manifest.version}) unstable; urgency=medium\n\n  * Release ${manifest.version}, with Node.js ${runtimeVersion}.\n\n -- ${manifest.author}  ${date}\n`
}

/** The bundled npm packages (the production dependencies, once each), with their licence files. */
async function bundledPackages(): Promise<BundledPackage[]> {
  const {stdout} = await exec('npm', ['ls', '--omit=dev', '--all', '--parseable'], {cwd: ROOT})
  const packages = new Map<string, BundledPackage>()
  for (const dir of stdout.split('\n').filter((entry) => entry && entry !== ROOT)) {
    const {name, version, license} = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {name: string; version: string; license?: string}
    if (!license) throw new Error(`${dir}: package.json states no licence`)
    const licenseFile = (await readdir(dir)).filter((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file)).sort()[0]
    packages.set(`${name}@${version}`, {name, version, license, ...(licenseFile ? {licenseText: await readFile(path.join(dir, licenseFile), 'utf8')} : {})})
  }

  return [...packages.values()].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1))
}

async function writeCopyright(tree: string, runtime: {version: string; licenseFile: string}): Promise<void> {
  const text = debianCopyright({
    upstream: {name: NAME, contact: manifest.author, holder: AUTHOR_NAME, license: manifest.license},
    bundle: {files: `${LIB}/dist/*`, packages: await bundledPackages()},
    runtime: {files: `${LIB}/bin/node`, version: runtime.version, licenseText: await readFile(runtime.licenseFile, 'utf8')},
  })
  await writeFile(path.join(tree, 'usr', 'share', 'doc', NAME, 'copyright'), text)
}

/** Every path under a tree, sorted, directories before what they hold. */
async function walk(tree: string, relative = ''): Promise<string[]> {
  const entries = (await readdir(path.join(tree, relative), {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const paths: string[] = []
  for (const entry of entries) {
    const child = path.join(relative, entry.name)
    paths.push(child)
    if (entry.isDirectory()) paths.push(...(await walk(tree, child)))
  }

  return paths
}

/** Fixed modes (0755 for directories and executables, 0644 for the rest) and every time at the epoch. */
async function normalise(tree: string): Promise<void> {
  for (const relative of (await walk(tree)).reverse()) {
    const file = path.join(tree, relative)
    const stat = await lstat(file)
    if (stat.isSymbolicLink()) continue
    await chmod(file, stat.isDirectory() || stat.mode & 0o100 ? 0o755 : 0o644)
    await utimes(file, epoch, epoch)
  }

  await chmod(tree, 0o755)
  await utimes(tree, epoch, epoch)
}

async function installedSizeKiB(tree: string): Promise<number> {
  let kib = 0
  for (const relative of await walk(tree)) {
    const stat = await lstat(path.join(tree, relative))
    kib += stat.isFile() ? Math.ceil(stat.size / 1024) : 1
  }

  return kib
}

async function buildDeb(tree: string, architecture: string, depends: string, deb: string): Promise<void> {
  const control = path.join(tree, 'DEBIAN')
  await mkdir(control)
  const md5sums: string[] = []
  for (const relative of await walk(tree)) {
    if (relative.startsWith('DEBIAN') || CONFFILES.includes(`/${relative}`)) continue
    const stat = await lstat(path.join(tree, relative))
    if (stat.isFile()) md5sums.push(`${createHash('md5').update(await readFile(path.join(tree, relative))).digest('hex')}  ${relative}\n`)
  }

  const fields = [
    field('Package', NAME),
    field('Version', manifest.version),
    field('Architecture', architecture),
    field('Maintainer', manifest.author),
    field('Installed-Size', String(await installedSizeKiB(tree))),
    field('Depends', depends),
    field('Recommends', 'openvswitch-switch, ovn-host'),
    field('Section', 'net'),
    field('Priority', 'optional'),
    field('Description', `${manifest.description}\n${DESCRIPTION}`),
  ]
  await writeFile(path.join(control, 'control'), fields.join(''))
  await writeFile(path.join(control, 'conffiles'), CONFFILES.map((file) => `${file}\n`).join(''))
  await writeFile(path.join(control, 'md5sums'), md5sums.join(''))
  for (const script of ['postinst', 'prerm', 'postrm']) {
    await copyFile(path.join(ROOT, 'scripts', 'package', 'debian', script), path.join(control, script))
    await chmod(path.join(control, script), 0o755)
  }

  await normalise(tree)
  await exec('dpkg-deb', ['--root-owner-group', '-Zxz', '-z3', '--threads-max=1', '--build', tree, deb], {env: {...process.env, SOURCE_DATE_EPOCH: String(epoch)}})
  await rm(control, {recursive: true})
}

async function buildTarball(tree: string, top: string, tarball: string): Promise<void> {
  await normalise(tree)
  // The transform renames members only (S: not the targets of symbolic links).
  await exec('tar', [
    '--create', '--sort=name', '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`,
    `--transform=s,^\\.,${top},S`, '--use-compress-program=gzip -n', '--file', tarball, '--directory', tree, '.',
  ])
}
