/**
 * The commands as one module, the package's export, and where oclif finds the hook. oclif finds
 * each command by its file under src/commands (the manifest records the path) and imports only
 * the one it runs; `npm run build` bundles that file, and this module, with oclif and the other
 * dependencies (scripts/bundle.ts): every command pays for its start-up, which must stay close
 * to `node -e 0`, and loading hundreds of small modules one by one would not.
 * Every command file is listed here under the id its path gives it: test/unit/cli/entry.test.ts checks.
 */
import type {Command} from '@oclif/core'

import ChassisSetCardSerial from './commands/chassis/set-card-serial.js'
import ChassisShow from './commands/chassis/show.js'
import CompleteChassis from './commands/complete/chassis.js'
import CompleteLsp from './commands/complete/lsp.js'
import Completion from './commands/completion.js'
import Doctor from './commands/doctor.js'
import Help from './commands/help.js'
import Plug from './commands/plug.js'
import Providers from './commands/providers/index.js'
import ProvidersInventory from './commands/providers/inventory.js'
import Reconcile from './commands/reconcile.js'
import SandboxEnv from './commands/sandbox/env.js'
import SandboxRestart from './commands/sandbox/restart.js'
import SandboxStart from './commands/sandbox/start.js'
import SandboxStatus from './commands/sandbox/status.js'
import SandboxStop from './commands/sandbox/stop.js'
import Status from './commands/status.js'
import Unplug from './commands/unplug.js'

export {default as commandNotFound} from './hooks/command-not-found.js'

export const COMMANDS: Record<string, Command.Class> = {
  'chassis:set-card-serial': ChassisSetCardSerial,
  'chassis:show': ChassisShow,
  'complete:chassis': CompleteChassis,
  'complete:lsp': CompleteLsp,
  completion: Completion,
  doctor: Doctor,
  help: Help,
  plug: Plug,
  providers: Providers,
  'providers:inventory': ProvidersInventory,
  reconcile: Reconcile,
  'sandbox:env': SandboxEnv,
  'sandbox:restart': SandboxRestart,
  'sandbox:start': SandboxStart,
  'sandbox:status': SandboxStatus,
  'sandbox:stop': SandboxStop,
  status: Status,
  unplug: Unplug,
}
