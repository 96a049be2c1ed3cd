/**
 * Shared by the in-process group tests: users on cluster nodes, and waiting
 * on node events (never on time).
 */
import { openState } from '../../src/groups/index.js'
import type { LanchatNode, NodeEvents } from '../../src/node.js'
import type { GroupState } from '../../src/groups/index.js'
import type { Cluster } from '../helpers/cluster.js'

export const PASSWORD = 'a-long-enough-password'

/** Resolves with the first `type` event of `node` whose detail matches. */
export async function event<K extends keyof NodeEvents> (node: LanchatNode, type: K, match: (d: NodeEvents[K]['detail']) => boolean = () => true, timeoutMs = 20_000): Promise<NodeEvents[K]['detail']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeEventListener(type, listener)
      reject(new Error(`no matching ${type} event in ${timeoutMs} ms`))
    }, timeoutMs)
    const listener = (evt: Event): void => {
      const detail = (evt as CustomEvent<NodeEvents[K]['detail']>).detail
      if (!match(detail)) return
      clearTimeout(timer)
      node.removeEventListener(type, listener)
      resolve(detail)
    }
    node.addEventListener(type, listener)
  })
}

/** Every `type` event of `node` from now on (call stop() to detach). */
export function collect<K extends keyof NodeEvents> (node: LanchatNode, type: K): { events: Array<NodeEvents[K]['detail']>, stop: () => void } {
  const events: Array<NodeEvents[K]['detail']> = []
  const listener = (evt: Event): void => { events.push((evt as CustomEvent<NodeEvents[K]['detail']>).detail) }
  node.addEventListener(type, listener)
  return { events, stop: () => { node.removeEventListener(type, listener) } }
}

/** A node whose user is registered and logged in (a new node unless `cluster` has it), its group module started. */
export async function user (cluster: Cluster, name: string, register = true): Promise<LanchatNode> {
  const node = cluster.nodes.get(name) ?? await cluster.add({ name })
  if (register) await node.register(name, PASSWORD)
  await node.login(name, PASSWORD)
  await node.groups()
  return node
}

type Info = Awaited<ReturnType<LanchatNode['groupMembers']>>

/** Resolves once `node` knows the group in a state satisfying `check` (now, or at a later group:changed). */
export async function reaches (node: LanchatNode, group: string, check: (info: Info) => boolean, timeoutMs = 20_000): Promise<Info> {
  await node.groups()
  return new Promise((resolve, reject) => {
    const done = (info: Info): void => {
      clearTimeout(timer)
      node.removeEventListener('group:changed', listener)
      resolve(info)
    }
    const listener = (evt: Event): void => {
      const d = (evt as CustomEvent<Info>).detail
      if (d.group === group && check(d)) done(d)
    }
    const timer = setTimeout(() => {
      node.removeEventListener('group:changed', listener)
      reject(new Error(`${group} did not reach the state looked for in ${timeoutMs} ms`))
    }, timeoutMs)
    node.addEventListener('group:changed', listener)
    try {
      const now = node.groupChat.members(group)
      if (check(now)) done(now)
    } catch {}
  })
}

/** The relay holder's stored state of a group's epoch. */
export async function storedState (relay: LanchatNode, group: string, epoch: number): Promise<GroupState> {
  const bytes = await relay.store.sublevel('relay', 'bytes').get(`group-state/${group}/${String(epoch).padStart(10, '0')}`)
  if (bytes === undefined) throw new Error(`the relay has no epoch ${epoch} of ${group}`)
  return openState(bytes).state
}

/** Every envelope the relay holder keeps for a group, oldest first. */
export async function storedEnvelopes (relay: LanchatNode, group: string): Promise<Uint8Array[]> {
  const prefix = `group-msg/${group}/`
  return relay.store.sublevel('relay', 'bytes').values({ gt: prefix, lt: `${prefix}\xff` }).all()
}

export const failure = async (p: Promise<unknown>): Promise<{ code?: string, message: string }> =>
  p.then(() => { throw new Error('expected a refusal') }, (e: unknown) => e as { code?: string, message: string })
