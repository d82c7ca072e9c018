import type {ChassisNames} from './chassis.js'

/** A registered chassis as the resemblance rules read it. */
export interface KnownChassis extends ChassisNames {
  /** The card-serial-number of its ovn-cms-options, if any. */
  cardSerial?: string | undefined
}

function describe(chassis: KnownChassis): string {
  return chassis.hostname && chassis.hostname !== chassis.name ? `chassis ${chassis.name} (hostname ${chassis.hostname})` : `chassis ${chassis.name}`
}

/** Which of a chassis's names `name` is: `chassis hv1`, or `hostname dpu1.example.com of chassis hv1`. */
function nameOf(chassis: KnownChassis, name: string): string {
  return name === chassis.name ? `chassis ${name}` : `hostname ${name} of chassis ${chassis.name}`
}

/** The names a chassis answers to in requested-chassis: its name and its hostname. */
function namesOf(chassis: KnownChassis): string[] {
  return chassis.hostname && chassis.hostname !== chassis.name ? [chassis.name, chassis.hostname] : [chassis.name]
}

/** The first DNS label, lower-cased: `DPU1.example.com` -> `dpu1`. */
function shortName(name: string): string {
  return name.split('.')[0]!.toLowerCase()
}

/** One resemblance: what it finds of a chassis (`match`), and what the operator should know of it (`because`). */
interface Rule {
  match(entry: string, chassis: KnownChassis): string | undefined
  because(chassis: readonly KnownChassis[]): string
}

/**
 * The rules, most specific first; each compares exactly, after one normalisation an operator
 * can see, and never guesses by similarity: a value one typo away from a name is not named.
 */
const RULES: readonly Rule[] = [
  {
    match: (entry, chassis) => (chassis.cardSerial === entry ? `the card serial of ${describe(chassis)}` : undefined),
    because: (matched) => `Neutron writes the hostname: requested-chassis=${matched.map((chassis) => chassis.hostname || chassis.name).join(' or ')}`,
  },
  {
    match: (entry, chassis) => {
      const name = namesOf(chassis).find((candidate) => candidate === entry.trim())
      return name === undefined ? undefined : `${nameOf(chassis, name)} with white space around it`
    },
    because: () => 'OVN does not trim it',
  },
  {
    match: (entry, chassis) => {
      const name = namesOf(chassis).find((candidate) => candidate.toLowerCase() === entry.toLowerCase())
      return name === undefined ? undefined : `${nameOf(chassis, name)} in another case`
    },
    because: () => 'OVN compares names exactly',
  },
  {
    match: (entry, chassis) => {
      const name = namesOf(chassis).find((candidate) => (candidate.includes('.') || entry.includes('.')) && shortName(candidate) === shortName(entry))
      return name === undefined ? undefined : `${nameOf(chassis, name)} with another domain`
    },
    because: () => 'OVN compares hostnames exactly, domain included',
  },
]

/**
 * For a requested-chassis entry that names no registered chassis: what registered chassis it
 * resembles, by the first rule that matches any chassis (every chassis that rule matches is
 * named), or undefined when it resembles none.
 */
export function resemblance(entry: string, chassis: readonly KnownChassis[]): string | undefined {
  for (const rule of RULES) {
    const matched = chassis.filter((candidate) => rule.match(entry, candidate) !== undefined)
    if (matched.length > 0) return `it is ${matched.map((candidate) => rule.match(entry, candidate)).join(', or ')}; ${rule.because(matched)}`
  }

  return undefined
}
