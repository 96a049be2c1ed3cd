/**
 * The election: a pure function from the live view of the registry (and
 * what this node computed before) to the holder of each role. Every node
 * with the same view computes the same answer (docs/roles.md, "Election
 * rule"). Nothing a node says about itself decides it unless others can
 * check it: who is live and settled is what this node observed, a holder
 * keeps its role while it lives, and a claim to hold a role is only one
 * node's vote.
 */
import { createHash } from 'node:crypto'

export type Role = 'relay' | 'idp' | 'kacls'
export type PeerIdStr = string

const ORDER: readonly Role[] = ['relay', 'idp', 'kacls']

/** One live node: connected to this one, announcing within its lease. */
export interface Candidate {
  peerId: PeerIdStr
  /** Roles pinned to it with --role */
  pinned: Role[]
  /** Roles it may be elected to (pinned roles count as eligible) */
  eligible: Role[]
  /** The holders it computes (its announcement): a vote, counted where this node has no holder of its own */
  views: Partial<Record<Role, PeerIdStr>>
  /** This node has seen it live for long enough to give it a role another node could hold */
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

/** What this node computed before (nobody: a node that just started). */
export type Previous = Partial<Record<Role, PeerIdStr | null>>

/** The deterministic tie-break: hash(role || peerId), as DESIGN.md says. */
export function tiebreak (role: Role, peerId: PeerIdStr): string {
  return createHash('sha256').update(`${role}\0${peerId}`).digest('hex')
}

const short = (peerId: PeerIdStr): string => peerId.slice(-8)

/**
 * Holder of each role, in four steps:
 * 1. Incumbent and votes: every live node names the holders it computes (a
 *    vote; this node's own view is one of them). The holder this node
 *    computed before keeps the role while it is live and may hold it, unless
 *    another node that may hold it is named by more of them (equal votes
 *    keep the incumbent; after a partition heals, the holder of the larger
 *    side wins everywhere), or it is this node itself and nobody else names
 *    it while others are named (nodes that started at once each elected
 *    themselves alone). A node with no holder of its own (just started)
 *    takes the most named; ties go to a node pinning the role, then by the
 *    tie-break. A working holder is not displaced by anyone pinning or
 *    claiming its role while one other live node names it.
 * 2. Pinned: with nobody named, a live node pinning the role (several: the
 *    tie-break).
 * 3. Otherwise among eligible nodes: settled before unsettled, then fewest
 *    roles so far, then the tie-break.
 * 4. Separation of duties: while a node holds several roles and an
 *    eligible node holds none, one of its elected roles moves there: to a
 *    node pinning it at once (first), else to a settled one (a role not
 *    kept in step 1 first, then the later in ORDER). This is how a pinned
 *    node takes its role from a node that holds it among others; a holder
 *    of one role keeps it while it lives.
 * Warnings name a role pinned on several nodes, a pinned node that does not
 * hold its role because another holds it, and a node holding several roles.
 */
export function elect (view: readonly Candidate[], previous: Previous = {}, self?: PeerIdStr): Assignment {
  // Input order must not matter.
  const nodes = [...view].sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  const byId = new Map(nodes.map(n => [n.peerId, n]))
  const holders: Record<Role, Holder | null> = { relay: null, idp: null, kacls: null }
  const kept = new Set<Role>()
  const warnings: string[] = []
  const roles = (n: Candidate): Role[] => ORDER.filter(r => holders[r]?.peerId === n.peerId)
  const eligible = (n: Candidate, role: Role): boolean => n.eligible.includes(role) || n.pinned.includes(role)
  const byHash = (role: Role) => (a: Candidate, b: Candidate): number => tiebreak(role, a.peerId) < tiebreak(role, b.peerId) ? -1 : 1
  /** A node pinning the role first, then the tie-break. */
  const pinnedFirst = (role: Role) => (a: Candidate, b: Candidate): number =>
    Number(b.pinned.includes(role)) - Number(a.pinned.includes(role)) || byHash(role)(a, b)
  const hold = (role: Role, n: Candidate): void => { holders[role] = { peerId: n.peerId, pinned: n.pinned.includes(role) } }

  for (const role of ORDER) {
    const votes = new Map<PeerIdStr, number>()
    for (const n of nodes) {
      const named = byId.get(n.views[role] ?? '')
      if (named !== undefined && eligible(named, role)) votes.set(named.peerId, (votes.get(named.peerId) ?? 0) + 1)
    }
    const most = Math.max(0, ...votes.values())
    // The most named; equal votes: a node pinning the role first, then the tie-break. A node that elected itself
    // alone (it warmed up before hearing anyone) names only itself: one vote against a pinned holder's own, and the
    // pin decides rather than the hash (docs/roles.md).
    const top = nodes.filter(n => most > 0 && votes.get(n.peerId) === most).sort(pinnedFirst(role))[0]
    const incumbent = byId.get(previous[role] ?? '')
    // This node as its own incumbent, named by nobody else while others are named: it may only have
    // elected itself while alone (nodes that started at once each did), so the votes decide.
    const selfOnly = incumbent !== undefined && incumbent.peerId === self &&
      !nodes.some(n => n.peerId !== self && n.views[role] === self) && [...votes.keys()].some(p => p !== self)
    if (incumbent !== undefined && eligible(incumbent, role) && (votes.get(incumbent.peerId) ?? 0) >= most && !selfOnly) {
      hold(role, incumbent)
      kept.add(role)
    } else if (top !== undefined) {
      hold(role, top)
    }
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const chosen = nodes.filter(n => n.pinned.includes(role)).sort(byHash(role))[0]
    if (chosen !== undefined) hold(role, chosen)
  }

  for (const role of ORDER) {
    if (holders[role] !== null) continue
    const chosen = nodes.filter(n => eligible(n, role)).sort((a, b) => {
      if (a.settled !== b.settled) return a.settled ? -1 : 1
      if (roles(a).length !== roles(b).length) return roles(a).length - roles(b).length
      return byHash(role)(a, b)
    })[0]
    if (chosen === undefined) warnings.push(`no live node may hold the ${role} role: start a node eligible for it`)
    else hold(role, chosen)
  }

  for (let moved = true; moved;) {
    moved = false
    for (const node of nodes) {
      const mine = roles(node)
      if (mine.length < 2) continue
      // Where each elected role of it could go: a free node that pins it (at once), else a settled free one.
      const moves = mine.filter(r => holders[r]?.pinned !== true).map(role => {
        const free = nodes.filter(n => roles(n).length === 0 && eligible(n, role) && (n.pinned.includes(role) || n.settled))
          .sort(pinnedFirst(role))[0]
        return { role, free }
      }).filter(m => m.free !== undefined)
        // A role its pinning node can take first; then one not kept in step 1, then the later in ORDER.
        .sort((a, b) => Number(b.free!.pinned.includes(b.role)) - Number(a.free!.pinned.includes(a.role)) ||
          Number(kept.has(a.role)) - Number(kept.has(b.role)) || ORDER.indexOf(b.role) - ORDER.indexOf(a.role))
      const move = moves[0]
      if (move === undefined) continue
      hold(move.role, move.free!)
      moved = true
    }
  }

  for (const role of ORDER) {
    const pinning = nodes.filter(n => n.pinned.includes(role))
    const holder = holders[role]
    if (pinning.length > 1) {
      warnings.push(`${role} is pinned on ${pinning.length} nodes (${pinning.map(n => short(n.peerId)).join(', ')}); ${short(holder?.peerId ?? '')} holds it: unpin the others`)
    } else if (pinning.length === 1 && holder !== null && holder.peerId !== pinning[0]!.peerId) {
      warnings.push(`${role} is pinned on ${short(pinning[0]!.peerId)}, but ${short(holder.peerId)} holds it and keeps it while it works: stop ${short(holder.peerId)} to move it`)
    }
  }
  for (const node of nodes) {
    const held = roles(node)
    if (held.length < 2) continue
    warnings.push(`${held.join(' and ')} are held by one node (${short(node.peerId)}): separation of duties is lost; start more nodes or pin the roles to distinct nodes`)
  }
  return { holders, warnings }
}
