/**
 * What happens to a message on its way in: envelopes from one sender
 * (straight from its node, or from the relay's mailbox) are checked,
 * decrypted with the sender's sessions (a session the sender just started is
 * answered with X3DH), deduplicated, and stored with the advanced sessions in
 * one write before they are acknowledged. Receipts raise the status of this
 * user's own messages; relayed mail is answered with a delivery receipt.
 */
import { countSkippedKeys, decodeInitialMessage, decryptInitialMessage, decryptMessage, isSameSession, jwkThumbprint, respondToSession, toHex } from '../../crypto/index.js'
import { codeOf, isCode } from '../../errors.js'
import { createLogger } from '../../logger.js'
import { formatHlc, isChange } from '../../timeline/index.js'
import { ChatError } from '../errors.js'
import { DmPayload } from '../pb/chat.js'
import { clampText } from '../text.js'
import { receivedBody } from '../attachments.js'
import { MAX_ID_LENGTH, MAX_RECEIPT_IDS, MAX_SESSIONS } from './constants.js'
import type { SessionState } from '../../crypto/index.js'
import type { ChatMessage, MessageStatus, MessageUpdate, Timeline } from '../../timeline/index.js'
import type { BatchOp } from '../../../store/index.js'
import type { DmEnvelope, DmReject } from '../pb/chat.js'
import type { Attachments } from '../attachments.js'
import type { Delivery, VerifiedSender } from '../transport.js'
import type { DmAccount, DmDirectory, DmEventTarget } from './index.js'
import type { Outbox } from './outbox.js'
import type { LocalPreKeys } from './prekeys.js'
import type { SessionBook } from './sessions.js'

export interface ReceiverComponents {
  account: DmAccount
  timeline: Timeline
  book: SessionBook
  prekeys: LocalPreKeys
  directory: Pick<DmDirectory, 'lookup' | 'check'>
  outbox: Pick<Outbox, 'receipt'>
  events: DmEventTarget
  clock: () => number
  /** Where file offers go (the user's files), before the message is stored */
  attachments?: Attachments
  /**
   * A sender's node delivered messages past a gap in its chain (keys were
   * skipped): the missing ones are most likely waiting in the relay's mailbox.
   */
  onGap?: () => void
}

interface Opened {
  env: DmEnvelope
  payload?: DmPayload
  keyChanged?: boolean
  /** hex of the identity key of the session that decrypted it: the sender, as an edit or deletion is checked */
  senderKey?: string
  error?: unknown
}

export class Receiver {
  private readonly c: ReceiverComponents
  private readonly me: string
  private readonly book: SessionBook
  private readonly log = createLogger('chat:receiver')

  constructor (components: ReceiverComponents) {
    this.c = components
    this.me = components.account.username
    this.book = components.book
  }

  /**
   * Envelopes from one sender (straight from its node, or from the relay's
   * mailbox when `sender` is undefined): checked, decrypted and stored in
   * one write, then acknowledged.
   */
  async receive (envelopes: DmEnvelope[], sender?: VerifiedSender, relayFrom?: string): Promise<Delivery & { texts: string[] }> {
    const from = sender?.username ?? relayFrom ?? ''
    const acks: string[] = []
    const rejects: DmReject[] = []
    const valid: DmEnvelope[] = []
    for (const env of envelopes) {
      const refuse = (code: string, message: string): void => { rejects.push({ id: env.id, code, message }) }
      if (env.id === '' || env.id.length > MAX_ID_LENGTH) refuse('BAD_ID', `a message id is 1 to ${MAX_ID_LENGTH} characters`)
      else if (env.to !== this.me) refuse('NOT_HERE', `${env.to} is not logged in on this node`)
      else if (env.from !== from) refuse('IMPERSONATION', `the message claims to be from ${env.from}, but comes from ${from}`)
      else valid.push(env)
    }
    if (valid.length === 0) return { acks, rejects, texts: [] }
    const texts = await this.c.timeline.exclusive(from, async () => this.receiveBatch(from, valid, sender, acks, rejects))
    // A direct sender knows from the ack that it was delivered; relayed mail gets a receipt.
    if (sender === undefined && texts.length > 0) await this.c.outbox.receipt(from, texts)
    return { acks, rejects, texts }
  }

  /** Decrypts and stores a sender's envelopes (in its critical section); returns the ids to send a delivery receipt for. */
  private async receiveBatch (from: string, envelopes: DmEnvelope[], sender: VerifiedSender | undefined, acks: string[], rejects: DmReject[]): Promise<string[]> {
    const { timeline } = this.c
    // The dedupe read runs while the envelopes are decrypted: decrypting one
    // already stored only moves the session past its key, which is harmless.
    const knownRead = timeline.known(from, envelopes.map(e => e.id))
    knownRead.catch(() => {})
    const before = await this.book.load(from)
    let sessions = before
    const opened: Opened[] = []
    const inBatch = new Set<string>()
    for (const env of envelopes) {
      if (inBatch.has(env.id)) {
        opened.push({ env, error: new ChatError('DUPLICATE_MESSAGE', 'the same message twice in one batch') })
        continue
      }
      try {
        const { plaintext, next, keyChanged, identityKey } = await this.decrypt(from, env, sessions, sender)
        const payload = DmPayload.decode(plaintext)
        if (payload.id !== env.id) throw new ChatError('IMPERSONATION', 'the envelope id differs from the id inside the message')
        sessions = next
        inBatch.add(env.id)
        opened.push({ env, payload, keyChanged, senderKey: toHex(identityKey) })
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
    const failed = (err: unknown): string[] => {
      this.book.restore(from, before)
      timeline.forget()
      for (const id of accepted) rejects.push({ id, code: 'INTERNAL', message: 'could not store the message' })
      this.log.error('storing messages from %s failed: %s', from, (err as Error).message)
      return []
    }
    for (const { env, payload, keyChanged, senderKey, error } of opened) {
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
      timeline.receive(remoteHlc)
      if (payload.receipt !== undefined) {
        const status: MessageStatus = payload.receipt.read ? 'read' : 'delivered'
        const raised = await timeline.raiseOps(from, payload.receipt.ids.slice(0, MAX_RECEIPT_IDS), status)
        ops.push(...raised.ops, timeline.seenOp(from, env.id))
        statuses.push({ ids: raised.changed, status })
      } else {
        // A file offer is the files module's before the message is stored: a crash between leaves it known, the message comes again.
        let kind
        try {
          kind = await receivedBody(this.c.attachments, payload.body, { from, conversation: from, messageId: env.id })
        } catch (err) {
          accepted.push(env.id)
          return failed(err)
        }
        const message: ChatMessage = {
          id: env.id,
          conversation: from,
          from,
          to: this.me,
          text: clampText(payload.text ?? ''),
          sentAt: Number(payload.sentAt),
          receivedAt: this.c.clock(),
          hlc: formatHlc(remoteHlc),
          direction: 'in',
          read: false,
          ...(keyChanged === true ? { keyChanged } : {}),
          ...(senderKey !== undefined ? { fromKey: senderKey } : {}),
          ...kind
        }
        // An edit or deletion of a message the sender did not write: refused, nothing stored.
        const refused = isChange(message.kind) ? await timeline.checkChange(message).then(() => undefined, (err: unknown) => err) : undefined
        if (refused !== undefined) {
          this.log('refused %s from %s: %s %s', env.id, from, codeOf(refused), (refused as Error).message)
          rejects.push({ id: env.id, code: codeOf(refused) ?? 'INTERNAL', message: (refused as Error).message })
          continue
        }
        messages.push(message)
      }
      accepted.push(env.id)
    }
    const updates: MessageUpdate[] = []
    ops.push(...await timeline.addOps(messages, true, updates))
    if (sessions !== before) ops.push(this.book.set(from, sessions))
    ops.push(...this.c.prekeys.ops())
    try {
      await timeline.commit(ops)
    } catch (err) {
      return failed(err)
    }
    acks.push(...accepted)
    const skipped = (list: SessionState[]): number => list.reduce((n, session) => n + countSkippedKeys(session), 0)
    // Too far ahead to decrypt yet, or decrypted past skipped keys: the messages in between are at the relay.
    const ahead = rejects.some(r => r.code === 'MAX_SKIP_EXCEEDED')
    if (sender !== undefined && (ahead || (sessions !== before && skipped(sessions) > skipped(before)))) this.c.onGap?.()
    const { events } = this.c
    for (const m of messages) if (!isChange(m.kind)) events.dispatchEvent(new CustomEvent('message', { detail: m }))
    for (const u of updates) events.dispatchEvent(new CustomEvent('message:updated', { detail: u }))
    for (const { ids, status } of statuses) {
      for (const id of ids) events.dispatchEvent(new CustomEvent('message:status', { detail: { id, conversation: from, status } }))
    }
    // A copy from the relay of what already came directly (its ack was lost) still deserves a receipt.
    return [...messages.map(m => m.id), ...(sender === undefined ? duplicates : [])]
  }

  /** Decrypts one envelope with the sender's sessions; the sessions as they would be after it. */
  private async decrypt (from: string, env: DmEnvelope, sessions: SessionState[], sender: VerifiedSender | undefined): Promise<{ plaintext: Uint8Array, next: SessionState[], keyChanged: boolean, identityKey: Uint8Array }> {
    if (!env.initial) {
      if (sessions.length === 0) throw new ChatError('NO_SESSION', 'no session with the sender: it must start a new one')
      const errors: unknown[] = []
      for (let i = 0; i < sessions.length; i++) {
        try {
          const { session, plaintext } = decryptMessage(sessions[i]!, env.body)
          return { plaintext, next: [session, ...sessions.filter((_, j) => j !== i)], keyChanged: false, identityKey: session.remoteIdentityKey }
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
      // A lookup that could not be made is this node's failure, not the message's (LOOKUP_FAILED: relayed mail stays for
      // the next check); a sender the directory does not know is the message's (refused, as before).
      const entry = await this.c.directory.lookup(from, true).catch((err: unknown) => {
        if (codeOf(err) === 'UNKNOWN_USER') throw err
        throw new ChatError('LOOKUP_FAILED', `could not ask the directory for ${from}'s identity key: ${(err as Error).message}`, { cause: err })
      })
      if (toHex(entry.identityKey) !== toHex(msg.identityKey)) throw new ChatError('IMPERSONATION', 'the initial message is not from the key the directory has for its sender')
    }
    const keyChanged = await this.c.directory.check(from, msg.identityKey) === 'changed'
    const existing = sessions.findIndex(s => isSameSession(s, msg))
    if (existing >= 0) {
      const { session, plaintext } = decryptInitialMessage(sessions[existing]!, msg)
      return { plaintext, next: sessions.map((s, i) => i === existing ? session : s), keyChanged, identityKey: msg.identityKey }
    }
    const result = await respondToSession({ identity: this.c.account.identity(), username: this.me, store: this.c.prekeys, message: msg })
    return { plaintext: result.plaintext, next: this.adopt(sessions, result.session), keyChanged, identityKey: msg.identityKey }
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
}
