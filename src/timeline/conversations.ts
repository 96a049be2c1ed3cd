/**
 * The message history, sealed at rest: one record per message keyed by
 * conversation and hybrid logical clock (so reading in key order is reading
 * in display order), an index by message id (dedupe, status updates), and a
 * summary per conversation. Summaries and recent outgoing messages are kept
 * in memory too, so the hot paths (send, receive, receipts) do not read the
 * store.
 */
import { isChange } from './body.js'
import { applyChange, byAuthor, changeOf, shown } from './changes.js'
import { compareHlc, parseHlc } from './hlc.js'
import { KeptChanges } from './kept-changes.js'
import { SearchIndex, words } from './search.js'
import type { StoredMessage } from './changes.js'
import type { KeptInBatch } from './kept-changes.js'
import type { ChatMessage, ConversationSummary, MessageStatus, MessageUpdate } from './message.js'
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

/** A status only rises; failed is reached from pending only. */
const STATUS_RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, failed: 1, delivered: 2, read: 3 }

interface ConversationRecord {
  name: string
  lastHlc: string
  lastAt: number
  lastText: string
  lastFrom: string
  unread: number
}

/**
 * What one addAll writes, for the messages after it in the same batch:
 * records by id (a change applies to them), changes kept by target (a
 * target that comes later in the batch gets them).
 */
interface Batch {
  records: Map<string, { key: string, message: StoredMessage }>
  kept: KeptInBatch
}

/** Outgoing messages whose status may still change, kept in memory (the oldest are dropped beyond this). */
const MAX_TRACKED = 20_000
/** A quoted line keeps this many characters. */
const QUOTE_LENGTH = 200
/** A conversation's summary keeps this much of its last message's text. */
const SUMMARY_LENGTH = 200

export class Conversations {
  private readonly summaries = new Map<string, ConversationRecord | null>()
  /** Conversation name -> its key part (a keyed hash: worth computing once) */
  private readonly cks = new Map<string, string>()
  /** `${ck}/${id}` -> the outgoing message and its key */
  private readonly outgoing = new Map<string, { key: string, message: ChatMessage }>()
  private readonly index: SearchIndex
  private readonly kept: KeptChanges

  constructor (private readonly store: SealedStore, private readonly clock: () => number = Date.now) {
    this.index = new SearchIndex(store)
    this.kept = new KeptChanges(store)
  }

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

  /**
   * Writes for new messages of one conversation, with one summary update.
   * Changes (edit, delete, reaction) are applied to their target, now or,
   * kept until then, when it arrives; `updates` gets the messages they
   * changed. A reply's quoted line is given to the message (for its event),
   * never stored: it is read from its target whenever shown, so an edit or a
   * deletion of the target shows in every reply.
   */
  async addAll (messages: ChatMessage[], unread: boolean, updates?: MessageUpdate[]): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    const batch: Batch = { records: new Map(), kept: new Map() }
    const shownMessages: ChatMessage[] = []
    for (const m of messages) {
      const ck = this.ck(m.conversation)
      if (isChange(m.kind)) {
        ops.push(...await this.addChange(m, ck, batch, updates))
        continue
      }
      const key = this.messageKey(m)
      let record: StoredMessage = { ...m }
      delete record.quote
      // Changes that came before it (kept, or earlier in this batch): applied now, and no longer kept.
      const kept = await this.kept.take(ck, m.id, batch.kept)
      for (const c of kept.changes) {
        const next = applyChange(record, c)
        if (typeof next !== 'string') record = next
      }
      ops.push(...kept.ops)
      const target = m.replyTo === undefined ? undefined : batch.records.get(m.replyTo)?.message ?? (await this.find(m.conversation, m.replyTo))?.message
      Object.assign(m, shown(record), target === undefined ? {} : { quote: quoteOf(target) })
      delete m.fromKey
      if (m.direction === 'out') this.track(ck, m.id, key, record)
      batch.records.set(m.id, { key, message: record })
      ops.push(this.store.put(key, record), this.store.put(`i/${ck}/${m.id}`, { key }))
      if (record.deleted !== true) ops.push(...this.index.add(record.text, { ck, hlc: m.hlc, id: m.id }))
      shownMessages.push(m)
    }
    const last = shownMessages[shownMessages.length - 1]
    if (last !== undefined) ops.push(...await this.summaryOps(last, unread ? shownMessages.filter(m => m.direction === 'in').length : 0))
    return ops
  }

  /**
   * Marks a change's id seen and applies it to its target when the target
   * is here (a change that does not apply, such as an edit by someone else,
   * leaves nothing behind), or keeps it until the target comes (kept-changes.ts).
   */
  private async addChange (m: ChatMessage, ck: string, batch: Batch, updates?: MessageUpdate[]): Promise<BatchOp[]> {
    const ops: BatchOp[] = [this.store.put(`i/${ck}/${m.id}`, { key: '' })]
    const change = changeOf(m)
    if (change === undefined) return ops
    const { target } = change
    const found = batch.records.get(target) ?? await this.find(m.conversation, target)
    if (found === undefined) {
      ops.push(...await this.kept.keep(ck, change, batch.kept))
      return ops
    }
    const next = applyChange(found.message, change)
    if (typeof next === 'string') return ops
    batch.records.set(target, { key: found.key, message: next })
    ops.push(this.store.put(found.key, next))
    const at = { ck, hlc: next.hlc, id: next.id }
    if (change.kind === 'edit') ops.push(...this.index.remove(found.message.text, at, next.text), ...this.index.add(next.text, at))
    if (change.kind === 'delete') ops.push(...this.index.remove(found.message.text, at))
    if (next.direction === 'out') this.track(ck, next.id, found.key, next)
    // The conversation's summary shows no deleted text and the latest edit.
    const summary = await this.summary(m.conversation)
    if (summary !== null && summary.lastHlc === next.hlc && change.kind !== 'reaction') {
      const updated = { ...summary, lastText: next.deleted === true ? 'message deleted' : next.text.slice(0, SUMMARY_LENGTH) }
      this.summaries.set(ck, updated)
      ops.push(this.store.put(`c/${ck}`, updated))
    }
    updates?.push({ conversation: m.conversation, id: target, change: change.kind, by: change.from, message: shown(next) })
    return ops
  }

  /**
   * Why a change a peer sent cannot apply, when its target is here: an edit
   * or a deletion of a message someone else wrote (NOT_AUTHOR). Undefined
   * when it may apply, or when its target is not here yet (it is kept, and
   * checked when the target comes).
   */
  async refusal (m: ChatMessage): Promise<'NOT_AUTHOR' | undefined> {
    const change = changeOf(m)
    if (change === undefined || change.kind === 'reaction') return undefined
    const found = await this.find(m.conversation, change.target)
    return found !== undefined && !byAuthor(found.message, change) ? 'NOT_AUTHOR' : undefined
  }

  /** A message of a conversation by id, with its storage key (undefined when not here). */
  async find (name: string, id: string): Promise<{ key: string, message: StoredMessage } | undefined> {
    const ck = this.ck(name)
    const tracked = this.outgoing.get(`${ck}/${id}`)
    if (tracked !== undefined) return { key: tracked.key, message: tracked.message }
    const index = await this.store.get<{ key: string }>(`i/${ck}/${id}`)
    if (index === undefined || index.key === '') return undefined
    const message = await this.store.get<StoredMessage>(index.key)
    return message === undefined ? undefined : { key: index.key, message }
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
      next = { name, lastHlc: m.hlc, lastAt: m.sentAt, lastText: m.text.slice(0, SUMMARY_LENGTH), lastFrom: m.from, unread: (c?.unread ?? 0) + unread }
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
      const found = await this.find(name, id)
      if (found === undefined) continue
      const m = found.message
      // A record without a status (an outgoing group message stored before statuses were) takes any.
      if (m.direction !== 'out' || (m.status === undefined ? -1 : STATUS_RANK[m.status]) >= STATUS_RANK[status]) continue
      const updated = { ...m, status, times: { ...m.times, [status]: this.clock() } }
      ops.push(this.store.put(found.key, updated))
      changed.push(id)
      if (status === 'read' || status === 'failed') this.outgoing.delete(`${ck}/${id}`)
      else this.track(ck, id, found.key, updated)
    }
    return { ops, changed }
  }

  /** The last `limit` messages, older than `before` (an hlc) when given, oldest first; quotes as their targets are now. */
  async history (name: string, limit: number, before?: string): Promise<ChatMessage[]> {
    const ck = this.ck(name)
    const out: StoredMessage[] = []
    const lt = before === undefined ? undefined : `m/${ck}/${before}`
    for await (const [, m] of this.store.entries<StoredMessage>(`m/${ck}/`, { reverse: true, limit: Math.min(Math.max(limit, 1), 1000), lt })) out.push(m)
    out.reverse()
    return this.withQuotes(out)
  }

  /** Messages from the one with hlc `from` on (up to `limit`), oldest first: a page that starts at a message. */
  async historyFrom (name: string, from: string, limit: number): Promise<ChatMessage[]> {
    const ck = this.ck(name)
    const out: StoredMessage[] = []
    for await (const [, m] of this.store.entries<StoredMessage>(`m/${ck}/`, { gt: `m/${ck}/${from}`, limit: Math.min(Math.max(limit, 1), 1000) })) out.push(m)
    return this.withQuotes(out)
  }

  /** Messages as shown: replies with the line they quote as it is now (edited, deleted, or arrived since). */
  async withQuotes (list: StoredMessage[]): Promise<ChatMessage[]> {
    const byId = new Map(list.map(m => [`${m.conversation}/${m.id}`, m]))
    const out: ChatMessage[] = []
    for (const m of list) {
      const { quote: _q, ...record } = m
      if (m.replyTo === undefined) {
        out.push(shown(record))
        continue
      }
      const target = byId.get(`${m.conversation}/${m.replyTo}`) ?? (await this.find(m.conversation, m.replyTo))?.message
      out.push(shown(target === undefined ? record : { ...record, quote: quoteOf(target) }))
    }
    return out
  }

  /** Messages with every one of `wanted` (words as words() gives them, one or more), newest first, in one conversation or all of them. */
  async search (wanted: string[], limit: number, name?: string): Promise<ChatMessage[]> {
    const out: StoredMessage[] = []
    for (const at of await this.index.candidates(wanted, name === undefined ? undefined : this.ck(name))) {
      if (out.length >= limit) break
      const m = await this.store.get<StoredMessage>(`m/${at.ck}/${at.hlc}/${at.id}`)
      // The index may keep words of an earlier text: the text of now decides.
      if (m === undefined || m.deleted === true) continue
      const has = new Set(words(m.text))
      if (wanted.every(w => has.has(w))) out.push(m)
    }
    return this.withQuotes(out)
  }

  /** Indexes every message already stored (history from before the index), `batch` at a time. */
  async indexAll (batch = 500): Promise<number> {
    let ops: BatchOp[] = []
    let n = 0
    for await (const [key, m] of this.store.entries<StoredMessage>('m/')) {
      const [, ck] = key.split('/')
      if (ck === undefined || m.deleted === true) continue
      ops.push(...this.index.add(m.text, { ck, hlc: m.hlc, id: m.id }))
      if (++n % batch === 0) {
        await this.store.write(ops)
        ops = []
      }
    }
    await this.store.write(ops)
    return n
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
      ops.push(this.store.put(key, { ...m, read: true, readAt: this.clock() }))
      if (ids.length >= c.unread) break
    }
    const next = { ...c, unread: 0 }
    this.summaries.set(ck, next)
    ops.push(this.store.put(`c/${ck}`, next))
    return { ops, ids }
  }
}

/** The line a reply quotes: who said it and what it says now. */
function quoteOf (m: StoredMessage): { from: string, text: string, deleted?: boolean } {
  return m.deleted === true ? { from: m.from, text: '', deleted: true } : { from: m.from, text: [...m.text].slice(0, QUOTE_LENGTH).join('') }
}
