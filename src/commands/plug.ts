import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {connectionFlags, connectionSettings} from '../lib/flags.js'
import {checkWaitWithDryRun, entriesFromFile, fromFileFlag, lspArgs, runWithOutput, sharedFlags, usageError} from '../plug/cli.js'
import {providerOptionFlags, providerOptionsFromFlags} from '../plug/flags.js'
import {MAX_MTU, MIN_MTU, parseOptionArgument, type PlugDefaults, type RawPlugEntry, validatePlugEntries, withDefaults} from '../plug/request.js'
import {type PlugResult, plugPorts} from '../plug/run.js'
import {providerFlags} from '../providers/flags.js'
import {builtinOptionSpecs, loadProviders} from '../providers/registry.js'

const BUILTIN_SPECS = builtinOptionSpecs()

const plugFlags = {
  ...connectionFlags,
  chassis: Flags.string({description: 'The chassis (name or hostname, as registered in the Southbound DB) that should plug the port(s).', helpValue: 'NAME'}),
  'card-serial-number': Flags.string({
    description: "The chassis by its DPU's card serial number, as Neutron places a remote-managed port: the Southbound Chassis whose other_config:ovn-cms-options has card-serial-number=SERIAL; requested-chassis gets its hostname. Refused (exit 3) when no chassis, or more than one, has that serial.",
    helpValue: 'SERIAL',
    exclusive: ['chassis'],
  }),
  type: Flags.string({description: `The vif-plug-type: which provider resolves the netdev (${[...BUILTIN_SPECS.keys()].join(', ')}, or one of --provider-module).`, helpValue: 'TYPE'}),
  mtu: Flags.string({description: `MTU to request on the plugged interface, ${MIN_MTU} to ${MAX_MTU}; left out, the port's vif-plug-mtu-request is kept (--clear-mtu removes it).`, helpValue: 'N'}),
  'clear-mtu': Flags.boolean({description: 'Remove vif-plug-mtu-request, so the interface keeps the MTU it comes with; for --from-file, from the lines without an mtu.', default: false, exclusive: ['mtu']}),
  option: Flags.string({
    description: 'A provider option vif-plug:<type>:KEY=VALUE, given as KEY=VALUE or in full (repeatable); for options without a flag of their own.',
    multiple: true,
    multipleNonGreedy: true,
    helpValue: 'KEY=VALUE',
  }),
  ...sharedFlags,
  'from-file': fromFileFlag('Read the requests from a CSV file with a header (lsp,chassis or card-serial-number,type,mtu, then provider options by flag name or full key) or from JSON lines with the same fields; the other flags give defaults for what a line leaves out.'),
  force: Flags.boolean({default: false, description: 'Accept a type no provider here serves (ovn-controller may know it), unlisted provider options, a chassis not registered yet, a non-VIF port, and moving a port that is up on another chassis.'}),
  'provider-module': providerFlags['provider-module'],
}

const PROVIDER_OPTION_FLAGS = providerOptionFlags(BUILTIN_SPECS, [...Object.keys(plugFlags), 'json', 'help'])

export default class Plug extends BaseCommand {
  static override summary = 'Ask that logical switch ports be plugged on a chassis: set their VIF plug requests in the Northbound DB.'
  static override description = `Sets, in Logical_Switch_Port.options, the keys plug owns: requested-chassis, vif-plug-type, vif-plug-mtu-request and vif-plug:<type>:*. The provider options name one netdev and are given whole each time: every vif-plug: key the request leaves out is removed, so a change of type drops the old type's keys. The MTU is kept when --mtu is left out, and removed only with --clear-mtu. Other options are never touched: the keys are written with map mutations, all ports in one transaction.

Everything is checked before anything is written: the ports exist (close names are suggested), the type has a provider, the provider's options are valid and complete, the MTU, and the chassis is registered. --card-serial-number (or a card-serial-number column) names the chassis as Neutron does for a remote-managed port: the one Southbound Chassis whose ovn-cms-options has card-serial-number=SERIAL, whose hostname requested-chassis gets; no such chassis, or two, is refused naming the serials registered, or both chassis. A port that is up on another chassis is moved only with --force. Asking for what is already there changes nothing and says so.

Ports that ask one chassis for one netdev (equal identifying provider options: the same PF MAC and VF or SF, or the PF itself), two of the request or one of the request and one already requested there, get a warning line on stderr (and in "warnings" with --json), and are written all the same: only one of them can be plugged, and reconcile reports the others in conflict.

Exit status: 0 done; 2 usage error; 3 rejected by validation (nothing written); 4 a database could not be reached, or --wait timed out (then the requests were written, and the ports still pending are named); 130 Ctrl-C (SIGINT) during --wait, after the write (said so, with the ports still pending).

With --json the result is:
  {command: "plug", dryRun: boolean, committed: boolean, wait: "none"|"sb"|"hv"|"plugged", nbCfg?: number,
   warnings: [string],
   ports: [{lsp, status: "changed"|"unchanged"|"would-change"|"no-request" (unplug: no vif-plug-type, left as it is), changes: [{op: "add", key, value} | {op: "change", key, from, to} | {op: "remove", key, value}], notes: [string], waited?: string}]}
and an error is {error: {message, exitCode, kind}}.`

  static override examples = [
    {description: 'Plug VF 3 of the host PF 0c:42:a1:00:00:01 on chassis dpu1, with MTU 9000', command: '<%= config.bin %> <%= command.id %> vm1 --chassis dpu1 --type representor --pf-mac 0c:42:a1:00:00:01 --vf-num 3 --mtu 9000'},
    {description: 'Plug SF 88 (devlink sfnum) of that host PF instead; --vf-num and --sf-num are never given together', command: '<%= config.bin %> <%= command.id %> ct1 --chassis dpu1 --type representor --pf-mac 0c:42:a1:00:00:01 --sf-num 88'},
    {description: 'Show what would change, writing nothing', command: '<%= config.bin %> <%= command.id %> vm1 --chassis dpu2 --type representor --pf-mac 0c:42:a1:00:00:01 --vf-num 3 --dry-run'},
    {description: 'Several ports at once, waiting until each is claimed and up', command: '<%= config.bin %> <%= command.id %> vm1 vm2 --chassis hv1 --type dummy --wait plugged --timeout 60'},
    {description: 'A batch from a file, in one transaction (one bad line rejects all)', command: '<%= config.bin %> <%= command.id %> --from-file ports.csv --wait hv'},
    {description: 'Plug VF 3 on the DPU whose card serial number is MT2232X01234, as Neutron does (requested-chassis gets that chassis\'s hostname)', command: '<%= config.bin %> <%= command.id %> vm1 --card-serial-number MT2232X01234 --type representor --pf-mac 0c:42:a1:00:00:01 --vf-num 3'},
    {description: 'A type only ovn-controller knows, with its own option', command: '<%= config.bin %> <%= command.id %> vm1 --chassis hv1 --type vendor-nic --option slot=2 --force'},
  ]

  static override enableJsonFlag = true
  static override args = lspArgs
  static override flags = {...plugFlags, ...PROVIDER_OPTION_FLAGS}

  async run(): Promise<PlugResult> {
    const {args, flags} = await this.parse(Plug)
    const lsps = args.lsp ?? []
    const wait = checkWaitWithDryRun(flags.wait, flags['dry-run'])
    const defaults = {
      chassis: flags.chassis,
      cardSerial: flags['card-serial-number'],
      type: flags.type,
      mtu: flags.mtu,
      clearMtu: flags['clear-mtu'],
      options: [...providerOptionsFromFlags(Object.keys(PROVIDER_OPTION_FLAGS), flags), ...(flags.option ?? []).map((option) => parseOptionArgument(option))],
    }
    const entries = await this.entries(lsps, flags['from-file'], defaults)

    const registry = await loadProviders({modules: flags['provider-module'], initialise: false})
    const providers = new Map(registry.entries.map(({provider}) => [provider.type, provider.optionSpecs]))
    const requests = validatePlugEntries(entries, providers, {force: flags.force})
    const settings = connectionSettings(flags)
    return runWithOutput(this, 'plug', (hooks) => plugPorts(requests, {settings, dryRun: flags['dry-run'], wait, force: flags.force, providers, ...hooks}))
  }

  private async entries(lsps: string[], fromFile: string | undefined, defaults: PlugDefaults): Promise<RawPlugEntry[]> {
    const fileEntries = await entriesFromFile(lsps, fromFile)
    if (fileEntries) return withDefaults(fileEntries, defaults)

    if (lsps.length === 0) throw usageError('name the port(s) to plug, e.g. plug vm1 --chassis hv1 --type dummy, or give --from-file FILE')
    if (!defaults.chassis && !defaults.cardSerial) throw usageError('missing --chassis: name the chassis that should plug the port(s), or --card-serial-number to name it by its card serial number')
    if (!defaults.type) throw usageError(`missing --type: name the vif-plug-type (${[...BUILTIN_SPECS.keys()].join(', ')})`)
    return lsps.map((lsp) => ({lsp, ...defaults}))
  }
}
