import { execFileSync } from 'node:child_process'
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

/**
 * Resets every established TCP connection of a node process, as the kernel does when a connection breaks while both
 * ends live (`ss -K`: root, and a kernel with SOCK_DESTROY). Returns how many sockets it reset; 0 when it cannot.
 */
export function resetConnections (node: HeadlessNode): number {
  let listed: string
  try {
    listed = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' })
  } catch {
    return 0
  }
  // "0 0 127.0.0.1:40321 127.0.0.1:7420 users:(("node",pid=1234,fd=21))": this process's end of each connection.
  const ends = listed.split('\n').flatMap(line => {
    const m = /^\S+\s+\S+\s+\S+:(\d+)\s+\S+:(\d+)\s+users:.*\bpid=(\d+),/.exec(line.trim())
    return m !== null && Number(m[3]) === node.proc.pid ? [`( sport = :${m[1]} and dport = :${m[2]} )`] : []
  })
  if (ends.length === 0) return 0
  try {
    const out = execFileSync('ss', ['-K', '-tnH', ends.join(' or ')], { encoding: 'utf8' })
    return out.split('\n').filter(l => l.trim() !== '').length
  } catch {
    return 0
  }
}
