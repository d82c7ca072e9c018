/**
 * The packages `npm run package` built into out/, as an operator gets them: the amd64 .deb
 * installed on this machine with dpkg (root only: CI runs as root), the arm64 .deb checked and
 * its CLI run under qemu-aarch64-static, the tarball unpacked and run in place. Run by
 * `npm run test:packages` (.ci/run), never by `npm test`: it installs into the system.
 * A missing prerequisite fails the run with what to install; nothing here is skipped.
 */
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, stat, symlink} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readPins, ROOT} from '../../scripts/runtimes.js'
import {run} from '../../src/sandbox/daemon.js'
import {sandboxEnv} from '../../src/sandbox/sandbox.js'
import {runProgram} from '../helpers/cli.js'
import {dep5Problems} from '../helpers/dep5.js'
import {eventually} from '../helpers/ovs.js'
import {useSandbox} from '../helpers/sandbox.js'

const exec = promisify(execFile)
const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {name: string; version: string}
const runtimeVersion = (await readPins()).embedded
const OUT = path.join(ROOT, 'out')
const deb = (arch: string) => path.join(OUT, `ovn-vif-ctl_${manifest.version}_${arch}.deb`)
const tarball = (arch: string) => path.join(OUT, `ovn-vif-ctl-${manifest.version}-linux-${arch}.tar.gz`)
const UNIT = '/lib/systemd/system/ovn-vif-ctl-reconcile.service'
const WANTS = '/etc/systemd/system/multi-user.target.wants'
const MAX_DEB_BYTES = 45 * 1000 * 1000
// No `node` anywhere on it: the CLI must bring its own. The launcher finds readlink by itself.
const PATH_WITHOUT_NODE = '/nonexistent'

const outcome = runProgram
/** Where a program is on this machine's PATH: the tests run some with a PATH that has nothing. */
const programs = new Map<string, string>()

/** The paths in a .deb's data, without the leading "./", directories with a trailing "/". */
async function debPaths(file: string): Promise<string[]> {
  const {stdout} = await exec('dpkg-deb', ['--contents', file], {maxBuffer: 16 * 1024 * 1024})
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/).slice(5).join(' ').replace(/ -> .*$/, '').replace(/^\.\//, ''))
    .filter(Boolean)
}

async function field(file: string, name: string): Promise<string> {
  return (await exec('dpkg-deb', ['--field', file, name])).stdout.trim()
}

/** The packaged CLI names its own runtime in --version, and loads its commands for status --help. */
async function expectPackagedCliAnswers(cli: (...args: string[]) => Promise<{stdout: string; stderr: string; exitCode: number}>, arch: string): Promise<void> {
  const version = await cli('--version')
  expect(version.stderr).toBe('')
  expect(version.stdout).toBe(`ovn-vif-ctl/${manifest.version} linux-${arch} node-v${runtimeVersion}\n`)
  const help = await cli('status', '--help')
  expect(help.exitCode).toBe(0)
  expect(help.stdout).toMatch(/^USAGE\n {2}\$ ovn-vif-ctl status /m)
}

beforeAll(async () => {
  const missing: string[] = []
  if (process.getuid?.() !== 0) missing.push('root (dpkg -i installs into the system; CI runs as root)')
  for (const program of ['dpkg', 'dpkg-deb', 'systemd-analyze', 'man', 'readelf', 'qemu-aarch64-static', 'bash', 'unshare']) {
    const found = await outcome('sh', ['-c', `command -v ${program}`])
    if (found.exitCode === 0) programs.set(program, found.stdout.trim())
    else missing.push(program)
  }

  if (!existsSync('/usr/share/bash-completion/bash_completion')) missing.push('bash-completion')
  if (!existsSync('/lib/ld-linux-aarch64.so.1')) missing.push('the arm64 C libraries for qemu (libc6:arm64 libstdc++6:arm64 libatomic1:arm64)')
  for (const file of [deb('amd64'), deb('arm64'), tarball('x64'), tarball('arm64')]) if (!existsSync(file)) missing.push(`${path.relative(ROOT, file)} (npm run package)`)
  if (missing.length > 0) throw new Error(`cannot test the packages; missing: ${missing.join('; ')}. scripts/install-ovn.sh installs the programs`)
})

describe('the .deb packages', () => {
  it.each(['amd64', 'arm64'])('%s: its control file, contents and size', async (arch) => {
    const file = deb(arch)
    expect(await field(file, 'Package')).toBe('ovn-vif-ctl')
    expect(await field(file, 'Version')).toBe(manifest.version)
    expect(await field(file, 'Architecture')).toBe(arch)
    expect(await field(file, 'Recommends')).toBe('openvswitch-switch, ovn-host')
    // What the official Node.js binary links: glibc, the C++ runtime, libgcc and libatomic.
    expect((await field(file, 'Depends')).split(', ').map((dependency) => dependency.replace(/ \(.*\)$/, ''))).toEqual(
      expect.arrayContaining(['libc6', 'libstdc++6', 'libgcc-s1', 'libatomic1']),
    )
    expect(await field(file, 'Depends')).toMatch(/^(?:[a-z0-9.+-]+ \(>= [0-9.]+\)(?:, |$))+$/)
    expect(Number(await field(file, 'Installed-Size'))).toBeGreaterThan(100_000)
    expect(await field(file, 'Description')).toMatch(/^Operator toolkit for OVN VIF plugging/)
    // Debian policy 5.6.2: a name and an e-mail address (a role address at a reserved domain: README, Install).
    expect(await field(file, 'Maintainer')).toBe('ovn-vif-ctl developers <maintainers@ovn-vif-ctl.invalid>')

    const paths = await debPaths(file)
    for (const expected of [
      'usr/bin/ovn-vif-ctl',
      'usr/lib/ovn-vif-ctl/bin/node',
      'usr/lib/ovn-vif-ctl/bin/ovn-vif-ctl',
      'usr/lib/ovn-vif-ctl/bin/run.cjs',
      'usr/lib/ovn-vif-ctl/dist/oclif-entry.js',
      'usr/lib/ovn-vif-ctl/dist/commands/reconcile.js',
      'usr/lib/ovn-vif-ctl/dist/commands/sandbox/start.js',
      'usr/lib/ovn-vif-ctl/dist/ovn-vif-ctl.js',
      'usr/lib/ovn-vif-ctl/package.json',
      'usr/lib/ovn-vif-ctl/oclif.manifest.json',
      'usr/share/man/man8/ovn-vif-ctl.8.gz',
      'usr/share/bash-completion/completions/ovn-vif-ctl',
      'usr/share/zsh/vendor-completions/_ovn-vif-ctl',
      'lib/systemd/system/ovn-vif-ctl-reconcile.service',
      'etc/default/ovn-vif-ctl',
      'usr/share/ovn-vif-ctl/prometheus/ovn-vif-ctl.rules.yml',
      'usr/share/ovn-vif-ctl/grafana/ovn-vif-ctl.json',
      'usr/share/doc/ovn-vif-ctl/copyright',
      'usr/share/doc/ovn-vif-ctl/changelog.Debian.gz',
    ]) {
      expect(paths, expected).toContain(expected)
    }

    // The application is the bundle: no sources, tests, dev tools or node_modules.
    expect(paths.filter((entry) => /(^|\/)(node_modules|src|test)\/|\.ts$|\.map$/.test(entry))).toEqual([])
    expect((await stat(file)).size).toBeLessThanOrEqual(MAX_DEB_BYTES)
    expect((await exec('dpkg-deb', ['--info', file, 'conffiles'])).stdout).toBe('/etc/default/ovn-vif-ctl\n')
  })

  it('arm64: the runtime inside is an aarch64 ELF, and the CLI answers under qemu-aarch64-static', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-arm64-'))
    try {
      await exec('dpkg-deb', ['--extract', deb('arm64'), dir])
      const lib = path.join(dir, 'usr', 'lib', 'ovn-vif-ctl')
      const {stdout: header} = await exec('readelf', ['-h', path.join(lib, 'bin', 'node')])
      expect(header).toMatch(/^\s*Class:\s+ELF64$/m)
      expect(header).toMatch(/^\s*Machine:\s+AArch64$/m)
      // No binfmt_misc here: qemu runs the packaged runtime on the packaged entry point, as the launcher does.
      const cli = (...args: string[]) => outcome(programs.get('qemu-aarch64-static')!, [path.join(lib, 'bin', 'node'), path.join(lib, 'bin', 'run.cjs'), ...args], {cwd: os.tmpdir(), env: {PATH: PATH_WITHOUT_NODE}, timeoutMs: 120_000})
      await expectPackagedCliAnswers(cli, 'arm64')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }, 240_000)
})

describe('the copyright file', () => {
  it('is strict DEP-5, by our reader and by Debian\'s own (python3-debian)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-copyright-'))
    try {
      await exec('dpkg-deb', ['--extract', deb('amd64'), dir])
      const file = path.join(dir, 'usr', 'share', 'doc', 'ovn-vif-ctl', 'copyright')
      expect(dep5Problems(await readFile(file, 'utf8'))).toEqual([])
      const check = `import sys\nfrom debian import copyright\nwith open(sys.argv[1]) as f: c = copyright.Copyright(f, strict=True)\nprint(' '.join(p.files[0] for p in c.all_files_paragraphs()))`
      const parsed = await outcome('/usr/bin/python3', ['-W', 'error', '-c', check, file])
      expect(parsed.stderr).toBe('')
      expect(parsed.stdout).toBe('* usr/lib/ovn-vif-ctl/dist/* usr/lib/ovn-vif-ctl/bin/node\n')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('reproducibility', () => {
  it('gives byte-identical packages when built again from the same sources and runtime', async () => {
    const again = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-rebuild-'))
    try {
      await exec(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'package.ts'), '--out', again], {cwd: ROOT})
      const digest = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex')
      for (const file of [deb('amd64'), deb('arm64'), tarball('x64'), tarball('arm64')]) {
        expect(await digest(path.join(again, path.basename(file))), path.basename(file)).toBe(await digest(file))
      }
    } finally {
      await rm(again, {recursive: true, force: true})
    }
  }, 600_000)
})

describe('the tarball', () => {
  it('holds the same tree as the .deb, and runs in place from an unrelated directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-tarball-'))
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-elsewhere-'))
    try {
      const top = `ovn-vif-ctl-${manifest.version}-linux-x64`
      const {stdout: listing} = await exec('tar', ['-tzf', tarball('x64')], {maxBuffer: 16 * 1024 * 1024})
      const inTarball = listing.split('\n').filter(Boolean).map((entry) => entry.replace(new RegExp(`^${top}/?`), '')).filter(Boolean)
      expect(inTarball.sort()).toEqual((await debPaths(deb('amd64'))).sort())

      await exec('tar', ['-xzf', tarball('x64'), '-C', dir])
      const cli = (...args: string[]) => outcome(path.join(dir, top, 'usr', 'bin', 'ovn-vif-ctl'), args, {cwd: elsewhere, env: {PATH: PATH_WITHOUT_NODE}})
      await expectPackagedCliAnswers(cli, 'x64')

      // However it is named: the launcher itself, a relative path, and a link of one's own elsewhere.
      await mkdir(path.join(elsewhere, 'bin'))
      await symlink(path.join(dir, top, 'usr', 'bin', 'ovn-vif-ctl'), path.join(elsewhere, 'bin', 'ovn-vif-ctl'))
      await symlink(path.join(dir, top, 'usr', 'bin', 'ovn-vif-ctl'), path.join(elsewhere, 'vif'))
      const names = [
        path.join(dir, top, 'usr', 'lib', 'ovn-vif-ctl', 'bin', 'ovn-vif-ctl'),
        path.relative(elsewhere, path.join(dir, top, 'usr', 'bin', 'ovn-vif-ctl')),
        path.join(elsewhere, 'bin', 'ovn-vif-ctl'),
        path.join(elsewhere, 'vif'),
      ]
      for (const name of names) {
        const version = await outcome(name, ['--version'], {cwd: elsewhere, env: {PATH: PATH_WITHOUT_NODE}})
        expect(version.stdout, name).toBe(`ovn-vif-ctl/${manifest.version} linux-x64 node-v${runtimeVersion}\n`)
      }
    } finally {
      await rm(dir, {recursive: true, force: true})
      await rm(elsewhere, {recursive: true, force: true})
    }
  })
})

describe('the amd64 .deb, installed with dpkg', () => {
  const sandbox = useSandbox()
  let work = ''
  let files: string[] = []

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-dpkg-'))
    // A leftover from an earlier run would make this an upgrade.
    await exec('dpkg', ['--purge', 'ovn-vif-ctl'])
    await exec('dpkg', ['--install', deb('amd64')])
    files = (await debPaths(deb('amd64'))).filter((entry) => !entry.endsWith('/'))
  }, 120_000)

  afterAll(async () => {
    await exec('dpkg', ['--purge', 'ovn-vif-ctl']).catch(() => undefined)
    if (work) await rm(work, {recursive: true, force: true})
  })

  it('neither enables nor starts the watcher', () => {
    expect(existsSync(`${WANTS}/ovn-vif-ctl-reconcile.service`)).toBe(false)
  })

  it('runs on its own runtime with a PATH that has no node', async () => {
    const {stdout, stderr, exitCode} = await outcome('/usr/bin/ovn-vif-ctl', ['--version'], {cwd: work, env: {PATH: PATH_WITHOUT_NODE}})
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(stdout).toBe(`ovn-vif-ctl/${manifest.version} linux-x64 node-v${runtimeVersion}\n`)
  })

  it('plugs and shows the port plugged against real servers', async () => {
    await run('ovn-nbctl', [`--db=${sandbox().nbDb}`, 'ls-add', 'sw0', '--', 'lsp-add', 'sw0', 'vm1'])
    const env = {...sandboxEnv(sandbox()), PATH: PATH_WITHOUT_NODE}
    const cli = (...args: string[]) => outcome('/usr/bin/ovn-vif-ctl', args, {cwd: work, env})
    const plug = await cli('plug', 'vm1', '--chassis', 'hv1', '--type', 'dummy', '--wait', 'sb')
    expect(plug.stderr).toBe('')
    expect(plug.exitCode).toBe(0)
    expect((await cli('reconcile')).stdout).toMatch(/^created +vm1 /m)
    const status = await eventually('vm1 claimed and up', async () => {
      const shown = await cli('status', '-f', 'json')
      return shown.exitCode === 0 ? shown : undefined
    })
    expect(JSON.parse(status.stdout)).toMatchObject({rows: [{lport: 'vm1', state: 'plugged'}]})
  })

  it('installs a unit that systemd-analyze verify finds nothing wrong with, and its man page', async () => {
    const verified = await outcome('systemd-analyze', ['verify', UNIT], {env: {SYSTEMD_LOG_LEVEL: 'notice'}})
    expect(verified.stderr).toBe('')
    expect(verified.stdout).toBe('')
    expect(verified.exitCode).toBe(0)
    const man = await outcome('man', ['-w', 'ovn-vif-ctl'])
    expect(man.stdout).toBe('/usr/share/man/man8/ovn-vif-ctl.8.gz\n')
  })

  it('completes a subcommand in bash, through bash-completion loading the installed file', async () => {
    const harness = `source /usr/share/bash-completion/bash_completion
_completion_loader ovn-vif-ctl
COMP_LINE='ovn-vif-ctl sandbox st'
COMP_WORDS=(ovn-vif-ctl sandbox st)
COMP_CWORD=2
COMP_POINT=\${#COMP_LINE}
function=$(complete -p ovn-vif-ctl | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
"$function" ovn-vif-ctl st sandbox
printf '%s\\n' "\${COMPREPLY[@]}"`
    const {stdout, stderr, exitCode} = await outcome('bash', ['-c', harness], {env: {PATH: '/usr/bin:/bin'}})
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(stdout.split('\n').filter(Boolean)).toEqual(['start', 'status', 'stop'])
  })

  it('leaves only the defaults file after dpkg -r, and nothing after dpkg -P', async () => {
    await exec('dpkg', ['--remove', 'ovn-vif-ctl'])
    expect(files.filter((file) => existsSync(`/${file}`))).toEqual(['etc/default/ovn-vif-ctl'])
    expect(existsSync('/usr/lib/ovn-vif-ctl')).toBe(false)
    await exec('dpkg', ['--purge', 'ovn-vif-ctl'])
    expect(files.filter((file) => existsSync(`/${file}`))).toEqual([])
    for (const dir of ['/usr/lib/ovn-vif-ctl', '/usr/share/ovn-vif-ctl', '/usr/share/doc/ovn-vif-ctl']) expect(existsSync(dir), dir).toBe(false)
    expect((await outcome('dpkg-query', ['--show', 'ovn-vif-ctl'])).exitCode).not.toBe(0)
  })
})

/**
 * The maintainer scripts' calls to systemctl when systemd runs the machine. systemd cannot be
 * PID 1 here, so: a private mount namespace where /run/systemd/system exists (systemd's own
 * "booted with systemd" marker, which the scripts check), and a systemctl first on PATH that
 * records its arguments; dpkg itself runs for real.
 */
describe('the amd64 .deb under systemd: what the maintainer scripts ask of systemctl', () => {
  it('install: only a daemon-reload; upgrade: try-restart; remove: stop; purge: no defaults file or enablement left', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'ovn-vif-ctl-systemd-'))
    try {
      const log = path.join(work, 'systemctl.log')
      const fakeBin = path.join(work, 'bin')
      const script = `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system ${fakeBin}
printf '#!/bin/sh\\necho "systemctl $*" >> ${log}\\n' > ${fakeBin}/systemctl
chmod +x ${fakeBin}/systemctl
export PATH=${fakeBin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
dpkg --purge ovn-vif-ctl >/dev/null 2>&1
echo install >> ${log}; dpkg --install ${deb('amd64')} >/dev/null
echo upgrade >> ${log}; dpkg --install ${deb('amd64')} >/dev/null
# What an operator's \`systemctl enable\` leaves, which only a purge may take away.
mkdir -p ${WANTS}
ln -sf ${UNIT} ${WANTS}/ovn-vif-ctl-reconcile.service
echo remove >> ${log}; dpkg --remove ovn-vif-ctl >/dev/null
test -e /etc/default/ovn-vif-ctl && echo "defaults kept" >> ${log}
echo purge >> ${log}; dpkg --purge ovn-vif-ctl >/dev/null
test -e /etc/default/ovn-vif-ctl || echo "defaults gone" >> ${log}
test -L ${WANTS}/ovn-vif-ctl-reconcile.service || echo "enablement gone" >> ${log}`
      const {stderr, exitCode} = await outcome('unshare', ['--mount', 'sh', '-c', script])
      expect(stderr).toBe('')
      expect(exitCode).toBe(0)
      expect((await readFile(log, 'utf8')).split('\n').filter(Boolean)).toEqual([
        'install',
        'systemctl --system daemon-reload',
        'upgrade',
        'systemctl --system daemon-reload',
        'systemctl try-restart ovn-vif-ctl-reconcile.service',
        'remove',
        'systemctl stop ovn-vif-ctl-reconcile.service',
        'systemctl --system daemon-reload',
        'defaults kept',
        'purge',
        'systemctl --system daemon-reload',
        'defaults gone',
        'enablement gone',
      ])
    } finally {
      await rm(work, {recursive: true, force: true})
    }
  })
})
