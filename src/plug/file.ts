import {readFile} from 'node:fs/promises'

import {UserError, ValidationError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {CARD_SERIAL_NUMBER} from '../ovn/cms-options.js'
import type {RawOption, RawPlugEntry} from './request.js'

/** Columns (CSV) and fields (JSON lines) that are not provider options. */
const REQUEST_FIELDS = ['lsp', 'chassis', CARD_SERIAL_NUMBER, 'type', 'mtu'] as const

export type RequestFileFormat = 'csv' | 'jsonl'

interface NumberedLine {
  number: number
  text: string
}

// Blank lines and '#' comments are skipped in both formats, so a file can explain itself.
function contentLines(text: string): NumberedLine[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({number: index + 1, text: line}))
    .filter((line) => line.text.trim() !== '' && !line.text.trimStart().startsWith('#'))
}

/** CSV for .csv, JSON lines for .jsonl, .ndjson and .json; otherwise JSON lines when the first entry is an object. */
export function detectFormat(file: string, text: string): RequestFileFormat {
  if (/\.csv$/i.test(file)) return 'csv'
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl'
  return contentLines(text)[0]?.text.trimStart().startsWith('{') ? 'jsonl' : 'csv'
}

function entryFrom(fields: ReadonlyMap<string, string>, where: string): RawPlugEntry {
  const options: RawOption[] = []
  for (const [name, value] of fields) {
    if (!(REQUEST_FIELDS as readonly string[]).includes(name) && value !== '') options.push({name, value})
  }

  const lsp = fields.get('lsp') ?? ''
  if (lsp === '') throw new ValidationError(`${where}: no lsp: every line names the logical switch port to plug`)
  const entry: RawPlugEntry = {lsp, options, where}
  for (const field of ['chassis', 'type', 'mtu'] as const) {
    const value = fields.get(field)
    if (value !== undefined && value !== '') entry[field] = value
  }

  const cardSerial = fields.get(CARD_SERIAL_NUMBER)
  if (cardSerial !== undefined && cardSerial !== '') entry.cardSerial = cardSerial

  return entry
}

/** Splits one CSV record (RFC 4180: quoted fields, "" for a quote; no newlines inside quotes). */
function splitCsvLine(text: string, where: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  let atFieldStart = true
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!
    if (quoted) {
      if (character !== '"') field += character
      else if (text[index + 1] === '"') {
        field += '"'
        index++
      } else {
        quoted = false
        const next = text[index + 1]
        if (next !== undefined && next !== ',') throw new ValidationError(`${where}: text after a closing quote: quote the whole field, and write a quote inside it as ""`)
      }
    } else if (character === '"' && atFieldStart) {
      quoted = true
    } else if (character === ',') {
      fields.push(field.trim())
      field = ''
      atFieldStart = true
      continue
    } else {
      field += character
    }

    atFieldStart = false
  }

  if (quoted) throw new ValidationError(`${where}: a quoted field is not closed: end it with "`)
  fields.push(field.trim())
  return fields
}

export function parseCsv(text: string, file: string): RawPlugEntry[] {
  const [header, ...rows] = contentLines(text)
  if (!header) throw new ValidationError(`${file}: no header line: start the file with a header such as lsp,chassis,type,pf-mac,vf-num`)
  const columns = splitCsvLine(header.text, `${file} line ${header.number}`)
  const headerWhere = `${file} line ${header.number}`
  const blank = columns.indexOf('')
  if (blank >= 0) throw new ValidationError(`${headerWhere}: column ${blank + 1} of the header has no name: name every column`)
  const duplicate = columns.find((column, index) => columns.indexOf(column) !== index)
  if (duplicate) throw new ValidationError(`${headerWhere}: column "${duplicate}" appears twice in the header: name each column once`)
  if (!columns.includes('lsp')) throw new ValidationError(`${headerWhere}: the header has no lsp column: the first line names the columns, e.g. lsp,chassis,type,pf-mac`)

  return rows.map((row) => {
    const where = `${file} line ${row.number}`
    const cells = splitCsvLine(row.text, where)
    if (cells.length !== columns.length) {
      throw new ValidationError(`${where}: ${cells.length} field${cells.length === 1 ? '' : 's'}, but the header has ${columns.length}: give one per column (empty for none)`)
    }

    return entryFrom(new Map(columns.map((column, index) => [column, cells[index]!])), where)
  })
}

function jsonFieldText(value: unknown, name: string, where: string): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  const kind = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`
  throw new ValidationError(`${where}: "${name}" is ${kind}: give a string or a number`)
}

export function parseJsonLines(text: string, file: string): RawPlugEntry[] {
  return contentLines(text).map((line) => {
    const where = `${file} line ${line.number}`
    let parsed: unknown
    try {
      parsed = JSON.parse(line.text)
    } catch (error) {
      throw new ValidationError(`${where}: not valid JSON (${(error as Error).message}): write one JSON object per line`)
    }

    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ValidationError(`${where}: not a JSON object: write one object per line, e.g. {"lsp": "vm1", "chassis": "hv1", "type": "dummy"}`)
    }

    return entryFrom(new Map(Object.entries(parsed).map(([name, value]) => [name, jsonFieldText(value, name, where)])), where)
  })
}

export function parseRequestFile(text: string, file: string): RawPlugEntry[] {
  const entries = detectFormat(file, text) === 'csv' ? parseCsv(text, file) : parseJsonLines(text, file)
  if (entries.length === 0) throw new ValidationError(`${file}: no requests in it: add one line per port`)
  return entries
}

export async function readRequestFile(file: string): Promise<RawPlugEntry[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UserError(`cannot read --from-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ExitCode.Usage)
  }

  return parseRequestFile(text, file)
}
