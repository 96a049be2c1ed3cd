import type { HeadlessNode, Line } from './headless-node.js'

export const ROLE_NAMES = ['relay', 'idp', 'kacls'] as const
export type RoleName = typeof ROLE_NAMES[number]

/** relay, idp, kacls holders' peer ids from a `roles` reply */
export function holders (reply: Line): Array<string | null> {
  return ROLE_NAMES.map(r => (reply[r] as { peerId: string } | null)?.peerId ?? null)
}

/** Waits until every node reports the same holders, none missing, and returns them. */
export async function agreedHolders (nodes: HeadlessNode[], timeoutMs = 30_000, check: (h: Array<string | null>) => boolean = () => true): Promise<Record<RoleName, string>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const replies = await Promise.all(nodes.map(n => n.call('roles')))
    const all = replies.map(r => JSON.stringify(holders(r)))
    const first = holders(replies[0]!)
    if (all.every(h => h === all[0]) && first.every(h => h !== null) && check(first)) {
      return { relay: first[0]!, idp: first[1]!, kacls: first[2]! }
    }
    if (Date.now() > deadline) throw new Error(`no agreement on role holders in ${timeoutMs} ms: ${all.join(' / ')}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/**
 * Waits until every node has heard every other one name `agreed` (their announced votes): the election is at rest,
 * not between a role move and the announcement telling it.
 */
export async function votesAtRest (nodes: HeadlessNode[], agreed: Record<RoleName, string>, timeoutMs = 15_000): Promise<void> {
  const ids = new Set(nodes.map(n => n.peerId))
  for (const node of nodes) {
    await node.untilReply('registry', r => {
      const seen = (r.nodes as Array<{ peerId: string, views: Partial<Record<RoleName, string>> }>).filter(v => ids.has(v.peerId))
      return seen.length === ids.size && seen.every(v => ROLE_NAMES.every(role => v.views[role] === agreed[role]))
    }, timeoutMs, 'every node naming the agreed holders')
  }
}
