import {execFile} from 'node:child_process'
import {access, mkdir, rm, symlink, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {testDir, useOvsdbServer} from './helpers.js'

const execFileAsync = promisify(execFile)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** A program of another package, using the library by its package name with typed rows. */
const CONSUMER = `
import {type Monitor, OvsdbClient, type RowBase} from 'ovn-vif-ctl/ovsdb'

interface ParentRow extends RowBase {
  name: string
  i: number
}

const client = await OvsdbClient.connect(process.argv[2]!, {database: 'Test'})
const tx = client.transaction()
tx.insert('Parent', {name: 'by-package-name', i: 41})
await tx.commit()
const monitor: Monitor<{Parent: ParentRow}> = await client.monitor<{Parent: ParentRow}>({Parent: {columns: ['name', 'i']}})
const answers = [...monitor.replica.table('Parent').rows()].filter((row) => row.name === 'by-package-name').map((row) => row.i + 1)
process.stdout.write(JSON.stringify({answers, schema: client.schema.name}))
await client.close()
`

/** The same package using what the library keeps to itself. */
const MISUSE = `
import {JsonSplitter, OvsdbClient} from 'ovn-vif-ctl/ovsdb'
import {ReplicaStore} from 'ovn-vif-ctl/dist/ovsdb/replica.js'

export function misuse(client: OvsdbClient): void {
  client.schema = client.schema
  new JsonSplitter()
  void ReplicaStore
}
`

async function tsc(dir: string, file: string): Promise<{code: number; output: string}> {
  const args = [TSC, '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node', '--skipLibCheck', '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--outDir', path.join(dir, 'out'), path.join(dir, file)]
  try {
    const {stdout} = await execFileAsync(process.execPath, args, {cwd: dir})
    return {code: 0, output: stdout}
  } catch (error) {
    const failed = error as {code: number; stdout: string}
    return {code: failed.code, output: failed.stdout}
  }
}

describe('the library as the package entry ovn-vif-ctl/ovsdb', () => {
  const server = useOvsdbServer()
  let dir: string

  beforeAll(async () => {
    await access(path.join(ROOT, 'dist/ovsdb/index.js')).catch(() => {
      throw new Error('dist/ovsdb is not built: run npm run build (npm test does)')
    })
    dir = await testDir('consumer')
    await mkdir(path.join(dir, 'node_modules'))
    await symlink(ROOT, path.join(dir, 'node_modules/ovn-vif-ctl'))
    await writeFile(path.join(dir, 'package.json'), '{"type": "module"}\n')
    await writeFile(path.join(dir, 'consumer.ts'), CONSUMER)
    await writeFile(path.join(dir, 'misuse.ts'), MISUSE)
  })
  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('compiles against the built types and runs against a real server', async () => {
    const compiled = await tsc(dir, 'consumer.ts')
    expect(compiled).toEqual({code: 0, output: ''})
    const {stdout} = await execFileAsync(process.execPath, [path.join(dir, 'out/consumer.js'), server().unixRemote], {cwd: dir})
    expect(JSON.parse(stdout)).toEqual({answers: [42], schema: 'Test'})
  })

  it('keeps the internals out: no splitter, no replica mutators, no deep imports, a read-only schema', async () => {
    const {output} = await tsc(dir, 'misuse.ts')
    expect(output).toContain("has no exported member 'JsonSplitter'")
    expect(output).toContain("Cannot assign to 'schema' because it is a read-only property")
    expect(output).toMatch(/Cannot find module 'ovn-vif-ctl\/dist\/ovsdb\/replica\.js'/)
    const {stdout} = await execFileAsync(process.execPath, ['--input-type=module', '-e', "const lib = await import('ovn-vif-ctl/ovsdb'); console.log(JSON.stringify(Object.keys(lib).sort()))"], {cwd: dir})
    const names = JSON.parse(stdout) as string[]
    expect(names).toContain('OvsdbClient')
    expect(names).toContain('parseRemotes')
    for (const internal of ['JsonSplitter', 'ReplicaStore', 'ClientMonitor', 'Transaction', 'RpcConnection']) expect(names).not.toContain(internal)
    await expect(execFileAsync(process.execPath, ['--input-type=module', '-e', "await import('ovn-vif-ctl/dist/ovsdb/replica.js')"], {cwd: dir})).rejects.toThrow('ERR_PACKAGE_PATH_NOT_EXPORTED')
  })
})
