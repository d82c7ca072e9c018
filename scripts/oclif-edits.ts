/**
 * Edits to @oclif/core's own source, made as scripts/bundle.ts bundles it, for what oclif does on
 * every start that this CLI does not need. Each names the exact text it replaces, which must
 * occur exactly once in its file: an oclif upgrade that changes the text fails the build, rather
 * than quietly dropping the edit or editing something else.
 */

export interface OclifEdit {
  /** The file, relative to the @oclif/core package. */
  file: string
  /** The exact text replaced, which occurs exactly once in the file. */
  text: string
  replacement: string
  why: string
}

/**
 * An edit of the line by which a file of oclif's requires a built-in module on import: an object
 * with a getter for each export the file uses, which requires the module where it is read. The
 * module's own code, and those it loads, then stay out of every process that never calls them.
 */
function builtinRequiredWhereUsed(file: string, binding: string, specifier: string, exports: readonly string[], why: string): OclifEdit {
  const getters = exports.map((name) => `get ${name}() { return require(${JSON.stringify(specifier)}).${name}; }`).join(', ')
  return {file, text: `const ${binding} = require(${JSON.stringify(specifier)});\n`, replacement: `const ${binding} = { ${getters} };\n`, why}
}

export const OCLIF_EDITS: readonly OclifEdit[] = [
  {
    file: 'lib/config/plugin.js',
    text: '.sort((a, b) => a.id.localeCompare(b.id));',
    replacement: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
    why:
      "Loading the plugin sorts its commands by id on every start. localeCompare builds ICU's collator on its first call; " +
      'the ids are lowercase ASCII words joined by ":", which code-point order sorts as the collator does.',
  },
  {
    file: 'lib/config/plugin.js',
    text: 'const tinyglobby_1 = require("tinyglobby");\n',
    replacement: '',
    why:
      'tinyglobby, with fdir and picomatch, is initialised on import for the pattern strategy of finding commands, a glob over a ' +
      'directory, which runs only where there is no manifest to list the commands: in the build, which writes the manifest, never in the package.',
  },
  {
    file: 'lib/config/plugin.js',
    text: '(0, tinyglobby_1.glob)(',
    replacement: '(0, require("tinyglobby").glob)(',
    why: 'The use of tinyglobby that the edit before it leaves, requiring it there.',
  },
  {
    file: 'lib/index.js',
    text: `function checkNodeVersion() {
    if (process.env.OCLIF_DISABLE_ENGINE_WARNING && (0, util_1.isTruthy)(process.env.OCLIF_DISABLE_ENGINE_WARNING))
        return;
    try {
        const path = require('node:path');
        const semver = require('semver');
        const root = path.join(__dirname, '..');
        const pjson = require(path.join(root, 'package.json'));
        if (!semver.satisfies(process.versions.node, pjson.engines.node)) {
            process.emitWarning(\`Node version must be \${pjson.engines.node} to use this CLI. Current node version: \${process.versions.node}\`);
        }
    }
    catch {
        // ignore
    }
}
checkCWD();
checkNodeVersion();
`,
    replacement: 'checkCWD();\n',
    why:
      "On import, oclif loads semver to check the runtime against its own package's engines. In the bundle, an ES module, there is no " +
      '__dirname to find that package.json by: the check throws and is ignored, having cost the start. bin/run.cjs checks the runtime ' +
      'against ours before anything is imported.',
  },
  builtinRequiredWhereUsed(
    'lib/performance.js',
    'node_perf_hooks_1',
    'node:perf_hooks',
    ['performance', 'PerformanceObserver'],
    "oclif's performance markers are off unless a CLI turns them on (this one does not), yet the file loads node:perf_hooks, and with it a " +
      'dozen of Node\'s modules, into every process, the watcher among them.',
  ),
  builtinRequiredWhereUsed(
    'lib/parser/parse.js',
    'node_readline_1',
    'node:readline',
    ['createInterface'],
    'The parser reads stdin with node:readline only for an argument or flag that takes its value from stdin (none of this CLI\'s does), yet loads it for every command.',
  ),
]

function occurrences(source: string, text: string): number {
  let count = 0
  for (let at = source.indexOf(text); at !== -1; at = source.indexOf(text, at + 1)) count++
  return count
}

/** `source`, the text of `file` in @oclif/core, with the edits for that file made; throws unless each text occurs there exactly once. */
export function applyOclifEdits(file: string, source: string, edits: readonly OclifEdit[] = OCLIF_EDITS): string {
  let edited = source
  for (const edit of edits.filter((candidate) => candidate.file === file)) {
    const count = occurrences(edited, edit.text)
    if (count !== 1) throw new Error(`@oclif/core ${file}: the text to edit occurs ${count} times, not once (${edit.why})`)
    edited = edited.replace(edit.text, () => edit.replacement)
  }

  return edited
}
