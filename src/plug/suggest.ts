/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }

    previous = current
  }

  return previous[b.length]!
}

/**
 * The candidates close enough to `name` to be what was meant, closest first (ties by name),
 * at most `limit`. "Close" grows with the name's length: one edit per three characters, at least one.
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const allowed = Math.max(1, Math.floor(name.length / 3))
  return [...new Set(candidates)]
    .map((candidate) => ({candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase())}))
    .filter(({candidate, distance}) => distance <= allowed && candidate !== name)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map(({candidate}) => candidate)
}

/** " (did you mean a or b?)", or "" when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closeNames(name, candidates)
  if (close.length === 0) return ''
  const quoted = close.map((candidate) => `"${candidate}"`)
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`
  return ` (did you mean ${list}?)`
}
