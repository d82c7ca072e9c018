import {Args} from '@oclif/core'

import {completionModel} from '../completion/model.js'
import {completionScript, type Shell, SHELLS} from '../completion/scripts.js'
import {BaseCommand} from '../lib/base-command.js'

export default class Completion extends BaseCommand {
  static override summary = 'Print the bash or zsh completion script: commands, flags, flag values, port and chassis names.'
  static override description = `Completes commands, flags and the values of flags that list them: --type and --provider with the provider types, --columns with status's columns (after a comma too), --wait, --state and --format with their values. File names are offered only for flags that take a file (--from-file, --provider-module, the TLS files, --dir); other values complete with nothing.

The port arguments complete with the Logical_Switch_Port names of the Northbound DB (the line's --nb-db, else $OVN_NB_DB, else the standard socket): for plug only VIF ports (type ""), not router or localnet ports; for unplug only ports with a plug request; for status all. --chassis completes with the Chassis names of the Southbound DB (the line's --sb-db, else $OVN_SB_DB, else the standard socket). Both are asked with a 2-second timeout; when the database does not answer, nothing is offered.`

  static override examples = [
    {description: 'Use it in the current bash', command: 'source <(<%= config.bin %> <%= command.id %> bash)'},
    {description: 'Install it for every bash (bash-completion)', command: '<%= config.bin %> <%= command.id %> bash > /etc/bash_completion.d/<%= config.bin %>'},
    {description: 'Install it for zsh', command: '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_<%= config.bin %>"'},
  ]

  static override args = {
    shell: Args.string({description: 'The shell to complete for.', options: [...SHELLS], required: true, ignoreStdin: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    this.log(completionScript(completionModel(this.config), args.shell as Shell).trimEnd())
  }
}
