/**
 * One-to-one chat that never loses a message: every message is written to
 * the outbox before anything is sent, encrypted with the Double Ratchet
 * (sessions started with X3DH), delivered straight to the recipient's node
 * when it is reachable and to the relay's mailbox otherwise, retried with
 * backoff across restarts, deduplicated on receipt, and ordered by a hybrid
 * logical clock. Delivery and read receipts travel inside the ratchet.
 */
import { randomBytes } from 'node:crypto'
import { TypedEventEmitter } from 'main-event'
import {
  decodeInitialMessage, decodePreKeyBundle, decryptInitialMessage, decryptMessage, deserializeSession, encryptMessage,
  initiateSession, isSameSession, jwkThumbprint, respondToSession, serializeSession
} from '../crypto/index.js'
import { KeyedLock } from '../lock.js'
import { createLogger } from '../logger.js'
import { ACK, DEPOSIT, FETCH, FETCH_BUNDLE, RELAY } from '../services/relay/spec.js'
import { canonicalUsername } from '../services/idp/usernames.js'
import { Directory } from './directory.js'
import { ChatError } from './errors.js'
import { compareHlc, formatHlc, HybridClock, parseHlc } from './hlc.js'
import { DmEnvelope, DmPayload } from './pb/chat.js'
import { LOBBY, Lobby } from './lobby.js'
import { LocalPreKeys } from './prekeys.js'
import { Presence } from './presence.js'
import { SealedStore } from './sealed-store.js'
import { DmTransport, MAX_ENVELOPES_PER_FRAME } from './transport.js'
import type { Account } from '../account/index.js'
import type { SessionState } from '../crypto/index.js'
import type { LanchatLibp2p, NetworkKeys, PeerIdStr } from '../net/index.js'
import type { LobbyPost } from './lobby.js'
import type { UserPresence } from './presence.js'
import type { Rpc, TokenVerifier } from '../services/index.js'
import type { Delivery, Sender } from './transport.js'
import type { DmReject } from './pb/chat.js'
import type { BatchOp, Store } from '../../store/index.js'

export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read'
const STATUS_RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3 }

/** A message as history shows it. */
export interface ChatMessage {
  id: string
  conversation: string
  from: string
  to: string
  text: string
  /** The sender's wall clock (ms), for display */
  sentAt: number
  /** When this node stored it (incoming) */
  receivedAt?: number
  /** Hybrid logical clock: history is ordered by it */
  hlc: string
  direction: 'in' | 'out'
  /** Outgoing: how far delivery got */
  status?: MessageStatus
  /** Incoming: marked read (a read receipt went back) */
  read?: boolean
  /** Incoming: the sender's identity key differs from the one known */
  keyChanged?: boolean
}

export interface ConversationSummary {
  conversation: string
  lastMessageAt: number
  lastText: string
  lastFrom: string
  unread: number
}

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

interface ConversationRecord {
  name: string
  lastHlc: string
  lastAt: number
  lastText: string
  lastFrom: string
  unread: number
}

/** Message text is 1 to this many characters. */
export const MAX_TEXT_LENGTH = 8_000
const MAX_ID_LENGTH = 64
/** Sessions kept per contact: the active one and older ones whose messages may still arrive. */
const MAX_SESSIONS = 4
/** Retry backoff for a contact's outbox: 1 s doubling to 60 s. */
const RETRY_MIN_MS = 1_000
const RETRY_MAX_MS = 60_000
/** The relay mailbox is checked this often while logged in. */
export const MAILBOX_POLL_MS = 15_000
const FETCH_BATCH = 200
/** Rejections after which the contact's session is dropped and a new one started. */
const RESET_CODES = new Set(['DECRYPT_FAILED', 'NO_SESSION', 'SIGNED_PREKEY_NOT_FOUND', 'ONE_TIME_PREKEY_NOT_FOUND', 'SESSION_MISMATCH', 'MALFORMED_MESSAGE'])
/** Rejections after which the message goes through the relay instead. */
const RELAY_CODES = new Set(['LOCKED', 'NOT_HERE'])

/** Conversations of groups are named group:<id>. */
export const GROUP_PREFIX = 'group:'

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const newId = (): string => randomBytes(16).toString('hex')

function checkText (text: string): void {
  if (typeof text !== 'string' || text.trim() === '' || [...text].length > MAX_TEXT_LENGTH) {
    throw new ChatError('BAD_TEXT', `a message is 1 to ${MAX_TEXT_LENGTH} characters`)
  }
}

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
  private readonly directory: Directory
  private readonly prekeys: LocalPreKeys
  private readonly transport: DmTransport
  private readonly presence: Presence
  private readonly lobby: Lobby
  private readonly hlc: HybridClock
  private readonly clock: () => number
  private readonly lock = new KeyedLock()
  /** Aborts every call to a service under way when chat stops */
  private readonly abort = new AbortController()
  private readonly sessions = new Map<string, SessionState[]>()
  /** Outbox keys per contact, in send order */
  private readonly outbox = new Map<string, string[]>()
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
    this.hlc = new HybridClock(this.clock)
    this.store = new SealedStore(components.store, components.account.dataKey())
    this.directory = new Directory(this.store, components.rpc, components.account, this.clock, this.abort.signal)
    this.prekeys = new LocalPreKeys(this.store, components.account.identity(), this.clock)
    this.transport = new DmTransport(components.libp2p, components.verifier, {
      onEnvelopes: async (sender, envelopes) => this.receive(envelopes, sender),
      onBundleRequest: async () => this.prekeys.directBundle()
    })
    this.presence = new Presence(components.libp2p, components.verifier, components.account, components.keys.networkId, this.clock)
    this.presence.addEventListener('presence', evt => {
      this.dispatchEvent(new CustomEvent('presence', { detail: evt.detail }))
      // Someone came back: what waits for them can go straight to them now.
      if (evt.detail.online) this.kick(evt.detail.username)
    })
    this.lobby = new Lobby(components.libp2p, components.verifier, components.account, components.keys.lobbyKey, components.keys.networkId, async post => this.storeLobbyPost(post))
  }

  async start (): Promise<void> {
    await this.prekeys.load()
    for await (const [key, entry] of this.store.entries<OutboxEntry>('o/')) {
      this.hlc.observe(parseHlc(entry.hlc))
      this.queue(entry.to).push(key)
    }
    for await (const [, c] of this.store.entries<ConversationRecord>('c/')) this.hlc.observe(parseHlc(c.lastHlc))
    await this.transport.start()
    this.lobby.start()
    await this.presence.start()
    this.running = true
    for (const to of this.outbox.keys()) this.kick(to)
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

  private conv (name: string): string {
    return this.store.name(`conversation:${name}`)
  }

  private queue (to: string): string[] {
    let q = this.outbox.get(to)
    if (q === undefined) {
      q = []
      this.outbox.set(to, q)
    }
    return q
  }

  // ---------------------------------------------------------------- API

  /** Stores the message in the outbox, then delivers it in the background. */
  async send (to: string, text: string): Promise<{ id: string, conversation: string, status: MessageStatus, hlc: string }> {
    const peer = canonicalUsername(to)
    if (peer === this.me) throw new ChatError('BAD_RECIPIENT', 'you cannot send a message to yourself')
    checkText(text)
    const id = newId()
    const hlc = formatHlc(this.hlc.tick())
    const sentAt = this.clock()
    const message: ChatMessage = { id, conversation: peer, from: this.me, to: peer, text, sentAt, hlc, direction: 'out', status: 'pending' }
    const entry: OutboxEntry = { id, to: peer, kind: 'text', text, sentAt, hlc }
    const outKey = `o/${hlc}/${id}`
    await this.store.write([
      this.store.put(outKey, entry),
      ...this.messageOps(message),
      ...await this.conversationOps(peer, message, false)
    ])
    this.queue(peer).push(outKey)
    this.kick(peer)
    return { id, conversation: peer, status: 'pending', hlc }
  }

  /** A conversation's name: a contact's username, #lobby, or group:<id>. */
  private conversationName (name: string): string {
    if (name === LOBBY) return LOBBY
    if (name.startsWith(GROUP_PREFIX)) {
      if (!/^group:[0-9a-f]{32}$/.test(name)) throw new ChatError('BAD_CONVERSATION', 'a group conversation is group:<32 hex digits>')
      return name
    }
    return canonicalUsername(name)
  }

  /**
   * Stores a message of a conversation this module does not deliver itself
   * (a group's): once per (conversation, id). Resolves false when it was
   * already stored. The caller announces it.
   */
  async record (message: ChatMessage, unread: boolean): Promise<boolean> {
    const name = this.conversationName(message.conversation)
    return this.lock.run(name, async () => {
      if (await this.store.get(`i/${this.conv(name)}/${message.id}`) !== undefined) return false
      this.hlc.receive(parseHlc(message.hlc))
      await this.store.write([...this.messageOps(message), ...await this.conversationOps(name, message, unread)])
      return true
    })
  }

  /** A timestamp for a message this node is about to send (a group's), after everything it has seen. */
  tick (): string {
    return formatHlc(this.hlc.tick())
  }

  /** The last `limit` messages of a conversation (a contact, or #lobby), older than `before` (an hlc) when given, oldest first. */
  async history (withName: string, limit = 50, before?: string): Promise<ChatMessage[]> {
    const ck = this.conv(this.conversationName(withName))
    const out: ChatMessage[] = []
    const lt = before === undefined ? undefined : `m/${ck}/${before}`
    for await (const [, m] of this.store.entries<ChatMessage>(`m/${ck}/`, { reverse: true, limit: Math.min(Math.max(limit, 1), 1000), lt })) out.push(m)
    return out.reverse()
  }

  async conversations (): Promise<ConversationSummary[]> {
    const list: ConversationSummary[] = []
    for await (const [, c] of this.store.entries<ConversationRecord>('c/')) {
      list.push({ conversation: c.name, lastMessageAt: c.lastAt, lastText: c.lastText, lastFrom: c.lastFrom, unread: c.unread })
    }
    return list.sort((a, b) => b.lastMessageAt - a.lastMessageAt)
  }

  /** Marks a conversation read, and tells the sender (read receipts). */
  async markRead (withName: string): Promise<{ read: number }> {
    const peer = canonicalUsername(withName)
    const ck = this.conv(peer)
    const ids: string[] = []
    const ops: BatchOp[] = []
    for await (const [key, m] of this.store.entries<ChatMessage>(`m/${ck}/`)) {
      if (m.direction === 'in' && m.read !== true) {
        ids.push(m.id)
        ops.push(this.store.put(key, { ...m, read: true }))
      }
    }
    const c = await this.store.get<ConversationRecord>(`c/${ck}`)
    if (c !== undefined && c.unread !== 0) ops.push(this.store.put(`c/${ck}`, { ...c, unread: 0 }))
    if (ids.length > 0) ops.push(...this.receiptOps(peer, ids, true))
    await this.store.write(ops)
    if (ids.length > 0) this.kick(peer)
    return { read: ids.length }
  }

  /** Who is online, as presence announcements tell. */
  users (): UserPresence[] {
    return this.presence.users()
  }

  /** Posts to the lobby: stored first, then published to everyone online. */
  async lobbySend (text: string): Promise<{ id: string, conversation: string }> {
    checkText(text)
    const post = this.lobby.compose(text, this.hlc.tick(), this.clock())
    const message = this.lobbyMessage(post, 'out')
    await this.store.write([...this.messageOps(message), ...await this.conversationOps(LOBBY, message, false)])
    await this.lobby.publish(post)
    return { id: post.id, conversation: LOBBY }
  }

  private lobbyMessage (post: LobbyPost, direction: 'in' | 'out'): ChatMessage {
    return {
      id: post.id,
      conversation: LOBBY,
      from: post.from,
      to: LOBBY,
      text: [...post.text].slice(0, MAX_TEXT_LENGTH).join(''),
      sentAt: post.sentAt,
      hlc: formatHlc(post.hlc),
      direction,
      ...(direction === 'in' ? { receivedAt: this.clock() } : {})
    }
  }

  /** A lobby post from someone else: stored once (false when seen before), then announced. */
  private async storeLobbyPost (post: LobbyPost): Promise<boolean> {
    if (!this.running) return false
    const message = this.lobbyMessage(post, 'in')
    if (!await this.record(message, false)) return false
    this.dispatchEvent(new CustomEvent('lobby', { detail: message }))
    return true
  }

  async verify (user: string): ReturnType<Directory['verify']> {
    return this.directory.verify(user)
  }

  /** Acknowledges (and marks verified) the contact's current key; held messages go out. */
  async trust (user: string): Promise<{ username: string, verified: boolean }> {
    const known = await this.directory.trust(user)
    await this.lock.run(known.username, async () => {
      // Sessions made with another key are of no use any more.
      const sessions = (this.sessions.get(known.username) ?? await this.loadSessions(known.username))
        .filter(s => Buffer.from(s.remoteIdentityKey).toString('hex') === known.identityKey)
      await this.store.write([this.sessionOps(known.username, sessions)])
    })
    this.flushState(known.username).blockedReported.clear()
    this.kick(known.username)
    return { username: known.username, verified: known.verified }
  }

  // ---------------------------------------------------------------- storage helpers

  private messageOps (m: ChatMessage): BatchOp[] {
    const ck = this.conv(m.conversation)
    const key = `m/${ck}/${m.hlc}/${m.id}`
    return [this.store.put(key, m), this.store.put(`i/${ck}/${m.id}`, { key })]
  }

  private async conversationOps (name: string, m: ChatMessage, unread: boolean): Promise<BatchOp[]> {
    const key = `c/${this.conv(name)}`
    const c = await this.store.get<ConversationRecord>(key)
    if (c !== undefined && compareHlc(parseHlc(m.hlc), parseHlc(c.lastHlc)) < 0) {
      return unread ? [this.store.put(key, { ...c, unread: c.unread + 1 })] : []
    }
    return [this.store.put(key, {
      name,
      lastHlc: m.hlc,
      lastAt: m.sentAt,
      lastText: m.text.slice(0, 200),
      lastFrom: m.from,
      unread: (c?.unread ?? 0) + (unread ? 1 : 0)
    } satisfies ConversationRecord)]
  }

  private receiptOps (to: string, ids: string[], read: boolean): BatchOp[] {
    const hlc = formatHlc(this.hlc.tick())
    const id = newId()
    const key = `o/${hlc}/${id}`
    this.queue(to).push(key)
    return [this.store.put(key, { id, to, kind: 'receipt', receipt: { ids, read }, sentAt: this.clock(), hlc } satisfies OutboxEntry)]
  }

  private async loadSessions (peer: string): Promise<SessionState[]> {
    const cached = this.sessions.get(peer)
    if (cached !== undefined) return cached
    const stored = await this.store.get<{ sessions: string[] }>(`s/${this.store.name(peer)}`)
    const sessions: SessionState[] = []
    for (const s of stored?.sessions ?? []) {
      try {
        sessions.push(deserializeSession(unb64(s)))
      } catch (err) {
        this.log.error('dropping an unreadable session with %s: %s', peer, (err as Error).message)
      }
    }
    this.sessions.set(peer, sessions)
    return sessions
  }

  private sessionOps (peer: string, sessions: SessionState[]): BatchOp {
    this.sessions.set(peer, sessions)
    return this.store.put(`s/${this.store.name(peer)}`, { sessions: sessions.map(s => b64(serializeSession(s))) })
  }

  // ---------------------------------------------------------------- sending

  private flushState (peer: string): FlushState {
    let f = this.flushes.get(peer)
    if (f === undefined) {
      f = { running: false, again: false, failures: 0, blockedReported: new Set() }
      this.flushes.set(peer, f)
    }
    return f
  }

  /** Delivers a contact's outbox now (or right after the delivery under way). */
  private kick (peer: string): void {
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
        if (this.running) f.timer = setTimeout(() => { f.timer = undefined; this.kick(peer) }, delay)
        return
      }
      f.failures = 0
      if (result === 'more' || f.again) {
        f.again = false
        this.kick(peer)
      }
    })
  }

  /** One delivery round for a contact: all sent (or held), more to send, or try again later. */
  private async flush (peer: string): Promise<'done' | 'more' | 'retry'> {
    const queue = this.outbox.get(peer)
    if (queue === undefined || queue.length === 0) return 'done'
    try {
      if (await this.directory.blocked(peer)) {
        await this.reportBlocked(peer)
        return 'done'
      }
      const batch = await this.encryptPending(peer, queue.slice(0, MAX_ENVELOPES_PER_FRAME))
      if (!await this.deliver(peer, batch)) return 'retry'
      return (this.outbox.get(peer)?.length ?? 0) === 0 ? 'done' : 'more'
    } catch (err) {
      this.log('delivery to %s failed: %s', peer, (err as Error).message)
      if ((err as { code?: string }).code === 'KEY_CHANGED') {
        await this.reportBlocked(peer)
        return 'done'
      }
      return 'retry'
    }
  }

  private async reportBlocked (peer: string): Promise<void> {
    const f = this.flushState(peer)
    for (const key of this.outbox.get(peer) ?? []) {
      const entry = await this.store.get<OutboxEntry>(key)
      if (entry?.kind !== 'text' || f.blockedReported.has(entry.id)) continue
      f.blockedReported.add(entry.id)
      this.dispatchEvent(new CustomEvent('message:blocked', { detail: { id: entry.id, conversation: peer, reason: 'KEY_CHANGED' } }))
    }
  }

  /**
   * Encrypts the queued entries that are not yet encrypted, in order, and
   * stores each envelope with the advanced session in one write, so a retry
   * after a crash sends the very same bytes.
   */
  private async encryptPending (peer: string, keys: string[]): Promise<Array<{ key: string, entry: OutboxEntry, envelope: DmEnvelope }>> {
    return this.lock.run(peer, async () => {
      const out: Array<{ key: string, entry: OutboxEntry, envelope: DmEnvelope }> = []
      const ops: BatchOp[] = []
      let sessions: SessionState[] | undefined
      for (const key of keys) {
        const entry = await this.store.get<OutboxEntry>(key)
        if (entry === undefined) continue
        if (entry.envelope === undefined) {
          sessions ??= await this.activeSessions(peer)
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
          sessions = [result.session, ...rest]
          entry.envelope = b64(DmEnvelope.encode({ id: entry.id, from: this.me, to: peer, body: result.message, initial: result.initial }))
          ops.push(this.store.put(key, entry))
        }
        out.push({ key, entry, envelope: DmEnvelope.decode(unb64(entry.envelope)) })
      }
      if (sessions !== undefined) ops.push(this.sessionOps(peer, sessions))
      await this.store.write(ops)
      return out
    })
  }

  /** The contact's sessions with a usable one first, starting one with X3DH when there is none. */
  private async activeSessions (peer: string): Promise<SessionState[]> {
    const entry = await this.directory.lookup(peer)
    const check = await this.directory.check(entry.username, entry.identityKey)
    if (check === 'changed') throw new ChatError('KEY_CHANGED', `${peer}'s identity key changed: verify and trust it before sending`)
    const key = Buffer.from(entry.identityKey).toString('hex')
    const sessions = (await this.loadSessions(peer)).filter(s => Buffer.from(s.remoteIdentityKey).toString('hex') === key)
    if (sessions.length > 0) return sessions
    const bundle = decodePreKeyBundle(await this.fetchBundle(peer, entry.peers))
    if (Buffer.from(bundle.identityKey).toString('hex') !== key) {
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
    const connected = new Set(this.components.libp2p.getPeers().map(p => p.toString()))
    return [...new Set([...this.presence.peersOf(peer), ...peers.filter(p => connected.has(p))])]
  }

  /**
   * Sends a batch: straight to the contact's node when connected (delivered
   * once acked: the recipient persisted it), else into the relay's mailbox
   * (sent; delivered when its receipt comes back).
   */
  private async deliver (peer: string, batch: Array<{ key: string, entry: OutboxEntry, envelope: DmEnvelope }>): Promise<boolean> {
    if (batch.length === 0) return true
    let remaining = batch
    const entry = await this.directory.lookup(peer)
    for (const node of this.reachable(peer, entry.peers)) {
      let delivery: Delivery
      try {
        delivery = await this.transport.send(node, this.account.identityToken(), remaining.map(b => b.envelope))
      } catch (err) {
        this.log('direct delivery to %s at %s failed: %s', peer, node, (err as Error).message)
        continue
      }
      // DUPLICATE: the recipient had it already.
      const acked = new Set([...delivery.acks, ...delivery.rejects.filter(r => r.code === 'DUPLICATE').map(r => r.id)])
      await this.settle(peer, remaining.filter(b => acked.has(b.entry.id)), 'delivered')
      const rejects = new Map(delivery.rejects.filter(r => !acked.has(r.id)).map(r => [r.id, r]))
      if (await this.handleRejects(peer, remaining, rejects)) return false
      remaining = remaining.filter(b => !acked.has(b.entry.id))
      if (remaining.length === 0) return true
    }
    for (const b of remaining) {
      await this.components.rpc.call(RELAY, DEPOSIT, { to: peer, id: b.entry.id, envelope: DmEnvelope.encode(b.envelope) }, { identityToken: this.account.identityToken(), signal: this.abort.signal })
      await this.settle(peer, [b], 'sent')
    }
    return true
  }

  /** Handles refusals; true when the session was reset and the batch must be encrypted again. */
  private async handleRejects (peer: string, batch: Array<{ key: string, entry: OutboxEntry }>, rejects: Map<string, DmReject>): Promise<boolean> {
    if (rejects.size === 0) return false
    const reset = [...rejects.values()].find(r => RESET_CODES.has(r.code))
    if (reset !== undefined) {
      this.log('%s could not decrypt (%s): starting a new session', peer, reset.code)
      await this.lock.run(peer, async () => {
        const ops: BatchOp[] = [this.sessionOps(peer, [])]
        for (const b of batch) {
          if (!rejects.has(b.entry.id) && b.entry.envelope === undefined) continue
          delete b.entry.envelope
          ops.push(this.store.put(b.key, b.entry))
        }
        await this.store.write(ops)
      })
      return true
    }
    for (const r of rejects.values()) {
      if (!RELAY_CODES.has(r.code)) this.log('%s refused %s: %s %s', peer, r.id, r.code, r.message)
    }
    return false
  }

  /** Takes delivered entries out of the outbox and raises their messages' status. */
  private async settle (peer: string, done: Array<{ key: string, entry: OutboxEntry }>, status: MessageStatus): Promise<void> {
    if (done.length === 0) return
    const ops: BatchOp[] = done.map(b => this.store.del(b.key))
    const texts = done.filter(b => b.entry.kind === 'text').map(b => b.entry.id)
    const changed = await this.statusOps(peer, texts, status, ops)
    await this.store.write(ops)
    const gone = new Set(done.map(b => b.key))
    const q = this.outbox.get(peer)
    if (q !== undefined) this.outbox.set(peer, q.filter(k => !gone.has(k)))
    this.emitStatuses(peer, changed, status)
  }

  /** Raises outgoing messages to `status` (never lowers it); returns the ids changed. */
  private async statusOps (peer: string, ids: string[], status: MessageStatus, ops: BatchOp[]): Promise<string[]> {
    const ck = this.conv(peer)
    const changed: string[] = []
    for (const id of ids) {
      const index = await this.store.get<{ key: string }>(`i/${ck}/${id}`)
      if (index === undefined) continue
      const m = await this.store.get<ChatMessage>(index.key)
      if (m === undefined || m.direction !== 'out' || STATUS_RANK[m.status ?? 'pending'] >= STATUS_RANK[status]) continue
      ops.push(this.store.put(index.key, { ...m, status }))
      changed.push(id)
    }
    return changed
  }

  private emitStatuses (peer: string, ids: string[], status: MessageStatus): void {
    for (const id of ids) this.dispatchEvent(new CustomEvent('message:status', { detail: { id, conversation: peer, status } }))
  }

  // ---------------------------------------------------------------- receiving

  /** Envelopes from a contact (directly, or from the relay when `sender` is undefined): persist, then answer. */
  private async receive (envelopes: DmEnvelope[], sender?: Sender, relayFrom?: string): Promise<Delivery> {
    const acks: string[] = []
    const rejects: DmReject[] = []
    const received = new Map<string, string[]>()
    for (const env of envelopes) {
      const from = sender?.username ?? relayFrom ?? ''
      const refuse = (code: string, message: string): void => { rejects.push({ id: env.id, code, message }) }
      if (env.id === '' || env.id.length > MAX_ID_LENGTH) { refuse('BAD_ID', 'a message id is 1 to 64 characters'); continue }
      if (env.to !== this.me) { refuse('NOT_HERE', `${env.to} is not logged in on this node`); continue }
      if (env.from !== from) { refuse('IMPERSONATION', `the message claims to be from ${env.from}, but comes from ${from}`); continue }
      try {
        const outcome = await this.lock.run(from, async () => this.receiveOne(env, sender))
        acks.push(env.id)
        // A direct sender knows from the ack that it was delivered; relayed mail gets a receipt.
        if (outcome === 'text' && sender === undefined) {
          const list = received.get(from) ?? []
          list.push(env.id)
          received.set(from, list)
        }
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'INTERNAL'
        this.log('refused %s from %s: %s %s', env.id, from, code, (err as Error).message)
        refuse(code === 'DUPLICATE_MESSAGE' ? 'DUPLICATE' : code, (err as Error).message)
      }
    }
    for (const [from, ids] of received) {
      await this.store.write(this.receiptOps(from, ids, false))
      this.kick(from)
    }
    return { acks, rejects }
  }

  /** Decrypts and stores one envelope (in the contact's critical section). */
  private async receiveOne (env: DmEnvelope, sender: Sender | undefined): Promise<'text' | 'receipt' | 'duplicate'> {
    const from = env.from
    const ck = this.conv(from)
    if (await this.store.get(`i/${ck}/${env.id}`) !== undefined) return 'duplicate'
    const sessions = await this.loadSessions(from)
    let plaintext: Uint8Array
    let next: SessionState[]
    let keyChanged = false
    if (env.initial) {
      const msg = decodeInitialMessage(env.body)
      if (msg.username !== from) throw new ChatError('IMPERSONATION', 'the initial message names another sender')
      // X3DH §4.1: the identity key must be the one the idp binds to this username.
      if (sender !== undefined) {
        if (jwkThumbprint(msg.identityKey) !== sender.claims.cnf.jkt) throw new ChatError('IMPERSONATION', 'the initial message is not from the key the sender\'s token names')
      } else {
        const entry = await this.directory.lookup(from, true)
        if (Buffer.compare(Buffer.from(entry.identityKey), Buffer.from(msg.identityKey)) !== 0) throw new ChatError('IMPERSONATION', 'the initial message is not from the key the directory has for its sender')
      }
      keyChanged = await this.directory.check(from, msg.identityKey) === 'changed'
      const existing = sessions.findIndex(s => isSameSession(s, msg))
      if (existing >= 0) {
        const result = decryptInitialMessage(sessions[existing]!, msg)
        plaintext = result.plaintext
        next = sessions.map((s, i) => i === existing ? result.session : s)
      } else {
        const result = await respondToSession({ identity: this.account.identity(), username: this.me, store: this.prekeys, message: msg })
        plaintext = result.plaintext
        next = this.adopt(sessions, result.session)
      }
    } else {
      ({ plaintext, next } = this.decryptAny(sessions, env.body))
    }
    const payload = DmPayload.decode(plaintext)
    if (payload.id !== env.id) throw new ChatError('IMPERSONATION', 'the envelope id differs from the id inside the message')
    const remoteHlc = { wall: Number(payload.hlcWall), counter: payload.hlcCounter }
    this.hlc.receive(remoteHlc)
    const ops: BatchOp[] = [this.sessionOps(from, next), ...this.prekeys.ops()]
    if (payload.receipt !== undefined) {
      const status: MessageStatus = payload.receipt.read ? 'read' : 'delivered'
      const changed = await this.statusOps(from, payload.receipt.ids.slice(0, 1000), status, ops)
      ops.push(this.store.put(`i/${ck}/${env.id}`, { key: '' }))
      await this.store.write(ops)
      this.emitStatuses(from, changed, status)
      return 'receipt'
    }
    const text = payload.text ?? ''
    const message: ChatMessage = {
      id: env.id,
      conversation: from,
      from,
      to: this.me,
      text: [...text].slice(0, MAX_TEXT_LENGTH).join(''),
      sentAt: Number(payload.sentAt),
      receivedAt: this.clock(),
      hlc: formatHlc(remoteHlc),
      direction: 'in',
      read: false,
      ...(keyChanged ? { keyChanged } : {})
    }
    ops.push(...this.messageOps(message), ...await this.conversationOps(from, message, true))
    await this.store.write(ops)
    this.dispatchEvent(new CustomEvent('message', { detail: message }))
    return 'text'
  }

  /** Tries the contact's sessions, newest first; the one that decrypts moves to the front. */
  private decryptAny (sessions: SessionState[], body: Uint8Array): { plaintext: Uint8Array, next: SessionState[] } {
    let firstError: unknown
    for (let i = 0; i < sessions.length; i++) {
      try {
        const { session, plaintext } = decryptMessage(sessions[i]!, body)
        return { plaintext, next: [session, ...sessions.filter((_, j) => j !== i)] }
      } catch (err) {
        if ((err as { code?: string }).code === 'DUPLICATE_MESSAGE') throw err
        firstError ??= err
      }
    }
    if (firstError !== undefined) throw firstError
    throw new ChatError('NO_SESSION', 'no session with the sender: it must start a new one')
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
          for (const mail of reply.messages) {
            let env: DmEnvelope
            try {
              env = DmEnvelope.decode(mail.envelope)
            } catch {
              done.push(mail.id)
              continue
            }
            const { acks, rejects } = await this.receive([env], undefined, mail.from)
            // Refused mail will never decrypt; it is dropped too (the sender's receipt never comes).
            if (acks.length > 0 || rejects.length > 0) done.push(mail.id)
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
