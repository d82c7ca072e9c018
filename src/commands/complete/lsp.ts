import {Flags} from '@oclif/core'

import {logicalSwitchPortNames} from '../../completion/lsps.js'
import {BaseCommand} from '../../lib/base-command.js'
import {connectionFlags, connectionSettings} from '../../lib/flags.js'

export default class CompleteLsp extends BaseCommand {
  static override hidden = true
  static override summary = 'List the Logical_Switch_Port names in the Northbound DB, one per line, for shell completion.'
  static override examples = ['<%= config.bin %> <%= command.id %> --nb-db unix:/var/run/ovn/ovnnb_db.sock']

  static override flags = {
    ...connectionFlags,
    // A completion waits on this: a database that does not answer soon gives no names, not a hang.
    timeout: Flags.integer({description: 'Seconds to wait for the Northbound DB.', default: 2, min: 1}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(CompleteLsp)
    const names = await logicalSwitchPortNames(connectionSettings(flags))
    if (names.length > 0) this.log(names.join('\n'))
  }
}
