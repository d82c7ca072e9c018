/**
 * What bin/run.cjs needs to start oclif, bundled apart from the commands (scripts/bundle.ts):
 * `--help`, a topic's help and a mistyped command are answered from the manifest without
 * loading src/ovn-vif-ctl.ts, whose commands oclif imports only to run one.
 */
export {execute, settings} from '@oclif/core'
