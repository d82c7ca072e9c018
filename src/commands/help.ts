import {commands} from '@oclif/plugin-help'

/**
 * oclif's help command, bundled with ours rather than loaded at every start as a plugin from
 * node_modules, which every command would pay for at start-up.
 */
export default class Help extends commands.help {
  static override examples = ['<%= config.bin %> help status', '<%= config.bin %> help sandbox start', '<%= config.bin %> help --nested-commands']
}
