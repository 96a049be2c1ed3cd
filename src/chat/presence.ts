/**
 * Who is online: every logged-in node announces its user on the presence
 * topic every 10 s, signed by the user's identity key and carrying the
 * user's identity token, so every node can check who it is without asking
 * anyone. A user not heard from for 35 s is offline.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { TypedEventEmitter } from 'main-event'
import { jwkThumbprint, safeVerify, sign, transcript } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { PresenceAnnouncement, Signed } from './pb/chat.js'
import type { Account } from '../account/index.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { TokenVerifier } from '../services/index.js'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

export const PRESENCE_INTERVAL_MS = 10_000
export const PRESENCE_TTL_MS = 35_000
const MAX_PRESENCE_BYTES = 4 * 1024
/** An announcement made longer ago than this (or further ahead), by its own clock, is stale: clocks agree within 2 minutes. */
export const PRESENCE_MAX_AGE_MS = PRESENCE_TTL_MS + 120_000
const LABEL = 'lanchat/presence/v1'

export interface UserPresence {
  username: string
  online: boolean
  /** The nodes the user is logged in on now */
  peers: PeerIdStr[]
  /** ms epoch of the last announcement heard (this node's clock) */
  lastSeen: number
}

export interface PresenceEvents {
  presence: CustomEvent<{ username: string, online: boolean, peerId: PeerIdStr }>
}

interface Seen {
  peerId: PeerIdStr
  lastSeen: number
  seq: number
  online: boolean
}

export class Presence extends TypedEventEmitter<PresenceEvents> {
  private readonly topic: string
  private readonly log = createLogger('presence')
  /** username -> peer -> last announcement */
  private readonly seen = new Map<string, Map<PeerIdStr, Seen>>()
  private seq = 0
  private timer?: ReturnType<typeof setInterval>

  constructor (
    private readonly libp2p: LanchatLibp2p,
    private readonly verifier: TokenVerifier,
    private readonly account: Account,
    networkId: string,
    private readonly clock: () => number = Date.now
  ) {
    super()
    this.topic = `/lanchat/${networkId}/presence/1`
  }

  async start (): Promise<void> {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('subscription-change', this.onSubscription)
    this.seq = this.clock()
    this.timer = setInterval(() => {
      this.expire()
      void this.announce(true)
    }, PRESENCE_INTERVAL_MS)
    await this.announce(true)
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.announce(false)
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('subscription-change', this.onSubscription)
    pubsub.topicValidators.delete(this.topic)
    pubsub.unsubscribe(this.topic)
  }

  /** Nodes where the user is online now, most recently heard first. */
  peersOf (username: string): PeerIdStr[] {
    const now = this.clock()
    return [...(this.seen.get(username)?.values() ?? [])]
      .filter(s => s.online && now - s.lastSeen < PRESENCE_TTL_MS)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map(s => s.peerId)
  }

  /** Every user heard of, online first. This node's own user is always online. */
  users (): UserPresence[] {
    const list: UserPresence[] = []
    for (const [username, peers] of this.seen) {
      const online = this.peersOf(username)
      list.push({ username, online: online.length > 0, peers: online, lastSeen: Math.max(...[...peers.values()].map(s => s.lastSeen)) })
    }
    const me = this.account.username
    if (!list.some(u => u.username === me)) list.push({ username: me, online: true, peers: [this.libp2p.peerId.toString()], lastSeen: this.clock() })
    return list.sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username))
  }

  private readonly onSubscription = (evt: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (evt.detail.subscriptions.some(s => s.topic === this.topic && s.subscribe)) void this.announce(true)
  }

  private async announce (online: boolean): Promise<void> {
    try {
      const identity = this.account.identity()
      const payload = PresenceAnnouncement.encode({
        username: this.account.username,
        peerId: this.libp2p.peerId.toString(),
        identityKey: new Uint8Array(identity.publicKey),
        identityToken: this.account.identityToken(),
        time: BigInt(this.clock()),
        seq: BigInt(++this.seq),
        online
      })
      await this.libp2p.services.pubsub.publish(this.topic, Signed.encode({ payload, signature: sign(identity, transcript(LABEL, payload)) }))
    } catch (err) {
      this.log('announcing presence failed: %s', (err as Error).message)
    }
  }

  private expire (): void {
    const now = this.clock()
    for (const [username, peers] of this.seen) {
      for (const [peerId, s] of peers) {
        if (s.online && now - s.lastSeen >= PRESENCE_TTL_MS) {
          s.online = false
          if (this.peersOf(username).length === 0) this.dispatchEvent(new CustomEvent('presence', { detail: { username, online: false, peerId } }))
        }
      }
    }
  }

  /**
   * Accepts only announcements by the node itself, for the user its valid
   * token names, signed by that user's key, made within the validity window,
   * and (for "online") from a node this one is connected to: a captured
   * announcement replayed after its node left shows nobody online.
   */
  private readonly validate = async (_from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    try {
      if (msg.type !== 'signed' || msg.data.length > MAX_PRESENCE_BYTES) return TopicValidatorResult.Reject
      const signed = Signed.decode(msg.data)
      const a = PresenceAnnouncement.decode(signed.payload)
      if (a.peerId !== msg.from.toString()) return TopicValidatorResult.Reject
      if (Math.abs(this.clock() - Number(a.time)) > PRESENCE_MAX_AGE_MS) return TopicValidatorResult.Ignore
      if (a.online && this.libp2p.getConnections(msg.from).length === 0) return TopicValidatorResult.Ignore
      const claims = await this.verifier.identity(a.identityToken, a.peerId)
      if (claims.sub !== a.username || jwkThumbprint(a.identityKey) !== claims.cnf.jkt) return TopicValidatorResult.Reject
      if (!safeVerify(a.identityKey, transcript(LABEL, signed.payload), signed.signature)) return TopicValidatorResult.Reject
      const peers = this.seen.get(a.username) ?? new Map<PeerIdStr, Seen>()
      const previous = peers.get(a.peerId)
      const seq = Number(a.seq)
      if (previous !== undefined && seq <= previous.seq) return TopicValidatorResult.Ignore
      const wasOnline = this.peersOf(a.username).length > 0
      peers.set(a.peerId, { peerId: a.peerId, lastSeen: this.clock(), seq, online: a.online })
      this.seen.set(a.username, peers)
      const isOnline = this.peersOf(a.username).length > 0
      if (wasOnline !== isOnline) this.dispatchEvent(new CustomEvent('presence', { detail: { username: a.username, online: isOnline, peerId: a.peerId } }))
      return TopicValidatorResult.Accept
    } catch (err) {
      this.log('dropped a presence announcement: %s', (err as Error).message)
      return TopicValidatorResult.Reject
    }
  }
}
