import {Args} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {sandboxDirFlag} from '../../sandbox/flags.js'
import {readSandboxState, type SandboxDaemon, startStoppedDaemons} from '../../sandbox/sandbox.js'

export default class SandboxRestart extends BaseCommand {
  static override summary = 'Start again the daemons of a sandbox that are not running.'
  static override description =
    'Starts each stopped daemon (those named, as `sandbox status` lists them, or every one) exactly as `sandbox start` first started it: the same databases, sockets and logs. Daemons that run are left alone.'

  static override examples = [
    {description: 'Every stopped daemon', command: '<%= config.bin %> <%= command.id %> --dir /tmp/ovn'},
    {description: 'Only hv1\'s ovn-controller', command: '<%= config.bin %> <%= command.id %> --dir /tmp/ovn hv1/ovn-controller'},
  ]

  static override strict = false
  static override args = {
    daemon: Args.string({description: 'Daemons to start, e.g. hv1/ovn-controller or northd/ovn-northd (default: every stopped one).', ignoreStdin: true}),
  }

  static override enableJsonFlag = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<{dir: string; started: SandboxDaemon[]}> {
    const {argv, flags} = await this.parse(SandboxRestart)
    const sandbox = await readSandboxState(flags.dir)
    const started = await startStoppedDaemons(sandbox, argv.map(String))
    this.log(started.length === 0 ? 'every daemon asked for already runs' : started.map((daemon) => `started ${daemon.name}`).join('\n'))
    return {dir: sandbox.dir, started}
  }
}
