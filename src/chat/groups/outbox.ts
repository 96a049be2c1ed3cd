/**
 * Sending group messages (docs/groups.md, "Sending"): every message is stored
 * before anything else, encrypted at once when nothing is queued ahead of it
 * (in the same write), published on the group's topic, and posted to the
 * relay until the relay has it (`sent`) or refuses it for good (`failed`).
 * The outbox of each group goes out in rounds (RetryLoop), retried with
 * backoff across restarts.
 */
import { GroupEnvelope, isMember, sealGroupMessage } from '../../groups/index.js'
import { fromBase64, toBase64, toHex } from '../../crypto/index.js'
import { KeyedLock } from '../../lock.js'
import { RetryLoop } from '../../retry.js'
import { bodyFields, decodeBody, groupConversation, newMessageId } from '../../timeline/index.js'
import { checkOutgoing, storedBody } from '../outgoing.js'
import { POST_BATCH } from './constants.js'
import { pad } from './context.js'
import { GroupError } from './errors.js'
import type { GroupRecord, OffChainState } from './chain.js'
import type { MemberContext } from './context.js'
import type { SenderKeys } from './receive.js'
import type { ErrorCode } from '../../errors.js'
import type { GroupId } from '../../groups/index.js'
import type { RoundResult } from '../../retry.js'
import type { Body, ChatMessage, MessageUpdate } from '../../timeline/index.js'
import type { BatchOp } from '../../../store/index.js'
import type { OutgoingAttachment } from '../attachments.js'
import type { AttachedFile } from '../../timeline/index.js'

/** An outbox entry, stored under g/<h>/o/<hlc>/<id>. */
export interface OutEntry {
  id: string
  text: string
  /** base64 of the encoded MessageBody: a reply, edit, deletion, reaction or a file's offer (absent: plain text) */
  body?: string
  sentAt: number
  hlc: string
  /** The file a file message offers */
  file?: AttachedFile
  /** Set once encrypted (one write with the seq counter): a retry sends the very same bytes */
  epoch?: number
  seq?: number
  envelope?: string
  /** hex hash of the state it was sealed under (entries sealed before this was kept have none) */
  state?: string
}

export interface GroupSendResult {
  id: string
  group: GroupId
  conversation: string
  hlc: string
  status: 'pending'
}

/** Post results that will never turn into success: the message is dropped (group:status failed). */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NOT_MEMBER', 'REMOVED', 'BAD_SIGNATURE', 'BAD_ENVELOPE', 'TOO_LARGE', 'NOT_SENDER', 'TOKEN_CNF_MISMATCH'])

export class Outbox {
  /**
   * Sealing (taking seqs, and writing them with the envelopes) and dropping
   * unsealed entries, one at a time per group: a seq counter written out of
   * order could be reused after a restart, and an entry being sealed must not
   * be dropped meanwhile.
   */
  private readonly lock = new KeyedLock()
  /** Each group's rounds, one at a time, with the backoff after a failed one and the linger before posting a burst */
  private readonly loop: RetryLoop<GroupId>
  /** Entries published on the topic this run: once is enough (the relay's copy is the backstop) */
  private readonly published = new Set<string>()

  constructor (private readonly ctx: MemberContext, private readonly senderKeys: SenderKeys) {
    this.loop = new RetryLoop(async group => this.round(group), { retryMinMs: ctx.init.retryMinMs, retryMaxMs: ctx.init.retryMaxMs })
  }

  /** Reads a group's outbox and sent log (at start). */
  async load (r: GroupRecord): Promise<void> {
    for await (const [key, entry] of this.ctx.store.entries<OutEntry>(`${r.prefix}o/`)) {
      r.outbox.set(key, entry)
      // A crash between storing the entry and recording the message: record it now (once per id).
      await this.ctx.timeline.record(this.outgoing(r.group, entry), false)
    }
    for await (const [key, entry] of this.ctx.store.entries<OutEntry>(`${r.prefix}p/`)) r.sent.set(key, { epoch: entry.epoch ?? 0, state: entry.state ?? '' })
  }

  /**
   * Stores a message, then sends it in the background (group:status events
   * follow). A body makes it a reply, an edit, a deletion or a reaction
   * (checked against its target first); it goes the same way as text.
   * `attachment`: a file message's body (made by the files module), sent as it is.
   */
  async send (group: GroupId, text: string, body?: Body, attachment?: OutgoingAttachment): Promise<GroupSendResult> {
    checkOutgoing(text, body, attachment)
    const { ctx } = this
    const r = ctx.record(group)
    if (!isMember(r.head.state, ctx.me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${r.head.state.name}`)
    if (r.leaving) throw new GroupError('LEFT', `you left ${r.head.state.name}`)
    const payloadText = body === undefined ? text : await ctx.timeline.prepare(groupConversation(group), ctx.me, body, text)
    const entry: OutEntry = { id: newMessageId(), text: payloadText, ...storedBody(body, attachment), sentAt: ctx.clock(), hlc: ctx.timeline.stamp() }
    const updates: MessageUpdate[] = []
    const key = `${r.prefix}o/${entry.hlc}/${entry.id}`
    const sealed = await this.lock.run(group, async () => {
      const ops: BatchOp[] = []
      // Nothing queued before it: encrypted now, in the same write as the entry, and published at once.
      const now = r.outbox.size === 0 && this.sealable(r) === 'yes'
      if (now) ops.push(this.seqOp(r, this.sealEntry(r, entry)))
      ops.push(ctx.store.put(key, entry))
      await Promise.all([ctx.store.write(ops), ctx.timeline.record(this.outgoing(group, entry), false, updates)])
      r.outbox.set(key, entry)
      return now
    })
    for (const u of updates) ctx.emit('message:updated', u)
    this.publish(r, entry)
    // Published already: the relay's copy can wait a moment, and take the rest of a burst with it.
    if (sealed) {
      if (ctx.running) this.loop.later(group, ctx.init.postLingerMs)
    } else {
      this.soon(group)
    }
    return { id: entry.id, group, conversation: groupConversation(group), hlc: entry.hlc, status: 'pending' }
  }

  /** Sends a group's outbox now (or right after the round under way). */
  soon (group: GroupId): void {
    const r = this.ctx.records.get(group)
    if (this.ctx.running && r !== undefined && r.outbox.size > 0) this.loop.soon(group)
  }

  /** This user left: the entries not encrypted yet are dropped (nothing new goes out from it). */
  async dropUnsealed (r: GroupRecord, code: 'LEFT'): Promise<void> {
    await this.lock.run(r.group, async () => {
      for (const [key, entry] of [...r.outbox]) if (entry.envelope === undefined) await this.dropEntry(r, key, entry, code)
    })
  }

  /**
   * The group left a branch for the relay's chain (fork.ts): this user's
   * messages sealed under the states left (`lost`) go out again under the
   * chain's head, with the same ids (a member that had them shows them once):
   * those not at a relay yet are sealed again, those a relay of that side took
   * come back from the sent log, in their places (hlc order). Resolves with
   * how many go again, and at most how many more were sealed under those
   * states and are not in the sent log any more (too old).
   */
  async rebase (r: GroupRecord, lost: OffChainState[]): Promise<{ resent: number, unsent: number }> {
    const { store } = this.ctx
    const hashes = new Set(lost.map(l => toHex(l.hash)))
    const epochs = new Set(lost.map(l => l.state.epoch))
    return this.lock.run(r.group, async () => {
      const ops: BatchOp[] = []
      const found = new Map<number, number>()
      const count = (epoch: number): void => { found.set(epoch, (found.get(epoch) ?? 0) + 1) }
      let resent = 0
      for (const [key, entry] of r.outbox) {
        if (entry.envelope === undefined || entry.epoch === undefined) continue
        // Sealed before the state was kept with it: before this move, so under the state this node then held.
        if (entry.state !== undefined ? !hashes.has(entry.state) : !epochs.has(entry.epoch)) continue
        count(entry.epoch)
        this.published.delete(entry.id)
        const again = unsealed(entry)
        ops.push(store.put(key, again))
        r.outbox.set(key, again)
        resent++
      }
      for (const [key, at] of [...r.sent]) {
        if (!hashes.has(at.state)) continue
        r.sent.delete(key)
        ops.push(store.del(key))
        const entry = await store.get<OutEntry>(key)
        if (entry === undefined) continue
        count(at.epoch)
        const back = `${r.prefix}o/${entry.hlc}/${entry.id}`
        this.published.delete(entry.id)
        const again = unsealed(entry)
        ops.push(store.put(back, again))
        r.outbox.set(back, again)
        resent++
      }
      await store.write(ops)
      // In send order again: what comes back from the sent log goes before what was typed after it.
      const sorted = [...r.outbox].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      r.outbox.clear()
      for (const [key, entry] of sorted) r.outbox.set(key, entry)
      // Seqs this user took under those epochs that neither the outbox nor the sent log accounts for.
      let unsent = 0
      for (const epoch of epochs) unsent += Math.max(0, (r.seqs.get(epoch) ?? 1) - 1 - (found.get(epoch) ?? 0))
      return { resent, unsent }
    })
  }

  /** This user is no longer a member: every entry is dropped. */
  async dropAll (r: GroupRecord, code: 'REMOVED'): Promise<void> {
    await this.lock.run(r.group, async () => {
      for (const [key, entry] of [...r.outbox]) await this.dropEntry(r, key, entry, code)
    })
  }

  /** Clears the timers and waits for the rounds under way. */
  async stop (): Promise<void> {
    await this.loop.stop()
    await this.lock.idle()
  }

  /**
   * One round: encrypts the next entries in the current epoch (the seq
   * counter and the envelopes in one write, before anything is published),
   * publishes them on the topic, and posts them to the relay; an entry leaves
   * the outbox once the relay has it. 'wait': the epoch's key is not here yet,
   * or a member's leave is pending (nothing new goes out in an epoch a leaver
   * still holds the key of).
   */
  private async round (group: GroupId): Promise<RoundResult> {
    const r = this.ctx.records.get(group)
    if (r === undefined || r.outbox.size === 0) return 'done'
    try {
      let waiting = false
      const batch = await this.lock.run(group, async () => {
        const out: Array<{ key: string, entry: OutEntry, envelope: string }> = []
        const ops: BatchOp[] = []
        const epochs = new Set<number>()
        for (const [key, entry] of r.outbox) {
          if (out.length >= POST_BATCH) break
          if (entry.envelope === undefined) {
            const verdict = this.sealable(r)
            if (verdict === 'wait') {
              waiting = true
              break
            }
            if (verdict === 'drop') {
              await this.dropEntry(r, key, entry, r.leaving ? 'LEFT' : 'NOT_MEMBER')
              continue
            }
            epochs.add(this.sealEntry(r, entry))
            ops.push(this.ctx.store.put(key, entry))
          }
          out.push({ key, entry, envelope: entry.envelope! })
        }
        for (const epoch of epochs) ops.push(this.seqOp(r, epoch))
        // The seqs are on disk before anything is published: a restart never reuses one.
        await this.ctx.store.write(ops)
        return out
      })
      for (const b of batch) this.publish(r, b.entry)
      if (batch.length > 0) {
        const results = await this.ctx.network.relay.post(batch.map(b => fromBase64(b.envelope)))
        const retry = await this.lock.run(group, async () => {
          let again = false
          for (const [i, b] of batch.entries()) {
            // Sealed again meanwhile (a fork undid its state: rebase) or dropped: the post of the old bytes settles nothing.
            if (r.outbox.get(b.key)?.envelope !== b.envelope) continue
            const code = results[i]?.code ?? 'INTERNAL'
            if (code === '') await this.settle(r, b.key, r.outbox.get(b.key)!)
            else if (PERMANENT.has(code as ErrorCode)) await this.dropEntry(r, b.key, r.outbox.get(b.key)!, code)
            else again = true
          }
          return again
        })
        if (retry) return 'retry'
      }
      if (waiting) return 'wait'
      return r.outbox.size > 0 ? 'more' : 'done'
    } catch (err) {
      this.ctx.log('sending in %s failed: %s', group, (err as Error).message)
      return 'retry'
    }
  }

  /** Whether a new message may be encrypted now: in the head epoch, with its key, no leave pending. */
  private sealable (r: GroupRecord): 'yes' | 'wait' | 'drop' {
    const s = r.head.state
    if (!isMember(s, this.ctx.me) || r.leaving) return 'drop'
    // Nothing new goes out in an epoch a leaver still holds the key of.
    if (!r.keys.has(s.epoch) || r.leaves.size > 0) return 'wait'
    return 'yes'
  }

  /** Encrypts an entry in the head epoch under the next seq (the caller writes it with seqOp, under the lock); its epoch. */
  private sealEntry (r: GroupRecord, entry: OutEntry): number {
    const { ctx } = this
    const epoch = r.head.state.epoch
    const seq = r.seqs.get(epoch) ?? 1
    r.seqs.set(epoch, seq + 1)
    const env = sealGroupMessage(ctx.networkId, this.senderKeys.get(r.group, epoch, ctx.me, r.keys.get(epoch)!),
      { group: r.group, epoch, sender: ctx.me, seq, hlc: entry.hlc },
      { id: entry.id, text: entry.text, sentAt: entry.sentAt, ...(entry.body !== undefined ? { body: fromBase64(entry.body) } : {}) }, ctx.account.identity())
    entry.epoch = epoch
    entry.seq = seq
    entry.envelope = toBase64(GroupEnvelope.encode(env))
    entry.state = toHex(r.head.hash)
    return epoch
  }

  /** The write of an epoch's next seq (g/<h>/q/<epoch>). */
  private seqOp (r: GroupRecord, epoch: number): BatchOp {
    return this.ctx.store.put(`${r.prefix}q/${pad(epoch)}`, { next: r.seqs.get(epoch) ?? 1 })
  }

  /** Publishes an encrypted entry on the topic, once per run (the relay's copy is the backstop). */
  private publish (r: GroupRecord, entry: OutEntry): void {
    if (entry.envelope === undefined || this.published.has(entry.id)) return
    this.published.add(entry.id)
    void this.ctx.network.topics.publish(r.group, { envelope: GroupEnvelope.decode(fromBase64(entry.envelope)) })
  }

  /**
   * The relay has it: out of the outbox into the sent log (without its
   * envelope: a fork that undoes its state seals it again), `sent` in the
   * timeline, in one write; the oldest of the log beyond `sentLogMax` go.
   */
  private async settle (r: GroupRecord, key: string, entry: OutEntry): Promise<void> {
    const { store } = this.ctx
    const logKey = `${r.prefix}p/${entry.hlc}/${entry.id}`
    const { envelope: _sealed, ...kept } = entry
    const ops = [store.del(key), store.put(logKey, kept)]
    r.sent.set(logKey, { epoch: entry.epoch ?? 0, state: entry.state ?? '' })
    for (const old of r.sent.keys()) {
      if (r.sent.size <= this.ctx.init.sentLogMax) break
      r.sent.delete(old)
      ops.push(store.del(old))
    }
    await this.ctx.timeline.setStatus(groupConversation(r.group), [entry.id], 'sent', ops)
    r.outbox.delete(key)
    this.published.delete(entry.id)
    this.ctx.emit('group:status', { id: entry.id, group: r.group, status: 'sent' })
  }

  /** It will never go out: out of the outbox, `failed` in the timeline, in one write. */
  private async dropEntry (r: GroupRecord, key: string, entry: OutEntry, code: string): Promise<void> {
    await this.ctx.timeline.setStatus(groupConversation(r.group), [entry.id], 'failed', [this.ctx.store.del(key)])
    r.outbox.delete(key)
    this.published.delete(entry.id)
    this.ctx.log('dropped message %s of %s: %s', entry.id, r.group, code)
    this.ctx.emit('group:status', { id: entry.id, group: r.group, status: 'failed', code })
  }

  private outgoing (group: GroupId, e: OutEntry): ChatMessage {
    const conversation = groupConversation(group)
    const body = e.body === undefined ? undefined : decodeBody(fromBase64(e.body))
    return { id: e.id, conversation, from: this.ctx.me, to: conversation, text: e.text, sentAt: e.sentAt, hlc: e.hlc, direction: 'out', status: 'pending', ...bodyFields(body), ...(e.file !== undefined ? { file: e.file } : {}) }
  }
}

/** An entry as it was before it was sealed: it is sealed again under the head when it goes. */
function unsealed (entry: OutEntry): OutEntry {
  const { epoch: _epoch, seq: _seq, envelope: _envelope, state: _state, ...rest } = entry
  return rest
}
