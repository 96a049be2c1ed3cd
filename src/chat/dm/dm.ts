/**
 * The DM pipeline put together: one outbox, sender, receiver and mailbox per
 * logged-in user, sharing the sessions and the outbox's queues, telling what
 * happened to messages through one set of events.
 */
import { TypedEventEmitter } from 'main-event'
import { canonicalUsername } from '../../usernames.js'
import { ChatError } from '../errors.js'
import { checkOutgoing } from '../outgoing.js'
import { COMMIT_BATCH, FETCH_BATCH, FRAMES_IN_FLIGHT, MAILBOX_POLL_MS, RELAY_ROUND, RETRY_MAX_MS, RETRY_MIN_MS, SEND_FRAME } from './constants.js'
import { Mailbox } from './mailbox.js'
import { Outbox, OutboxQueue } from './outbox.js'
import { LocalPreKeys } from './prekeys.js'
import { Receiver } from './receiver.js'
import { Sender } from './sender.js'
import { SessionBook } from './sessions.js'
import type { KnownKey } from '../../directory/index.js'
import type { Body, Timeline } from '../../timeline/index.js'
import type { OutgoingAttachment } from '../attachments.js'
import type { DmComponents, DmDirectory, DmEvents, DmInit, SendResult } from './index.js'
import type { DmEnvelope } from '../pb/chat.js'
import type { Delivery, VerifiedSender } from '../transport.js'

export class DirectMessages extends TypedEventEmitter<DmEvents> {
  private readonly me: string
  private readonly directory: DmDirectory
  private readonly prekeys: LocalPreKeys
  private readonly outbox: Outbox
  private readonly sender: Sender
  private readonly receiver: Receiver
  private readonly mailbox: Mailbox
  private readonly timeline: Timeline
  /** Per contact, the send being checked: the next waits for it (sends keep their order) */
  private readonly admitting = new Map<string, Promise<void>>()

  constructor (components: DmComponents, init: DmInit = {}) {
    super()
    const { account, store, timeline, directory } = components
    const clock = components.clock ?? Date.now
    this.me = account.username
    this.directory = directory
    this.timeline = timeline
    const book = new SessionBook(store)
    const queue = new OutboxQueue()
    this.prekeys = new LocalPreKeys(store, account.identity(), clock)
    const sendFrame = init.sendFrame ?? SEND_FRAME
    this.sender = new Sender({ ...components, book, queue, events: this }, { sendFrame, relayRound: init.relayRound ?? RELAY_ROUND })
    this.outbox = new Outbox({ me: this.me, store, timeline, queue, sender: this.sender, directory, events: this, clock }, {
      commitBatch: init.commitBatch ?? COMMIT_BATCH,
      roundSize: sendFrame * (init.framesInFlight ?? FRAMES_IN_FLIGHT),
      retryMinMs: init.retryMinMs ?? RETRY_MIN_MS,
      retryMaxMs: init.retryMaxMs ?? RETRY_MAX_MS
    })
    // Messages straight from a contact past a gap: the missing ones are fetched from the relay now, not at the next poll.
    this.receiver = new Receiver({ account, timeline, book, prekeys: this.prekeys, directory, outbox: this.outbox, events: this, clock, attachments: components.attachments, onGap: () => { this.mailbox.fetchSoon() } })
    this.mailbox = new Mailbox({ relay: components.relay, receiver: this.receiver, prekeys: this.prekeys }, {
      mailboxPollMs: init.mailboxPollMs ?? MAILBOX_POLL_MS,
      fetchBatch: init.fetchBatch ?? FETCH_BATCH
    })
  }

  /** Reads this user's prekeys and outbox: before anything can arrive (bundle requests need the prekeys). */
  async load (): Promise<void> {
    await this.prekeys.load()
    await this.outbox.load()
  }

  /** Starts delivering the outbox, checking the relay mailbox and keeping prekeys at the relay. */
  start (): void {
    this.outbox.start()
    this.mailbox.start()
  }

  /** Clears every timer at once; resolves once the mailbox check under way is over. */
  async stop (): Promise<void> {
    this.outbox.stop()
    await this.mailbox.stop()
  }

  /**
   * Stores the message in the outbox, then delivers it in the background. A
   * body makes it a reply, an edit, a deletion or a reaction (checked against
   * its target here first); it goes the same way as text. `attachment`: a
   * file message's body (made by the files module), sent as it is.
   */
  async send (to: string, text: string, body?: Body, attachment?: OutgoingAttachment): Promise<SendResult> {
    const peer = canonicalUsername(to)
    if (peer === this.me) throw new ChatError('BAD_RECIPIENT', 'you cannot send a message to yourself')
    checkOutgoing(text, body, attachment)
    // A known contact and plain text, nothing being checked before it: straight in (sends made together share a write).
    if (body === undefined && !this.admitting.has(peer) && this.directory.registeredNow(peer)) return this.outbox.send(peer, text, undefined, attachment)
    // Otherwise checked one send after the other per contact, so sends reach the outbox in the order they were made.
    const before = this.admitting.get(peer) ?? Promise.resolve()
    const admitted = before.then(async () => {
      // A name nobody is registered as: refused before anything is stored (no pending message, no conversation).
      await this.directory.require(peer)
      const payloadText = body === undefined ? text : await this.timeline.prepare(peer, this.me, body, text)
      return { stored: this.outbox.send(peer, payloadText, body, attachment) }
    })
    const tail = admitted.then(() => {}, () => {})
    this.admitting.set(peer, tail)
    void tail.then(() => { if (this.admitting.get(peer) === tail) this.admitting.delete(peer) })
    return (await admitted).stored
  }

  /** Marks a direct conversation read; the contact is told (read receipts). */
  async markRead (contact: string): Promise<{ read: number }> {
    return this.outbox.markRead(contact)
  }

  /**
   * Accepts (and marks verified) the contact's current key: sessions made
   * with another key are dropped, and messages held for it go out.
   */
  async trust (user: string): Promise<KnownKey> {
    const known = await this.directory.trust(user)
    await this.sender.trusted(known.username, known.identityKey)
    this.outbox.trusted(known.username)
    return known
  }

  /** The contact is reachable again: what waits for it goes now. */
  online (username: string): void {
    this.outbox.reachable(username)
  }

  /**
   * Envelopes straight from a sender's node: stored (or refused) before the
   * answer. Its node just reached ours: what waits for the sender goes now
   * (a node back from a restart within presence's TTL raises no presence event).
   */
  async receive (sender: VerifiedSender, envelopes: DmEnvelope[]): Promise<Delivery> {
    this.outbox.reachable(sender.username)
    return this.receiver.receive(envelopes, sender)
  }

  /** A bundle for a contact's node that asked for one. */
  async directBundle (): Promise<Uint8Array> {
    return this.prekeys.directBundle()
  }

  /** Drains this user's mailbox at the relay now. */
  async fetchMail (): Promise<void> {
    return this.mailbox.fetchMail()
  }
}
