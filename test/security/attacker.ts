/**
 * The insider of issue 15: a plain lanchat node that knows the passphrase,
 * holds no role and is eligible for all of them (lanchat's default), and
 * uses only what that gives it: its own role keys (announced in the
 * registry like every node's), its libp2p node (gossip on the sealed topics
 * with the keys the passphrase derives, raw streams), and its rpc client.
 * Everything here speaks the real wire formats (docs/protocol.md); nothing
 * reaches into a victim's node. Victims' nodes are only observed (events,
 * stores, the verdicts of their gossip validators) so that tests wait on
 * what happened instead of on time.
 */
import { createServer } from 'node:net'
import { expect, vi } from 'vitest'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import {
  createPreKeyState, decodePreKeyBundle, encryptMessage, generateIdentityKeyPair, initiateSession, issueIdentityToken, seal, sign, transcript
} from '../../src/crypto/index.js'
import { DmEnvelope, DmFrame, DmPayload, LobbyMessage, PresenceAnnouncement, Signed } from '../../src/chat/pb/chat.js'
import { DM_PROTOCOL } from '../../src/chat/transport.js'
import { sealAnnouncement } from '../../src/roles/index.js'
import { roleSigner } from '../../src/services/keys.js'
import { BUNDLE_STATUS, PUBLISH_BUNDLE, RELAY } from '../../src/services/relay/spec.js'
import { user } from '../groups/helpers.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { LanchatNode } from '../../src/node.js'
import type { RegistryRecord, Role } from '../../src/roles/index.js'
import type { Cluster } from '../helpers/cluster.js'
import type { Message, TopicValidatorFn, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
import type { Socket } from 'node:net'

export const ALL_ROLES: Role[] = ['relay', 'idp', 'kacls']

/** The attacker's node: plain, no role pinned, eligible for every role (what `lanchat start` gives). */
export async function addAttacker (cluster: Cluster, name = 'mallory'): Promise<LanchatNode> {
  return cluster.add({ name, eligible: ALL_ROLES })
}

// ---------------------------------------------------------------- outcomes

/** What an attack step got: its value, or the refusal (the error's code) it met. */
export type Outcome<T> = { ok: true, value: T } | { ok: false, code: string, message: string }

export async function attempt<T> (fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    const e = err as { code?: unknown, message?: unknown }
    return { ok: false, code: typeof e.code === 'string' ? e.code : `(no code: ${String(e.message)})`, message: String(e.message) }
  }
}

/**
 * A refusal with a clear, stable error code from the other side: not a
 * crash (INTERNAL) and not the absence of a holder (UNAVAILABLE, NO_HOLDER),
 * which would refuse everyone, honest users too.
 */
export const REFUSED = { ok: false, code: expect.stringMatching(/^(?!INTERNAL$|UNAVAILABLE$|NO_HOLDER$)[A-Z][A-Z0-9_]+$/) }

// ---------------------------------------------------------------- tokens

/** A user as the attacker makes it up: a name, an identity key of its own, and a token saying so. */
export interface Forged {
  username: string
  identity: IdentityKeyPair
  token: string
}

/**
 * An identity token for `username`, bound to an identity key the attacker
 * holds and to the attacker's node, signed with the idp role key the
 * attacker's node announces (every node eligible for idp announces one).
 */
export async function forgeIdentity (attacker: LanchatNode, username: string, identity: IdentityKeyPair = generateIdentityKeyPair()): Promise<Forged> {
  const key = attacker.roles.roleKey('idp')
  if (key === undefined) throw new Error('the attacker node is not eligible for idp: it has no idp role key')
  const token = await issueIdentityToken({
    issuer: attacker.network.peerId,
    signer: roleSigner(key),
    holderKey: identity.publicKey,
    username,
    networkId: attacker.keys.networkId,
    peerId: attacker.network.peerId
  })
  return { username, identity, token }
}

// ---------------------------------------------------------------- victims

/**
 * A user who has logged in once on a node of her own (so her prekey bundle
 * is at the relay, with one-time prekeys) and gone away: her node is
 * stopped, its data directory kept for her return (`cluster.add({ name })`).
 */
export async function loggedInOnceThenAway (cluster: Cluster, name: string): Promise<void> {
  const node = await user(cluster, name)
  await vi.waitFor(async () => {
    const status = await node.rpc.call(RELAY, BUNDLE_STATUS, {}, { identityToken: node.user.identityToken() })
    expect(status.oneTimePrekeys).toBeGreaterThan(0)
  }, { timeout: 15_000, interval: 100 })
  await cluster.remove(name)
}

// ---------------------------------------------------------------- prekey bundles

/** Publishes a prekey bundle for `user` from `user.node`, with `user.token` (what a chat publishes at login). */
export async function publishBundle (user: Forged & { node: LanchatNode }, oneTimePrekeys = 10): Promise<unknown> {
  const state = createPreKeyState(user.identity, { oneTimePreKeys: oneTimePrekeys })
  return user.node.rpc.call(RELAY, PUBLISH_BUNDLE, {
    identityKey: user.identity.publicKey,
    signedPrekeyId: state.signedPreKey.id,
    signedPrekey: state.signedPreKey.keyPair.publicKey,
    signedPrekeySignature: state.signedPreKey.signature,
    oneTimePrekeys: state.oneTimePreKeys.map(k => ({ id: k.id, publicKey: k.keyPair.publicKey }))
  }, { identityToken: user.token })
}

// ---------------------------------------------------------------- the registry

/** A node identity with no node behind it: a fresh Ed25519 key and its peer id. */
export async function throwawayIdentity (): Promise<{ key: PrivateKey, peerId: string }> {
  const key = await generateKeyPair('Ed25519')
  return { key, peerId: peerIdFromPrivateKey(key).toString() }
}

let nextSeq = 1e12

/**
 * Publishes, from `via`'s libp2p on the registry topic, an announcement
 * sealed with the registry key (from the passphrase) and signed with `key`
 * (the attacker's own node key by default, or a throwaway's): `record`
 * over a plain record of that peer id (no role pinned, eligible for none,
 * a sequence number above anything a real node uses, its clock now).
 * Returns the record and the bytes published.
 */
export async function announce (via: LanchatNode, record: Partial<RegistryRecord> = {}, key: PrivateKey = via.network.privateKey): Promise<{ record: RegistryRecord, data: Uint8Array }> {
  const now = Date.now()
  const full: RegistryRecord = {
    peerId: peerIdFromPrivateKey(key).toString(),
    pinned: [],
    eligible: [],
    roleKeys: {},
    addrs: [],
    seq: nextSeq++,
    time: now,
    startedAt: now - 3_600_000,
    held: {},
    views: {},
    ...record
  }
  const data = await sealAnnouncement(full, key, via.keys.registryKey)
  await via.network.libp2p.services.pubsub.publish(via.roles.topic, data)
  return { record: full, data }
}

/**
 * After forged announcements of its own node, the attacker announces itself
 * as it really is again (same keys, no claims), above the forged sequence
 * numbers, and moves its registry's counter past them so its own
 * announcements are heard again.
 */
export async function announceHonestly (attacker: LanchatNode): Promise<void> {
  const roleKeys = Object.fromEntries(ALL_ROLES.flatMap(r => {
    const k = attacker.roles.roleKey(r)
    return k === undefined ? [] : [[r, k.publicKey.raw]]
  }))
  const { record } = await announce(attacker, {
    eligible: ALL_ROLES, roleKeys, addrs: attacker.network.addresses(), startedAt: Date.now() - 60_000
  })
  const registry = attacker.roles as unknown as { nextSeq: number }
  registry.nextSeq = record.seq + 1
}

/** Makes the attacker's node answer calls for `role` as if it held it (the attacker runs whatever code it likes). */
export function serveAnyway (attacker: LanchatNode, role: Role): () => void {
  const registry = attacker.roles
  const serves = registry.serves.bind(registry)
  registry.serves = (r: Role): boolean => r === role || serves(r)
  return () => { registry.serves = serves }
}

// ---------------------------------------------------------------- gossip

export const presenceTopic = (node: LanchatNode): string => `/lanchat/${node.keys.networkId}/presence/1`
export const lobbyTopic = (node: LanchatNode): string => `/lanchat/${node.keys.networkId}/lobby/1`
const PRESENCE_LABEL = 'lanchat/presence/v1'
const LOBBY_LABEL = 'lanchat/lobby/v1'

export interface Verdict {
  from: string
  data: Uint8Array
  result: TopicValidatorResult
}

export interface VerdictWatch {
  verdicts: Verdict[]
  /** The verdict on the message carrying exactly these bytes (now, or when it comes) */
  on: (data: Uint8Array, timeoutMs?: number) => Promise<Verdict>
  stop: () => void
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

/**
 * Watches a victim node's gossip validator on `topic` (installed by the node
 * itself): every verdict it gives, so a test knows when a message was judged
 * without waiting on time. The validator's answers are unchanged.
 */
export function watchVerdicts (node: LanchatNode, topic: string): VerdictWatch {
  const validators = node.network.libp2p.services.pubsub.topicValidators
  const original = validators.get(topic)
  if (original === undefined) throw new Error(`${node.network.peerId} has no validator on ${topic}`)
  const verdicts: Verdict[] = []
  const waiting: Array<{ data: Uint8Array, resolve: (v: Verdict) => void }> = []
  const wrapped: TopicValidatorFn = async (peer, msg: Message) => {
    const result = await original(peer, msg)
    const verdict = { from: msg.type === 'signed' ? msg.from.toString() : '', data: msg.data, result }
    verdicts.push(verdict)
    for (const w of waiting.filter(w => sameBytes(w.data, msg.data))) {
      waiting.splice(waiting.indexOf(w), 1)
      w.resolve(verdict)
    }
    return result
  }
  validators.set(topic, wrapped)
  return {
    verdicts,
    on: async (data, timeoutMs = 15_000) => {
      const seen = verdicts.find(v => sameBytes(v.data, data))
      if (seen !== undefined) return seen
      return new Promise((resolve, reject) => {
        const entry = { data, resolve: (v: Verdict) => { clearTimeout(timer); resolve(v) } }
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1)
          reject(new Error(`${node.network.peerId.slice(-8)} gave no verdict on the message in ${timeoutMs} ms`))
        }, timeoutMs)
        waiting.push(entry)
      })
    },
    stop: () => { if (validators.get(topic) === wrapped) validators.set(topic, original) }
  }
}

/** A post to the lobby: signed by `author.identity`, carrying `author.token`, sealed with the lobby key. Returns the bytes published. */
export async function publishLobby (via: LanchatNode, author: { username: string, identity: IdentityKeyPair, token: string }, post: { id: string, text: string, sentAt?: number, hlcWall?: bigint, hlcCounter?: number }): Promise<Uint8Array> {
  const now = Date.now()
  const payload = LobbyMessage.encode({
    id: post.id,
    from: author.username,
    text: post.text,
    sentAt: BigInt(post.sentAt ?? now),
    hlcWall: post.hlcWall ?? BigInt(now),
    hlcCounter: post.hlcCounter ?? 0,
    identityKey: new Uint8Array(author.identity.publicKey),
    identityToken: author.token
  })
  const signed = Signed.encode({ payload, signature: new Uint8Array(sign(author.identity, transcript(LOBBY_LABEL, payload))) })
  const data = seal(via.keys.lobbyKey, signed, new TextEncoder().encode(LOBBY_LABEL))
  await via.network.libp2p.services.pubsub.publish(lobbyTopic(via), data)
  return data
}

/** A presence announcement "`user` is online on `via`'s node", signed by `user.identity`, carrying `user.token`. Returns the bytes published. */
export async function publishPresence (via: LanchatNode, user: { username: string, identity: IdentityKeyPair, token: string }, online = true): Promise<Uint8Array> {
  const now = Date.now()
  const payload = PresenceAnnouncement.encode({
    username: user.username,
    peerId: via.network.peerId,
    identityKey: new Uint8Array(user.identity.publicKey),
    identityToken: user.token,
    time: BigInt(now),
    seq: BigInt(now * 1000),
    online
  })
  const data = Signed.encode({ payload, signature: new Uint8Array(sign(user.identity, transcript(PRESENCE_LABEL, payload))) })
  await via.network.libp2p.services.pubsub.publish(presenceTopic(via), data)
  return data
}

/** A gossipsub message as it travels (RPC.Message): its author's peer id, seqno and signature included. */
export interface RawGossip {
  from: Uint8Array
  data: Uint8Array
  seqno: Uint8Array
  topic: string
  signature: Uint8Array
  key: Uint8Array
}

/**
 * Subscribes the attacker to `topic` and resolves with the first message
 * authored by `author` that `match` accepts, exactly as it was signed by its
 * author's node (so it can be sent again, unchanged, later).
 */
export async function capture (attacker: LanchatNode, topic: string, author: string, match: (data: Uint8Array) => boolean = () => true, timeoutMs = 20_000): Promise<RawGossip> {
  const pubsub = attacker.network.libp2p.services.pubsub
  pubsub.subscribe(topic)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pubsub.removeEventListener('message', listener)
      reject(new Error(`captured nothing from ${author.slice(-8)} on ${topic} in ${timeoutMs} ms`))
    }, timeoutMs)
    const listener = (evt: CustomEvent<Message>): void => {
      const msg = evt.detail
      if (msg.topic !== topic || msg.type !== 'signed' || msg.from.toString() !== author || !match(msg.data)) return
      clearTimeout(timer)
      pubsub.removeEventListener('message', listener)
      const seqno = new Uint8Array(8)
      new DataView(seqno.buffer).setBigUint64(0, msg.sequenceNumber)
      resolve({ from: msg.from.toMultihash().bytes, data: msg.data, seqno, topic, signature: msg.signature, key: publicKeyToProtobuf(msg.key) })
    }
    pubsub.addEventListener('message', listener)
  })
}

/** Sends captured gossip messages, unchanged, straight to one peer (over the attacker's gossipsub stream to it). */
export function replay (attacker: LanchatNode, to: string, messages: RawGossip[]): void {
  const pubsub = attacker.network.libp2p.services.pubsub as unknown as { sendRpc: (id: string, rpc: unknown) => boolean }
  if (!pubsub.sendRpc(to, { subscriptions: [], messages })) throw new Error(`the attacker has no gossipsub stream to ${to}`)
}

// ---------------------------------------------------------------- direct messages

const EMPTY_FRAME: DmFrame = { identityToken: '', envelopes: [], acks: [], rejects: [], bundleRequest: false, bundle: new Uint8Array(), proof: new Uint8Array() }

/** One frame out, one frame back, on a new /lanchat/dm/1.0.0 stream to `peer`. */
async function dmExchange (from: LanchatNode, peer: string, frame: Partial<DmFrame>): Promise<DmFrame> {
  const signal = AbortSignal.timeout(10_000)
  const stream = await from.network.libp2p.dialProtocol(peerIdFromString(peer), DM_PROTOCOL, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: 2 * 1024 * 1024 })
    await lp.write(DmFrame.encode({ ...EMPTY_FRAME, ...frame }), { signal })
    const reply = DmFrame.decode((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return reply
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

/**
 * A first message from `sender` to `to` on `peer`, straight to its node
 * over the DM protocol: a prekey bundle asked of that node, X3DH with the
 * sender's identity key, one ratchet message. Resolves with the node's
 * answer (acks and rejects); throws when no bundle is given.
 */
export async function sendFirstDm (via: LanchatNode, sender: { username: string, identity: IdentityKeyPair, token: string }, to: { username: string, peer: string }, id: string, text: string): Promise<{ acks: string[], rejects: Array<{ id: string, code: string }> }> {
  const answer = await dmExchange(via, to.peer, { identityToken: sender.token, bundleRequest: true })
  if (answer.bundle.length === 0) {
    const refusal = answer.rejects[0]
    throw Object.assign(new Error(refusal?.message ?? 'no bundle'), { code: refusal?.code ?? 'NO_BUNDLE' })
  }
  const session = initiateSession({ identity: sender.identity, username: sender.username, peerUsername: to.username, bundle: decodePreKeyBundle(answer.bundle) })
  const now = Date.now()
  const { message, initial } = encryptMessage(session, DmPayload.encode({ id, sentAt: BigInt(now), hlcWall: BigInt(now), hlcCounter: 0, text }))
  const envelope: DmEnvelope = { id, from: sender.username, to: to.username, body: new Uint8Array(message), initial }
  const reply = await dmExchange(via, to.peer, { identityToken: sender.token, envelopes: [envelope] })
  return { acks: reply.acks, rejects: reply.rejects.map(r => ({ id: r.id, code: r.code })) }
}

/**
 * The attacker's node answers the DM protocol itself: every envelope it is
 * sent is acknowledged (as a recipient that stored it would) and kept.
 */
export async function acceptDms (attacker: LanchatNode): Promise<{ envelopes: DmEnvelope[], stop: () => Promise<void> }> {
  const envelopes: DmEnvelope[] = []
  const libp2p = attacker.network.libp2p
  await libp2p.handle(DM_PROTOCOL, async stream => {
    const lp = lpStream(stream, { maxDataLength: 2 * 1024 * 1024 })
    try {
      for (;;) {
        const frame = DmFrame.decode((await lp.read()).subarray())
        envelopes.push(...frame.envelopes)
        await lp.write(DmFrame.encode({ ...EMPTY_FRAME, acks: frame.envelopes.map(e => e.id) }))
      }
    } catch {
      stream.abort(new Error('done'))
    }
  }, { force: true })
  return { envelopes, stop: async () => { await libp2p.unhandle(DM_PROTOCOL) } }
}

// ---------------------------------------------------------------- reflection

/** A plain TCP listener on 127.0.0.1 that counts the connections made to it (and never answers). */
export interface CountingListener {
  port: number
  /** When each connection came (ms epoch), in order */
  times: number[]
  /** Resolves true once `n` connections came, false if `withinMs` passes first */
  reached: (n: number, withinMs: number) => Promise<boolean>
  close: () => Promise<void>
}

export async function countingListener (): Promise<CountingListener> {
  const times: number[] = []
  const waiting: Array<{ n: number, resolve: (reached: boolean) => void }> = []
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    times.push(Date.now())
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => { sockets.delete(socket) })
    for (const w of waiting.filter(w => times.length >= w.n)) w.resolve(true)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    times,
    reached: async (n, withinMs) => {
      if (times.length >= n) return true
      return new Promise(resolve => {
        const entry = {
          n,
          resolve: (reached: boolean) => {
            clearTimeout(timer)
            waiting.splice(waiting.indexOf(entry), 1)
            resolve(reached)
          }
        }
        const timer = setTimeout(() => { entry.resolve(false) }, withinMs)
        waiting.push(entry)
      })
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
