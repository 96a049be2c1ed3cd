/**
 * What happens to a message on its way out: a session with the contact
 * (started with X3DH when there is none: the bundle from the contact's node,
 * else from the relay), encryption in queue order with the advanced session
 * stored beside each envelope, then delivery straight to the contact's node
 * (frames pipelined; `delivered` once acknowledged, as the contact stored it)
 * or into the relay's mailbox (`sent`; `delivered` when its receipt comes).
 */
import {
  confirmSession, decodeInitialMessage, decodePreKeyBundle, encryptMessage, fromBase64, initiateSession, toBase64, toHex
} from '../../crypto/index.js'
import { isCode } from '../../errors.js'
import { createLogger } from '../../logger.js'
import { parseHlc } from '../../timeline/index.js'
import { ChatError } from '../errors.js'
import { DmEnvelope, DmPayload } from '../pb/chat.js'
import { FINAL_CODES, RESET_CODES } from './constants.js'
import type { SessionState } from '../../crypto/index.js'
import type { PeerIdStr } from '../../net/index.js'
import type { SealedStore } from '../../sealed-store.js'
import type { MessageStatus, Timeline } from '../../timeline/index.js'
import type { BatchOp } from '../../../store/index.js'
import type { DmReject } from '../pb/chat.js'
import type { Delivery } from '../transport.js'
import type { DmAccount, DmDirectory, DmEventTarget, DmLink, DmNetwork, DmPresence, DmRelay } from './index.js'
import type { OutboxEntry, OutboxQueue, Queued } from './outbox.js'
import type { SessionBook } from './sessions.js'

/** An outbox entry on its way, with its envelope. */
export interface Sending extends Queued {
  envelope: DmEnvelope
}

export interface SenderComponents {
  account: DmAccount
  store: SealedStore
  timeline: Timeline
  book: SessionBook
  queue: Pick<OutboxQueue, 'queued' | 'dequeue'>
  directory: Pick<DmDirectory, 'lookup' | 'check'>
  transport: DmLink
  relay: Pick<DmRelay, 'deposit' | 'fetchBundle'>
  presence: DmPresence
  network: DmNetwork
  events: DmEventTarget
}

export interface SenderInit {
  /** Envelopes per direct frame */
  sendFrame: number
  /** Entries a round puts into the relay's mailbox at most (the rest wait for the next round) */
  relayRound: number
}

export class Sender {
  private readonly c: SenderComponents
  private readonly me: string
  private readonly book: SessionBook
  /** Envelopes as encrypted this run, so sending does not decode the stored copy */
  private readonly envelopes = new WeakMap<OutboxEntry, DmEnvelope>()
  private readonly log = createLogger('chat:sender')

  constructor (components: SenderComponents, private readonly init: SenderInit) {
    this.c = components
    this.me = components.account.username
    this.book = components.book
  }

  // ---------------------------------------------------------------- sessions and encryption

  /**
   * Encrypts new entries at once when the contact's session is checked and
   * in memory (else they wait for encryptPending). The entries carry their
   * envelopes; `ops` store the advanced sessions, `undo` puts the sessions
   * back when that write fails.
   */
  encryptNow (peer: string, entries: OutboxEntry[]): { ops: BatchOp[], undo: () => void } {
    const before = this.book.ready(peer)
    if (before === undefined) return { ops: [], undo: () => {} }
    let sessions = before
    for (const entry of entries) sessions = this.encrypt(peer, sessions, entry)
    return { ops: [this.book.set(peer, sessions)], undo: () => { this.book.restore(peer, before) } }
  }

  /**
   * Encrypts the queued entries that are not yet encrypted, in order, and
   * stores each envelope with the advanced session in one write, so a retry
   * after a crash sends the very same bytes.
   */
  async encryptPending (peer: string, queued: Queued[]): Promise<Sending[]> {
    return this.c.timeline.exclusive(peer, async () => {
      const out: Sending[] = []
      const ops: BatchOp[] = []
      let sessions: SessionState[] | undefined
      for (const { key, entry } of queued) {
        if (entry.envelope === undefined) {
          sessions = this.encrypt(peer, sessions ?? await this.activeSessions(peer), entry)
          ops.push(this.c.store.put(key, entry))
        }
        out.push({ key, entry, envelope: this.envelopes.get(entry) ?? DmEnvelope.decode(fromBase64(entry.envelope!)) })
      }
      if (sessions !== undefined) ops.push(this.book.set(peer, sessions))
      await this.c.store.write(ops)
      return out
    })
  }

  /** Keeps only the sessions made with the contact's key the user just accepted. */
  async trusted (peer: string, identityKey: string): Promise<void> {
    await this.c.timeline.exclusive(peer, async () => {
      // Sessions made with another key are of no use any more.
      const sessions = (await this.book.load(peer)).filter(s => toHex(s.remoteIdentityKey) === identityKey)
      await this.c.store.write([this.book.set(peer, sessions)])
    })
  }

  /** Encrypts an entry with the contact's active session; returns the advanced sessions. */
  private encrypt (peer: string, sessions: SessionState[], entry: OutboxEntry): SessionState[] {
    const [session, ...rest] = sessions
    if (session === undefined) throw new ChatError('NO_SESSION', `no session with ${peer}`)
    const hlc = parseHlc(entry.hlc)
    const payload = DmPayload.encode({
      id: entry.id,
      sentAt: BigInt(entry.sentAt),
      hlcWall: BigInt(hlc.wall),
      hlcCounter: hlc.counter,
      text: entry.text,
      receipt: entry.receipt,
      ...(entry.body !== undefined ? { body: fromBase64(entry.body) } : {})
    })
    const result = encryptMessage(session, payload)
    const envelope: DmEnvelope = { id: entry.id, from: this.me, to: peer, body: result.message, initial: result.initial }
    entry.envelope = toBase64(DmEnvelope.encode(envelope))
    this.envelopes.set(entry, envelope)
    return [result.session, ...rest]
  }

  /** The contact's sessions with a usable one first, starting one with X3DH when there is none. */
  private async activeSessions (peer: string): Promise<SessionState[]> {
    const entry = await this.c.directory.lookup(peer)
    const check = await this.c.directory.check(entry.username, entry.identityKey)
    if (check === 'changed') throw new ChatError('KEY_CHANGED', `${peer}'s identity key changed: verify and trust it before sending`)
    const key = toHex(entry.identityKey)
    const sessions = (await this.book.load(peer)).filter(s => toHex(s.remoteIdentityKey) === key)
    this.book.markChecked(peer)
    if (sessions.length > 0) return sessions
    const bundle = decodePreKeyBundle(await this.fetchBundle(peer, entry.peers))
    if (toHex(bundle.identityKey) !== key) {
      throw new ChatError('BUNDLE_KEY_MISMATCH', `the prekey bundle for ${peer} is not for the key the directory has`)
    }
    const session = initiateSession({ identity: this.c.account.identity(), username: this.me, peerUsername: peer, bundle })
    this.log('started a session with %s', peer)
    return [session]
  }

  /** A bundle straight from the contact's node when it answers, else from the relay. */
  private async fetchBundle (peer: string, peers: string[]): Promise<Uint8Array> {
    for (const p of this.reachable(peer, peers)) {
      try {
        return await this.c.transport.requestBundle(p)
      } catch (err) {
        this.log('bundle from %s\'s node %s failed: %s', peer, p, (err as Error).message)
      }
    }
    return this.c.relay.fetchBundle(peer)
  }

  /** The contact's nodes worth trying directly: where presence says it is online, then the ones connected now. */
  private reachable (peer: string, peers: string[]): PeerIdStr[] {
    const online = this.c.presence.peersOf(peer)
    const others = peers.filter(p => !online.includes(p))
    if (others.length === 0) return online
    const connected = new Set(this.c.network.connected())
    return [...online, ...others.filter(p => connected.has(p))]
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Sends a batch: straight to the contact's node when it answers
   * (delivered once acked: the recipient stored it), else into the relay's
   * mailbox (sent; delivered when its receipt comes back; at most
   * relayRound of them a round). Direct frames are pipelined: each is settled
   * as its answer comes, while the next are on their way. False when the
   * round must be tried again later.
   */
  async deliver (peer: string, batch: Sending[]): Promise<boolean> {
    if (batch.length === 0) return true
    let remaining = batch
    const entry = await this.c.directory.lookup(peer)
    for (const node of this.reachable(peer, entry.peers)) {
      const frames: Sending[][] = []
      for (let i = 0; i < remaining.length; i += this.init.sendFrame) frames.push(remaining.slice(i, i + this.init.sendFrame))
      const rejects = new Map<string, DmReject>()
      const acked = new Set<string>()
      await Promise.all(frames.map(async frame => {
        let delivery: Delivery
        try {
          delivery = await this.c.transport.send(node, frame.map(b => b.envelope))
        } catch (err) {
          this.log('direct delivery to %s at %s failed: %s', peer, node, (err as Error).message)
          return
        }
        // DUPLICATE: the recipient had it already.
        const done = new Set([...delivery.acks, ...delivery.rejects.filter(r => isCode(r, 'DUPLICATE')).map(r => r.id)])
        // Refused for what it says (an edit of a message its author did not write): no retry would pass.
        const failed = new Set(delivery.rejects.filter(r => !done.has(r.id) && FINAL_CODES.has(r.code)).map(r => r.id))
        for (const id of [...done, ...failed]) acked.add(id)
        for (const r of delivery.rejects) {
          if (failed.has(r.id)) this.log('%s refused %s for good: %s %s', peer, r.id, r.code, r.message)
          else if (!done.has(r.id)) rejects.set(r.id, r)
        }
        await this.settle(peer, frame.filter(b => failed.has(b.entry.id)), 'failed')
        await this.settle(peer, frame.filter(b => done.has(b.entry.id)), 'delivered')
      }))
      remaining = remaining.filter(b => !acked.has(b.entry.id))
      if (rejects.size > 0) {
        if (await this.resetOnReject(peer, rejects)) return false
        // Refused for another reason (too far ahead of what it has yet, a
        // failure on its side): kept here and tried again later, not sent
        // around through the relay. Only NOT_HERE lets the next node try.
        if ([...rejects.values()].some(r => !isCode(r, 'NOT_HERE'))) return false
      }
      if (remaining.length === 0) return true
    }
    // A few at a time: the next round tries the contact's node first again.
    for (const b of remaining.slice(0, this.init.relayRound)) {
      await this.c.relay.deposit({ to: peer, id: b.entry.id, envelope: DmEnvelope.encode(b.envelope) })
      await this.settle(peer, [b], 'sent')
    }
    return true
  }

  /**
   * When the recipient could not decrypt (it lost its session, or our
   * initial message named prekeys it no longer has), the session is dropped
   * and the queued entries are encrypted again under a new one.
   * True when that happened and the round must be retried.
   */
  private async resetOnReject (peer: string, rejects: Map<string, DmReject>): Promise<boolean> {
    const reset = [...rejects.values()].find(r => RESET_CODES.has(r.code))
    if (reset === undefined) {
      for (const r of rejects.values()) this.log('%s refused %s: %s %s', peer, r.id, r.code, r.message)
      return false
    }
    this.log('%s could not decrypt (%s): starting a new session', peer, reset.code)
    await this.c.timeline.exclusive(peer, async () => {
      // Everything queued under the dropped session is encrypted again, in order.
      const ops: BatchOp[] = [this.book.set(peer, [])]
      for (const { key, entry } of this.c.queue.queued(peer)) {
        if (entry.envelope === undefined) continue
        delete entry.envelope
        this.envelopes.delete(entry)
        ops.push(this.c.store.put(key, entry))
      }
      await this.c.store.write(ops)
    })
    return true
  }

  /**
   * Takes delivered entries out of the outbox and raises their messages'
   * status. Entries the recipient's node acknowledged (`delivered`) that
   * started the active session confirm it: its next messages go without
   * the X3DH fields (confirmSession).
   */
  private async settle (peer: string, done: Sending[], status: MessageStatus): Promise<void> {
    if (done.length === 0) return
    const { timeline } = this.c
    const texts = done.filter(b => b.entry.kind === 'text').map(b => b.entry.id)
    // In the contact's critical section: a status raised from a stale copy would undo an edit made meanwhile.
    const changed = await timeline.exclusive(peer, async () => {
      const { ops, changed } = await timeline.raiseOps(peer, texts, status)
      ops.push(...done.map(b => this.c.store.del(b.key)))
      if (status === 'delivered' && this.confirms(this.book.ready(peer), done)) {
        // Sessions change only in the contact's critical section.
        const sessions = await this.book.load(peer)
        if (this.confirms(sessions, done)) ops.push(this.book.set(peer, [confirmSession(sessions[0]!), ...sessions.slice(1)]))
      }
      await timeline.commit(ops)
      return changed
    })
    this.c.queue.dequeue(peer, done.map(b => b.key))
    for (const id of changed) this.c.events.dispatchEvent(new CustomEvent('message:status', { detail: { id, conversation: peer, status } }))
  }

  /** Whether the active session is still sending X3DH fields and one of these acknowledged envelopes started it. */
  private confirms (sessions: SessionState[] | undefined, acked: Sending[]): boolean {
    const active = sessions?.[0]
    if (active?.pendingPreKey === undefined) return false
    const base = toHex(active.baseKey)
    return acked.some(b => b.envelope.initial && toHex(decodeInitialMessage(b.envelope.body).baseKey) === base)
  }
}
