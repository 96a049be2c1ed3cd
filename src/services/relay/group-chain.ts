/**
 * The chain rule of the relay's groups (docs/groups.md, "Forks"): one path
 * through every state of a group accepted anywhere, the same on every node
 * whatever order the states came in, so that after a partition in which both
 * sides committed, one side's states win and the other's members make their
 * changes again on top. Pure.
 */

/** A state as the chain rule sees it. */
export interface ChainLink {
  epoch: number
  /** hex SHA-256 of the signed state */
  hash: string
  /** hex hash of the state before ('' for a genesis) */
  previous: string
}

/**
 * The group's chain: one path through every state accepted anywhere, the
 * same on every node whatever order they came in. From the genesis (the
 * lowest hash, should there be two), each next state is the child with the
 * longest chain after it, then the lowest hash. A state whose parent is not
 * on the chain is off it.
 */
export function canonicalChain (links: readonly ChainLink[]): ChainLink[] {
  const children = new Map<string, ChainLink[]>()
  for (const l of links) {
    const list = children.get(l.previous) ?? []
    if (!list.some(c => c.hash === l.hash)) list.push(l)
    children.set(l.previous, list)
  }
  const reach = new Map<string, number>()
  const depth = (l: ChainLink): number => {
    const known = reach.get(l.hash)
    if (known !== undefined) return known
    // Iterative: a chain may be long.
    const stack: ChainLink[] = [l]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const kids = (children.get(top.hash) ?? []).filter(k => k.epoch === top.epoch + 1)
      const pending = kids.filter(k => !reach.has(k.hash))
      if (pending.length > 0) {
        stack.push(...pending)
        continue
      }
      stack.pop()
      reach.set(top.hash, Math.max(top.epoch, ...kids.map(k => reach.get(k.hash)!)))
    }
    return reach.get(l.hash)!
  }
  const best = (candidates: ChainLink[]): ChainLink | undefined => [...candidates]
    .sort((a, b) => depth(b) - depth(a) || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))[0]
  const chain: ChainLink[] = []
  let at = best((children.get('') ?? []).filter(l => l.epoch === 1))
  while (at !== undefined) {
    chain.push(at)
    const here: ChainLink = at
    at = best((children.get(here.hash) ?? []).filter(k => k.epoch === here.epoch + 1))
  }
  return chain
}
