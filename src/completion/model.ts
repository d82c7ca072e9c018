import type {Command, Config} from '@oclif/core'

import {builtinOptionSpecs} from '../providers/registry.js'
import {COLUMN_NAMES} from '../status/render.js'

/** Arguments named so hold Logical_Switch_Port names, which the shells complete from the Northbound DB. */
const LSP_ARGUMENTS = new Set(['lsp', 'lport'])

/**
 * What a flag's value completes as: listed words (comma-separated ones for a flag with a
 * delimiter), file names, the chassis of the Southbound DB, or nothing at all (a remote, a
 * number, a MAC: never file names).
 */
export type ValueCompletion = {kind: 'words'; words: readonly string[]; list: boolean} | {kind: 'files'} | {kind: 'chassis'} | {kind: 'nothing'}

/** Flags whose value is a file or directory (oclif's manifest does not say which are). */
const FILE_FLAGS = new Set(['from-file', 'provider-module', 'private-key', 'certificate', 'ca-cert', 'dir', 'devlink-json', 'sysfs-root'])

/** Flags that take chassis already registered; sandbox start names new ones. */
function completesChassis(commandId: string, flag: string): boolean {
  return flag === 'chassis' && commandId !== 'sandbox:start'
}

function valueCompletion(commandId: string, flag: Command.Flag.Cached & {type: 'option'}): ValueCompletion {
  const list = Boolean(flag.delimiter)
  if (flag.options) return {kind: 'words', words: flag.options, list}
  if (flag.name === 'type' || flag.name === 'provider') return {kind: 'words', words: [...builtinOptionSpecs().keys()], list}
  if (flag.name === 'columns') return {kind: 'words', words: COLUMN_NAMES, list}
  if (completesChassis(commandId, flag.name)) return {kind: 'chassis'}
  if (FILE_FLAGS.has(flag.name)) return {kind: 'files'}
  return {kind: 'nothing'}
}

export interface CompletionFlag {
  /** Every spelling: --name, -c, and --no-name for a flag that allows it. */
  spellings: string[]
  description: string
  /** What its value completes as; absent for a flag that takes no value. */
  value?: ValueCompletion
  repeatable: boolean
}

export interface CompletionCommand {
  /** The words that run it, e.g. ['sandbox', 'start']. */
  words: string[]
  summary: string
  flags: CompletionFlag[]
  /** Which ports its arguments complete with (see `complete lsp --for`), or undefined when they are not ports. */
  lsps?: string
}

export interface CompletionModel {
  bin: string
  commands: CompletionCommand[]
  /** The words that may follow each command prefix ('' is the start of the line), with a summary each. */
  next: Map<string, Map<string, string>>
}

/** The first sentence of a description: enough for a completion menu line. */
export function firstSentence(text: string): string {
  const line = text.split('\n')[0]!.trim()
  const end = line.search(/\.(\s|$)/)
  return end === -1 ? line : line.slice(0, end)
}

function completionFlag(commandId: string, flag: Command.Flag.Cached): CompletionFlag {
  const spellings = [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : []), ...(flag.type === 'boolean' && flag.allowNo ? [`--no-${flag.name}`] : [])]
  return {
    spellings,
    description: firstSentence(flag.summary ?? flag.description ?? ''),
    ...(flag.type === 'option' ? {value: valueCompletion(commandId, flag)} : {}),
    repeatable: flag.type === 'option' && Boolean(flag.multiple),
  }
}

const HELP_FLAG: CompletionFlag = {spellings: ['--help'], description: 'Show help for this command', repeatable: false}

/** What the shells complete, from the commands oclif knows (hidden commands and flags left out). */
export function completionModel(config: Config): CompletionModel {
  const separator = config.topicSeparator
  // Plugins' summaries may be templates, as in --help.
  const summaryOf = (text: string | undefined) => firstSentence((text ?? '').replaceAll('<%= config.bin %>', config.bin))
  const commands = config.commands
    .filter((command) => !command.hidden)
    .map((command): CompletionCommand => ({
      words: command.id.split(':'),
      summary: summaryOf(command.summary ?? command.description),
      flags: [...Object.values(command.flags).filter((flag) => !flag.hidden).map((flag) => completionFlag(command.id, flag)), HELP_FLAG],
      ...(Object.keys(command.args).some((name) => LSP_ARGUMENTS.has(name)) ? {lsps: command.id} : {}),
    }))
    .sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')))

  const next = new Map<string, Map<string, string>>()
  const offer = (prefix: string[], word: string, summary: string) => {
    const key = prefix.join(' ')
    const words = next.get(key) ?? new Map<string, string>()
    if (!words.get(word)) words.set(word, summary)
    next.set(key, words)
  }

  const topicSummaries = new Map(config.topics.map((topic) => [topic.name.split(':').join(separator), topic.description ?? '']))
  for (const command of commands) {
    command.words.forEach((word, index) => {
      const prefix = command.words.slice(0, index)
      const path = [...prefix, word].join(' ')
      const isCommand = index === command.words.length - 1
      offer(prefix, word, isCommand ? command.summary : summaryOf(topicSummaries.get(path)))
    })
  }

  return {bin: config.bin, commands, next}
}
