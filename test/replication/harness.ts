/**
 * Nodes made of the parts the replication needs (network, registry,
 * replication) in this process, on 127.0.0.1 with mDNS off, each with one
 * kind of doc of every role whose records are materialized in the store, so
 * a test can see what a node persisted.
 */
import { openMemoryStore, openStore } from '../../store/index.js'
import { deriveNetworkKeys, Network } from '../../src/net/index.js'
import { Replication } from '../../src/replication/index.js'
import { RoleRegistry } from '../../src/roles/index.js'
import type { NetworkKeys } from '../../src/net/index.js'
import type { ReplicationInit } from '../../src/replication/index.js'
import type { Role } from '../../src/roles/index.js'
import type { KV, Store } from '../../store/index.js'

// A warm-up long enough for a node to hear the others before it votes: a newcomer that elected itself alone ties with an
// elected holder and the hash decides (a pinned holder wins such a tie: test/roles/election.test.ts).
export const FAST = { announceIntervalMs: 150, leaseMs: 1_000, settleMs: 600, warmupMs: 1_000 }
export const ROLES: Role[] = ['relay', 'idp', 'kacls']

let keys: NetworkKeys | undefined
export async function testKeys (): Promise<NetworkKeys> {
  keys ??= await deriveNetworkKeys('replication test passphrase')
  return keys
}

export interface Member {
  name: string
  network: Network
  registry: RoleRegistry
  replication: Replication
  store: Store
  /** The records of `<role>/t/...` docs as this node materialized them: `<doc>|<key>` -> text */
  materialized: (role: Role) => KV<string>
  /** What the replication held of a role when it first let a request of the role through (it had caught up) */
  atGate: Partial<Record<Role, number>>
}

export interface MemberSpec {
  name: string
  pinned?: Role[]
  eligible?: Role[]
  peers?: string[]
  /** A data directory (restarts); default: in memory */
  dir?: string
  replication?: ReplicationInit
  /** false: the replication is made but not started (the test starts it) */
  startReplication?: boolean
}

/** Records in the `<role>/t/` docs this node holds. */
export function records (m: Member, role: Role): number {
  let n = 0
  for (const d of m.replication.docs.values()) if (d.name.startsWith(`${role}/t/`)) n += d.size
  return n
}

export async function startMember (spec: MemberSpec): Promise<Member> {
  const k = await testKeys()
  const store = spec.dir === undefined ? await openMemoryStore() : await openStore(spec.dir)
  const network = new Network({ store }, { keys: k, listen: ['/ip4/127.0.0.1/tcp/0'], peers: spec.peers ?? [], mdns: false })
  await network.start()
  const atGate: Member['atGate'] = {}
  let replication: Replication | undefined
  const registry = new RoleRegistry({
    libp2p: network.libp2p,
    store,
    nodeKey: network.privateKey,
    registryKey: k.registryKey,
    networkId: k.networkId,
    learnPeer: (id, addrs) => { network.learnPeer(id, addrs) },
    replicas: () => replication?.reports() ?? {}
  }, { pinned: spec.pinned ?? [], eligible: spec.eligible ?? [], ...FAST })
  replication = new Replication({ store, atRestKey: k.atRestKey, libp2p: network.libp2p, peers: registry }, { warmupMs: FAST.warmupMs, ...spec.replication })
  const kv = defineTestDocs(replication, store)
  const member: Member = { name: spec.name, network, registry, replication, store, materialized: kv, atGate }
  // What it has at the moment it first lets a request of a role it holds through.
  replication.addEventListener('caught-up', evt => { atGate[evt.detail.role] ??= records(member, evt.detail.role) })
  await registry.start()
  if (spec.startReplication !== false) await replication.start()
  registry.refresh()
  return member
}

/** Declares the `<role>/t/` docs of every role, materialized as text in the store; returns where each role's are. */
export function defineTestDocs (replication: Replication, store: Store): (role: Role) => KV<string> {
  const kv = (role: Role): KV<string> => store.sublevel<string>(role === 'relay' ? 'relay' : role, 'json')
  for (const role of ROLES) {
    replication.define({
      prefix: `${role}/t/`,
      role,
      materialize: (doc, changes) => changes.map(c => c.after === undefined
        ? { type: 'del' as const, sublevel: kv(role), key: `${doc}|${c.key}` }
        : { type: 'put' as const, sublevel: kv(role), key: `${doc}|${c.key}`, value: new TextDecoder().decode(c.after) })
    })
  }
  return kv
}

/** A standalone replication whose records of `relay/t/` docs are materialized as `<key>` -> text in the relay domain. */
export async function replicationOver (store: Store, atRestKey: Uint8Array, init: ReplicationInit = {}): Promise<Replication> {
  const replication = new Replication({ store, atRestKey }, init)
  const kv = store.sublevel<string>('relay', 'json')
  replication.define({
    prefix: 'relay/t/',
    role: 'relay',
    materialize: (_doc, changes) => changes.map(c => c.after === undefined
      ? { type: 'del' as const, sublevel: kv, key: c.key }
      : { type: 'put' as const, sublevel: kv, key: c.key, value: new TextDecoder().decode(c.after) })
  })
  await replication.start()
  return replication
}

export async function stopMember (m: Member): Promise<void> {
  await m.replication.stop()
  await m.registry.stop()
  await m.network.stop()
  await m.store.close()
}

export async function eventually<T> (f: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Writes `n` records `k<i>` into a doc of the role on its holder, each acknowledged. */
export async function write (m: Member, role: Role, doc: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await m.replication.mutate(`${role}/t/${doc}`, tx => { tx.put(`k${String(i).padStart(6, '0')}`, text(`v${i}`)) }, { durable: true })
  }
}

export function addrOf (m: Member): string {
  return m.network.addresses().find(a => a.includes('/ip4/127.0.0.1/'))!
}
