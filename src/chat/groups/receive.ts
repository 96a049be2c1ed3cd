/**
 * Receiving group messages (docs/groups.md, "Receiving"): the handler of a
 * group's topic, the checks every envelope goes through (from the topic or
 * the relay's history), envelopes held until their state or key is here, and
 * the per-sender message keys.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { checkEnvelope, isMember, openEnvelope, openGroupMessage, senderKey, verifyEnvelopeSignature } from '../../groups/index.js'
import { toHex } from '../../crypto/index.js'
import { codeOf, isCode } from '../../errors.js'
import { KeyedLock } from '../../lock.js'
import { groupConversation, isChange } from '../../timeline/index.js'
import { clampText } from '../text.js'
import { receivedBody } from '../attachments.js'
import type { Attachments } from '../attachments.js'
import { MAX_PENDING_ENVELOPES } from './constants.js'
import { GroupError } from './errors.js'
import { mark, seen } from './replay-window.js'
import type { GroupRecord } from './chain.js'
import type { GroupMessage, MemberContext } from './context.js'
import type { ReplayWindows } from './replay-window.js'
import type { ErrorCode } from '../../errors.js'
import type { GroupEnvelope, GroupId, GroupPayload, GroupTopicHandler } from '../../groups/index.js'
import type { MessageUpdate } from '../../timeline/index.js'

/** What receiving an envelope came to. Refusals throw a GroupError (or GroupStateError) instead. */
export type ReceiveOutcome = 'ok' | 'duplicate' | 'own' | 'pending'

/** Where an envelope came from: live on the topic, or the relay's history. */
export type EnvelopeSource = 'topic' | 'relay'

/** Refusals of a topic message that make it invalid for everyone (gossipsub Reject: not forwarded, the peer scored down). */
const INVALID: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BAD_ENVELOPE', 'BAD_SIGNATURE', 'NOT_MEMBER', 'REMOVED', 'DECRYPT_FAILED', 'BAD_PAYLOAD', 'TOO_LARGE', 'NOT_AUTHOR'])
/**
 * Per-sender message keys, derived from epoch keys once (HKDF) and kept while
 * the epoch key is. Kept per epoch key, not per epoch: after a fork an epoch
 * has the key of the chain and the key of the branch left.
 */
export class SenderKeys {
  private readonly keys = new WeakMap<Uint8Array, Map<string, Uint8Array>>()

  get (group: GroupId, epoch: number, sender: string, epochKey: Uint8Array): Uint8Array {
    let derived = this.keys.get(epochKey)
    if (derived === undefined) {
      derived = new Map()
      this.keys.set(epochKey, derived)
    }
    const k = `${group}/${epoch}/${sender}`
    let key = derived.get(k)
    if (key === undefined) {
      key = senderKey(epochKey, group, epoch, sender)
      derived.set(k, key)
    }
    return key
  }
}

export interface ReceiverDeps {
  windows: ReplayWindows
  senderKeys: SenderKeys
  /** The identity key this user has pinned for a sender */
  pinnedKey: (username: string) => Promise<Uint8Array>
  /** The relay is asked about the group (an envelope of a state or key not here yet) */
  syncSoon: (group: GroupId) => void
  /** A poke came on the group's topic */
  onPoke: (group: GroupId, epoch: number) => void
  /** Where file offers go (the user's files), before the message is stored */
  attachments?: Attachments
}

export class Receiver {
  /** One envelope of a group at a time, in the order they came: the replay check and mark go together, and events come out in that order */
  private readonly lock = new KeyedLock()

  constructor (private readonly ctx: MemberContext, private readonly deps: ReceiverDeps) {}

  listen (r: GroupRecord): void {
    if (r.listening || !this.ctx.running) return
    r.listening = true
    this.ctx.network.topics.add(r.group, this.onTopic)
  }

  unlisten (r: GroupRecord): void {
    if (!r.listening) return
    r.listening = false
    this.ctx.network.topics.remove(r.group, this.onTopic)
  }

  /**
   * A message on a group's topic. One that came straight from its publisher
   * is not passed on: the publisher sends it to every subscriber it knows
   * (gossipsub flood publishing), and the relay, which every working member
   * is connected to, passes it on to anyone the publisher missed. That spares
   * every member the copies of every other member.
   */
  readonly onTopic: GroupTopicHandler = async (message, group, _origin, direct) => {
    if (!this.ctx.running) return TopicValidatorResult.Ignore
    if (message.poke !== undefined) {
      this.deps.onPoke(group, message.poke.epoch)
      return TopicValidatorResult.Accept
    }
    if (message.envelope === undefined) return TopicValidatorResult.Reject
    try {
      const outcome = await this.receive(message.envelope, 'topic')
      if (outcome !== 'ok' && outcome !== 'pending') return TopicValidatorResult.Ignore
      return direct ? TopicValidatorResult.Ignore : TopicValidatorResult.Accept
    } catch (err) {
      const code = codeOf(err) ?? 'INTERNAL'
      this.ctx.log('refused a message on %s: %s %s', group, code, (err as Error).message)
      return INVALID.has(code) ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
    }
  }

  /**
   * Checks, decrypts and stores one envelope (from the group's topic, or the
   * relay's history), or refuses it with a typed error: BAD_ENVELOPE,
   * UNKNOWN_GROUP, NOT_MEMBER (the sender was not a member of that epoch),
   * REMOVED (live from a sender removed since), NO_KEY (an epoch this user
   * was not in), BAD_SIGNATURE, DECRYPT_FAILED, BAD_PAYLOAD. A replayed
   * (epoch, sender, seq) is a 'duplicate' and changes nothing.
   */
  async receive (input: GroupEnvelope | Uint8Array, source: EnvelopeSource = 'topic'): Promise<ReceiveOutcome> {
    const env = input instanceof Uint8Array ? openEnvelope(input) : input
    checkEnvelope(env)
    return this.lock.run(env.group, async () => this.receiveOne(env, source))
  }

  private async receiveOne (env: GroupEnvelope, source: EnvelopeSource): Promise<ReceiveOutcome> {
    const { ctx } = this
    const r = ctx.records.get(env.group)
    if (r === undefined) throw new GroupError('UNKNOWN_GROUP', `no group ${env.group} here`)
    if (env.sender === ctx.me) return 'own'
    const head = r.head.state
    const at = r.states.get(env.epoch)
    // States of a branch this node left (a healed fork) whose keys it kept: what was sent under them stays readable.
    const off = (r.offChain.get(env.epoch) ?? []).filter(o => o.key !== undefined && isMember(o.state, env.sender))
    if (at === undefined && off.length === 0) {
      if (env.epoch > head.epoch) return this.wait(r, env, source)
      throw new GroupError('NO_KEY', `this user was not a member of epoch ${env.epoch}`)
    }
    const onChain = at !== undefined && isMember(at, env.sender)
    if (!onChain && off.length === 0) throw new GroupError('NOT_MEMBER', `${env.sender} is not a member of epoch ${env.epoch}`)
    if (source === 'topic' && env.epoch < head.epoch && !isMember(head, env.sender)) {
      throw new GroupError('REMOVED', `${env.sender} is no longer a member: its messages of epoch ${env.epoch} are refused`)
    }
    const epochKey = onChain ? r.keys.get(env.epoch) : undefined
    // The chain's key of that epoch is not here yet (the KACLS may be away): the message waits for it.
    const awaited = at !== undefined && onChain && epochKey === undefined && isMember(at, ctx.me)
    if (epochKey === undefined && off.length === 0) {
      if (awaited) return this.wait(r, env, source)
      throw new GroupError('NO_KEY', `this user was not a member of epoch ${env.epoch}`)
    }
    const window = await this.deps.windows.load(r.prefix, env.epoch, env.sender)
    // Catching up from the relay mostly meets messages already had live: those cost no signature check.
    if (source === 'relay' && seen(window.window, env.seq)) return 'duplicate'
    const senderKey = await this.deps.pinnedKey(env.sender)
    if (!verifyEnvelopeSignature(ctx.networkId, env, senderKey)) {
      throw new GroupError('BAD_SIGNATURE', `the message is not signed by ${env.sender}'s identity key`)
    }
    // A (epoch, sender, seq) seen before is a replay: the sender never reuses one (not even across the branches of a fork).
    if (seen(window.window, env.seq)) return 'duplicate'
    let payload: GroupPayload
    try {
      payload = this.open(env, [...(epochKey !== undefined ? [epochKey] : []), ...off.map(o => o.key!)])
    } catch (err) {
      if (!isCode(err, 'DECRYPT_FAILED')) throw err
      if (awaited) return this.wait(r, env, source)
      // Under no key this node has for the epoch: perhaps the sender's chain and this node's forked. The relay is asked.
      if (source === 'topic') this.deps.syncSoon(r.group)
      throw err
    }
    const conversation = groupConversation(env.group)
    // A file offer is the files module's before the message is stored (once per file: a replay changes nothing).
    const kind = await receivedBody(this.deps.attachments, payload.body, { from: env.sender, conversation, messageId: payload.id })
    const message: GroupMessage = {
      id: payload.id,
      conversation,
      group: env.group,
      from: env.sender,
      to: conversation,
      text: clampText(payload.text),
      sentAt: payload.sentAt,
      receivedAt: ctx.clock(),
      hlc: env.hlc,
      direction: 'in',
      read: false,
      fromKey: toHex(senderKey),
      ...kind
    }
    const { group: _group, ...chatMessage } = message
    // An edit or deletion of a message the sender did not write: refused (NOT_AUTHOR), nothing stored.
    if (isChange(message.kind)) await ctx.timeline.checkChange(chatMessage)
    const updates: MessageUpdate[] = []
    const fresh = await ctx.timeline.record(chatMessage, true, updates)
    this.deps.windows.save(window, mark(window.window, env.seq))
    if (!fresh) return 'duplicate'
    // A change (edit, deletion, reaction) is no message of its own: what it changed is told instead.
    if (!isChange(message.kind)) ctx.emit('group:message', { ...chatMessage, group: env.group, epoch: env.epoch })
    for (const u of updates) ctx.emit('message:updated', u)
    return 'ok'
  }

  /** The payload, under the first of `keys` (epoch keys) it decrypts under; DECRYPT_FAILED if none. */
  private open (env: GroupEnvelope, keys: Uint8Array[]): GroupPayload {
    let failed: unknown
    for (const key of keys) {
      try {
        return openGroupMessage(this.ctx.networkId, this.deps.senderKeys.get(env.group, env.epoch, env.sender, key), env)
      } catch (err) {
        if (!isCode(err, 'DECRYPT_FAILED')) throw err
        failed = err
      }
    }
    throw failed
  }

  /**
   * An envelope this node cannot read yet: kept a while (from the topic).
   * For a newer state the relay is asked now; a key not unwrapped yet is
   * asked for again at the next sync (asking at every such envelope would
   * go round in circles while the KACLS refuses: each sync meets them again).
   */
  private wait (r: GroupRecord, env: GroupEnvelope, source: EnvelopeSource): 'pending' {
    if (source === 'topic' && r.waiting.length < MAX_PENDING_ENVELOPES) r.waiting.push(env)
    if (env.epoch > r.head.state.epoch) this.deps.syncSoon(r.group)
    return 'pending'
  }

  /** Receives the held envelopes again, queued (in their order) ahead of anything arriving after. */
  drain (r: GroupRecord): void {
    for (const env of r.waiting.splice(0)) {
      this.receive(env, 'topic').catch(err => {
        this.ctx.log('refused a held message of %s: %s', r.group, (err as Error).message)
      })
    }
  }

  /** Resolves once no envelope is being received. */
  async idle (): Promise<void> {
    await this.lock.idle()
  }
}
