import type {Hook, Interfaces} from '@oclif/core'

import {ExitCode} from '../lib/exit-codes.js'
import {editDistance} from '../plug/suggest.js'

/** The commands and topics nearest to what was typed: a swap of two letters (two edits) still counts. */
export function closestCommands(typed: string, names: readonly string[]): string[] {
  const allowed = Math.max(2, Math.floor(typed.length / 3))
  const scored = names.map((name) => ({name, distance: editDistance(typed, name)})).filter(({distance}) => distance <= allowed)
  const best = Math.min(...scored.map(({distance}) => distance))
  return scored.filter(({distance}) => distance === best).map(({name}) => name).sort()
}

/**
 * The one line for words that name no command or topic (`typed` as spoken, topics and
 * commands separated by spaces), naming the closest commands; without the program's prefix.
 */
export function notACommand(config: Interfaces.Config, typed: string): string {
  const {bin, topicSeparator} = config
  const spoken = (id: string) => id.replaceAll(':', topicSeparator)
  const names = [
    ...config.commands.filter((command) => !command.hidden).map((command) => spoken(command.id)),
    ...config.topics.filter((topic) => !topic.hidden).map((topic) => spoken(topic.name)),
  ]
  const close = closestCommands(typed, [...new Set(names)])
  const suggestion = close.length > 0 ? ` Did you mean ${close.map((name) => `'${bin} ${name}'`).join(' or ')}?` : ''
  return `'${typed}' is not a command.${suggestion} See '${bin} help'.`
}

/**
 * A mistyped command is a usage error: one line naming the closest commands, exit 2 (oclif's
 * default is a stack-traced "command not found").
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const {bin, topicSeparator} = options.config
  process.stderr.write(`${bin}: ${notACommand(options.config, options.id.replaceAll(':', topicSeparator))}\n`)
  this.exit(ExitCode.Usage)
}

export default hook
