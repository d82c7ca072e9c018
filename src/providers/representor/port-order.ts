/**
 * The order of devlink port names (pci/0000:03:00.0/229377) that the representor table is
 * sorted in: Intl.Collator('en', {numeric: true}), numbers by value. Making that collator loads
 * ICU's collation data and each comparison costs microseconds, which a one-shot CLI sorting
 * thousands of SFs feels; so the names devlink gives (lower-case ASCII letters, digits, and the
 * same punctuation in the same places) are compared here, and anything else goes to the collator.
 */

const ZERO = 0x30
const NINE = 0x39
const LOWER_A = 0x61
const LOWER_Z = 0x7a

let collator: Intl.Collator['compare'] | undefined

function collate(a: string, b: string): number {
  return (collator ??= new Intl.Collator('en', {numeric: true}).compare)(a, b)
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE
}

function isLowerLetter(code: number): boolean {
  return code >= LOWER_A && code <= LOWER_Z
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false
  return true
}

/** Where the run of ASCII digits that starts at `from` ends. */
function digitsEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && isDigit(text.charCodeAt(end))) end++
  return end
}

/** The sign of the difference of two runs of digits by value, without converting them (a u32 or a longer run alike). */
function compareNumbers(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  while (aStart < aEnd - 1 && a.charCodeAt(aStart) === ZERO) aStart++
  while (bStart < bEnd - 1 && b.charCodeAt(bStart) === ZERO) bStart++
  if (aEnd - aStart !== bEnd - bStart) return aEnd - aStart < bEnd - bStart ? -1 : 1
  for (; aStart < aEnd; aStart++, bStart++) {
    const difference = a.charCodeAt(aStart) - b.charCodeAt(bStart)
    if (difference !== 0) return difference < 0 ? -1 : 1
  }

  return 0
}

/**
 * Negative, zero or positive as `a` sorts before, with or after `b` in the collator's order.
 * Both decide at the first place the names differ, past an identical start: two numbers by
 * value, a digit before a letter, two lower-case letters alphabetically. Any other difference
 * (punctuation, capitals, other scripts, one name ending, numbers equal by value) is the
 * collator's to judge.
 */
export function compareDevlinkPortNames(a: string, b: string): number {
  if (a === b) return 0
  // Other scripts have digits and letters of their own.
  if (!isAscii(a) || !isAscii(b)) return collate(a, b)
  let at = 0
  while (at < a.length && at < b.length && a.charCodeAt(at) === b.charCodeAt(at)) at++
  if (at === a.length || at === b.length) return collate(a, b)
  const x = a.charCodeAt(at)
  const y = b.charCodeAt(at)
  if (isDigit(x) || isDigit(y)) {
    // A number is compared whole, from its first digit, which may come before the difference.
    let start = at
    while (start > 0 && isDigit(a.charCodeAt(start - 1))) start--
    if (start < at || (isDigit(x) && isDigit(y))) {
      const order = compareNumbers(a, start, digitsEnd(a, start), b, start, digitsEnd(b, start))
      return order === 0 ? collate(a, b) : order
    }
  }

  if (isDigit(x) && isLowerLetter(y)) return -1
  if (isLowerLetter(x) && isDigit(y)) return 1
  if (isLowerLetter(x) && isLowerLetter(y)) return x - y
  return collate(a, b)
}
