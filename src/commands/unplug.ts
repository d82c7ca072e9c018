import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {checkWaitWithDryRun, lspArgs, runWithOutput, sharedFlags, usageError} from '../plug/cli.js'
import {type PlugResult, unplugPorts} from '../plug/run.js'

export default class Unplug extends BaseCommand {
  static override summary = 'Withdraw the VIF plug requests of logical switch ports from the Northbound DB.'
  static override description = `Removes vif-plug-type, vif-plug-mtu-request and every vif-plug:* key from Logical_Switch_Port.options, and requested-chassis unless --keep-chassis; other options are never touched (map mutations, all ports in one transaction). A port without a plug request is left as it is, and said so.

With --wait plugged, waits until no chassis has claimed the port(s).

Exit status: 0 done; 2 usage error; 3 rejected by validation (nothing written); 4 a database could not be reached, or --wait timed out.

With --json the result is the same object as plug's, with command "unplug".`

  static override examples = [
    '<%= config.bin %> <%= command.id %> vm1',
    {description: 'Stop plugging but keep the port bound to its chassis', command: '<%= config.bin %> <%= command.id %> vm1 vm2 --keep-chassis'},
    {description: 'Wait until no chassis has the port any more', command: '<%= config.bin %> <%= command.id %> vm1 --wait plugged --timeout 60'},
    {description: 'Show what would be removed', command: '<%= config.bin %> <%= command.id %> vm1 --dry-run'},
  ]

  static override enableJsonFlag = true
  static override args = lspArgs

  static override flags = {
    ...connectionFlags,
    'keep-chassis': Flags.boolean({description: 'Leave requested-chassis in place.', default: false}),
    ...sharedFlags,
  }

  async run(): Promise<PlugResult> {
    const {args, flags} = await this.parse(Unplug)
    const lsps = args.lsp ?? []
    if (lsps.length === 0) throw usageError('name the port(s) to unplug, e.g. unplug vm1')
    const wait = checkWaitWithDryRun(flags.wait, flags['dry-run'])
    const settings = connectionSettings(flags)
    return runWithOutput(this, 'unplug', (hooks) => unplugPorts(lsps, {settings, dryRun: flags['dry-run'], wait, keepChassis: flags['keep-chassis'], ...hooks}))
  }
}
