import {readdir} from 'node:fs/promises'
import path from 'node:path'

/** Each command's file under `dist`/commands as tsc wrote it (its declarations and source maps left out), relative to `dist`: the bundle's entry points for the commands (scripts/bundle.ts). */
export async function commandFiles(dist: string): Promise<string[]> {
  return (await readdir(path.join(dist, 'commands'), {recursive: true})).filter((file) => file.endsWith('.js')).map((file) => path.join('commands', file))
}
