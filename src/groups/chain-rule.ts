/**
 * The chain rule of a group (docs/groups.md, "Forks"), between two branches
 * that part from one state: the branch whose longest chain reaches the later
 * epoch wins, then the one whose first state has the lower hash. The relay
 * picks its chain by it (src/services/relay/group-chain.ts) and a member
 * checks the relay's choice against its own branch by it
 * (src/chat/groups/fork.ts). Pure.
 */

/** A branch as the rule sees it: the epoch its longest chain reaches, and the hex hash of its first state. */
export interface Branch {
  reach: number
  hash: string
}

/** Negative when `a` wins over `b`, positive when `b` wins, 0 for the same branch. */
export function compareBranches (a: Branch, b: Branch): number {
  return b.reach - a.reach || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)
}
