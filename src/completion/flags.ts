import {Flags} from '@oclif/core'

import {connectionFlags} from '../lib/flags.js'

/** The flags of the hidden `complete` commands that list names from a database. */
export const listingFlags = {
  ...connectionFlags,
  // A completion waits on this: a database that does not answer soon gives no names, not a hang.
  timeout: Flags.integer({description: 'Seconds to wait for the database.', default: 2, min: 1}),
}
