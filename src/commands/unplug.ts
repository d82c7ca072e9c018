import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {checkWaitWithDryRun, entriesFromFile, fromFileFlag, lspArgs, runWithOutput, sharedFlags, usageError} from '../plug/cli.js'
import {type PlugResult, unplugPorts} from '../plug/run.js'

export default class Unplug extends BaseCommand {
  static override summary = 'Withdraw the VIF plug requests of logical switch ports from the Northbound DB.'
  static override description = `Removes vif-plug-type, vif-plug-mtu-request and every vif-plug:* key from Logical_Switch_Port.options; other options are never touched (map mutations, all ports in one transaction).

requested-chassis stays unless --clear-chassis: the CMS (Neutron, for one) sets it to bind a port whether or not it asks for plugging, so without a plug request the port stays bound there, and ovn-controller on that chassis still claims it when its interface appears.

A port without a plug request (no vif-plug-type) is left as it is, requested-chassis included, and said so (status "no-request" with --json); that is not an error: unplugging it again changes nothing and exits 0.

With --wait plugged, waits until no chassis has claimed the port(s).

Exit status: 0 done (or nothing to change); 2 usage error; 3 rejected by validation (nothing written); 4 a database could not be reached, or --wait timed out; 130 Ctrl-C (SIGINT) during --wait, after the write (said so, with the ports still pending).

With --json the result is the same object as plug's, with command "unplug".`

  static override examples = [
    '<%= config.bin %> <%= command.id %> vm1',
    {description: 'Withdraw the plug request and the chassis pin too (when no CMS set it)', command: '<%= config.bin %> <%= command.id %> vm1 vm2 --clear-chassis'},
    {description: 'Wait until no chassis has the port any more', command: '<%= config.bin %> <%= command.id %> vm1 --wait plugged --timeout 60'},
    {description: 'Show what would be removed', command: '<%= config.bin %> <%= command.id %> vm1 --dry-run'},
    {description: 'Unplug the batch a file plugged', command: '<%= config.bin %> <%= command.id %> --from-file ports.csv --wait plugged'},
  ]

  static override enableJsonFlag = true
  static override args = lspArgs

  static override flags = {
    ...connectionFlags,
    'clear-chassis': Flags.boolean({description: 'Also remove requested-chassis from ports that have a plug request (by default it stays: the CMS may have set it to bind the port).', default: false}),
    // requested-chassis stays by default now; accepted so that scripts written for the old default keep working.
    'keep-chassis': Flags.boolean({description: 'Leave requested-chassis in place (the default).', default: false, hidden: true, exclusive: ['clear-chassis']}),
    ...sharedFlags,
    'from-file': fromFileFlag('Read the ports from the lsp column of a CSV file with a header, or the lsp field of JSON lines: the file plug --from-file takes, whose other columns are ignored here.'),
  }

  async run(): Promise<PlugResult> {
    const {args, flags} = await this.parse(Unplug)
    const lsps = args.lsp ?? []
    const ports = (await entriesFromFile(lsps, flags['from-file'])) ?? lsps.map((lsp) => ({lsp}))
    if (ports.length === 0) throw usageError('name the port(s) to unplug, e.g. unplug vm1, or give --from-file FILE')
    const wait = checkWaitWithDryRun(flags.wait, flags['dry-run'])
    const settings = connectionSettings(flags)
    return runWithOutput(this, 'unplug', (hooks) => unplugPorts(ports, {settings, dryRun: flags['dry-run'], wait, clearChassis: flags['clear-chassis'], ...hooks}))
  }
}
