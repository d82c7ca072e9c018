/**
 * Negative, zero or positive as `a` sorts before, with or after `b` by UTF-16 code unit: the
 * order of plain identifiers (names, lports, PCI addresses) with no locale in it. localeCompare
 * would build ICU's collator on its first call, which a command sorting such names never needs.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
