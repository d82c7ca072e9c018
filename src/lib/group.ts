/**
 * The items by key, each group in the items' order: Map.groupBy, which Node 20 does not have.
 * Each group grows in place, never copied per item: grouping must stay linear (status groups 10k rows).
 */
export function groupBy<K, T>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return groups
}
