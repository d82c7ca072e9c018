import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {sandboxDirFlag} from '../../sandbox/flags.js'
import {type SandboxDaemon, stopSandbox} from '../../sandbox/sandbox.js'

export default class SandboxStop extends BaseCommand {
  static override summary = 'Stop the daemons a sandbox started and remove its directory.'
  static override description =
    'Stops exactly the processes recorded in the sandbox pidfiles (never by name), then removes the directory unless --keep.'

  static override examples = ['<%= config.bin %> <%= command.id %> --dir /tmp/ovn', '<%= config.bin %> <%= command.id %> --keep']
  static override enableJsonFlag = true
  static override flags = {
    dir: sandboxDirFlag,
    keep: Flags.boolean({description: 'Keep the directory, with its databases and logs.'}),
  }

  async run(): Promise<{dir: string; stopped: SandboxDaemon[]}> {
    const {flags} = await this.parse(SandboxStop)
    const stopped = await stopSandbox(flags.dir, {keep: flags.keep})
    this.log(`stopped ${stopped.length} daemons${flags.keep ? `; kept ${flags.dir}` : `; removed ${flags.dir}`}`)
    return {dir: flags.dir, stopped}
  }
}
