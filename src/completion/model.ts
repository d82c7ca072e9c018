import type {Command, Config} from '@oclif/core'

/** Arguments named so hold Logical_Switch_Port names, which the shells complete from the Northbound DB. */
const LSP_ARGUMENTS = new Set(['lsp', 'lport'])

export interface CompletionFlag {
  /** Every spelling: --name, -c, and --no-name for a flag that allows it. */
  spellings: string[]
  description: string
  takesValue: boolean
  /** The values a flag accepts, when it lists them; otherwise a value completes as a file name. */
  values?: readonly string[]
  repeatable: boolean
}

export interface CompletionCommand {
  /** The words that run it, e.g. ['sandbox', 'start']. */
  words: string[]
  summary: string
  flags: CompletionFlag[]
  completesLsps: boolean
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

function completionFlag(flag: Command.Flag.Cached): CompletionFlag {
  const spellings = [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : []), ...(flag.type === 'boolean' && flag.allowNo ? [`--no-${flag.name}`] : [])]
  return {
    spellings,
    description: firstSentence(flag.summary ?? flag.description ?? ''),
    takesValue: flag.type === 'option',
    ...(flag.type === 'option' && flag.options ? {values: flag.options} : {}),
    repeatable: flag.type === 'option' && Boolean(flag.multiple),
  }
}

const HELP_FLAG: CompletionFlag = {spellings: ['--help'], description: 'Show help for this command', takesValue: false, repeatable: false}

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
      flags: [...Object.values(command.flags).filter((flag) => !flag.hidden).map((flag) => completionFlag(flag)), HELP_FLAG],
      completesLsps: Object.keys(command.args).some((name) => LSP_ARGUMENTS.has(name)),
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
