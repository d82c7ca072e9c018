import {listingFlags} from '../../completion/flags.js'
import {chassisNames} from '../../completion/names.js'
import {BaseCommand} from '../../lib/base-command.js'
import {connectionSettings} from '../../lib/flags.js'

export default class CompleteChassis extends BaseCommand {
  static override hidden = true
  static override summary = 'List the Chassis names in the Southbound DB, one per line, for shell completion.'
  static override examples = ['<%= config.bin %> <%= command.id %> --sb-db unix:/var/run/ovn/ovnsb_db.sock']

  static override flags = listingFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(CompleteChassis)
    const names = await chassisNames(connectionSettings(flags))
    if (names.length > 0) this.log(names.join('\n'))
  }
}
