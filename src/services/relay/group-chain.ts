/**
 * The chain rule of the relay's groups (docs/groups.md, "Forks"): one path
 * through every state of a group accepted anywhere, the same on every node
 * whatever order the states came in, so that after a partition in which both
 * sides committed, one side's states win and the other's members make their
 * changes again on top. Pure.
 */
import { compareBranches } from '../../groups/index.js'

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
  const children = childrenOf(links)
  const depth = depthIn(children)
  const best = (candidates: ChainLink[]): ChainLink | undefined => [...candidates]
    .sort((a, b) => compareBranches({ reach: depth(a), hash: a.hash }, { reach: depth(b), hash: b.hash }))[0]
  const chain: ChainLink[] = []
  let at = best((children.get('') ?? []).filter(l => l.epoch === 1))
  while (at !== undefined) {
    chain.push(at)
    const here: ChainLink = at
    at = best((children.get(here.hash) ?? []).filter(k => k.epoch === here.epoch + 1))
  }
  return chain
}

/**
 * What a user in states off the chain (added on a branch that lost) is shown
 * of the chain, so that its node can check that its branch lost by the rule
 * (docs/groups.md, "Forks"): for each branch off the chain with a state that
 * `listed` (the user is a member of it) parting from a state of the chain
 * that does not list it (the user was added on the branch), that state (the
 * ancestor) and the chain's states after it, up to the first that
 * wins against the branch's longest chain: as long, with a lower hash than
 * the branch's state after the ancestor, else one longer. Nothing later: the
 * chain's changes after that are not the user's to see. Epoch ranges, one per
 * such branch; none when the user is in no state off the chain.
 */
export function offChainReach (links: readonly ChainLink[], chain: readonly ChainLink[], listed: (l: ChainLink) => boolean): Array<{ from: number, to: number }> {
  const on = new Set(chain.map(l => l.hash))
  const byHash = new Map(links.map(l => [l.hash, l]))
  const depth = depthIn(childrenOf(links))
  /** The branch's state after the ancestor, by hash: each branch once */
  const roots = new Map<string, ChainLink>()
  for (const l of links) {
    if (on.has(l.hash) || !listed(l)) continue
    let root = l
    let ancestor: ChainLink | undefined
    for (;;) {
      const parent = byHash.get(root.previous)
      // A branch from a second genesis, from a state never seen or not the one before: it parts from no state of the chain.
      if (parent === undefined || parent.epoch !== root.epoch - 1) break
      if (on.has(parent.hash)) {
        ancestor = parent
        break
      }
      root = parent
    }
    // A member of the state its branch parts from sees the chain from there as any member does (up to its removal).
    if (ancestor === undefined || listed(ancestor)) continue
    roots.set(root.hash, root)
  }
  const out: Array<{ from: number, to: number }> = []
  for (const root of roots.values()) {
    const rival = chain[root.epoch - 1]
    if (rival === undefined) continue
    const longest = depth(root)
    // The chain's state at that epoch wins once the chain reaches as far as the branch, or one further.
    const winsAsLong = compareBranches({ reach: longest, hash: rival.hash }, { reach: longest, hash: root.hash }) < 0
    out.push({ from: root.epoch - 1, to: Math.min(chain.length, winsAsLong ? longest : longest + 1) })
  }
  return out
}

/** Each state's children (the states naming it as previous), by its hash ('' for a genesis's). */
function childrenOf (links: readonly ChainLink[]): Map<string, ChainLink[]> {
  const children = new Map<string, ChainLink[]>()
  for (const l of links) {
    const list = children.get(l.previous) ?? []
    if (!list.some(c => c.hash === l.hash)) list.push(l)
    children.set(l.previous, list)
  }
  return children
}

/** The epoch the longest chain from a state reaches. */
function depthIn (children: ReadonlyMap<string, ChainLink[]>): (l: ChainLink) => number {
  const reach = new Map<string, number>()
  return (l: ChainLink): number => {
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
}
