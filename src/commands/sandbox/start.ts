import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {renderSandbox} from '../../sandbox/render.js'
import {type Sandbox, startSandbox} from '../../sandbox/sandbox.js'

export default class SandboxStart extends BaseCommand {
  static override summary = 'Start a local sandbox of real OVN servers on unix sockets.'
  static override description = `Starts Northbound and Southbound ovsdb-servers, ovn-northd between them and, per chassis, an Open_vSwitch ovsdb-server, ovs-vswitchd --enable-dummy=override (no kernel datapath) and ovn-controller. Returns once every chassis is registered in the Southbound DB.

Needs the Debian packages openvswitch-switch ovn-central ovn-host; no root and no kernel modules.`

  static override examples = [
    {description: 'A one-chassis sandbox in a new temp dir', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Two chassis; hv2 runs ovn-controller with its own dummy vif-plug, for comparison',
      command: '<%= config.bin %> <%= command.id %> --dir /tmp/ovn --chassis hv1,hv2 --controller-vif-plug --vif-plug-chassis hv2',
    },
    {description: 'Then point every tool at it', command: 'eval "$(<%= config.bin %> sandbox env --dir /tmp/ovn)"'},
  ]

  static override enableJsonFlag = true

  static override flags = {
    dir: Flags.directory({description: 'Directory for databases, sockets and logs (default: a new temp dir).'}),
    chassis: Flags.string({
      description: 'Comma-separated chassis names, each with its own OVS and ovn-controller.',
      default: 'hv1',
    }),
    'no-controller': Flags.boolean({description: 'Do not start ovn-controller on the chassis.'}),
    'controller-vif-plug': Flags.boolean({
      description: 'Start ovn-controller with --enable-dummy-vif-plug, so its own plugging can be compared with ours.',
    }),
    'vif-plug-chassis': Flags.string({
      description: 'With --controller-vif-plug: only on these comma-separated chassis (default: all).',
      dependsOn: ['controller-vif-plug'],
    }),
  }

  async run(): Promise<Sandbox> {
    const {flags} = await this.parse(SandboxStart)
    const vifPlugChassis = flags['vif-plug-chassis']
    const sandbox = await startSandbox({
      dir: flags.dir,
      chassis: flags.chassis.split(',').map((name) => name.trim()).filter(Boolean),
      controller: !flags['no-controller'],
      controllerVifPlug: vifPlugChassis ? vifPlugChassis.split(',') : flags['controller-vif-plug'],
    })
    this.log(renderSandbox(sandbox))
    return sandbox
  }
}
