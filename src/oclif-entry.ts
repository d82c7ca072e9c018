/**
 * What bin/run.cjs needs to start oclif, bundled apart from the commands (scripts/bundle.ts):
 * `--help`, a topic's help and a mistyped command are answered from the manifest without
 * loading src/ovn-vif-ctl.ts, whose commands oclif imports only to run one.
 */
import {execute, settings} from '@oclif/core'

/**
 * How oclif loads this CLI. No user plugins: this CLI has no `plugins` command to install them,
 * and oclif would otherwise read the user's data directory for them on every start, and run
 * what it finds there.
 */
const LOAD_OPTIONS = {userPlugins: false}

/** Runs the command line of this process; `bin` is the CLI's bin script, which oclif finds the package by. */
export function start(bin: string): Promise<unknown> {
  // The bundle even under NODE_ENV=test or development, where oclif would look for the TypeScript
  // sources and load them, and a second oclif with them, whose errors the first does not know.
  settings.enableAutoTranspile = false
  return execute({dir: bin, loadOptions: LOAD_OPTIONS})
}
