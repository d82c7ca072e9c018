import {Args} from '@oclif/core'

import {completionModel} from '../completion/model.js'
import {completionScript, type Shell, SHELLS} from '../completion/scripts.js'
import {BaseCommand} from '../lib/base-command.js'

export default class Completion extends BaseCommand {
  static override summary = 'Print the bash or zsh completion script: commands, flags, flag values and port names.'
  static override description = `Completes commands, flags and the values of flags that list them. The port arguments of plug, unplug and status complete with the Logical_Switch_Port names of the Northbound DB (the line's --nb-db, else $OVN_NB_DB, else the standard socket), asked with a 2-second timeout; when the database does not answer, nothing is offered.`

  static override examples = [
    {description: 'Use it in the current bash', command: 'source <(<%= config.bin %> <%= command.id %> bash)'},
    {description: 'Install it for every bash (bash-completion)', command: '<%= config.bin %> <%= command.id %> bash > /etc/bash_completion.d/<%= config.bin %>'},
    {description: 'Install it for zsh', command: '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_<%= config.bin %>"'},
  ]

  static override args = {
    shell: Args.string({description: 'The shell to complete for.', options: [...SHELLS], required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    this.log(completionScript(completionModel(this.config), args.shell as Shell).trimEnd())
  }
}
