/**
 * The election: a pure function from the live view of the registry to the
 * holder of each role. Every node with the same view computes the same
 * answer (docs/roles.md, "Election rule").
 */
import { createHash } from 'node:crypto'

export type Role = 'relay' | 'idp' | 'kacls'
export type PeerIdStr = string

const ORDER: readonly Role[] = ['relay', 'idp', 'kacls']

/** One live node, as its latest announcement describes it. */
export interface Candidate {
  peerId: PeerIdStr
  /** Roles pinned to it with --role */
  pinned: Role[]
  /** Roles it may be elected to (pinned roles count as eligible) */
  eligible: Role[]
  /** Roles it says it serves now, with since when (its own clock) */
  held: Partial<Record<Role, number>>
  /** It has run long enough to take a role from another live node */
  settled: boolean
}

export interface Holder {
  peerId: PeerIdStr
  pinned: boolean
}

export interface Assignment {
  holders: Record<Role, Holder | null>
  warnings: string[]
}

/** The deterministic tie-break: hash(role || peerId), as DESIGN.md says. */
export function tiebreak (role: Role, peerId: PeerIdStr): string {
  return createHash('sha256').update(`${role}\0${peerId}`).digest('hex')
}

const short = (peerId: PeerIdStr): string => peerId.slice(-8)

/**
 * Holder of each role, in four steps:
 * 1. Pinned: a live node pinning the role holds it. Several pinning it: the
 *    one already holding it, else the lowest tie-break; a warning names all.
 * 2. Incumbent: a live eligible node already serving the role keeps it
 *    (hysteresis); several claiming it: the earliest, then the tie-break.
 * 3. Otherwise among eligible nodes: settled before unsettled, then fewest
 *    roles so far, then the tie-break.
 * 4. Separation of duties: while a node holds several roles and a settled
 *    eligible node holds none, the role it took last moves there.
 * The result is a fixed point: announced back as held, it elects itself.
 */
export function elect (view: readonly Candidate[]): Assignment {
  // Input order must not matter.
  const nodes = [...view].sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  const holders: Record<Role, Holder | null> = { relay: null, idp: null, kacls: null }
  const warnings: string[] = []
  const roles = (n: Candidate): Role[] => ORDER.filter(r => holders[r]?.peerId === n.peerId)
  const eligible = (n: Candidate, role: Role): boolean => n.eligible.includes(role) || n.pinned.includes(role)
  const bySinceThenHash = (role: Role) => (a: Candidate, b: Candidate): number => {
    const sa = a.held[role] ?? Infinity
    const sb = b.held[role] ?? Infinity
    if (sa !== sb) return sa < sb ? -1 : 1
    return tiebreak(role, a.peerId) < tiebreak(role, b.peerId) ? -1 : 1
  }

  for (const role of ORDER) {
    const pinning = nodes.filter(n => n.pinned.includes(role)).sort(bySinceThenHash(role))
    const chosen = pinning[0]
    if (chosen === undefined) continue
    holders[role] = { peerId: chosen.peerId, pinned: true }
    if (pinning.length > 1) {
      warnings.push(`${role} is pinned on ${pinning.length} nodes (${pinning.map(n => short(n.peerId)).join(', ')}); ${short(chosen.peerId)} holds it: unpin the others`)
    }
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const incumbent = nodes.filter(n => eligible(n, role) && n.held[role] !== undefined).sort(bySinceThenHash(role))[0]
    if (incumbent !== undefined) holders[role] = { peerId: incumbent.peerId, pinned: false }
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const chosen = nodes.filter(n => eligible(n, role)).sort((a, b) => {
      if (a.settled !== b.settled) return a.settled ? -1 : 1
      if (roles(a).length !== roles(b).length) return roles(a).length - roles(b).length
      return tiebreak(role, a.peerId) < tiebreak(role, b.peerId) ? -1 : 1
    })[0]
    if (chosen === undefined) warnings.push(`no live node may hold the ${role} role: start a node eligible for it`)
    else holders[role] = { peerId: chosen.peerId, pinned: false }
  }

  for (let moved = true; moved;) {
    moved = false
    for (const node of nodes) {
      const mine = roles(node)
      if (mine.length < 2) continue
      // The elected role it took last (not yet held counts as latest), the later in ORDER on a tie.
      const movable = mine.filter(r => holders[r]?.pinned !== true)
        .sort((a, b) => (node.held[b] ?? Infinity) - (node.held[a] ?? Infinity) || ORDER.indexOf(b) - ORDER.indexOf(a))
      for (const role of movable) {
        const free = nodes.filter(n => n.settled && eligible(n, role) && roles(n).length === 0)
          .sort((a, b) => tiebreak(role, a.peerId) < tiebreak(role, b.peerId) ? -1 : 1)[0]
        if (free === undefined) continue
        holders[role] = { peerId: free.peerId, pinned: false }
        moved = true
        break
      }
    }
  }

  for (const node of nodes) {
    const held = roles(node)
    if (held.length < 2) continue
    warnings.push(`${held.join(' and ')} are held by one node (${short(node.peerId)}): separation of duties is lost; start more nodes or pin the roles to distinct nodes`)
  }
  return { holders, warnings }
}
