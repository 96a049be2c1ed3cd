/**
 * Users for the benches: headless nodes with no role, each registered and
 * logged in once the relay and idp holders are known.
 */
import { HeadlessNode } from '../helpers/headless-node.js'

/** Spawns one node per name, joined through `peer`, each pushed to `nodes` (to stop) as soon as it runs. */
export async function spawnUsers (names: string[], opts: { args: string[], peer: string, password: string, nodes: HeadlessNode[], readyMs?: number }): Promise<HeadlessNode[]> {
  const users: HeadlessNode[] = []
  for (const name of names) {
    const node = await HeadlessNode.spawn({ name, args: [...opts.args, '--no-roles', '--peer', opts.peer] })
    opts.nodes.push(node)
    await node.untilReply('roles', r => r.relay !== null && r.idp !== null, opts.readyMs ?? 30_000, 'holders known')
    await node.call('register', { username: name, password: opts.password })
    await node.call('login', { username: name, password: opts.password })
    users.push(node)
  }
  return users
}
