/**
 * A strict reader of Debian's machine-readable copyright format (DEP-5, copyright-format 1.0):
 * returns every way a file breaks it, an empty list for a valid one.
 */
const FORMAT = /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/
const HEADER_FIELDS = new Set(['Format', 'Upstream-Name', 'Upstream-Contact', 'Source', 'Disclaimer', 'Comment', 'License', 'Copyright', 'Files-Excluded'])
const FILES_FIELDS = new Set(['Files', 'Copyright', 'License', 'Comment'])
const LICENSE_FIELDS = new Set(['License', 'Comment'])

type Paragraph = Map<string, string[]>

export function dep5Problems(text: string): string[] {
  const problems: string[] = []
  if (!text.endsWith('\n')) problems.push('the file does not end with a newline')
  const paragraphs: Paragraph[] = []
  for (const [index, block] of text.replace(/\n+$/, '').split(/\n[ \t]*\n/).entries()) {
    const paragraph: Paragraph = new Map()
    let current: string[] | undefined
    for (const line of block.split('\n')) {
      const continuation = /^[ \t](.*)$/.exec(line)
      const header = /^([!-9;-~][!-9;-~]*):(.*)$/.exec(line)
      if (continuation && current) current.push(continuation[1] === '.' ? '' : continuation[1]!)
      else if (header && !line.startsWith('#')) {
        if (paragraph.has(header[1]!)) problems.push(`paragraph ${index + 1}: ${header[1]} given twice`)
        current = [header[2]!.trim()]
        paragraph.set(header[1]!, current)
      } else problems.push(`paragraph ${index + 1}: not a field or a continuation line: ${JSON.stringify(line)}`)
    }
    paragraphs.push(paragraph)
  }

  const [header, ...rest] = paragraphs
  if (!header || !FORMAT.test(header.get('Format')?.[0] ?? '')) problems.push('the first paragraph has no Format field with the format 1.0 address')
  for (const name of header?.keys() ?? []) if (!HEADER_FIELDS.has(name)) problems.push(`header: unknown field ${name}`)

  const defined = new Set<string>()
  const used = new Set<string>()
  const patterns = new Set<string>()
  for (const [offset, paragraph] of rest.entries()) {
    const where = `paragraph ${offset + 2}`
    const license = paragraph.get('License')
    if (!license || license[0] === '') {
      problems.push(`${where}: no License short name`)
      continue
    }

    const names = license[0]!.split(/,?\s+(?:and|or)\s+|\s+with\s+\S+\s+exception$/).filter(Boolean)
    for (const name of names) if (/\s|[(),]/.test(name)) problems.push(`${where}: "${name}" is not a short name`)
    const hasText = license.slice(1).some((line) => line.trim() !== '')
    if (paragraph.has('Files')) {
      for (const name of paragraph.keys()) if (!FILES_FIELDS.has(name)) problems.push(`${where}: unknown field ${name} in a Files paragraph`)
      if (!paragraph.get('Copyright')?.some((line) => line.trim() !== '')) problems.push(`${where}: a Files paragraph without Copyright`)
      for (const pattern of paragraph.get('Files')!.join(' ').split(/\s+/).filter(Boolean)) {
        if (patterns.has(pattern)) problems.push(`${where}: the pattern ${pattern} is in two Files paragraphs`)
        patterns.add(pattern)
      }
      // Text here serves this paragraph alone; any other licence needs its stand-alone paragraph.
      if (!(hasText && names.length === 1)) for (const name of names) used.add(name)
    } else {
      for (const name of paragraph.keys()) if (!LICENSE_FIELDS.has(name)) problems.push(`${where}: unknown field ${name} in a stand-alone License paragraph`)
      if (names.length !== 1) problems.push(`${where}: a stand-alone License paragraph names one licence, not ${license[0]}`)
      else if (defined.has(names[0]!)) problems.push(`${where}: the licence ${names[0]} is given twice`)
      if (!hasText) problems.push(`${where}: the stand-alone License paragraph ${license[0]} has no text`)
      defined.add(names[0]!)
    }
  }

  if (!patterns.has('*')) problems.push('no Files paragraph for *')
  for (const name of used) if (!defined.has(name)) problems.push(`the licence ${name} is used without its text`)
  return problems
}
