/**
 * /usr/share/doc/ovn-vif-ctl/copyright in Debian's machine-readable format (DEP-5, copyright-
 * format 1.0): a Files paragraph with Files, Copyright and License for the project, for the
 * bundle in dist/ (the project and every npm package bundled in it) and for the runtime, then
 * one stand-alone License paragraph, with its text, for each short name the Files paragraphs
 * use without giving the text there.
 */
import {field} from './deb822.js'

export const FORMAT = 'https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'

/** An npm package bundled in dist/: its licence as package.json states it (SPDX), and its licence file, if it has one. */
export interface BundledPackage {
  name: string
  version: string
  license: string
  licenseText?: string
}

export interface CopyrightInput {
  upstream: {name: string; contact: string; holder: string; license: string}
  /** The Files pattern of the bundle, and the packages in it. */
  bundle: {files: string; packages: readonly BundledPackage[]}
  runtime: {files: string; version: string; licenseText: string}
}

/** Licences whose text Debian ships in /usr/share/common-licenses: referenced there, as Debian's own packages do. */
const COMMON_LICENSES = new Set(['Apache-2.0', 'CC0-1.0', 'GPL-2', 'GPL-3', 'LGPL-2.1', 'LGPL-3', 'MPL-2.0'])
/** SPDX identifiers DEP-5 names otherwise ("MIT" is ambiguous there; npm's MIT is the Expat text). */
const DEP5_NAMES: Record<string, string> = {MIT: 'Expat'}
/** A line that states a holder, not one that speaks of copyright ("copyright notice", "COPYRIGHT HOLDERS") or a template's placeholder. */
const HOLDER_LINE = /^\s*Copyright\b(?!\s+(?:notice|license|holders?|owner|statement)\b)(?!.*\[yyyy\])/

export function debianCopyright({upstream, bundle, runtime}: CopyrightInput): string {
  const bundleLicenses = bundle.packages.map((entry) => dep5Expression(entry.name, entry.license))
  const standalone = new Set([upstream.license, ...bundleLicenses.flatMap(shortNames)])
  const paragraphs = [
    field('Format', FORMAT) + field('Upstream-Name', upstream.name) + field('Upstream-Contact', upstream.contact),
    field('Files', '*') + field('Copyright', upstream.holder) + field('License', upstream.license),
    field('Files', bundle.files) +
      field('Copyright', lines([upstream.holder, ...bundle.packages.flatMap((entry) => holders(entry.licenseText) ?? [`the ${entry.name} authors`])])) +
      field('License', combine([upstream.license, ...bundleLicenses])) +
      field('Comment', ['The npm packages bundled with the project code:', ...bundle.packages.map((entry) => `${entry.name} ${entry.version}: ${entry.license}`)].join('\n')),
    field('Files', runtime.files) +
      field('Copyright', lines(holders(runtime.licenseText) ?? ['Node.js contributors'])) +
      field('License', `Node.js\n${runtime.licenseText}`) +
      field('Comment', `The official Node.js ${runtime.version} binary, from the npm registry. The licence is its LICENSE file: Node.js's own and that of each library it includes.`),
    ...[...standalone].sort().map((name) => field('License', `${name}\n${licenseText(name, bundle.packages)}`)),
  ]
  return paragraphs.join('\n')
}

function lines(values: readonly string[]): string {
  return [...new Set(values.map((value) => value.trim()))].sort().join('\n')
}

/** The holders a licence file names, in its own words; undefined if it names none. */
function holders(text: string | undefined): string[] | undefined {
  const found = (text ?? '').split('\n').filter((line) => HOLDER_LINE.test(line)).map((line) => line.trim())
  return found.length > 0 ? found : undefined
}

/** An SPDX expression as DEP-5 writes it: "(MIT OR CC0-1.0)" is "Expat or CC0-1.0". */
function dep5Expression(name: string, spdx: string): string {
  const words = spdx.replace(/[()]/g, ' ').trim().split(/\s+/)
  if (words.length === 0 || words.some((word, index) => (index % 2 === 1 ? !/^(AND|OR)$/.test(word) : !/^[A-Za-z0-9.+-]+$/.test(word)))) {
    throw new Error(`${name}: the licence "${spdx}" is not an SPDX expression this packaging can write in DEP-5 (names joined by AND or OR)`)
  }

  const joined = words.map((word, index) => (index % 2 === 1 ? word.toLowerCase() : (DEP5_NAMES[word] ?? word)))
  if (joined.includes('and') && joined.includes('or')) throw new Error(`${name}: the licence "${spdx}" mixes AND and OR`)
  return joined.join(' ')
}

function shortNames(expression: string): string[] {
  return expression.split(/,?\s+(?:and|or)\s+/)
}

/** Every expression, once: those with "or" first, each closed by a comma, which binds less than "and" (DEP-5). */
function combine(expressions: readonly string[]): string {
  const unique = [...new Set(expressions)].sort()
  const alternatives = unique.filter((expression) => expression.includes(' or '))
  const names = [...new Set(unique.filter((expression) => !expression.includes(' or ')).flatMap(shortNames))].sort()
  return [...alternatives, names.join(' and ')].filter(Boolean).join(', and ')
}

/** A licence's text: where Debian ships it, or the first bundled package's licence file under that name, without its holders. */
function licenseText(name: string, packages: readonly BundledPackage[]): string {
  if (COMMON_LICENSES.has(name)) return `On Debian systems, the full text of the ${name} licence is in\n/usr/share/common-licenses/${name}.`
  const source = [...packages].sort((a, b) => (a.name < b.name ? -1 : 1)).find((entry) => dep5Expression(entry.name, entry.license) === name && entry.licenseText)
  if (!source?.licenseText) throw new Error(`no bundled package gives the text of the licence ${name}: add it to scripts/package/copyright.ts`)
  return source.licenseText
    .split('\n')
    .filter((line) => !HOLDER_LINE.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
