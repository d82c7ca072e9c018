/**
 * One field of a Debian control-style file (deb822: DEBIAN/control, the DEP-5 copyright file):
 * the value's first line after the name, each further line as a continuation line indented by
 * one space, an empty line as " .".
 */
export function field(name: string, value: string): string {
  const [first = '', ...rest] = value.trimEnd().split('\n')
  const continuation = rest.map((line) => (line.trim() === '' ? ' .\n' : ` ${line.trimEnd()}\n`))
  return `${name}: ${first.trim()}\n${continuation.join('')}`
}
