/**
 * Whether this chassis can be found by its card serial, as OpenStack Neutron finds a DPU's
 * chassis: the serial Nova read from the card's VPD on the host must be the card-serial-number
 * entry of the Southbound Chassis row's other_config:ovn-cms-options, which ovn-controller copies
 * from the local external_ids:ovn-cms-options. `doctor` and `chassis show` both judge it here.
 */

export type CardSerialResult = 'pass' | 'fail' | 'warn' | 'info'

export interface CardSerialFacts {
  /** The distinct serials read from this machine's NICs, in card order. */
  nicSerials: readonly string[]
  /** Why no NIC serial could be read (one per card or source), for the INFO line. */
  nicReasons: readonly string[]
  /** card-serial-number in the local external_ids:ovn-cms-options. */
  local: string | undefined
  /** This chassis's Southbound Chassis row: absent when there is none (or it could not be read). */
  southbound?: {serial: string | undefined}
}

export interface CardSerialVerdict {
  result: CardSerialResult
  detail: string
  fix?: string
}

const SET_COMMAND = 'ovn-vif-ctl chassis set-card-serial'

function quoted(value: string | undefined): string {
  return value === undefined ? 'none' : value
}

/** The exact command that sets the NIC's serial; with several NICs, one per NIC to choose from. */
function setFix(nicSerials: readonly string[]): string {
  if (nicSerials.length === 1) return `${SET_COMMAND} ${nicSerials[0]}`
  return `${nicSerials.map((serial) => `${SET_COMMAND} ${serial}`).join(', or ')} (the card whose host Neutron should reach through this chassis)`
}

function southboundDisagrees(facts: CardSerialFacts): CardSerialVerdict | undefined {
  if (!facts.southbound || facts.southbound.serial === facts.local) return undefined
  return {
    result: 'fail',
    detail: `external_ids:ovn-cms-options has card-serial-number=${quoted(facts.local)}, but the Southbound Chassis row shows ${quoted(facts.southbound.serial)}: ovn-controller has not copied it`,
    fix: 'restart ovn-controller (systemctl restart ovn-controller), which copies external_ids:ovn-cms-options into the Chassis row; its log says why it did not',
  }
}

export function judgeCardSerial(facts: CardSerialFacts): CardSerialVerdict {
  const {nicSerials, local} = facts
  if (nicSerials.length === 0) {
    const unread = `no NIC serial could be read${facts.nicReasons.length > 0 ? ` (${facts.nicReasons.join('; ')})` : ''}`
    if (local === undefined) return {result: 'info', detail: `${unread}, and external_ids:ovn-cms-options has no card-serial-number`}
    return southboundDisagrees(facts) ?? {result: 'info', detail: `${unread}; external_ids:ovn-cms-options has card-serial-number=${local}, which cannot be checked against the card`}
  }

  const nics = `the NIC${nicSerials.length === 1 ? "'s serial is" : "s' serials are"} ${nicSerials.join(', ')}`
  if (local === undefined) {
    return {
      result: 'warn',
      detail: `external_ids:ovn-cms-options has no card-serial-number (${nics}): OpenStack cannot find this chassis for remote-managed ports (other CMSs may not need it)`,
      fix: setFix(nicSerials),
    }
  }

  if (!nicSerials.includes(local)) {
    return {result: 'fail', detail: `external_ids:ovn-cms-options has card-serial-number=${local}, but ${nics}`, fix: setFix(nicSerials)}
  }

  if (!facts.southbound) {
    return {
      result: 'warn',
      detail: `card-serial-number=${local} is the NIC's serial in external_ids:ovn-cms-options, but this chassis has no Southbound Chassis row to carry it`,
      fix: 'start ovn-controller on this host: it registers the chassis with these options',
    }
  }

  return southboundDisagrees(facts) ?? {result: 'pass', detail: `card-serial-number=${local} is the NIC's serial, in external_ids:ovn-cms-options and in the Southbound Chassis row`}
}
