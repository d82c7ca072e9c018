/**
 * The floor oclif itself sets: a CLI with one command and nothing of this project's, built from
 * the same @oclif/core the way scripts/bundle.ts builds ours (one ES module bundle whose entry
 * points share chunks, a CommonJS bin, commands listed explicitly, an oclif manifest for help).
 * What it costs to answer `hello --help`, or to run `hello`, is what any oclif CLI pays.
 */
import {execFile} from 'node:child_process'
import {mkdir, rm, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {build} from 'esbuild'

const exec = promisify(execFile)

const PACKAGE = {
  name: 'bare-oclif',
  version: '1.0.0',
  type: 'module',
  files: ['bin', 'dist'],
  oclif: {bin: 'bare-oclif', dirname: 'bare-oclif', commands: {strategy: 'explicit', target: './dist/commands.js', identifier: 'COMMANDS'}, topicSeparator: ' '},
}

const SOURCES: Record<string, string> = {
  'entry.js': "export {execute} from '@oclif/core'\n",
  'commands.js': `import {Command, Flags} from '@oclif/core'
class Hello extends Command {
  static description = 'Says hello.'
  static flags = {name: Flags.string({description: 'Whom to greet.', default: 'world'})}
  async run() {
    const {flags} = await this.parse(Hello)
    this.log(\`hello \${flags.name}\`)
  }
}
export const COMMANDS = {hello: Hello}
`,
  'run.cjs': "import('../dist/entry.js').then(({execute}) => execute({dir: __filename}))\n",
}

/** Builds the bare CLI in `dir` with the project's node_modules; returns its bin script. */
export async function buildBareOclifCli(dir: string, root: string): Promise<string> {
  const src = path.join(dir, 'src')
  await mkdir(src, {recursive: true})
  await mkdir(path.join(dir, 'bin'))
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(PACKAGE))
  for (const [file, text] of Object.entries(SOURCES)) await writeFile(path.join(file.endsWith('.cjs') ? path.join(dir, 'bin') : src, file), text)
  // Linked only while building: at run time the CLI has its bundle alone, as ours does.
  const modules = path.join(dir, 'node_modules')
  await symlink(path.join(root, 'node_modules'), modules)
  try {
    await build({
      entryPoints: ['entry.js', 'commands.js'].map((file) => path.join(src, file)),
      outdir: path.join(dir, 'dist'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
      external: ['typescript'],
      logLevel: 'warning',
    })
    await exec(process.execPath, [path.join(root, 'node_modules', '.bin', 'oclif'), 'manifest'], {cwd: dir})
  } finally {
    await rm(modules)
  }

  return path.join(dir, 'bin', 'run.cjs')
}
