import {BaseCommand} from '../../lib/base-command.js'
import {sandboxDirFlag} from '../../sandbox/flags.js'
import {renderSandbox} from '../../sandbox/render.js'
import {type DaemonStatus, readSandboxState, sandboxStatus} from '../../sandbox/sandbox.js'

export default class SandboxStatus extends BaseCommand {
  static override summary = 'Show where a sandbox is and which of its daemons run.'
  static override examples = ['<%= config.bin %> <%= command.id %> --dir /tmp/ovn']
  static override enableJsonFlag = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<{dir: string; daemons: DaemonStatus[]}> {
    const {flags} = await this.parse(SandboxStatus)
    const sandbox = await readSandboxState(flags.dir)
    const daemons = await sandboxStatus(sandbox)
    this.log(renderSandbox(sandbox))
    this.log('')
    for (const daemon of daemons) {
      this.log(`${daemon.running ? 'running' : 'stopped'}  ${daemon.name}${daemon.pid ? ` (pid ${daemon.pid})` : ''}`)
    }

    return {dir: sandbox.dir, daemons}
  }
}
