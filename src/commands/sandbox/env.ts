import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {sandboxDirFlag} from '../../sandbox/flags.js'
import {readSandboxState, sandboxEnv} from '../../sandbox/sandbox.js'
import {shellQuote} from '../../sandbox/render.js'

export default class SandboxEnv extends BaseCommand {
  static override summary = 'Print shell exports that point ovn-nbctl, ovs-vsctl and ovn-vif-ctl at a sandbox.'
  static override description =
    'Exports OVN_NB_DB and OVN_SB_DB (the central databases), OVS_RUNDIR and OVN_RUNDIR (the chosen chassis\'s directory: its db.sock is the chassis\'s Open_vSwitch DB) and OVN_VIF_CTL_SANDBOX (the sandbox, for the other sandbox commands). Use with eval.'

  static override examples = [
    'eval "$(<%= config.bin %> <%= command.id %> --dir /tmp/ovn)"',
    'eval "$(<%= config.bin %> <%= command.id %> --dir /tmp/ovn --chassis hv2)"',
  ]

  static override enableJsonFlag = true
  static override flags = {
    dir: sandboxDirFlag,
    chassis: Flags.string({description: 'Which chassis\'s local OVS DB to point at (default: the first).'}),
  }

  async run(): Promise<Record<string, string>> {
    const {flags} = await this.parse(SandboxEnv)
    const env = sandboxEnv(await readSandboxState(flags.dir), flags.chassis)
    for (const [name, value] of Object.entries(env)) this.log(`export ${name}=${shellQuote(value)}`)
    return env
  }
}
