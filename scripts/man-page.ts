import type {Command, Config} from '@oclif/core'

import {EXIT_CODE_MEANINGS, ExitCode} from '../src/lib/exit-codes.js'

/*
 * The man page, rendered from the command metadata oclif loads (the manifest, else the built
 * commands), so that every command, flag and example in it is the one --help shows.
 */

/** Text for a roff text line: backslashes, hyphens (as \-, so copy-paste gives ASCII) and non-ASCII escaped. */
export function roffEscape(text: string): string {
  return text
    .replaceAll('\\', String.raw`\e`)
    .replaceAll('-', String.raw`\-`)
    .replaceAll(/[^\x20-\x7E]/gu, (char) => String.raw`\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
}

/** An escaped line that groff cannot take for a request: a leading dot or quote is guarded by \&. */
function textLine(text: string): string {
  const escaped = roffEscape(text)
  return /^[.']/.test(escaped) ? String.raw`\&${escaped}` : escaped
}

/** A macro argument: quoted, with its double quotes escaped. */
function argument(text: string): string {
  return `"${roffEscape(text).replaceAll('"', String.raw`\(dq`)}"`
}

const bold = (text: string) => String.raw`\fB${roffEscape(text)}\fR`
const italic = (text: string) => String.raw`\fI${roffEscape(text)}\fR`

/**
 * oclif descriptions as roff: blank lines separate paragraphs, indented lines are kept as
 * they are (lists, JSON shapes), every other line is filled.
 */
export function roffParagraphs(text: string): string[] {
  const lines: string[] = []
  let verbatim = false
  for (const line of text.trim().split('\n')) {
    const indented = /^\s/.test(line)
    if (indented && !verbatim) lines.push('.RS 2', '.nf')
    if (!indented && verbatim) lines.push('.fi', '.RE')
    verbatim = indented
    if (line.trim() === '') lines.push('.PP')
    else lines.push(textLine(indented ? line.replace(/^ {2}/, '') : line))
  }

  if (verbatim) lines.push('.fi', '.RE')
  return lines
}

function flagValueName(flag: Command.Flag.Cached): string {
  if (flag.type !== 'option') return ''
  if (flag.options) return flag.options.join('|')
  const helpValue = Array.isArray(flag.helpValue) ? flag.helpValue.join(' ') : flag.helpValue
  return helpValue ?? 'VALUE'
}

/** The tag line of a flag: -c, --certificate=FILE, or --[no-]leader-only. */
function flagTag(flag: Command.Flag.Cached): string {
  const long = flag.type === 'boolean' && flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`
  const names = [...(flag.char ? [bold(`-${flag.char}`)] : []), bold(long)].join(', ')
  const value = flagValueName(flag)
  return value ? `${names}=${italic(value)}` : names
}

function flagNotes(flag: Command.Flag.Cached): string[] {
  const notes: string[] = []
  const description = flag.summary ?? flag.description ?? ''
  if (flag.type === 'option' && flag.multiple && !/repeatable/i.test(description)) notes.push('Repeatable.')
  if (flag.type === 'option' && flag.default !== undefined) notes.push(`Default: ${String(flag.default)}.`)
  if (flag.type === 'boolean' && flag.allowNo && flag.default === true) notes.push('On by default.')
  if (flag.env) notes.push(`Environment: ${flag.env}.`)
  if (flag.required) notes.push('Required.')
  return notes
}

function flagItem(flag: Command.Flag.Cached): string[] {
  const description = [flag.summary ?? flag.description ?? '', ...flagNotes(flag)].filter(Boolean).join(' ')
  return ['.TP', flagTag(flag), ...roffParagraphs(description)]
}

/** Flags shown once in a section of their own (every command that has them says so) rather than under each command. */
const SHARED_GROUPS = ['CONNECTION', 'PROVIDER', 'GLOBAL'] as const
type SharedGroup = (typeof SHARED_GROUPS)[number]
const SHARED_GROUP_SECTIONS: Record<SharedGroup, string> = {
  CONNECTION: 'CONNECTION OPTIONS',
  PROVIDER: 'PROVIDER OPTIONS',
  GLOBAL: 'OUTPUT OPTIONS',
}

function sharedGroup(flag: Command.Flag.Cached): SharedGroup | undefined {
  return SHARED_GROUPS.find((group) => group === flag.helpGroup)
}

const visibleFlags = (command: Command.Loadable) => Object.values(command.flags).filter((flag) => !flag.hidden)

/**
 * The shared flags, each defined once: a command that redefined one differently would make
 * the page wrong for it, so that fails the generation instead.
 */
function sharedFlags(commands: readonly Command.Loadable[]): Map<SharedGroup, Command.Flag.Cached[]> {
  const seen = new Map<string, {flag: Command.Flag.Cached; in: string}>()
  for (const command of commands) {
    for (const flag of visibleFlags(command)) {
      if (!sharedGroup(flag)) continue
      const first = seen.get(flag.name)
      if (!first) seen.set(flag.name, {flag, in: command.id})
      else if (JSON.stringify(first.flag) !== JSON.stringify(flag)) {
        throw new Error(`--${flag.name} of ${command.id} differs from the one of ${first.in}: give it another helpGroup or make them the same`)
      }
    }
  }

  return new Map(SHARED_GROUPS.map((group) => [group, [...seen.values()].map(({flag}) => flag).filter((flag) => flag.helpGroup === group)]))
}

function synopsis(bin: string, command: Command.Loadable, separator: string): string {
  const args = Object.values(command.args).map((arg) => {
    const name = italic(arg.name.toUpperCase()) + (arg.multiple || command.strict === false ? '...' : '')
    return arg.required ? name : `[${name}]`
  })
  return [bold(`${bin} ${command.id.replaceAll(':', separator)}`), ...args, visibleFlags(command).length > 0 ? `[${italic('options')}]` : ''].filter(Boolean).join(' ')
}

function renderExample(bin: string, id: string, example: Command.Example): string[] {
  const substitute = (text: string) => text.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', id)
  const {description, command} = typeof example === 'string' ? {description: undefined, command: example} : example
  return [...(description ? ['.PP', textLine(substitute(description))] : ['.PP']), '.RS 4', '.nf', textLine(substitute(command)), '.fi', '.RE']
}

function commandSection(bin: string, command: Command.Loadable, separator: string, shared: Map<SharedGroup, Command.Flag.Cached[]>): string[] {
  const id = command.id.replaceAll(':', separator)
  const own = visibleFlags(command).filter((flag) => !sharedGroup(flag))
  const groups = SHARED_GROUPS.filter((group) => visibleFlags(command).some((flag) => sharedGroup(flag) === group))
  const lines = [`.SS ${argument(`${bin} ${id}`)}`, synopsis(bin, command, separator), '.PP', ...roffParagraphs(command.summary ?? '')]
  if (command.description) lines.push('.PP', ...roffParagraphs(command.description))
  for (const arg of Object.values(command.args)) {
    lines.push('.TP', italic(arg.name.toUpperCase()), ...roffParagraphs(`${arg.description ?? ''}${arg.options ? ` One of: ${arg.options.join(', ')}.` : ''}`))
  }

  for (const flag of own) lines.push(...flagItem(flag))
  if (groups.length > 0) {
    const mentions = groups.map((group) => {
      const names = shared.get(group)!.filter((flag) => command.flags[flag.name]).map((flag) => bold(`--${flag.name}`))
      return `${SHARED_GROUP_SECTIONS[group]} (${names.join(', ')})`
    })
    lines.push('.PP', `Also: ${mentions.join('; ')}.`)
  }

  const examples = command.examples ?? []
  if (examples.length > 0) {
    lines.push('.PP', 'Examples:')
    for (const example of examples) lines.push(...renderExample(bin, id, example))
  }

  return lines
}

const ENVIRONMENT: ReadonlyArray<[string, string]> = [
  ['OVN_NB_DB', 'The Northbound DB remote when --nb-db is not given (as for ovn-nbctl). Default: unix:$OVN_RUNDIR/ovnnb_db.sock.'],
  ['OVN_SB_DB', 'The Southbound DB remote when --sb-db is not given and, on a chassis, the local external_ids:ovn-remote is not set. Default: unix:$OVN_RUNDIR/ovnsb_db.sock.'],
  ['OVS_RUNDIR', 'Where the local Open_vSwitch DB socket db.sock is, when --db is not given. Default: /var/run/openvswitch.'],
  ['OVN_RUNDIR', 'Where the OVN database sockets (and ovn-controller\'s pidfile) are. Default: /var/run/ovn.'],
  ['NO_COLOR', 'When set (to anything), output is never coloured, as with --no-color.'],
  ['OVN_VIF_CTL_SANDBOX', 'The sandbox directory for the sandbox commands, as `sandbox env` prints it.'],
  ['XDG_CACHE_HOME', 'Where the compiled-code cache goes (see FILES). Default: ~/.cache.'],
  ['NODE_DISABLE_COMPILE_CACHE', 'When set to 1, no compiled-code cache is read or written.'],
]

const FILES: ReadonlyArray<[string, string]> = [
  ['/var/run/openvswitch/db.sock', 'The local Open_vSwitch DB.'],
  ['/var/run/ovn/ovnnb_db.sock, /var/run/ovn/ovnsb_db.sock', 'The OVN Northbound and Southbound DBs, on a central node.'],
  ['/etc/default/ovn-vif-ctl', 'Environment for the ovn-vif-ctl-reconcile service: OVS_RUNDIR, OVN_SB_DB, and OVN_VIF_CTL_OPTS for extra flags.'],
  ['/etc/systemd/system/ovn-vif-ctl-reconcile.service', 'The systemd unit that runs reconcile --watch (contrib/ in the source).'],
  ['$XDG_CACHE_HOME/ovn-vif-ctl', 'The runtime\'s compiled code of the CLI, kept between runs so that a command starts sooner; per user, created mode 0700, safe to delete. Left out when it cannot be created or another user could write it.'],
]

const DPU_EXAMPLES: ReadonlyArray<[string, string[]]> = [
  ['On a central node: ask that port vm1 be plugged as VF 3 of the host PF with MAC 0c:42:a1:00:00:01, on the DPU registered as chassis dpu1, and wait until it is up.', [
    'ovn-vif-ctl plug vm1 --chassis dpu1 --type representor \\',
    '    --pf-mac 0c:42:a1:00:00:01 --vf-num 3 --mtu 9000 --wait plugged',
  ]],
  ['On the DPU: see which representors the representor provider finds.', ['ovn-vif-ctl providers inventory representor']],
  ['On the DPU: keep plugging what is requested here (what the systemd unit runs).', ['ovn-vif-ctl reconcile --watch --log-format json']],
  ['On the DPU: what is plugged, pending, orphaned or in conflict, and why; exit 1 if anything is not plugged.', ['ovn-vif-ctl status']],
  ['Shell completion for the current bash.', ['source <(ovn-vif-ctl completion bash)']],
]

const SEE_ALSO = ['ovn-nbctl(8)', 'ovn-sbctl(8)', 'ovn-controller(8)', 'ovs-vsctl(8)', 'ovn-architecture(7)', 'systemd.service(5)']

function definitionList(entries: ReadonlyArray<[string, string]>, tag: (text: string) => string): string[] {
  return entries.flatMap(([term, text]) => ['.TP', tag(term), ...roffParagraphs(text)])
}

export interface ManPageSource {
  config: Config
  /** One line under NAME. */
  tagline: string
}

export function renderManPage({config, tagline}: ManPageSource): string {
  const {bin, topicSeparator: separator} = config
  const commands = config.commands
    .filter((command) => !command.hidden && !command.aliases.includes(command.id))
    .sort((a, b) => a.id.localeCompare(b.id))
  const shared = sharedFlags(commands)
  const name = bin.toUpperCase()

  const lines = [
    String.raw`.\" Generated by scripts/gen-man.ts (npm run man) from the oclif command metadata: do not edit.`,
    `.TH ${argument(name)} 8 "" ${argument(`${bin} ${config.version}`)} "OVN VIF plugging"`,
    '.SH NAME',
    `${roffEscape(bin)} \\- ${roffEscape(tagline)}`,
    '.SH SYNOPSIS',
    `${bold(bin)} ${italic('command')} [${italic('arguments')}] [${italic('options')}]`,
    '.br',
    `${bold(bin)} ${bold('help')} [${italic('command')}]`,
    '.SH DESCRIPTION',
    ...roffParagraphs(`On a DPU or SmartNIC the workload runs on a host while Open vSwitch and OVN run on the NIC's own CPU; the host's PFs and VFs appear there as representor netdevs. OVN's VIF plug providers let the CMS ask, through Logical_Switch_Port options (requested-chassis, vif-plug-type, vif-plug-mtu-request, vif-plug:<type>:*), that the right representor be plugged into the integration bridge on the right chassis.

${bin} is the operator's tool for that flow: plug and unplug write the requests in the Northbound DB; reconcile does on the local chassis what ovn-controller's vif-plug module does (and keeps doing it with --watch); status and doctor say what is plugged, pending, orphaned or in conflict, and why; sandbox starts a local OVN of real servers to learn and test on. It talks to OVSDB directly, reading the same environment as ovn-nbctl, ovn-sbctl and ovs-vsctl.`),
    '.SH COMMANDS',
    ...commands.flatMap((command) => commandSection(bin, command, separator, shared)),
    ...SHARED_GROUPS.flatMap((group) => {
      const flags = shared.get(group)!
      return flags.length === 0 ? [] : [`.SH ${SHARED_GROUP_SECTIONS[group]}`, ...flags.flatMap((flag) => flagItem(flag))]
    }),
    '.SH ENVIRONMENT',
    ...definitionList(ENVIRONMENT, bold),
    '.SH EXIT STATUS',
    ...roffParagraphs('Every command exits with one of these; each command\'s description says which apply to it.'),
    ...definitionList(Object.entries(ExitCode).map(([key, code]) => [String(code), EXIT_CODE_MEANINGS[key as keyof typeof ExitCode]]), bold),
    '.SH FILES',
    ...definitionList(FILES, italic),
    '.SH EXAMPLES',
    ...DPU_EXAMPLES.flatMap(([text, commandLines]) => ['.PP', ...roffParagraphs(text), '.RS 4', '.nf', ...commandLines.map((line) => textLine(line)), '.fi', '.RE']),
    '.SH SEE ALSO',
    SEE_ALSO.map((page) => {
      const [, title, section] = /^(.*)\((\d)\)$/.exec(page)!
      return `.BR ${roffEscape(title!)} (${section})`
    }).join(',\n'),
  ]
  return `${lines.join('\n')}\n`
}
