/**
 * One-to-one chat that never loses a message: every message is written to
 * the outbox before anything is sent, encrypted with the Double Ratchet
 * (sessions started with X3DH), delivered straight to the recipient's node
 * when it is reachable and to the relay's mailbox otherwise, retried with
 * backoff across restarts, deduplicated on receipt, and ordered by a hybrid
 * logical clock. Delivery and read receipts travel inside the ratchet.
 *
 * Hot paths batch: concurrent sends to one contact are stored (and, when a
 * session is ready, encrypted) up to COMMIT_BATCH to a write; a frame of
 * received envelopes is stored in one write before it is acknowledged.
 */
import { TypedEventEmitter } from 'main-event'
import {
  confirmSession, decodeInitialMessage, decodePreKeyBundle, decryptInitialMessage, decryptMessage, encryptMessage, fromBase64, initiateSession,
  isSameSession, jwkThumbprint, respondToSession, toBase64, toHex
} from '../crypto/index.js'
import { codeOf, isCode } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import { createLogger } from '../logger.js'
import { SealedStore } from '../sealed-store.js'
import { ACK, DEPOSIT, FETCH, FETCH_BUNDLE, RELAY } from '../services/relay/spec.js'
import { checkConversation, conversationKind, formatHlc, newMessageId, parseHlc } from '../timeline/index.js'
import { canonicalUsername } from '../usernames.js'
import { ChatError } from './errors.js'
import { Lobby } from './lobby.js'
import { DmEnvelope, DmPayload } from './pb/chat.js'
import { LocalPreKeys } from './prekeys.js'
import { Presence } from './presence.js'
import { MAX_SESSIONS, SessionBook } from './sessions.js'
import { checkText, clampText } from './text.js'
import { DmTransport, MAX_ENVELOPES_PER_FRAME } from './transport.js'
import type { Account } from '../account/index.js'
import type { SessionState } from '../crypto/index.js'
import type { Directory } from '../directory/index.js'
import type { LanchatLibp2p, NetworkKeys, PeerIdStr } from '../net/index.js'
import type { Rpc, TokenVerifier } from '../services/index.js'
import type { ChatMessage, MessageStatus, Timeline } from '../timeline/index.js'
import type { DmReject } from './pb/chat.js'
import type { UserPresence } from './presence.js'
import type { Delivery, Sender } from './transport.js'
import type { BatchOp, Store } from '../../store/index.js'

export interface ChatEvents {
  message: CustomEvent<ChatMessage>
  'message:status': CustomEvent<{ id: string, conversation: string, status: MessageStatus }>
  'message:blocked': CustomEvent<{ id: string, conversation: string, reason: 'KEY_CHANGED' }>
  presence: CustomEvent<{ username: string, online: boolean, peerId: PeerIdStr }>
  lobby: CustomEvent<ChatMessage>
}

export interface ChatComponents {
  store: Store
  libp2p: LanchatLibp2p
  rpc: Rpc
  verifier: TokenVerifier
  account: Account
  keys: NetworkKeys
  timeline: Timeline
  directory: Directory
  clock?: () => number
}

interface OutboxEntry {
  id: string
  to: string
  kind: 'text' | 'receipt'
  text?: string
  receipt?: { ids: string[], read: boolean }
  sentAt: number
  hlc: string
  /** base64 of the encoded DmEnvelope, set once encrypted: the ratchet has advanced for it */
  envelope?: string
}

interface Sending {
  key: string
  entry: OutboxEntry
  envelope: DmEnvelope
}

interface PendingSend {
  text: string
  resolve: (r: SendResult) => void
  reject: (err: unknown) => void
}

export interface SendResult {
  id: string
  conversation: string
  status: MessageStatus
  hlc: string
}

/** Sends to one contact stored in one write at most. */
const COMMIT_BATCH = 64
const MAX_ID_LENGTH = 64
/** Retry backoff for a contact's outbox: 1 s doubling to 60 s. */
const RETRY_MIN_MS = 1_000
const RETRY_MAX_MS = 60_000
/**
 * Direct delivery sends frames of this many envelopes (the protocol allows up
 * to MAX_ENVELOPES_PER_FRAME), up to FRAMES_IN_FLIGHT of them on the wire at
 * once: smaller frames are answered sooner, so the recipient's work and ours
 * overlap more (measured with `npm run bench -- dm`).
 */
const SEND_FRAME = Math.min(128, MAX_ENVELOPES_PER_FRAME)
const FRAMES_IN_FLIGHT = 8
/** The relay mailbox is checked this often while logged in. */
export const MAILBOX_POLL_MS = 15_000
const FETCH_BATCH = 200
/** Rejections after which the contact's session is dropped and a new one started. */
const RESET_CODES: ReadonlySet<string> = new Set<ErrorCode>(['DECRYPT_FAILED', 'MESSAGE_KEY_EXPIRED', 'NO_SESSION', 'SIGNED_PREKEY_NOT_FOUND', 'ONE_TIME_PREKEY_NOT_FOUND', 'SESSION_MISMATCH', 'MALFORMED_MESSAGE'])
/** Rejections of relayed mail that may pass on a later try: the mail is left at the relay. */
const RETRY_LATER_CODES: ReadonlySet<string> = new Set<ErrorCode>(['INTERNAL', 'MAX_SKIP_EXCEEDED'])

interface FlushState {
  running: boolean
  again: boolean
  failures: number
  timer?: ReturnType<typeof setTimeout>
  blockedReported: Set<string>
}

export class Chat extends TypedEventEmitter<ChatEvents> {
  private readonly components: ChatComponents
  private readonly account: Account
  private readonly me: string
  private readonly store: SealedStore
  private readonly timeline: Timeline
  private readonly book: SessionBook
  private readonly directory: Directory
  private readonly prekeys: LocalPreKeys
  private readonly transport: DmTransport
  private readonly presence: Presence
  private readonly lobby: Lobby
  private readonly clock: () => number
  /** Aborts every call to a service under way when chat stops */
  private readonly abort = new AbortController()
  /** The outbox: entries by key, and each contact's keys in send order */
  private readonly entries = new Map<string, OutboxEntry>()
  private readonly queues = new Map<string, string[]>()
  /** Envelopes as encrypted this run, so sending does not decode the stored copy */
  private readonly envelopes = new WeakMap<OutboxEntry, DmEnvelope>()
  private readonly pendingSends = new Map<string, PendingSend[]>()
  private readonly flushes = new Map<string, FlushState>()
  private readonly log = createLogger('chat')
  private mailTimer?: ReturnType<typeof setInterval>
  private fetching?: Promise<void>
  private running = false

  constructor (components: ChatComponents) {
    super()
    this.components = components
    this.account = components.account
    this.me = components.account.username
    this.clock = components.clock ?? Date.now
    this.store = new SealedStore(components.store, components.account.dataKey())
    this.timeline = components.timeline
    this.book = new SessionBook(this.store)
    this.directory = components.directory
    this.prekeys = new LocalPreKeys(this.store, components.account.identity(), this.clock)
    this.transport = new DmTransport(components.libp2p, components.verifier, {
      onEnvelopes: async (sender, envelopes) => this.receive(envelopes, sender),
      onBundleRequest: async () => this.prekeys.directBundle()
    })
    this.presence = new Presence(components.libp2p, components.verifier, components.account, components.keys.networkId, this.clock)
    this.presence.addEventListener('presence', evt => {
      this.dispatchEvent(new CustomEvent('presence', { detail: evt.detail }))
      // Someone came back: what waits for them can go straight to them now.
      if (evt.detail.online) this.deliverSoon(evt.detail.username)
    })
    this.lobby = new Lobby({ libp2p: components.libp2p, verifier: components.verifier, account: components.account, timeline: this.timeline, clock: this.clock }, components.keys)
    this.lobby.addEventListener('lobby', evt => { this.dispatchEvent(new CustomEvent('lobby', { detail: evt.detail })) })
  }

  async start (): Promise<void> {
    await this.prekeys.load()
    for await (const [key, entry] of this.store.entries<OutboxEntry>('o/')) {
      this.timeline.observe(entry.hlc)
      this.enqueue(key, entry)
    }
    await this.transport.start()
    this.lobby.start()
    await this.presence.start()
    this.running = true
    for (const to of this.queues.keys()) this.deliverSoon(to)
    void this.maintainPrekeys()
    void this.fetchMail()
    this.mailTimer = setInterval(() => { void this.fetchMail(); void this.maintainPrekeys() }, MAILBOX_POLL_MS)
  }

  async stop (): Promise<void> {
    this.running = false
    this.abort.abort(new ChatError('STOPPING', 'chat is stopping'))
    clearInterval(this.mailTimer)
    for (const f of this.flushes.values()) clearTimeout(f.timer)
    await this.presence.stop()
    this.lobby.stop()
    await this.transport.stop()
    await this.fetching
  }

  // ---------------------------------------------------------------- API

  /**
   * Stores the message in the outbox (with concurrent sends to the same
   * contact, up to COMMIT_BATCH to a write), then delivers it in the background.
   */
  async send (to: string, text: string): Promise<SendResult> {
    const peer = canonicalUsername(to)
    if (peer === this.me) throw new ChatError('BAD_RECIPIENT', 'you cannot send a message to yourself')
    checkText(text)
    return new Promise((resolve, reject) => {
      const pending = this.pendingSends.get(peer)
      if (pending !== undefined) {
        pending.push({ text, resolve, reject })
        return
      }
      this.pendingSends.set(peer, [{ text, resolve, reject }])
      void this.commitSends(peer)
    })
  }

  /**
   * Writes the sends waiting for a contact, encrypted already when a checked
   * session is in memory, up to COMMIT_BATCH at a time: the first are on
   * their way while the next are stored.
   */
  private async commitSends (peer: string): Promise<void> {
    await this.timeline.exclusive(peer, async () => {
      const waiting = this.pendingSends.get(peer) ?? []
      const items = waiting.splice(0, COMMIT_BATCH)
      if (waiting.length === 0) this.pendingSends.delete(peer)
      const before = this.book.ready(peer)
      // Encryption follows the queue's order: while older entries wait to be
      // encrypted (sent before the session existed), new ones wait behind them.
      const queue = this.queues.get(peer) ?? []
      const last = queue.length === 0 ? undefined : this.entries.get(queue[queue.length - 1]!)
      let sessions = last === undefined || last.envelope !== undefined ? before : undefined
      const ops: BatchOp[] = []
      const made: Array<{ item: PendingSend, key: string, entry: OutboxEntry, hlc: string }> = []
      const messages: ChatMessage[] = []
      try {
        for (const item of items) {
          const { key, entry } = this.newEntry(peer, { kind: 'text', text: item.text })
          if (sessions !== undefined) sessions = this.encrypt(peer, sessions, entry)
          ops.push(this.store.put(key, entry))
          const { id, sentAt, hlc } = entry
          messages.push({ id, conversation: peer, from: this.me, to: peer, text: item.text, sentAt, hlc, direction: 'out', status: 'pending' })
          made.push({ item, key, entry, hlc })
        }
        ops.push(...await this.timeline.addOps(messages, false))
        if (sessions !== undefined && sessions !== before) ops.push(this.book.set(peer, sessions))
        await this.timeline.commit(ops)
      } catch (err) {
        if (before !== undefined) this.book.restore(peer, before)
        for (const { reject } of items) reject(err)
        return
      }
      for (const { item, key, entry, hlc } of made) {
        this.enqueue(key, entry)
        item.resolve({ id: entry.id, conversation: peer, status: 'pending', hlc })
      }
    })
    this.deliverSoon(peer)
    if (this.pendingSends.has(peer)) void this.commitSends(peer)
  }

  /** Marks a direct conversation read; the contact is told (read receipts). */
  async markRead (contact: string): Promise<{ read: number }> {
    const name = checkConversation(contact)
    if (conversationKind(name) !== 'direct') return this.timeline.markRead(name)
    return this.timeline.exclusive(name, async () => {
      const { ops, ids } = await this.timeline.markReadOps(name)
      const receipt = ids.length > 0 ? this.newEntry(name, { kind: 'receipt', receipt: { ids, read: true } }) : undefined
      if (receipt !== undefined) ops.push(this.store.put(receipt.key, receipt.entry))
      await this.timeline.commit(ops)
      if (receipt !== undefined) {
        this.enqueue(receipt.key, receipt.entry)
        this.deliverSoon(name)
      }
      return { read: ids.length }
    })
  }

  /** Who is online, as presence announcements tell. */
  users (): UserPresence[] {
    return this.presence.users()
  }

  /** Posts to the lobby: stored first, then published to everyone online. */
  async lobbySend (text: string): Promise<SendResult> {
    return this.lobby.send(text)
  }

  async verify (user: string): ReturnType<Directory['verify']> {
    return this.directory.verify(user)
  }

  /** Acknowledges (and marks verified) the contact's current key; held messages go out. */
  async trust (user: string): Promise<{ username: string, verified: boolean }> {
    const known = await this.directory.trust(user)
    await this.timeline.exclusive(known.username, async () => {
      // Sessions made with another key are of no use any more.
      const sessions = (await this.book.load(known.username)).filter(s => toHex(s.remoteIdentityKey) === known.identityKey)
      await this.store.write([this.book.set(known.username, sessions)])
    })
    this.flushState(known.username).blockedReported.clear()
    this.deliverSoon(known.username)
    return { username: known.username, verified: known.verified }
  }

  // ---------------------------------------------------------------- the outbox

  /** A new outbox entry for a contact, stamped now, and its key (in send order). */
  private newEntry (to: string, fields: Pick<OutboxEntry, 'kind' | 'text' | 'receipt'>): { key: string, entry: OutboxEntry } {
    const hlc = this.timeline.stamp()
    const entry: OutboxEntry = { id: newMessageId(), to, sentAt: this.clock(), hlc, ...fields }
    return { key: `o/${hlc}/${entry.id}`, entry }
  }

  /** Puts a stored entry in its contact's queue, in hlc order. */
  private enqueue (key: string, entry: OutboxEntry): void {
    this.entries.set(key, entry)
    let q = this.queues.get(entry.to)
    if (q === undefined) {
      q = []
      this.queues.set(entry.to, q)
    }
    if (q.length === 0 || q[q.length - 1]! < key) q.push(key)
    else q.splice(q.findIndex(k => k > key), 0, key)
  }

  private dequeue (peer: string, keys: string[]): void {
    const gone = new Set(keys)
    for (const key of keys) this.entries.delete(key)
    const q = this.queues.get(peer)
    if (q !== undefined) this.queues.set(peer, q.filter(k => !gone.has(k)))
  }

  private flushState (peer: string): FlushState {
    let f = this.flushes.get(peer)
    if (f === undefined) {
      f = { running: false, again: false, failures: 0, blockedReported: new Set() }
      this.flushes.set(peer, f)
    }
    return f
  }

  /** Delivers a contact's outbox now (or right after the delivery under way). */
  private deliverSoon (peer: string): void {
    if (!this.running) return
    const f = this.flushState(peer)
    if (f.running) {
      f.again = true
      return
    }
    clearTimeout(f.timer)
    f.timer = undefined
    f.running = true
    void this.flush(peer).then(result => {
      f.running = false
      if (result === 'retry') {
        f.failures++
        const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(f.failures - 1, 10))
        if (this.running) f.timer = setTimeout(() => { f.timer = undefined; this.deliverSoon(peer) }, delay)
        return
      }
      f.failures = 0
      if (result === 'more' || f.again) {
        f.again = false
        this.deliverSoon(peer)
      }
    })
  }

  /** One delivery round for a contact: all sent (or held), more to send, or try again later. */
  private async flush (peer: string): Promise<'done' | 'more' | 'retry'> {
    const queue = this.queues.get(peer)
    if (queue === undefined || queue.length === 0) return 'done'
    try {
      if (await this.directory.blocked(peer)) {
        this.reportBlocked(peer)
        return 'done'
      }
      const batch = await this.encryptPending(peer, queue.slice(0, SEND_FRAME * FRAMES_IN_FLIGHT))
      if (!await this.deliver(peer, batch)) return 'retry'
      return (this.queues.get(peer)?.length ?? 0) === 0 ? 'done' : 'more'
    } catch (err) {
      this.log('delivery to %s failed: %s', peer, (err as Error).message)
      if (isCode(err, 'KEY_CHANGED')) {
        this.reportBlocked(peer)
        return 'done'
      }
      return 'retry'
    }
  }

  private reportBlocked (peer: string): void {
    const f = this.flushState(peer)
    for (const key of this.queues.get(peer) ?? []) {
      const entry = this.entries.get(key)
      if (entry?.kind !== 'text' || f.blockedReported.has(entry.id)) continue
      f.blockedReported.add(entry.id)
      this.dispatchEvent(new CustomEvent('message:blocked', { detail: { id: entry.id, conversation: peer, reason: 'KEY_CHANGED' } }))
    }
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
      receipt: entry.receipt
    })
    const result = encryptMessage(session, payload)
    const envelope: DmEnvelope = { id: entry.id, from: this.me, to: peer, body: result.message, initial: result.initial }
    entry.envelope = toBase64(DmEnvelope.encode(envelope))
    this.envelopes.set(entry, envelope)
    return [result.session, ...rest]
  }

  /**
   * Encrypts the queued entries that are not yet encrypted, in order, and
   * stores each envelope with the advanced session in one write, so a retry
   * after a crash sends the very same bytes.
   */
  private async encryptPending (peer: string, keys: string[]): Promise<Sending[]> {
    return this.timeline.exclusive(peer, async () => {
      const out: Sending[] = []
      const ops: BatchOp[] = []
      let sessions: SessionState[] | undefined
      for (const key of keys) {
        const entry = this.entries.get(key)
        if (entry === undefined) continue
        if (entry.envelope === undefined) {
          sessions = this.encrypt(peer, sessions ?? await this.activeSessions(peer), entry)
          ops.push(this.store.put(key, entry))
        }
        out.push({ key, entry, envelope: this.envelopes.get(entry) ?? DmEnvelope.decode(fromBase64(entry.envelope!)) })
      }
      if (sessions !== undefined) ops.push(this.book.set(peer, sessions))
      await this.store.write(ops)
      return out
    })
  }

  /** The contact's sessions with a usable one first, starting one with X3DH when there is none. */
  private async activeSessions (peer: string): Promise<SessionState[]> {
    const entry = await this.directory.lookup(peer)
    const check = await this.directory.check(entry.username, entry.identityKey)
    if (check === 'changed') throw new ChatError('KEY_CHANGED', `${peer}'s identity key changed: verify and trust it before sending`)
    const key = toHex(entry.identityKey)
    const sessions = (await this.book.load(peer)).filter(s => toHex(s.remoteIdentityKey) === key)
    this.book.markChecked(peer)
    if (sessions.length > 0) return sessions
    const bundle = decodePreKeyBundle(await this.fetchBundle(peer, entry.peers))
    if (toHex(bundle.identityKey) !== key) {
      throw new ChatError('BUNDLE_KEY_MISMATCH', `the prekey bundle for ${peer} is not for the key the directory has`)
    }
    const session = initiateSession({ identity: this.account.identity(), username: this.me, peerUsername: peer, bundle })
    this.log('started a session with %s', peer)
    return [session]
  }

  /** A bundle straight from the contact's node when it answers, else from the relay. */
  private async fetchBundle (peer: string, peers: string[]): Promise<Uint8Array> {
    for (const p of this.reachable(peer, peers)) {
      try {
        return await this.transport.requestBundle(p, this.account.identityToken())
      } catch (err) {
        this.log('bundle from %s\'s node %s failed: %s', peer, p, (err as Error).message)
      }
    }
    const { bundle } = await this.components.rpc.call(RELAY, FETCH_BUNDLE, { username: peer }, { identityToken: this.account.identityToken(), signal: this.abort.signal })
    return bundle
  }

  /** The contact's nodes worth trying directly: where presence says it is online, then the ones connected now. */
  private reachable (peer: string, peers: string[]): PeerIdStr[] {
    const online = this.presence.peersOf(peer)
    const others = peers.filter(p => !online.includes(p))
    if (others.length === 0) return online
    const connected = new Set(this.components.libp2p.getPeers().map(p => p.toString()))
    return [...online, ...others.filter(p => connected.has(p))]
  }

  /**
   * Sends a batch: straight to the contact's node when it answers
   * (delivered once acked: the recipient stored it), else into the relay's
   * mailbox (sent; delivered when its receipt comes back). Direct frames are
   * pipelined: each is settled as its answer comes, while the next are on
   * their way.
   */
  private async deliver (peer: string, batch: Sending[]): Promise<boolean> {
    if (batch.length === 0) return true
    let remaining = batch
    const entry = await this.directory.lookup(peer)
    for (const node of this.reachable(peer, entry.peers)) {
      const token = this.account.identityToken()
      const frames: Sending[][] = []
      for (let i = 0; i < remaining.length; i += SEND_FRAME) frames.push(remaining.slice(i, i + SEND_FRAME))
      const rejects = new Map<string, DmReject>()
      const acked = new Set<string>()
      await Promise.all(frames.map(async frame => {
        let delivery: Delivery
        try {
          delivery = await this.transport.send(node, token, frame.map(b => b.envelope))
        } catch (err) {
          this.log('direct delivery to %s at %s failed: %s', peer, node, (err as Error).message)
          return
        }
        // DUPLICATE: the recipient had it already.
        const done = new Set([...delivery.acks, ...delivery.rejects.filter(r => r.code === 'DUPLICATE').map(r => r.id)])
        for (const id of done) acked.add(id)
        for (const r of delivery.rejects) if (!done.has(r.id)) rejects.set(r.id, r)
        await this.settle(peer, frame.filter(b => done.has(b.entry.id)), 'delivered')
      }))
      remaining = remaining.filter(b => !acked.has(b.entry.id))
      if (rejects.size > 0) {
        if (await this.resetOnReject(peer, rejects)) return false
        // Refused for another reason (too far ahead of what it has yet, a
        // failure on its side): kept here and tried again later, not sent
        // around through the relay. Only NOT_HERE lets the next node try.
        if ([...rejects.values()].some(r => r.code !== 'NOT_HERE')) return false
      }
      if (remaining.length === 0) return true
    }
    for (const b of remaining) {
      await this.components.rpc.call(RELAY, DEPOSIT, { to: peer, id: b.entry.id, envelope: DmEnvelope.encode(b.envelope) }, { identityToken: this.account.identityToken(), signal: this.abort.signal })
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
    await this.timeline.exclusive(peer, async () => {
      // Everything queued under the dropped session is encrypted again, in order.
      const ops: BatchOp[] = [this.book.set(peer, [])]
      for (const key of this.queues.get(peer) ?? []) {
        const entry = this.entries.get(key)
        if (entry?.envelope === undefined) continue
        delete entry.envelope
        this.envelopes.delete(entry)
        ops.push(this.store.put(key, entry))
      }
      await this.store.write(ops)
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
    const texts = done.filter(b => b.entry.kind === 'text').map(b => b.entry.id)
    const { ops, changed } = await this.timeline.raiseOps(peer, texts, status)
    ops.push(...done.map(b => this.store.del(b.key)))
    if (status === 'delivered' && this.confirms(this.book.ready(peer), done)) {
      // Sessions change only in the contact's critical section.
      await this.timeline.exclusive(peer, async () => {
        const sessions = await this.book.load(peer)
        if (this.confirms(sessions, done)) ops.push(this.book.set(peer, [confirmSession(sessions[0]!), ...sessions.slice(1)]))
        await this.timeline.commit(ops)
      })
    } else {
      await this.timeline.commit(ops)
    }
    this.dequeue(peer, done.map(b => b.key))
    this.emitStatuses(peer, changed, status)
  }

  /** Whether the active session is still sending X3DH fields and one of these acknowledged envelopes started it. */
  private confirms (sessions: SessionState[] | undefined, acked: Sending[]): boolean {
    const active = sessions?.[0]
    if (active?.pendingPreKey === undefined) return false
    const base = toHex(active.baseKey)
    return acked.some(b => b.envelope.initial && toHex(decodeInitialMessage(b.envelope.body).baseKey) === base)
  }

  private emitStatuses (peer: string, ids: string[], status: MessageStatus): void {
    for (const id of ids) this.dispatchEvent(new CustomEvent('message:status', { detail: { id, conversation: peer, status } }))
  }

  // ---------------------------------------------------------------- receiving

  /**
   * Envelopes from one sender (straight from its node, or from the relay's
   * mailbox when `sender` is undefined): checked, decrypted and stored in
   * one write, then acknowledged.
   */
  private async receive (envelopes: DmEnvelope[], sender?: Sender, relayFrom?: string): Promise<Delivery & { texts: string[] }> {
    const from = sender?.username ?? relayFrom ?? ''
    const acks: string[] = []
    const rejects: DmReject[] = []
    const valid: DmEnvelope[] = []
    for (const env of envelopes) {
      const refuse = (code: string, message: string): void => { rejects.push({ id: env.id, code, message }) }
      if (env.id === '' || env.id.length > MAX_ID_LENGTH) refuse('BAD_ID', 'a message id is 1 to 64 characters')
      else if (env.to !== this.me) refuse('NOT_HERE', `${env.to} is not logged in on this node`)
      else if (env.from !== from) refuse('IMPERSONATION', `the message claims to be from ${env.from}, but comes from ${from}`)
      else valid.push(env)
    }
    if (valid.length === 0) return { acks, rejects, texts: [] }
    const texts = await this.timeline.exclusive(from, async () => this.receiveBatch(from, valid, sender, acks, rejects))
    // A direct sender knows from the ack that it was delivered; relayed mail gets a receipt.
    if (sender === undefined && texts.length > 0) {
      const receipt = this.newEntry(from, { kind: 'receipt', receipt: { ids: texts, read: false } })
      await this.store.write([this.store.put(receipt.key, receipt.entry)])
      this.enqueue(receipt.key, receipt.entry)
      this.deliverSoon(from)
    }
    return { acks, rejects, texts }
  }

  /** Decrypts and stores a sender's envelopes (in its critical section); returns the ids to send a delivery receipt for. */
  private async receiveBatch (from: string, envelopes: DmEnvelope[], sender: Sender | undefined, acks: string[], rejects: DmReject[]): Promise<string[]> {
    // The dedupe read runs while the envelopes are decrypted: decrypting one
    // already stored only moves the session past its key, which is harmless.
    const knownRead = this.timeline.known(from, envelopes.map(e => e.id))
    knownRead.catch(() => {})
    const before = await this.book.load(from)
    let sessions = before
    const opened: Array<{ env: DmEnvelope, payload?: DmPayload, keyChanged?: boolean, error?: unknown }> = []
    const inBatch = new Set<string>()
    for (const env of envelopes) {
      if (inBatch.has(env.id)) {
        opened.push({ env, error: new ChatError('DUPLICATE_MESSAGE', 'the same message twice in one batch') })
        continue
      }
      try {
        const { plaintext, next, keyChanged } = await this.decrypt(from, env, sessions, sender)
        const payload = DmPayload.decode(plaintext)
        if (payload.id !== env.id) throw new ChatError('IMPERSONATION', 'the envelope id differs from the id inside the message')
        sessions = next
        inBatch.add(env.id)
        opened.push({ env, payload, keyChanged })
      } catch (error) {
        opened.push({ env, error })
      }
    }
    const known = await knownRead
    const ops: BatchOp[] = []
    const messages: ChatMessage[] = []
    const statuses: Array<{ ids: string[], status: MessageStatus }> = []
    const accepted: string[] = []
    const duplicates: string[] = []
    for (const { env, payload, keyChanged, error } of opened) {
      if (known.has(env.id)) {
        acks.push(env.id)
        duplicates.push(env.id)
        continue
      }
      if (payload === undefined) {
        const code = codeOf(error) ?? 'INTERNAL'
        this.log('refused %s from %s: %s %s', env.id, from, code, (error as Error).message)
        rejects.push({ id: env.id, code: code === 'DUPLICATE_MESSAGE' ? 'DUPLICATE' : code, message: (error as Error).message })
        continue
      }
      const remoteHlc = { wall: Number(payload.hlcWall), counter: payload.hlcCounter }
      this.timeline.receive(remoteHlc)
      if (payload.receipt !== undefined) {
        const status: MessageStatus = payload.receipt.read ? 'read' : 'delivered'
        const raised = await this.timeline.raiseOps(from, payload.receipt.ids.slice(0, 1000), status)
        ops.push(...raised.ops, this.timeline.seenOp(from, env.id))
        statuses.push({ ids: raised.changed, status })
      } else {
        messages.push({
          id: env.id,
          conversation: from,
          from,
          to: this.me,
          text: clampText(payload.text ?? ''),
          sentAt: Number(payload.sentAt),
          receivedAt: this.clock(),
          hlc: formatHlc(remoteHlc),
          direction: 'in',
          read: false,
          ...(keyChanged === true ? { keyChanged } : {})
        })
      }
      accepted.push(env.id)
    }
    ops.push(...await this.timeline.addOps(messages, true))
    if (sessions !== before) ops.push(this.book.set(from, sessions))
    ops.push(...this.prekeys.ops())
    try {
      await this.timeline.commit(ops)
    } catch (err) {
      this.book.restore(from, before)
      for (const id of accepted) rejects.push({ id, code: 'INTERNAL', message: 'could not store the message' })
      this.log.error('storing messages from %s failed: %s', from, (err as Error).message)
      return []
    }
    acks.push(...accepted)
    for (const m of messages) this.dispatchEvent(new CustomEvent('message', { detail: m }))
    for (const { ids, status } of statuses) this.emitStatuses(from, ids, status)
    // A copy from the relay of what already came directly (its ack was lost) still deserves a receipt.
    return [...messages.map(m => m.id), ...(sender === undefined ? duplicates : [])]
  }

  /** Decrypts one envelope with the sender's sessions; the sessions as they would be after it. */
  private async decrypt (from: string, env: DmEnvelope, sessions: SessionState[], sender: Sender | undefined): Promise<{ plaintext: Uint8Array, next: SessionState[], keyChanged: boolean }> {
    if (!env.initial) {
      if (sessions.length === 0) throw new ChatError('NO_SESSION', 'no session with the sender: it must start a new one')
      const errors: unknown[] = []
      for (let i = 0; i < sessions.length; i++) {
        try {
          const { session, plaintext } = decryptMessage(sessions[i]!, env.body)
          return { plaintext, next: [session, ...sessions.filter((_, j) => j !== i)], keyChanged: false }
        } catch (err) {
          if (isCode(err, 'DUPLICATE_MESSAGE')) throw err
          errors.push(err)
        }
      }
      // A session that knows the chain but is too far behind says more than the others' failures.
      throw errors.find(e => isCode(e, 'MAX_SKIP_EXCEEDED')) ?? errors[errors.length - 1]
    }
    const msg = decodeInitialMessage(env.body)
    if (msg.username !== from) throw new ChatError('IMPERSONATION', 'the initial message names another sender')
    // X3DH §4.1: the identity key must be the one the idp binds to this username.
    if (sender !== undefined) {
      if (jwkThumbprint(msg.identityKey) !== sender.claims.cnf.jkt) throw new ChatError('IMPERSONATION', 'the initial message is not from the key the sender\'s token names')
    } else {
      const entry = await this.directory.lookup(from, true)
      if (toHex(entry.identityKey) !== toHex(msg.identityKey)) throw new ChatError('IMPERSONATION', 'the initial message is not from the key the directory has for its sender')
    }
    const keyChanged = await this.directory.check(from, msg.identityKey) === 'changed'
    const existing = sessions.findIndex(s => isSameSession(s, msg))
    if (existing >= 0) {
      const { session, plaintext } = decryptInitialMessage(sessions[existing]!, msg)
      return { plaintext, next: sessions.map((s, i) => i === existing ? session : s), keyChanged }
    }
    const result = await respondToSession({ identity: this.account.identity(), username: this.me, store: this.prekeys, message: msg })
    return { plaintext: result.plaintext, next: this.adopt(sessions, result.session), keyChanged }
  }

  /**
   * A session the contact just started. If ours was also just started and not
   * yet answered (both sides began at once), the one with the lower base key
   * wins on both sides; otherwise the contact's new one becomes active.
   */
  private adopt (sessions: SessionState[], incoming: SessionState): SessionState[] {
    const active = sessions[0]
    if (active !== undefined && active.pendingPreKey !== undefined && Buffer.compare(Buffer.from(active.baseKey), Buffer.from(incoming.baseKey)) < 0) {
      return [active, incoming, ...sessions.slice(1)].slice(0, MAX_SESSIONS)
    }
    return [incoming, ...sessions].slice(0, MAX_SESSIONS)
  }

  // ---------------------------------------------------------------- relay mailbox and prekeys

  /** Drains this user's mailbox at the relay: processes, then acknowledges, each batch. */
  async fetchMail (): Promise<void> {
    this.fetching ??= (async () => {
      try {
        let after: string | undefined
        for (let more = true; more && this.running;) {
          const token = this.account.identityToken()
          const reply = await this.components.rpc.call(RELAY, FETCH, { limit: FETCH_BATCH, after }, { identityToken: token, signal: this.abort.signal })
          after = reply.cursor
          more = reply.more
          const done: string[] = []
          // Each sender's mail, in order, as one batch.
          const bySender = new Map<string, Array<{ mailId: string, env: DmEnvelope }>>()
          for (const mail of reply.messages) {
            try {
              const list = bySender.get(mail.from) ?? []
              list.push({ mailId: mail.id, env: DmEnvelope.decode(mail.envelope) })
              bySender.set(mail.from, list)
            } catch {
              done.push(mail.id)
            }
          }
          for (const [from, list] of bySender) {
            const { acks, rejects } = await this.receive(list.map(m => m.env), undefined, from)
            // Refused mail will never decrypt: it is dropped too (the sender's
            // receipt never comes). Mail refused for now (a failure here, or
            // too far ahead of mail not yet fetched) stays for the next check.
            const handled = new Set([...acks, ...rejects.filter(r => !RETRY_LATER_CODES.has(r.code)).map(r => r.id)])
            for (const m of list) if (handled.has(m.env.id)) done.push(m.mailId)
          }
          if (done.length > 0) await this.components.rpc.call(RELAY, ACK, { ids: done }, { identityToken: token, signal: this.abort.signal })
          if (reply.messages.length === 0) break
        }
      } catch (err) {
        this.log('mailbox check failed: %s', (err as Error).message)
      } finally {
        this.fetching = undefined
      }
    })()
    return this.fetching
  }

  private async maintainPrekeys (): Promise<void> {
    try {
      await this.prekeys.replenish(this.components.rpc, this.account.identityToken(), this.abort.signal)
    } catch (err) {
      this.log('publishing prekeys failed: %s', (err as Error).message)
    }
  }
}
