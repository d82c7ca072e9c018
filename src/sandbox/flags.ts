import {Flags} from '@oclif/core'

/** The sandbox to act on: --dir, else the one `sandbox env` exported. */
export const sandboxDirFlag = Flags.directory({
  description: 'The sandbox directory (default: $OVN_VIF_CTL_SANDBOX, set by `sandbox env`).',
  env: 'OVN_VIF_CTL_SANDBOX',
  required: true,
})
