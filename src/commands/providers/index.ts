import {BaseCommand} from '../../lib/base-command.js'
import {providerFlags, providerRegistryOptions, recordedRepresentorFlags} from '../../providers/flags.js'
import {loadProviders} from '../../providers/registry.js'
import {type ProviderSummary, renderProviderSummaries, summarizeProviders} from '../../providers/report.js'

export default class Providers extends BaseCommand {
  static override summary = 'List the VIF plug providers, their lport options and whether they initialised.'
  static override description = `Shows the built-in providers (dummy, representor) and any loaded with --provider-module. A provider that failed to initialise (for example representor without the devlink program) is listed with the reason; it refuses every plug until fixed.`

  static override aliases = ['providers:list']
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'With a third-party provider', command: '<%= config.bin %> <%= command.id %> --provider-module ./my-provider.mjs'},
    {description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  static override enableJsonFlag = true
  static override flags = {...providerFlags, ...recordedRepresentorFlags}

  async run(): Promise<{providers: ProviderSummary[]}> {
    const {flags} = await this.parse(Providers)
    const registry = await loadProviders(providerRegistryOptions(flags, (note) => this.debug(note)))
    try {
      const providers = summarizeProviders(registry)
      this.log(renderProviderSummaries(providers))
      return {providers}
    } finally {
      await registry.destroy()
    }
  }
}
