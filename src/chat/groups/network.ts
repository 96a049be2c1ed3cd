/**
 * What the member side of groups needs from the network, as narrow
 * interfaces (CONVENTIONS.md rule 2): the relay's group methods, the KACLS's
 * wrap and unwrap, the groups' topics, and the direct poke protocol. A node
 * gets them from libp2p and its Rpc (`libp2pNetwork`); unit tests give fakes
 * (test/groups/unit).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { GroupPoke, groupTopics } from '../../groups/index.js'
import { KACLS, UNWRAP, WRAP } from '../../services/kacls/spec.js'
import { AUTHORIZE, GROUP_COMMIT, GROUP_FETCH, GROUP_LEAVE, GROUP_LIST, GROUP_POST, GROUP_STATES, RELAY } from '../../services/relay/spec.js'
import { POKE_PROTOCOL } from './constants.js'
import type { GroupId, GroupTopicHandler, GroupTopicMessage } from '../../groups/index.js'
import type { LanchatLibp2p, PeerIdStr } from '../../net/index.js'
import type { Role } from '../../roles/index.js'
import type { Rpc } from '../../services/index.js'
import type { PeerId } from '@libp2p/interface'

/** The relay's group methods (docs/services.md, relay), called as this user. Refusals throw with the relay's code. */
export interface RelayClient {
  /** Compare-and-swap: CONFLICT when the relay's head is not the state this one follows */
  commit: (state: Uint8Array) => Promise<void>
  /** The states after `after` this user may see; `head`: the epoch of the relay's chain's head */
  states: (group: GroupId, after: number) => Promise<{ states: Uint8Array[], more: boolean, leaves: Uint8Array[], head?: number }>
  /**
   * The groups this user is in at the relay: the epoch of the chain's head and (from a relay that gives them) its hash,
   * the newest message's ord and each filer's highest ord (what a cursor must cover: services/relay/cursor.ts)
   */
  list: () => Promise<Array<{ group: GroupId, epoch: number, last: string, leaves: number, hash?: Uint8Array, filers?: string }>>
  leave: (request: Uint8Array) => Promise<void>
  /** One result per envelope: code '' when the relay has it */
  post: (envelopes: Uint8Array[]) => Promise<Array<{ code: string }>>
  fetch: (group: GroupId, after: string | undefined, limit: number) => Promise<{ messages: Array<{ envelope: Uint8Array, cursor: string }>, more: boolean, cursor: string }>
  /** An authorization token for `resource` (group/<id>/epoch/<n>), bound to `identityKey` */
  authorize: (resource: string, identityKey: Uint8Array) => Promise<string>
}

/** The KACLS's wrap and unwrap (docs/services.md, kacls), called as this user. */
export interface KaclsClient {
  wrap: (key: Uint8Array, resource: string, authorized: string[], reason: string) => Promise<Uint8Array>
  unwrap: (wrapped: Uint8Array, resource: string, reason: string, authorizationToken: string) => Promise<{ key: Uint8Array, authorized: string[], wrappedBy: string }>
}

/** The groups' topics on this node (src/groups/topics.ts, for this network). */
export interface TopicClient {
  add: (group: GroupId, handler: GroupTopicHandler) => void
  remove: (group: GroupId, handler: GroupTopicHandler) => void
  /** false when nobody could be reached: the relay's copy is the backstop */
  publish: (group: GroupId, message: GroupTopicMessage) => Promise<boolean>
}

export interface MemberNetwork {
  relay: RelayClient
  kacls: KaclsClient
  topics: TopicClient
  /** Takes the pokes other nodes send straight to this one (`from`: the calling node) */
  servePokes: (onPoke: (poke: GroupPoke, from: PeerIdStr) => void) => Promise<void>
  stopPokes: () => Promise<void>
  /** Pokes each of `peers` this node is connected to, straight (a new member, say); failures are the caller's to log */
  poke: (peers: PeerIdStr[], poke: GroupPoke) => Promise<void>
  /** Calls `fn` whenever this node connects to the relay holder; returns what stops it */
  onRelayConnect: (fn: () => void) => () => void
}

export interface Libp2pNetworkComponents {
  libp2p: LanchatLibp2p
  rpc: Rpc
  registry: { holderOf: (role: Role) => string | null }
  networkId: string
  /** The caller's identity token, read at every call (it is renewed) */
  identityToken: () => string
  /** Aborts every call under way (stop) */
  signal: AbortSignal
}

/** A poke is a group id and an epoch: a few dozen bytes. */
const MAX_POKE_BYTES = 256
const POKE_TIMEOUT_MS = 5_000

/** The member network of a lanchat node: its Rpc to the role holders, its gossipsub topics and the poke protocol. */
export function libp2pNetwork (c: Libp2pNetworkComponents): MemberNetwork {
  const { libp2p, rpc, networkId } = c
  const opts = (): { identityToken: string, signal: AbortSignal } => ({ identityToken: c.identityToken(), signal: c.signal })
  const hub = groupTopics(libp2p)
  return {
    relay: {
      commit: async state => { await rpc.call(RELAY, GROUP_COMMIT, { state }, opts()) },
      states: async (group, after) => rpc.call(RELAY, GROUP_STATES, { group, after }, opts()),
      list: async () => (await rpc.call(RELAY, GROUP_LIST, {}, opts())).groups,
      leave: async request => { await rpc.call(RELAY, GROUP_LEAVE, { request }, opts()) },
      post: async envelopes => (await rpc.call(RELAY, GROUP_POST, { envelopes }, opts())).results,
      fetch: async (group, after, limit) => rpc.call(RELAY, GROUP_FETCH, { group, after, limit }, opts()),
      authorize: async (resource, identityKey) => (await rpc.call(RELAY, AUTHORIZE, { resource, role: 'reader', identityKey }, opts())).token
    },
    kacls: {
      wrap: async (key, resource, authorized, reason) => (await rpc.call(KACLS, WRAP, { key, resource, authorized, reason }, opts())).wrapped,
      unwrap: async (wrapped, resource, reason, authorizationToken) =>
        rpc.call(KACLS, UNWRAP, { wrapped, resource, reason }, { ...opts(), authorizationToken })
    },
    topics: {
      add: (group, handler) => { hub.add(networkId, group, handler) },
      remove: (group, handler) => { hub.remove(networkId, group, handler) },
      publish: async (group, message) => hub.publish(networkId, group, message)
    },
    servePokes: async onPoke => {
      await libp2p.handle(POKE_PROTOCOL, async (stream, connection) => {
        try {
          const frame = await lpStream(stream, { maxDataLength: MAX_POKE_BYTES }).read({ signal: AbortSignal.timeout(POKE_TIMEOUT_MS) })
          await stream.close()
          onPoke(GroupPoke.decode(frame.subarray()), connection.remotePeer.toString())
        } catch (err) {
          stream.abort(err as Error)
        }
      }, { maxInboundStreams: 16 })
    },
    stopPokes: async () => { await libp2p.unhandle(POKE_PROTOCOL).catch(() => {}) },
    poke: async (peers, poke) => {
      const connected = new Set(libp2p.getPeers().map(p => p.toString()))
      for (const peer of peers.filter(p => connected.has(p))) {
        const signal = AbortSignal.timeout(POKE_TIMEOUT_MS)
        const stream = await libp2p.dialProtocol(peerIdFromString(peer), POKE_PROTOCOL, { signal })
        try {
          await lpStream(stream).write(GroupPoke.encode(poke), { signal })
          await stream.close({ signal })
        } catch (err) {
          stream.abort(err as Error)
        }
      }
    },
    onRelayConnect: fn => {
      const listener = (evt: CustomEvent<PeerId>): void => {
        if (evt.detail.toString() === c.registry.holderOf('relay')) fn()
      }
      libp2p.addEventListener('peer:connect', listener)
      return () => { libp2p.removeEventListener('peer:connect', listener) }
    }
  }
}
