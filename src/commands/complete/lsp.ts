import {Flags} from '@oclif/core'

import {listingFlags} from '../../completion/flags.js'
import {LSP_PURPOSES, type LspPurpose, logicalSwitchPortNames} from '../../completion/names.js'
import {BaseCommand} from '../../lib/base-command.js'
import {connectionSettings} from '../../lib/flags.js'

export default class CompleteLsp extends BaseCommand {
  static override hidden = true
  static override summary = 'List the Logical_Switch_Port names in the Northbound DB that a command takes, one per line, for shell completion.'
  static override examples = ['<%= config.bin %> <%= command.id %> --nb-db unix:/var/run/ovn/ovnnb_db.sock']

  static override flags = {
    ...listingFlags,
    for: Flags.string({description: 'The command whose port arguments these are: plug lists VIFs (type ""), unplug the ports with a plug request, status all.', options: [...LSP_PURPOSES], default: 'status'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(CompleteLsp)
    const names = await logicalSwitchPortNames(connectionSettings(flags), flags.for as LspPurpose)
    if (names.length > 0) this.log(names.join('\n'))
  }
}
