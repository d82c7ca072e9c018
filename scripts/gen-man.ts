/**
 * Writes man/ovn-vif-ctl.8 from the built commands (run by `npm run build` after the
 * manifest, or `npm run man`). The page is checked in; a test fails when it is stale.
 */
import {Config} from '@oclif/core'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {renderManPage} from './man-page.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const MAN_PAGE = path.join(ROOT, 'man', 'ovn-vif-ctl.8')

export async function generateManPage(root = ROOT): Promise<string> {
  const config = await Config.load({root})
  const {description} = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {description: string}
  return renderManPage({config, tagline: description})
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(MAN_PAGE, await generateManPage())
}
