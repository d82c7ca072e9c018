import {Args, Flags, ux} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {providerFlags, providerRegistryOptions, recordedRepresentorFlags} from '../../providers/flags.js'
import {loadProviders} from '../../providers/registry.js'
import {collectInventory, type InventoryRow, inventoryColumns, ofFlavour, REPRESENTOR_FLAVOURS, renderInventoryCsv, renderInventoryTable} from '../../providers/report.js'

export default class ProvidersInventory extends BaseCommand {
  static override summary = 'Show what the providers could plug on this machine.'
  static override description = `For representor: every PF, VF and host SF representor devlink reports, with the host PF MAC (the value of vif-plug:representor:pf-mac), VF or SF number (vf-num, sf-num), controller, switch id and state: ready, or what keeps it from being plugged now (no netdev, awaiting rename, and for an SF its devlink function state when not active, or not attached); SFs also show devlink's opstate. The DPU's own (controller 0) SFs are never plugged for a host port and are not listed. --flavour keeps the representors of one flavour. Without TYPE, every provider that initialised is shown; those that did not are named on stderr.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> representor',
    {description: 'As CSV, for a spreadsheet', command: '<%= config.bin %> <%= command.id %> representor -f csv'},
    {description: 'Only the host SFs, with their sf-num and state', command: '<%= config.bin %> <%= command.id %> representor --flavour sf'},
    {description: 'From a recorded devlink dump and sysfs copy', command: '<%= config.bin %> <%= command.id %> representor --devlink-json dump.json --sysfs-root ./sys'},
  ]

  static override enableJsonFlag = true
  static override args = {
    type: Args.string({description: 'Only this provider (a vif-plug-type, e.g. representor).', ignoreStdin: true}),
  }

  static override flags = {
    format: Flags.string({char: 'f', description: 'Output format.', options: ['table', 'json', 'csv'], default: 'table'}),
    flavour: Flags.string({description: 'Only representors of this flavour: pf, vf or sf (devlink pcipf, pcivf, pcisf); rows of other providers, which have none, are left out.', options: [...REPRESENTOR_FLAVOURS]}),
    ...providerFlags,
    ...recordedRepresentorFlags,
  }

  async run(): Promise<InventoryRow[]> {
    const {args, flags} = await this.parse(ProvidersInventory)
    const registryOptions = providerRegistryOptions(flags, (note) => this.debug(note))
    const registry = await loadProviders(args.type ? {...registryOptions, only: [args.type]} : registryOptions)
    try {
      const collected = await collectInventory(registry, {
        strict: args.type !== undefined,
        // Also under --json: stderr does not disturb the JSON on stdout.
        onSkip: (type, reason) => ux.stderr(`ovn-vif-ctl: skipping ${type}: ${reason}`),
      })
      const rows = flags.flavour ? ofFlavour(collected, flags.flavour) : collected
      if (this.jsonEnabled()) return rows

      const columns = inventoryColumns(rows, args.type === undefined)
      if (flags.format === 'json') this.log(JSON.stringify(rows, null, 2))
      else if (flags.format === 'csv') this.log(renderInventoryCsv(rows, columns))
      else if (rows.length === 0) this.log(flags.flavour ? `Nothing to list: no representor of flavour ${flags.flavour}.` : 'Nothing to list: no provider reported a pluggable netdev.')
      else this.log(renderInventoryTable(rows, columns))
      return rows
    } finally {
      await registry.destroy()
    }
  }
}
