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
 * Holder of each role, in three steps:
 * 1. Pinned: a live node pinning the role holds it. Several pinning it: the
 *    one already holding it, else the lowest tie-break; a warning names all.
 * 2. Incumbent: a live eligible node already serving the role keeps it
 *    (hysteresis), unless it serves another role too while a settled
 *    eligible node holds none (separation of duties wins).
 * 3. Otherwise among eligible nodes: settled before unsettled, then fewest
 *    roles so far, then the one already serving it, then the tie-break.
 */
export function elect (view: readonly Candidate[]): Assignment {
  // Input order must not matter.
  const nodes = [...view].sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  const holders: Record<Role, Holder | null> = { relay: null, idp: null, kacls: null }
  const warnings: string[] = []
  const count = new Map<PeerIdStr, number>()
  const assign = (role: Role, node: Candidate, pinned: boolean): void => {
    holders[role] = { peerId: node.peerId, pinned }
    count.set(node.peerId, (count.get(node.peerId) ?? 0) + 1)
  }
  const roles = (n: Candidate): number => count.get(n.peerId) ?? 0
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
    assign(role, chosen, true)
    if (pinning.length > 1) {
      warnings.push(`${role} is pinned on ${pinning.length} nodes (${pinning.map(n => short(n.peerId)).join(', ')}); ${short(chosen.peerId)} holds it: unpin the others`)
    }
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const incumbents = nodes.filter(n => eligible(n, role) && n.held[role] !== undefined).sort(bySinceThenHash(role))
    for (const node of incumbents) {
      const freeSettled = nodes.some(n => n !== node && n.settled && eligible(n, role) && roles(n) === 0)
      if (roles(node) === 0 || !freeSettled) {
        assign(role, node, false)
        break
      }
    }
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const ranked = nodes.filter(n => eligible(n, role)).sort((a, b) => {
      if (a.settled !== b.settled) return a.settled ? -1 : 1
      if (roles(a) !== roles(b)) return roles(a) - roles(b)
      const ha = a.held[role] !== undefined
      const hb = b.held[role] !== undefined
      if (ha !== hb) return ha ? -1 : 1
      return tiebreak(role, a.peerId) < tiebreak(role, b.peerId) ? -1 : 1
    })
    const chosen = ranked[0]
    if (chosen === undefined) warnings.push(`no live node may hold the ${role} role: start a node eligible for it`)
    else assign(role, chosen, false)
  }

  for (const [peerId, n] of count) {
    if (n < 2) continue
    const held = ORDER.filter(r => holders[r]?.peerId === peerId)
    warnings.push(`${held.join(' and ')} are held by one node (${short(peerId)}): separation of duties is lost; start more nodes or pin the roles to distinct nodes`)
  }
  return { holders, warnings }
}
