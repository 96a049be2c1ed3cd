/**
 * The timeline: every conversation (direct, the lobby, groups) writes into it
 * and every front end reads from it the same way. It owns the hybrid logical
 * clock that orders history, one critical section per conversation, the
 * records of messages with their read marks and the status of every outgoing
 * one, persisted (sealed) in the chat domain of the store.
 *
 * Writers that must store a message together with their own records (the DM
 * outbox and ratchet sessions) take the writes as batch operations inside
 * `exclusive(conversation)` and commit them in one atomic write; the others
 * call `record` and `setStatus`, which write on their own.
 */
import { randomUUID } from 'node:crypto'
import { KeyedLock } from '../lock.js'
import { createLogger } from '../logger.js'
import { checkEmoji, fallbackText, isChange } from './body.js'
import { checkConversation } from './conversation.js'
import { TimelineError } from './errors.js'
import { words } from './search.js'
import { Conversations } from './conversations.js'
import { believable, formatHlc, HybridClock, parseHlc } from './hlc.js'
import type { Body } from './body.js'
import type { ConversationId } from './conversation.js'
import type { ChatMessage, ConversationSummary, MessageStatus, MessageUpdate } from './message.js'
import type { Hlc } from './hlc.js'
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

/** Set once every message stored before the search index existed is indexed. */
const INDEX_MARK = 'x-indexed'

export interface TimelineComponents {
  /** The user's sealed chat store (history keys m/, i/, c/) */
  store: SealedStore
  clock?: () => number
}

/** A new message id: 122 random bits as 32 hex digits (randomUUID draws from a buffered CSPRNG, much cheaper per id than randomBytes). */
export function newMessageId (): string {
  return randomUUID().replaceAll('-', '')
}

export class Timeline {
  private readonly store: SealedStore
  private readonly convs: Conversations
  private readonly hlc: HybridClock
  /** One critical section per conversation: its records (and a writer's own, such as a contact's sessions) change in order */
  private readonly lock = new KeyedLock()
  private readonly log = createLogger('timeline')
  readonly clock: () => number
  /** Whether every message stored before the search index existed is indexed */
  private indexed = false
  /** That history being indexed (searches wait for it; after a failure the next search starts it again) */
  private indexing?: Promise<void>

  constructor (components: TimelineComponents) {
    this.store = components.store
    this.clock = components.clock ?? Date.now
    this.hlc = new HybridClock(this.clock)
    this.convs = new Conversations(this.store, this.clock)
  }

  /** Moves the clock past the newest message on record (after a restart). */
  async start (): Promise<void> {
    const newest = await this.convs.newestHlc()
    if (newest !== undefined) this.observe(newest)
    // History from before the search index: indexed once, in the background.
    this.indexed = await this.store.get<number>(INDEX_MARK) !== undefined
    if (!this.indexed) this.indexHistory().catch(err => { this.log('indexing history for search failed (the next search tries again): %s', (err as Error).message) })
  }

  /** Indexes the history from before the search index, once: a run that failed is run again by the next caller. */
  private async indexHistory (): Promise<void> {
    this.indexing ??= (async () => {
      try {
        await this.convs.indexAll()
        await this.store.write([this.store.put(INDEX_MARK, 1)])
        this.indexed = true
      } finally {
        this.indexing = undefined
      }
    })()
    return this.indexing
  }

  // ---------------------------------------------------------------- the clock

  /** A timestamp for something this node is about to send, after everything it has seen. */
  stamp (): string {
    return formatHlc(this.hlc.tick())
  }

  /** Takes in a remote timestamp (a message received): the clock moves past it, within the believable drift. */
  receive (remote: Hlc): void {
    this.hlc.receive(remote)
  }

  /** Moves the clock past a timestamp known from storage. */
  observe (hlc: string): void {
    this.hlc.observe(parseHlc(hlc))
  }

  // ---------------------------------------------------------------- writes as operations, in a critical section

  /** Runs `fn` in the conversation's critical section (one at a time per conversation). */
  async exclusive<T> (conversation: ConversationId, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(conversation, fn)
  }

  /** Which of these ids the conversation already has. */
  async known (conversation: ConversationId, ids: string[]): Promise<Set<string>> {
    return this.convs.known(conversation, ids)
  }

  /**
   * Writes for new messages of one conversation (with one summary update).
   * A received message stamped beyond the drift the clock believes is kept,
   * stamped when it arrived (`hlc` and `sentAt` of the object are changed).
   */
  async addOps (messages: ChatMessage[], unread: boolean, updates?: MessageUpdate[]): Promise<BatchOp[]> {
    for (const m of messages) this.admit(m)
    return this.convs.addAll(messages, unread, updates)
  }

  /** A received message whose stamp cannot be believed (far ahead, malformed) takes the local time, so it never sorts after what follows it. */
  private admit (m: ChatMessage): void {
    if (m.direction !== 'in') return
    const now = this.clock()
    if (believable(parseHlc(m.hlc), now) && /^\d{13}\.\d{5}$/.test(m.hlc)) return
    m.hlc = this.stamp()
    m.sentAt = Math.min(Number.isSafeInteger(m.sentAt) ? m.sentAt : now, now)
  }

  /** Writes raising outgoing messages to `status` (never lowering), and the ids that changed. */
  async raiseOps (conversation: ConversationId, ids: string[], status: MessageStatus): Promise<{ ops: BatchOp[], changed: string[] }> {
    return this.convs.raise(conversation, ids, status)
  }

  /** Marks an id as seen without a message (receipts), so a replay is recognised. */
  seenOp (conversation: ConversationId, id: string): BatchOp {
    return this.convs.seen(conversation, id)
  }

  /** Writes marking the conversation's unread messages read, and their ids. */
  async markReadOps (conversation: ConversationId): Promise<{ ops: BatchOp[], ids: string[] }> {
    return this.convs.markRead(conversation)
  }

  /** Writes `ops` in one batch; after a failure the cached summaries are dropped (the store is the truth). */
  async commit (ops: BatchOp[]): Promise<void> {
    try {
      await this.store.write(ops)
    } catch (err) {
      this.convs.forget()
      throw err
    }
  }

  /** Drops cached summaries (a caller's own write that included timeline operations failed). */
  forget (): void {
    this.convs.forget()
  }

  // ---------------------------------------------------------------- writes of their own

  /**
   * Stores a message once per (conversation, id), in the conversation's
   * critical section, its hlc taken in by the clock (and changed as addOps
   * says when it cannot be believed). Resolves false when it was already stored.
   * A change (edit, delete, reaction) is kept and applied to its target;
   * `updates` gets the messages it changed.
   */
  async record (message: ChatMessage, unread: boolean, updates?: MessageUpdate[]): Promise<boolean> {
    const conversation = checkConversation(message.conversation)
    return this.exclusive(conversation, async () => {
      if ((await this.convs.known(conversation, [message.id])).size > 0) return false
      this.receive(parseHlc(message.hlc))
      message.conversation = conversation
      await this.commit(await this.addOps([message], unread, updates))
      return true
    })
  }

  /** Raises outgoing messages to `status` (never lowering it); resolves with the ids that changed. */
  async setStatus (conversation: ConversationId, ids: string[], status: MessageStatus, extra: BatchOp[] = []): Promise<string[]> {
    return this.exclusive(conversation, async () => {
      const { ops, changed } = await this.convs.raise(conversation, ids, status)
      await this.commit([...extra, ...ops])
      return changed
    })
  }

  /** Marks a conversation's unread messages read (a conversation that sends no read receipts). */
  async markRead (conversation: ConversationId): Promise<{ read: number }> {
    const name = checkConversation(conversation)
    return this.exclusive(name, async () => {
      const { ops, ids } = await this.convs.markRead(name)
      await this.commit(ops)
      return { read: ids.length }
    })
  }

  // ---------------------------------------------------------------- reads

  /** The last `limit` messages of a conversation, older than `before` (an hlc) when given, oldest first. */
  async history (conversation: ConversationId, limit = 50, before?: string): Promise<ChatMessage[]> {
    return this.convs.history(checkConversation(conversation), limit, before)
  }

  /** Messages of a conversation from the one stamped `from` on (it included), oldest first: a page that starts at a message. */
  async historyFrom (conversation: ConversationId, from: string, limit = 50): Promise<ChatMessage[]> {
    // m/<ck>/<hlc> sorts before m/<ck>/<hlc>/<id>: the page starts with the message stamped `from`.
    return this.convs.historyFrom(checkConversation(conversation), from, limit)
  }

  /**
   * Checks a message of a kind other than text before it is stored, and
   * returns the text its payload carries: the target of a reply, edit,
   * deletion or reaction is a message of this conversation (UNKNOWN_MESSAGE),
   * not deleted (DELETED), and this user's own for an edit or a deletion
   * (NOT_AUTHOR); a deletion or reaction carries the line older nodes show.
   */
  async prepare (conversation: ConversationId, me: string, body: Body, text: string): Promise<string> {
    const ref = body.kind === 'reply' ? body.replyTo : body.target
    if (!isChange(body.kind) && body.kind !== 'reply') throw new TimelineError('NOT_SUPPORTED', `this node cannot send a message of kind ${body.kind}`)
    if (body.kind === 'reaction') checkEmoji(body.emoji ?? '')
    const target = ref === undefined ? undefined : await this.get(conversation, ref)
    if (target === undefined) throw new TimelineError('UNKNOWN_MESSAGE', `no message ${ref ?? ''} in ${conversation}`)
    if (target.deleted === true) throw new TimelineError('DELETED', 'that message was deleted')
    if ((body.kind === 'edit' || body.kind === 'delete') && (target.direction !== 'out' || target.from !== me)) {
      throw new TimelineError('NOT_AUTHOR', `only its author can ${body.kind} a message: that one is ${target.from}'s`)
    }
    return body.kind === 'delete' || body.kind === 'reaction' ? fallbackText(body) : text
  }

  /** One message of a conversation by id (undefined when it is not here); a reply with the line it quotes now. */
  async get (conversation: ConversationId, id: string): Promise<ChatMessage | undefined> {
    const found = await this.convs.find(checkConversation(conversation), id)
    return found === undefined ? undefined : (await this.convs.withQuotes([found.message]))[0]
  }

  /**
   * Refuses a change a peer sent that cannot apply to its target here: an
   * edit or a deletion of a message this node has from another author, or
   * from the same name with another identity key (NOT_AUTHOR). A change of a
   * message not here yet passes: it is kept and checked when the target comes.
   */
  async checkChange (message: ChatMessage): Promise<void> {
    const conversation = checkConversation(message.conversation)
    if (await this.convs.refusal({ ...message, conversation }) === 'NOT_AUTHOR') {
      throw new TimelineError('NOT_AUTHOR', `only its author can ${message.kind ?? 'change'} message ${message.target ?? ''}: ${message.from} did not write it`)
    }
  }

  /**
   * Messages with every word of `query` (whole words, case and accents
   * aside), newest first, in one conversation or in all of them.
   */
  async search (query: string, options: { conversation?: ConversationId, limit?: number } = {}): Promise<ChatMessage[]> {
    const wanted = typeof query === 'string' ? words(query) : []
    if (wanted.length === 0) throw new TimelineError('BAD_QUERY', 'search for one word or more')
    if (!this.indexed) await this.indexHistory()
    const conversation = options.conversation === undefined ? undefined : checkConversation(options.conversation)
    return this.convs.search(wanted, Math.min(Math.max(options.limit ?? 50, 1), 1000), conversation)
  }

  /** Every conversation with a message, the most recent first. */
  async conversations (): Promise<ConversationSummary[]> {
    return this.convs.list()
  }
}
