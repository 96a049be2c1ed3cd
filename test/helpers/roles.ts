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
