import {loadHelpClass} from '@oclif/core'
import {commands} from '@oclif/plugin-help'

import {notACommand} from '../hooks/command-not-found.js'
import {reportOperatorError} from '../lib/base-command.js'
import {UsageError} from '../lib/errors.js'

/**
 * oclif's help command, bundled with ours rather than loaded at every start as a plugin from
 * node_modules, which every command would pay for at start-up. Its errors are the tool's one line: a
 * subject that is no command or topic is named with the closest ones, as a mistyped command is.
 */
export default class Help extends commands.help {
  static override examples = ['<%= config.bin %> help status', '<%= config.bin %> help sandbox start', '<%= config.bin %> help --nested-commands']

  // The parent's argument, never read from stdin (a script's `help` would otherwise take its input
  // for a command). parse() spreads the class it is given, which drops inherited statics: strict
  // is restated here.
  static override args: typeof commands.help.args = {command: {...commands.help.args.command, ignoreStdin: true}}
  static override strict = commands.help.strict

  // In place of the parent's run, which would parse again with the parent's argument.
  override async run(): Promise<void> {
    const {argv, flags} = await this.parse(Help)
    const words = argv.map(String).filter((word) => !word.startsWith('-'))
    const id = words.join(':')
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) throw new UsageError(notACommand(this.config, words.join(' ')))
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, {all: flags['nested-commands']}).showHelp(argv.map(String))
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    const exitCode = reportOperatorError(this, error)
    if (exitCode !== undefined) this.exit(exitCode)
    return super.catch(error)
  }
}
