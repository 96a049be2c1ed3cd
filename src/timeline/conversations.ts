/**
 * The message history, sealed at rest: one record per message keyed by
 * conversation and hybrid logical clock (so reading in key order is reading
 * in display order), an index by message id (dedupe, status updates), and a
 * summary per conversation. Summaries and recent outgoing messages are kept
 * in memory too, so the hot paths (send, receive, receipts) do not read the
 * store.
 */
import { compareHlc, parseHlc } from './hlc.js'
import type { ConversationId } from './conversation.js'
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

/**
 * How far an outgoing message got: stored here (pending), at the relay or
 * another node that keeps it for the recipients (sent), stored by the
 * recipient's node (delivered), seen (read); or given up (failed: a group
 * message that can never be sent, docs/groups.md).
 */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed'
/** A status only rises; failed is reached from pending only. */
const STATUS_RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, failed: 1, delivered: 2, read: 3 }

/** A message as history shows it. */
export interface ChatMessage {
  id: string
  conversation: ConversationId
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
  /** Incoming: marked read */
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

interface ConversationRecord {
  name: string
  lastHlc: string
  lastAt: number
  lastText: string
  lastFrom: string
  unread: number
}

/** Outgoing messages whose status may still change, kept in memory (the oldest are dropped beyond this). */
const MAX_TRACKED = 20_000

export class Conversations {
  private readonly summaries = new Map<string, ConversationRecord | null>()
  /** Conversation name -> its key part (a keyed hash: worth computing once) */
  private readonly cks = new Map<string, string>()
  /** `${ck}/${id}` -> the outgoing message and its key */
  private readonly outgoing = new Map<string, { key: string, message: ChatMessage }>()

  constructor (private readonly store: SealedStore) {}

  /** The opaque key part for a conversation name. */
  ck (name: string): string {
    let ck = this.cks.get(name)
    if (ck === undefined) {
      ck = this.store.name(`conversation:${name}`)
      this.cks.set(name, ck)
    }
    return ck
  }

  private messageKey (m: ChatMessage): string {
    return `m/${this.ck(m.conversation)}/${m.hlc}/${m.id}`
  }

  /** The hlc of the newest message known anywhere (to start the clock past it after a restart). */
  async newestHlc (): Promise<string | undefined> {
    let newest: string | undefined
    for await (const [, c] of this.store.entries<ConversationRecord>('c/')) {
      if (newest === undefined || c.lastHlc > newest) newest = c.lastHlc
    }
    return newest
  }

  /** Which of these ids the conversation already has. */
  async known (name: string, ids: string[]): Promise<Set<string>> {
    const ck = this.ck(name)
    const present = await this.store.has(ids.map(id => `i/${ck}/${id}`))
    return new Set(ids.filter((_, i) => present[i]))
  }

  /** Writes for a new message: its record, its index entry and the conversation's summary. */
  async add (m: ChatMessage, unread: boolean): Promise<BatchOp[]> {
    return this.addAll([m], unread)
  }

  /** Writes for new messages of one conversation, with one summary update. */
  async addAll (messages: ChatMessage[], unread: boolean): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    for (const m of messages) {
      const key = this.messageKey(m)
      const ck = this.ck(m.conversation)
      if (m.direction === 'out') this.track(ck, m.id, key, m)
      ops.push(this.store.put(key, m), this.store.put(`i/${ck}/${m.id}`, { key }))
    }
    const last = messages[messages.length - 1]
    if (last !== undefined) ops.push(...await this.summaryOps(last, unread ? messages.length : 0))
    return ops
  }

  /** Marks an id as seen without a message (receipts), so a replay is recognised. */
  seen (name: string, id: string): BatchOp {
    return this.store.put(`i/${this.ck(name)}/${id}`, { key: '' })
  }

  private track (ck: string, id: string, key: string, message: ChatMessage): void {
    this.outgoing.set(`${ck}/${id}`, { key, message })
    if (this.outgoing.size > MAX_TRACKED) this.outgoing.delete(this.outgoing.keys().next().value!)
  }

  private async summary (name: string): Promise<ConversationRecord | null> {
    const ck = this.ck(name)
    let c = this.summaries.get(ck)
    if (c === undefined) {
      c = await this.store.get<ConversationRecord>(`c/${ck}`) ?? null
      this.summaries.set(ck, c)
    }
    return c
  }

  /** The summary after `m` (the newest of a batch) and `unread` more unread messages. */
  private async summaryOps (m: ChatMessage, unread: number): Promise<BatchOp[]> {
    const name = m.conversation
    const c = await this.summary(name)
    let next: ConversationRecord
    if (c !== null && compareHlc(parseHlc(m.hlc), parseHlc(c.lastHlc)) < 0) {
      if (unread === 0) return []
      next = { ...c, unread: c.unread + unread }
    } else {
      next = { name, lastHlc: m.hlc, lastAt: m.sentAt, lastText: m.text.slice(0, 200), lastFrom: m.from, unread: (c?.unread ?? 0) + unread }
    }
    this.summaries.set(this.ck(name), next)
    return [this.store.put(`c/${this.ck(name)}`, next)]
  }

  /** Forgets cached summaries (after a failed write, the store is the truth). */
  forget (): void {
    this.summaries.clear()
  }

  /**
   * Raises outgoing messages of a conversation to `status` (never lowers it).
   * Returns the writes and the ids whose status changed.
   */
  async raise (name: string, ids: string[], status: MessageStatus): Promise<{ ops: BatchOp[], changed: string[] }> {
    const ck = this.ck(name)
    const ops: BatchOp[] = []
    const changed: string[] = []
    for (const id of ids) {
      let found = this.outgoing.get(`${ck}/${id}`)
      if (found === undefined) {
        const index = await this.store.get<{ key: string }>(`i/${ck}/${id}`)
        const message = index === undefined || index.key === '' ? undefined : await this.store.get<ChatMessage>(index.key)
        if (index === undefined || message === undefined) continue
        found = { key: index.key, message }
      }
      const m = found.message
      // A record without a status (an outgoing group message stored before statuses were) takes any.
      if (m.direction !== 'out' || (m.status === undefined ? -1 : STATUS_RANK[m.status]) >= STATUS_RANK[status]) continue
      const updated = { ...m, status }
      ops.push(this.store.put(found.key, updated))
      changed.push(id)
      if (status === 'read' || status === 'failed') this.outgoing.delete(`${ck}/${id}`)
      else this.track(ck, id, found.key, updated)
    }
    return { ops, changed }
  }

  /** The last `limit` messages, older than `before` (an hlc) when given, oldest first. */
  async history (name: string, limit: number, before?: string): Promise<ChatMessage[]> {
    const ck = this.ck(name)
    const out: ChatMessage[] = []
    const lt = before === undefined ? undefined : `m/${ck}/${before}`
    for await (const [, m] of this.store.entries<ChatMessage>(`m/${ck}/`, { reverse: true, limit: Math.min(Math.max(limit, 1), 1000), lt })) out.push(m)
    return out.reverse()
  }

  async list (): Promise<ConversationSummary[]> {
    const list: ConversationSummary[] = []
    for await (const [key, c] of this.store.entries<ConversationRecord>('c/')) {
      const cached = this.summaries.get(key.slice(2))
      const r = cached ?? c
      list.push({ conversation: r.name, lastMessageAt: r.lastAt, lastText: r.lastText, lastFrom: r.lastFrom, unread: r.unread })
    }
    return list.sort((a, b) => b.lastMessageAt - a.lastMessageAt)
  }

  /**
   * Marks the unread incoming messages of a conversation read. They are the
   * newest ones, so the scan walks back from the end and stops once it found
   * as many as the summary counts. Returns the writes and the ids.
   */
  async markRead (name: string): Promise<{ ops: BatchOp[], ids: string[] }> {
    const c = await this.summary(name)
    if (c === null || c.unread === 0) return { ops: [], ids: [] }
    const ck = this.ck(name)
    const ops: BatchOp[] = []
    const ids: string[] = []
    for await (const [key, m] of this.store.entries<ChatMessage>(`m/${ck}/`, { reverse: true })) {
      if (m.direction !== 'in' || m.read === true) continue
      ids.push(m.id)
      ops.push(this.store.put(key, { ...m, read: true }))
      if (ids.length >= c.unread) break
    }
    const next = { ...c, unread: 0 }
    this.summaries.set(ck, next)
    ops.push(this.store.put(`c/${ck}`, next))
    return { ops, ids }
  }
}
