import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {parseSchema} from '../../../src/ovsdb/schema.js'

export const TEST_SCHEMA_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/ovsdb/test.ovsschema')

export function loadSchema(file: string) {
  return parseSchema(JSON.parse(readFileSync(file, 'utf8')) as unknown)
}
