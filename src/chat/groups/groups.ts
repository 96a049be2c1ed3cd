/**
 * Group chat, member side (docs/groups.md): groups whose membership is a
 * chain of signed states held by the relay, one fresh epoch key per state,
 * wrapped by the KACLS for exactly that state's members, and messages that
 * fan out over the group's gossipsub topic, encrypted under per-sender keys
 * derived from the epoch key. A joiner reads nothing older than its epoch; a
 * leaver nothing newer. Every message typed is stored before it is sent, and
 * posted to the relay's history until the relay has it; members that were
 * away fetch what they missed from there.
 */
import { randomBytes } from 'node:crypto'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { KeyedLock, Rerun } from '../../lock.js'
import { createLogger } from '../../logger.js'
import { KACLS, UNWRAP, WRAP } from '../../services/kacls/spec.js'
import { canonicalUsername } from '../../usernames.js'
import {
  checkEnvelope, checkGroupId, checkGroupName, epochResource, EPOCH_KEY_BYTES, GROUP_ID, GroupEnvelope, GroupPoke, groupTopics, isAdmin, isMember,
  MAX_GROUP_MEMBERS, memberKey, membersAfter, openEnvelope, openGroupMessage, openState, sealGroupMessage, senderKey, signLeaveRequest, signState,
  successorAdmin, usernames, verifyAnchor, verifyEnvelopeSignature, verifyLeaveRequest, verifyNext, verifyGenesis
} from '../../groups/index.js'
import { AUTHORIZE, GROUP_COMMIT, GROUP_FETCH, GROUP_LEAVE, GROUP_LIST, GROUP_POST, GROUP_STATES, RELAY } from '../../services/relay/spec.js'
import { RateLimit } from '../../services/rate-limit.js'
import { fromBase64, toBase64, toHex } from '../../crypto/index.js'
import { codeOf, isCode } from '../../errors.js'
import { SealedStore } from '../../sealed-store.js'
import { groupConversation, newMessageId } from '../../timeline/index.js'
import { checkText, clampText } from '../text.js'
import { migrateStatuses } from './migrate.js'
import {
  FETCH_BATCH, GROUPS_DEFAULTS, MAX_PENDING_ENVELOPES, POKE_PROTOCOL, POST_BATCH, REPLAY_WINDOW, WINDOW_SAVE_MS
} from './constants.js'
import { GroupError } from './errors.js'
import type { GroupsInit } from './constants.js'
import type { Account } from '../../account/index.js'
import type { LanchatLibp2p, NetworkKeys } from '../../net/index.js'
import type { Role } from '../../roles/index.js'
import type { Rpc } from '../../services/index.js'
import type { GroupChange, GroupId, GroupMember, GroupState, GroupTopicHandler, VerifiedState } from '../../groups/index.js'
import type { Directory } from '../../directory/index.js'
import type { ChatMessage, Timeline } from '../../timeline/index.js'
import type { BatchOp, Store } from '../../../store/index.js'
import type { PeerId } from '@libp2p/interface'

export type { GroupId }

/** A group as this node knows it (its latest verified state). */
export interface GroupInfo {
  group: GroupId
  name: string
  epoch: number
  members: string[]
  admins: string[]
  /** Whether this node's user is a member of the latest state */
  member: boolean
  /** This user asked to leave; the next epoch (without it) is not made yet */
  leaving: boolean
  /** Members who asked to leave, whose epoch without them is not made yet */
  pendingLeaves: string[]
  /** Who made the latest state, what it changed, about whom, when (author's clock, ms) */
  author: string
  change: GroupChange
  subject: string
  time: number
  /** hex SHA-256 of the latest state: members agree on a state when they agree on this */
  hash: string
}

/**
 * A group message as history and events show it. Outgoing: pending (stored
 * here, not yet at the relay), sent (the relay has it) or failed.
 */
export interface GroupMessage extends ChatMessage {
  group: GroupId
}

export interface GroupSendResult {
  id: string
  group: GroupId
  conversation: string
  hlc: string
  status: 'pending'
}

export interface GroupsEvents {
  'group:message': CustomEvent<GroupMessage & { epoch: number }>
  'group:changed': CustomEvent<GroupInfo>
  'group:status': CustomEvent<{ id: string, group: GroupId, status: 'sent' | 'failed', code?: string }>
}

export interface GroupsComponents {
  store: Store
  libp2p: LanchatLibp2p
  rpc: Rpc
  account: Account
  keys: NetworkKeys
  /** Group messages and their status are stored in the timeline (conversation group:<id>) */
  timeline: Timeline
  /** One directory for DMs and groups: a key change seen by either blocks both */
  directory: Directory
  /** Who holds the relay: reconnecting to it triggers a sync */
  registry: { holderOf: (role: Role) => string | null }
  clock?: () => number
}

/** What receiving an envelope came to. Refusals throw a GroupError (or GroupStateError) instead. */
export type ReceiveOutcome = 'ok' | 'duplicate' | 'own' | 'pending'

/** A membership change, before it is signed. */
interface Draft {
  change: GroupChange
  subject: string
  members: GroupMember[]
  admins: string[]
  leaveRequest?: Uint8Array
}

interface OutEntry {
  id: string
  text: string
  sentAt: number
  hlc: string
  /** Set once encrypted (one write with the seq counter): a retry sends the very same bytes */
  epoch?: number
  seq?: number
  envelope?: string
}

interface StoredState {
  bytes: string
  hash: string
}

interface Meta {
  cursor: string
  leaving: boolean
}

interface Window {
  max: number
  missing: Set<number>
}

interface GroupRecord {
  group: GroupId
  /** Storage key prefix: g/<keyed hash of the group id>/ */
  prefix: string
  head: VerifiedState
  states: Map<number, GroupState>
  keys: Map<number, Uint8Array>
  /** Epochs this user is a member of whose key is not unwrapped yet */
  missing: Set<number>
  leaving: boolean
  cursor: string
  /** Pending leave requests of other members: username -> SignedLeaveRequest */
  leaves: Map<string, Uint8Array>
  leaveTimers: Map<string, ReturnType<typeof setTimeout>>
  /** The outbox: entries by key, in send order (keys are added in hlc order, and a Map keeps that order) */
  outbox: Map<string, OutEntry>
  /** Envelopes from the topic waiting for a state or key */
  waiting: GroupEnvelope[]
  /** epoch -> the next seq this user sends in it */
  seqs: Map<number, number>
  listening: boolean
}

interface FlushState {
  running?: Promise<void>
  again: boolean
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

/** Post results that will never turn into success: the message is dropped (group:status failed). */
const PERMANENT = new Set(['NOT_MEMBER', 'REMOVED', 'BAD_SIGNATURE', 'BAD_ENVELOPE', 'TOO_LARGE', 'NOT_SENDER', 'TOKEN_CNF_MISMATCH'])
/** Refusals of a topic message that make it invalid for everyone (gossipsub Reject: not forwarded, the peer scored down). */
const INVALID = new Set(['BAD_ENVELOPE', 'BAD_SIGNATURE', 'NOT_MEMBER', 'REMOVED', 'DECRYPT_FAILED', 'BAD_PAYLOAD', 'TOO_LARGE'])

const pad = (n: number): string => String(n).padStart(10, '0')
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class Groups extends TypedEventEmitter<GroupsEvents> {
  private readonly components: GroupsComponents
  private readonly init: Required<GroupsInit>
  private readonly account: Account
  private readonly me: string
  private readonly networkId: string
  private readonly store: SealedStore
  private readonly directory: Directory
  private readonly timeline: Timeline
  private readonly clock: () => number
  private readonly log = createLogger('groups')
  private readonly abort = new AbortController()
  private readonly records = new Map<GroupId, GroupRecord>()
  private readonly stateLock = new KeyedLock()
  private readonly changeLock = new KeyedLock()
  private readonly receiveLock = new KeyedLock()
  /** Seqs are taken and written under it, one group at a time, so the outbox goes out in order */
  private readonly outLock = new KeyedLock()
  private readonly windows = new Map<string, Window>()
  private readonly senderKeys = new Map<string, Uint8Array>()
  private readonly flushes = new Map<GroupId, FlushState>()
  /** Each group's sync with the relay, one at a time */
  private readonly syncs = new Map<GroupId, Rerun<boolean>>()
  private readonly published = new Set<string>()
  /** Pokes per remote node: a poke costs a relay request */
  private readonly pokeLimit: RateLimit
  /** Asking the relay about every group: a full sync is owed as soon as one request wants it */
  private readonly syncingAll = new Rerun<boolean>(async full => this.syncAllOnce(full), { merge: (a, b) => a || b, go: () => this.running })
  private readonly dirtyWindows = new Map<string, Window>()
  private windowTimer?: ReturnType<typeof setTimeout>
  private pollTimer?: ReturnType<typeof setInterval>
  private running = false

  constructor (components: GroupsComponents, init: GroupsInit = {}) {
    super()
    this.components = components
    this.init = { ...GROUPS_DEFAULTS, ...init }
    this.account = components.account
    this.me = components.account.username
    this.networkId = components.keys.networkId
    this.clock = components.clock ?? Date.now
    // Group records live in the store's 'groups' domain, sealed like the chat's under the user's data key.
    this.store = new SealedStore(components.store, components.account.dataKey(), 'groups')
    this.timeline = components.timeline
    this.directory = components.directory
    this.pokeLimit = new RateLimit(20, 2, this.clock)
  }

  // ---------------------------------------------------------------- lifecycle

  async start (): Promise<void> {
    for await (const [, { group }] of this.store.entries<{ group: GroupId }>('g/groups/')) {
      try {
        await this.load(group)
      } catch (err) {
        this.log.error('cannot load group %s: %s', group, (err as Error).message)
      }
    }
    await migrateStatuses(this.store, this.timeline, [...this.records.values()].map(r => ({ group: r.group, pending: [...r.outbox.values()].map(e => e.id) })))
    await this.components.libp2p.handle(POKE_PROTOCOL, async (stream, connection) => {
      try {
        const lp = lpStream(stream, { maxDataLength: 256 })
        const frame = await lp.read({ signal: AbortSignal.timeout(5_000) })
        await stream.close()
        const poke = GroupPoke.decode(frame.subarray())
        if (!GROUP_ID.test(poke.group) || this.pokeLimit.take(connection.remotePeer.toString()) > 0) return
        this.onPoke(poke.group, poke.epoch)
      } catch (err) {
        stream.abort(err as Error)
      }
    }, { maxInboundStreams: 16 })
    this.components.libp2p.addEventListener('peer:connect', this.onConnect)
    this.running = true
    for (const r of this.records.values()) {
      // Groups this user has left or was removed from stay on record, unheard (as applyState does).
      if (isMember(r.head.state, this.me)) this.listen(r)
      this.flushSoon(r.group)
    }
    this.pollTimer = setInterval(() => { void this.syncAll(false) }, this.init.pollIntervalMs)
    this.pollTimer.unref?.()
    void this.syncAll()
  }

  async stop (): Promise<void> {
    this.running = false
    this.abort.abort(new GroupError('STOPPING', 'group chat is stopping'))
    clearInterval(this.pollTimer)
    this.components.libp2p.removeEventListener('peer:connect', this.onConnect)
    for (const f of this.flushes.values()) clearTimeout(f.timer)
    await Promise.allSettled([...this.flushes.values()].map(f => f.running))
    for (const r of this.records.values()) {
      for (const t of r.leaveTimers.values()) clearTimeout(t)
      r.leaveTimers.clear()
      this.unlisten(r)
    }
    await this.components.libp2p.unhandle(POKE_PROTOCOL).catch(() => {})
    await Promise.allSettled([this.syncingAll.idle(), ...[...this.syncs.values()].map(async s => s.idle())])
    await Promise.allSettled([this.stateLock.idle(), this.changeLock.idle(), this.receiveLock.idle(), this.outLock.idle()])
    await this.writeWindows()
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    // Back in touch with the relay (a restart, a healed cable): catch up.
    if (evt.detail.toString() === this.components.registry.holderOf('relay')) void this.syncAll()
  }

  private options (): { identityToken: string, signal: AbortSignal } {
    return { identityToken: this.account.identityToken(), signal: this.abort.signal }
  }

  // ---------------------------------------------------------------- API

  /** Creates a group with this user as its admin and `members` (usernames) as its first members. */
  async create (name: string, members: string[]): Promise<GroupInfo> {
    checkGroupName(name)
    if (!Array.isArray(members)) throw new GroupError('BAD_MEMBERS', 'members: a list of usernames')
    const names = [...new Set([this.me, ...members.map(m => canonicalUsername(m))])].sort()
    if (names.length > MAX_GROUP_MEMBERS) throw new GroupError('TOO_MANY_MEMBERS', `a group has at most ${MAX_GROUP_MEMBERS} members`)
    const group = randomBytes(16).toString('hex')
    const list: GroupMember[] = []
    for (const u of names) list.push({ username: u, identityKey: await this.keyForInvite(u) as Uint8Array<ArrayBuffer>, since: 1 })
    const draft: Draft = { change: 'create', subject: '', members: list, admins: [this.me] }
    const { bytes, key } = await this.author(group, name, undefined, draft)
    await this.components.rpc.call(RELAY, GROUP_COMMIT, { state: bytes }, this.options())
    await this.applyState(group, bytes, key)
    this.announce(group, 1, names.filter(u => u !== this.me))
    this.log('created group %s with %d members', group, names.length)
    return this.info(this.record(group))
  }

  /** Adds a member (admins): a new epoch whose key the new member can unwrap, and no earlier one. */
  async invite (group: GroupId, user: string): Promise<GroupInfo> {
    const u = canonicalUsername(user)
    return this.change(group, async r => {
      const s = r.head.state
      this.requireAdmin(s)
      if (isMember(s, u)) throw new GroupError('ALREADY_MEMBER', `${u} is already a member of ${s.name}`)
      if (s.members.length >= MAX_GROUP_MEMBERS) throw new GroupError('TOO_MANY_MEMBERS', `a group has at most ${MAX_GROUP_MEMBERS} members`)
      const invited = { username: u, identityKey: await this.keyForInvite(u) as Uint8Array<ArrayBuffer>, since: s.epoch + 1 }
      return { change: 'invite', subject: u, ...membersAfter(s, 'invite', u, invited) }
    }, [u])
  }

  /** Removes a member (admins): a new epoch whose key it cannot unwrap. */
  async kick (group: GroupId, user: string): Promise<GroupInfo> {
    const u = canonicalUsername(user)
    return this.change(group, async r => {
      const s = r.head.state
      this.requireAdmin(s)
      if (u === this.me) throw new GroupError('CANNOT_KICK_SELF', 'to leave a group, use leave')
      if (!isMember(s, u)) throw new GroupError('NOT_MEMBER', `${u} is not a member of ${s.name}`)
      return { change: 'kick', subject: u, ...membersAfter(s, 'kick', u) }
    })
  }

  /** Makes a member an admin (admins). */
  async promote (group: GroupId, user: string): Promise<GroupInfo> {
    const u = canonicalUsername(user)
    return this.change(group, async r => this.promotion(r.head.state, u))
  }

  /**
   * Leaves a group: a signed leave request at the relay, from which another
   * member makes the next epoch without this user (a leaver cannot make it:
   * it would know its key). The last admin first hands admin to the member
   * whose username sorts first; the last member closes the group itself.
   */
  async leave (group: GroupId): Promise<{ group: GroupId, left: true, epoch: number }> {
    let r = this.record(group)
    if (!isMember(r.head.state, this.me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${r.head.state.name}`)
    if (r.leaving) return { group, left: true, epoch: r.head.state.epoch }
    const others = usernames(r.head.state).filter(u => u !== this.me)
    if (others.length === 0) {
      await this.change(group, async rr => {
        if (!isMember(rr.head.state, this.me)) return null
        if (rr.head.state.members.length > 1) throw new GroupError('CONFLICT', 'someone joined meanwhile: leave again')
        return { change: 'leave', subject: this.me, ...membersAfter(rr.head.state, 'leave', this.me), leaveRequest: this.leaveRequest(rr.head.state) }
      })
      return { group, left: true, epoch: this.record(group).head.state.epoch }
    }
    if (r.head.state.admins.length === 1 && r.head.state.admins[0] === this.me) {
      // The last admin hands admin over first, to a member every node would pick the same way.
      await this.change(group, async rr => {
        const s = rr.head.state
        if (s.admins.some(a => a !== this.me)) return null
        const successor = successorAdmin(usernames(s).filter(u => u !== this.me))
        return successor === undefined ? null : this.promotion(s, successor)
      })
      r = this.record(group)
    }
    const request = this.leaveRequest(r.head.state)
    await this.components.rpc.call(RELAY, GROUP_LEAVE, { request }, this.options())
    r.leaving = true
    await this.saveMeta(r)
    // Nothing more goes out from this user in this group.
    await this.outLock.run(group, async () => {
      for (const [key, entry] of [...r.outbox]) {
        if (entry.envelope === undefined) await this.dropEntry(r, key, entry, 'LEFT')
      }
    })
    void groupTopics(this.components.libp2p).publish(this.networkId, group, { poke: { group, epoch: r.head.state.epoch } })
    this.emitChanged(r)
    this.log('asked to leave group %s', group)
    return { group, left: true, epoch: r.head.state.epoch }
  }

  /** Stores a message, then sends it in the background (group:status events follow). */
  async send (group: GroupId, text: string): Promise<GroupSendResult> {
    checkText(text)
    const r = this.record(group)
    if (!isMember(r.head.state, this.me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${r.head.state.name}`)
    if (r.leaving) throw new GroupError('LEFT', `you left ${r.head.state.name}`)
    const id = newMessageId()
    const hlc = this.timeline.stamp()
    const sentAt = this.clock()
    const key = `${r.prefix}o/${hlc}/${id}`
    const entry: OutEntry = { id, text, sentAt, hlc }
    const sealed = await this.outLock.run(group, async () => {
      const ops: BatchOp[] = []
      // Nothing queued before it: encrypted now, in the same write as the entry, and published at once.
      const now = r.outbox.size === 0 && this.sealable(r) === 'yes'
      if (now) ops.push(this.seqOp(r, this.sealEntry(r, entry)))
      ops.push(this.store.put(key, entry))
      await Promise.all([this.store.write(ops), this.timeline.record(this.outgoing(group, id, text, sentAt, hlc), false)])
      r.outbox.set(key, entry)
      return now
    })
    this.publish(r, entry)
    // Published already: the relay's copy can wait a moment, and take the rest of a burst with it.
    if (sealed) this.flushLater(group, this.init.postLingerMs)
    else this.flushSoon(group)
    return { id, group, conversation: groupConversation(group), hlc, status: 'pending' }
  }

  members (group: GroupId): GroupInfo {
    return this.info(this.record(group))
  }

  list (): GroupInfo[] {
    return [...this.records.values()].map(r => this.info(r)).sort((a, b) => a.name.localeCompare(b.name) || a.group.localeCompare(b.group))
  }

  /** The group's messages, oldest first (hlc order), the last `limit` before `before`. */
  async history (group: GroupId, limit?: number, before?: string): Promise<GroupMessage[]> {
    this.record(group)
    const messages = await this.timeline.history(groupConversation(group), limit, before)
    return messages.map(m => ({ ...m, group }))
  }

  /** Asks the relay now about one group (or all of them): states, leave requests, missed messages. */
  async sync (group?: GroupId): Promise<{ groups: number }> {
    if (group !== undefined) {
      checkGroupId(group)
      await this.syncGroup(group)
      if (!this.records.has(group)) throw new GroupError('UNKNOWN_GROUP', `no group ${group} with you in it`)
      return { groups: 1 }
    }
    await this.syncAll(true)
    return { groups: this.records.size }
  }

  /** The epoch key this node holds for a group's epoch (diagnostics and tests: it never leaves the node otherwise). */
  heldKey (group: GroupId, epoch: number): Uint8Array | undefined {
    return this.records.get(group)?.keys.get(epoch)
  }

  // ---------------------------------------------------------------- membership changes

  private record (group: GroupId): GroupRecord {
    checkGroupId(group)
    const r = this.records.get(group)
    if (r === undefined) throw new GroupError('UNKNOWN_GROUP', `no group ${group} here: create it, or wait for an invitation`)
    return r
  }

  private requireAdmin (s: GroupState): void {
    if (!isMember(s, this.me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${s.name}`)
    if (!isAdmin(s, this.me)) throw new GroupError('NOT_ADMIN', `only an admin of ${s.name} may do that`)
  }

  private promotion (s: GroupState, u: string): Draft {
    this.requireAdmin(s)
    if (!isMember(s, u)) throw new GroupError('NOT_MEMBER', `${u} is not a member of ${s.name}`)
    if (isAdmin(s, u)) throw new GroupError('ALREADY_ADMIN', `${u} is already an admin of ${s.name}`)
    return { change: 'promote', subject: u, ...membersAfter(s, 'promote', u) }
  }

  private leaveRequest (s: GroupState): Uint8Array {
    return signLeaveRequest(this.networkId, { group: s.group, username: this.me, epoch: s.epoch, time: this.clock() }, this.account.identity())
  }

  /** The identity key to list for a user joining: the idp's, pinned (a changed key must be trusted first). */
  private async keyForInvite (u: string): Promise<Uint8Array> {
    if (u === this.me) return this.account.identity().publicKey
    const entry = await this.directory.lookup(u, true)
    if (await this.directory.check(entry.username, entry.identityKey) === 'changed') {
      throw new GroupError('KEY_CHANGED', `${u}'s identity key changed: verify and trust it before adding them`)
    }
    return entry.identityKey
  }

  /**
   * Applies a change on top of the relay's current state, and commits it
   * there. A concurrent change wins the compare-and-swap: this one is made
   * again on top of it (or dropped, if it no longer applies).
   */
  private async change (group: GroupId, make: (r: GroupRecord) => Promise<Draft | null>, poke: string[] = []): Promise<GroupInfo> {
    checkGroupId(group)
    return this.changeLock.run(group, async () => {
      for (let attempt = 1; ; attempt++) {
        await this.syncGroup(group, false)
        const r = this.record(group)
        const draft = await make(r)
        if (draft === null) return this.info(r)
        const { bytes, key } = await this.author(group, r.head.state.name, r.head, draft)
        try {
          await this.components.rpc.call(RELAY, GROUP_COMMIT, { state: bytes }, this.options())
        } catch (err) {
          if (!isCode(err, 'CONFLICT') || attempt >= this.init.maxChangeAttempts) throw err
          this.log('%s of %s in %s lost to a concurrent change (attempt %d): applying it again', draft.change, draft.subject, group, attempt)
          await sleep(Math.floor(Math.random() * 50 * attempt))
          continue
        }
        await this.applyState(group, bytes, key)
        this.announce(group, r.head.state.epoch + 1, poke)
        return this.info(this.record(group))
      }
    })
  }

  /** A new state with a fresh epoch key, wrapped by the KACLS for its members, signed by this user. */
  private async author (group: GroupId, name: string, prev: VerifiedState | undefined, draft: Draft): Promise<{ bytes: Uint8Array, key?: Uint8Array }> {
    const epoch = prev === undefined ? 1 : prev.state.epoch + 1
    let key: Uint8Array | undefined
    let wrappedKey = new Uint8Array(0)
    if (draft.members.length > 0) {
      key = new Uint8Array(randomBytes(EPOCH_KEY_BYTES))
      const reply = await this.components.rpc.call(KACLS, WRAP, {
        key,
        resource: epochResource(group, epoch),
        authorized: draft.members.map(m => m.username),
        reason: `group epoch key: ${draft.change}`
      }, this.options())
      wrappedKey = reply.wrapped
    }
    const state: GroupState = {
      group,
      name,
      epoch,
      previous: (prev?.hash ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      members: draft.members,
      admins: draft.admins,
      author: this.me,
      time: this.clock(),
      change: draft.change,
      subject: draft.subject,
      leaveRequest: (draft.leaveRequest ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      wrappedKey: wrappedKey as Uint8Array<ArrayBuffer>
    }
    return { bytes: signState(this.networkId, state, this.account.identity()), key }
  }

  /** Tells the group (on its topic) and new members (straight to their nodes) to ask the relay. */
  private announce (group: GroupId, epoch: number, newMembers: string[]): void {
    void groupTopics(this.components.libp2p).publish(this.networkId, group, { poke: { group, epoch } })
    for (const u of newMembers) void this.pokeUser(u, group, epoch)
  }

  private async pokeUser (user: string, group: GroupId, epoch: number): Promise<void> {
    try {
      const { peers } = await this.directory.lookup(user)
      const connected = new Set(this.components.libp2p.getPeers().map(p => p.toString()))
      for (const peer of peers.filter(p => connected.has(p))) {
        const signal = AbortSignal.timeout(5_000)
        const stream = await this.components.libp2p.dialProtocol(peerIdFromString(peer), POKE_PROTOCOL, { signal })
        try {
          await lpStream(stream).write(GroupPoke.encode({ group, epoch }), { signal })
          await stream.close({ signal })
        } catch (err) {
          stream.abort(err as Error)
        }
      }
    } catch (err) {
      this.log('could not tell %s about group %s: %s', user, group, (err as Error).message)
    }
  }

  // ---------------------------------------------------------------- states

  private async load (group: GroupId): Promise<void> {
    const prefix = `g/${this.store.name(`group:${group}`)}/`
    let head: VerifiedState | undefined
    const states = new Map<number, GroupState>()
    for await (const [, s] of this.store.entries<StoredState>(`${prefix}s/`)) {
      const bytes = fromBase64(s.bytes)
      const { state } = openState(bytes)
      states.set(state.epoch, state)
      head = { state, bytes, hash: fromBase64(s.hash) }
    }
    if (head === undefined) return
    const keys = new Map<number, Uint8Array>()
    for await (const [key, k] of this.store.entries<{ key: string }>(`${prefix}k/`)) keys.set(Number(key.slice(-10)), fromBase64(k.key))
    const seqs = new Map<number, number>()
    for await (const [key, s] of this.store.entries<{ next: number }>(`${prefix}q/`)) seqs.set(Number(key.slice(-10)), s.next)
    const meta = await this.store.get<Meta>(`${prefix}meta`) ?? { cursor: '', leaving: false }
    const r: GroupRecord = {
      group, prefix, head, states, keys, seqs, missing: new Set(), leaving: meta.leaving, cursor: meta.cursor, leaves: new Map(),
      leaveTimers: new Map(), outbox: new Map(), waiting: [], listening: false
    }
    for (const [epoch, s] of states) if (isMember(s, this.me) && !keys.has(epoch)) r.missing.add(epoch)
    for await (const [key, entry] of this.store.entries<OutEntry>(`${prefix}o/`)) {
      r.outbox.set(key, entry)
      // A crash between storing the entry and recording the message: record it now (once per id).
      await this.timeline.record(this.outgoing(group, entry.id, entry.text, entry.sentAt, entry.hlc), false)
    }
    this.records.set(group, r)
  }

  private async saveMeta (r: GroupRecord): Promise<void> {
    await this.store.write([this.store.put(`${r.prefix}meta`, { cursor: r.cursor, leaving: r.leaving } satisfies Meta)])
  }

  /**
   * The key this user has on record for `username` (pinned at first sight
   * from the idp directory, which keeps it in memory; a key the user trusted
   * after a change is the one read from then on).
   */
  private async pinnedKey (username: string): Promise<Uint8Array> {
    if (username === this.me) return this.account.identity().publicKey
    const known = await this.directory.known(username)
    if (known !== undefined) return new Uint8Array(Buffer.from(known.identityKey, 'hex'))
    const entry = await this.directory.lookup(username)
    await this.directory.check(entry.username, entry.identityKey)
    return entry.identityKey
  }

  /**
   * Checks and stores a state from the relay (or one this user just
   * committed, with its epoch key): the next in the chain, or an anchor after
   * a gap whose author's key must be the one the directory has.
   */
  private async applyState (group: GroupId, bytes: Uint8Array, ownKey?: Uint8Array): Promise<void> {
    const { state } = openState(bytes)
    const epoch = state.epoch
    const changed = await this.stateLock.run(group, async () => {
      const r = this.records.get(group)
      if (r !== undefined && state.epoch <= r.head.state.epoch) return false
      let verified: VerifiedState
      if (r !== undefined && state.epoch === r.head.state.epoch + 1) {
        verified = verifyNext(this.networkId, r.head, bytes)
      } else {
        // A member sees every state it is in: a gap is only for one that was out (removed, or never in).
        if (r !== undefined && isMember(r.head.state, this.me)) {
          throw new GroupError('BAD_STATE', `the relay skipped from epoch ${r.head.state.epoch} to ${state.epoch} of group ${group}`)
        }
        verified = state.epoch === 1 ? verifyGenesis(this.networkId, bytes) : verifyAnchor(this.networkId, bytes)
        const listed = memberKey(verified.state, verified.state.author)!
        if (Buffer.compare(Buffer.from(listed), Buffer.from(await this.pinnedKey(verified.state.author))) !== 0) {
          throw new GroupError('KEY_MISMATCH', `epoch ${state.epoch} of group ${group} is signed with a key the directory does not have for ${verified.state.author}`)
        }
      }
      const s = verified.state
      const prefix = r?.prefix ?? `g/${this.store.name(`group:${group}`)}/`
      const ops: BatchOp[] = [this.store.put(`${prefix}s/${pad(s.epoch)}`, { bytes: toBase64(bytes), hash: toBase64(verified.hash) } satisfies StoredState)]
      if (ownKey !== undefined) ops.push(this.store.put(`${prefix}k/${pad(s.epoch)}`, { key: toBase64(ownKey) }))
      if (r === undefined) ops.push(this.store.put(`g/groups/${this.store.name(`group:${group}`)}`, { group }))
      await this.store.write(ops)
      const wasMember = r !== undefined && isMember(r.head.state, this.me)
      const rec: GroupRecord = r ?? {
        group, prefix, head: verified, states: new Map(), keys: new Map(), seqs: new Map(), missing: new Set(), leaving: false, cursor: '',
        leaves: new Map(), leaveTimers: new Map(), outbox: new Map(), waiting: [], listening: false
      }
      rec.head = verified
      rec.states.set(s.epoch, s)
      this.records.set(group, rec)
      const member = isMember(s, this.me)
      if (member) {
        if (ownKey !== undefined) rec.keys.set(s.epoch, ownKey)
        else rec.missing.add(s.epoch)
        this.listen(rec)
      }
      // Leave requests of those gone are settled; the others stay pending.
      for (const u of [...rec.leaves.keys()]) {
        if (isMember(s, u)) continue
        rec.leaves.delete(u)
        clearTimeout(rec.leaveTimers.get(u))
        rec.leaveTimers.delete(u)
      }
      if (!member && (wasMember || rec.leaving)) await this.removed(rec)
      this.log('group %s is at epoch %d (%s %s by %s)', group, s.epoch, s.change, s.subject, s.author)
      return member || wasMember
    })
    const r = this.records.get(group)
    if (r === undefined) return
    if (r.missing.size > 0) await this.fetchKeys(r)
    this.drainWaiting(r)
    // Told once the new epoch's key is here (when the KACLS answers): a member told of a group can read it.
    if (changed && r.head.state.epoch === epoch) this.emitChanged(r)
    this.flushSoon(group)
  }

  /** This user is no longer a member: stop listening, drop what can no longer be sent. */
  private async removed (r: GroupRecord): Promise<void> {
    this.unlisten(r)
    for (const t of r.leaveTimers.values()) clearTimeout(t)
    r.leaveTimers.clear()
    r.leaves.clear()
    r.leaving = false
    await this.saveMeta(r)
    for (const [key, entry] of [...r.outbox]) await this.dropEntry(r, key, entry, 'REMOVED')
  }

  /** Unwraps the epoch keys this user should have and does not yet (the KACLS may have been away). */
  private async fetchKeys (r: GroupRecord): Promise<void> {
    for (const epoch of [...r.missing].sort((a, b) => a - b)) {
      const state = r.states.get(epoch)
      if (state === undefined || r.keys.has(epoch)) {
        r.missing.delete(epoch)
        continue
      }
      try {
        const key = await this.unwrap(state)
        await this.store.write([this.store.put(`${r.prefix}k/${pad(epoch)}`, { key: toBase64(key) })])
        r.keys.set(epoch, key)
        r.missing.delete(epoch)
        // What came in before the key did goes first.
        this.drainWaiting(r)
      } catch (err) {
        this.log('cannot unwrap the key of epoch %d of %s yet: %s', epoch, r.group, (err as Error).message)
        if (isCode(err, 'KEY_MISMATCH')) r.missing.delete(epoch)
        return
      }
    }
  }

  /**
   * An epoch key from the KACLS: with an authorization token for the epoch
   * from the relay (a member of that epoch only), wrapped by the state's
   * author, for exactly the state's members.
   */
  private async unwrap (state: GroupState): Promise<Uint8Array> {
    const resource = epochResource(state.group, state.epoch)
    const opts = this.options()
    const { token } = await this.components.rpc.call(RELAY, AUTHORIZE, { resource, role: 'reader', identityKey: this.account.identity().publicKey }, opts)
    const reply = await this.components.rpc.call(KACLS, UNWRAP, { wrapped: state.wrappedKey, resource, reason: `group message key, epoch ${state.epoch}` }, { ...opts, authorizationToken: token })
    const mismatch = (what: string): GroupError => {
      reply.key.fill(0)
      return new GroupError('KEY_MISMATCH', `the key of epoch ${state.epoch} of ${state.group} ${what}: not used`)
    }
    if (reply.wrappedBy !== state.author) throw mismatch(`was wrapped by ${reply.wrappedBy}, not by the state's author ${state.author}`)
    if (reply.authorized.join(',') !== usernames(state).join(',')) throw mismatch('is bound to other users than the state\'s members')
    if (reply.key.byteLength !== EPOCH_KEY_BYTES) throw mismatch(`is ${reply.key.byteLength} bytes, not ${EPOCH_KEY_BYTES}`)
    return reply.key
  }

  /** Pending leave requests: the remaining member ranked first turns each into the next epoch, the next ones later. */
  private noteLeaves (r: GroupRecord, leaves: Uint8Array[]): void {
    const s = r.head.state
    if (!isMember(s, this.me) || r.leaving) return
    for (const bytes of leaves) {
      let username: string
      try {
        username = verifyLeaveRequest(this.networkId, s, bytes).username
      } catch (err) {
        this.log('ignoring a leave request in %s: %s', r.group, (err as Error).message)
        continue
      }
      if (username === this.me || r.leaveTimers.has(username)) continue
      const fresh = !r.leaves.has(username)
      r.leaves.set(username, bytes)
      if (fresh) this.emitChanged(r)
      const remaining = usernames(s).filter(u => u !== username)
      const ranked = [...remaining.filter(u => isAdmin(s, u)), ...remaining.filter(u => !isAdmin(s, u))]
      const delay = Math.max(0, ranked.indexOf(this.me)) * this.init.leaveStaggerMs
      r.leaveTimers.set(username, setTimeout(() => {
        void this.change(r.group, async rr => {
          const st = rr.head.state
          if (!isMember(st, username) || !isMember(st, this.me) || rr.leaving) return null
          verifyLeaveRequest(this.networkId, st, bytes, username)
          return { change: 'leave', subject: username, ...membersAfter(st, 'leave', username), leaveRequest: bytes }
        }).catch(err => {
          this.log('could not make the epoch without %s in %s: %s', username, r.group, (err as Error).message)
        }).finally(() => {
          r.leaveTimers.delete(username)
        })
      }, delay))
    }
  }

  // ---------------------------------------------------------------- talking to the relay

  /** Asks the relay about a group: new states, pending leaves, then (unless told not to) missed messages. */
  private async syncGroup (group: GroupId, messages = true): Promise<void> {
    let leaves: Uint8Array[] = []
    for (;;) {
      const after = this.records.get(group)?.head.state.epoch ?? 0
      let reply
      try {
        reply = await this.components.rpc.call(RELAY, GROUP_STATES, { group, after }, this.options())
      } catch (err) {
        if (isCode(err, 'NOT_MEMBER') && this.records.has(group)) return
        throw err
      }
      for (const bytes of reply.states) await this.applyState(group, bytes)
      leaves = reply.leaves
      if (!reply.more || reply.states.length === 0) break
    }
    const r = this.records.get(group)
    if (r === undefined) return
    this.noteLeaves(r, leaves)
    if (r.missing.size > 0) await this.fetchKeys(r)
    if (messages && r.keys.size > 0) await this.fetchMessages(r)
    this.flushSoon(group)
  }

  /**
   * One sync of a group at a time; a request while one runs makes it run once
   * more. `messagesOnly`: the states are known to be current (the relay's list
   * says so), only the history has grown.
   */
  private async syncSoon (group: GroupId, messagesOnly = false): Promise<void> {
    let sync = this.syncs.get(group)
    if (sync === undefined) {
      // A full sync is owed as soon as one request wants it.
      sync = new Rerun<boolean>(async onlyMessages => {
        try {
          const r = this.records.get(group)
          if (onlyMessages && r !== undefined) await this.fetchMessages(r)
          else await this.syncGroup(group)
        } catch (err) {
          this.log('syncing group %s failed: %s', group, (err as Error).message)
        }
      }, { merge: (a, b) => a && b, go: () => this.running })
      this.syncs.set(group, sync)
    }
    return sync.request(messagesOnly)
  }

  /**
   * Asks the relay which groups this user is in, and syncs each (and each it
   * thought it was in). `full`: every group's states and history are asked
   * for (at login, on reconnecting to the relay, on request); otherwise
   * (the periodic poll) only what the relay's list shows has changed.
   */
  private async syncAll (full = true): Promise<void> {
    if (this.running) await this.syncingAll.request(full)
  }

  private async syncAllOnce (everything: boolean): Promise<void> {
    try {
      const { groups } = await this.components.rpc.call(RELAY, GROUP_LIST, {}, this.options())
      const listed = new Map(groups.map(g => [g.group, g]))
      const todo = new Map<GroupId, boolean>()
      for (const g of groups) {
        const r = this.records.get(g.group)
        const current = r !== undefined && g.epoch === r.head.state.epoch && g.leaves === 0 && r.missing.size === 0 && !r.leaving
        if (everything || !current) todo.set(g.group, false)
        else if (r.keys.size > 0 && g.last > r.cursor) todo.set(g.group, true)
      }
      for (const r of this.records.values()) {
        const mine = isMember(r.head.state, this.me) || r.leaving || r.missing.size > 0
        if (mine && !listed.has(r.group)) todo.set(r.group, false)
      }
      for (const [group, messagesOnly] of todo) if (this.running) await this.syncSoon(group, messagesOnly)
      for (const r of this.records.values()) this.flushSoon(r.group)
    } catch (err) {
      this.log('syncing groups failed: %s', (err as Error).message)
    }
  }

  private onPoke (group: GroupId, epoch: number): void {
    const r = this.records.get(group)
    // A state this node has already: nothing to ask, unless it is a leave request (same epoch).
    if (r !== undefined && epoch < r.head.state.epoch) return
    void this.syncSoon(group)
  }

  /** Fetches the history after this node's cursor; stops before a message whose key is not here yet. */
  private async fetchMessages (r: GroupRecord): Promise<void> {
    for (;;) {
      const reply = await this.components.rpc.call(RELAY, GROUP_FETCH, { group: r.group, after: r.cursor === '' ? undefined : r.cursor, limit: FETCH_BATCH }, this.options())
      let cursor = r.cursor
      let blocked = false
      for (const m of reply.messages) {
        let outcome: ReceiveOutcome | 'refused'
        try {
          outcome = await this.receive(GroupEnvelope.decode(m.envelope), 'relay')
        } catch (err) {
          this.log('refused a message of %s from the relay: %s', r.group, (err as Error).message)
          outcome = 'refused'
        }
        if (outcome === 'pending') {
          blocked = true
          break
        }
        cursor = m.cursor
      }
      if (!blocked) cursor = reply.cursor
      if (cursor !== r.cursor) {
        r.cursor = cursor
        await this.saveMeta(r)
      }
      if (blocked || !reply.more || !this.running) return
    }
  }

  // ---------------------------------------------------------------- receiving

  private listen (r: GroupRecord): void {
    if (r.listening || !this.running) return
    r.listening = true
    groupTopics(this.components.libp2p).add(this.networkId, r.group, this.onTopic)
  }

  private unlisten (r: GroupRecord): void {
    if (!r.listening) return
    r.listening = false
    groupTopics(this.components.libp2p).remove(this.networkId, r.group, this.onTopic)
  }

  /**
   * A message on a group's topic. One that came straight from its publisher
   * is not passed on: the publisher sends it to every subscriber it knows
   * (gossipsub flood publishing), and the relay, which every working member
   * is connected to, passes it on to anyone the publisher missed. That spares
   * every member the copies of every other member.
   */
  private readonly onTopic: GroupTopicHandler = async (message, group, _origin, direct) => {
    if (!this.running) return TopicValidatorResult.Ignore
    if (message.poke !== undefined) {
      this.onPoke(group, message.poke.epoch)
      return TopicValidatorResult.Accept
    }
    if (message.envelope === undefined) return TopicValidatorResult.Reject
    try {
      const outcome = await this.receive(message.envelope, 'topic')
      if (outcome !== 'ok' && outcome !== 'pending') return TopicValidatorResult.Ignore
      return direct ? TopicValidatorResult.Ignore : TopicValidatorResult.Accept
    } catch (err) {
      const code = codeOf(err) ?? 'INTERNAL'
      this.log('refused a message on %s: %s %s', group, code, (err as Error).message)
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
  async receive (input: GroupEnvelope | Uint8Array, source: 'topic' | 'relay' = 'topic'): Promise<ReceiveOutcome> {
    const env = input instanceof Uint8Array ? openEnvelope(input) : input
    checkEnvelope(env)
    // One message of a group at a time, in the order they came: events come out in that order too.
    return this.receiveLock.run(env.group, async () => this.receiveOne(env, source))
  }

  private async receiveOne (env: GroupEnvelope, source: 'topic' | 'relay'): Promise<ReceiveOutcome> {
    const r = this.records.get(env.group)
    if (r === undefined) throw new GroupError('UNKNOWN_GROUP', `no group ${env.group} here`)
    if (env.sender === this.me) return 'own'
    const head = r.head.state
    const at = r.states.get(env.epoch)
    if (at === undefined) {
      if (env.epoch > head.epoch) return this.wait(r, env, source)
      throw new GroupError('NO_KEY', `this user was not a member of epoch ${env.epoch}`)
    }
    if (!isMember(at, env.sender)) throw new GroupError('NOT_MEMBER', `${env.sender} is not a member of epoch ${env.epoch}`)
    if (source === 'topic' && env.epoch < head.epoch && !isMember(head, env.sender)) {
      throw new GroupError('REMOVED', `${env.sender} is no longer a member: its messages of epoch ${env.epoch} are refused`)
    }
    const epochKey = r.keys.get(env.epoch)
    if (epochKey === undefined) {
      if (isMember(at, this.me)) return this.wait(r, env, source)
      throw new GroupError('NO_KEY', `this user was not a member of epoch ${env.epoch}`)
    }
    const window = await this.window(r, env.epoch, env.sender)
    // Catching up from the relay mostly meets messages already had live: those cost no signature check.
    if (source === 'relay' && seen(window, env.seq)) return 'duplicate'
    if (!verifyEnvelopeSignature(this.networkId, env, await this.pinnedKey(env.sender))) {
      throw new GroupError('BAD_SIGNATURE', `the message is not signed by ${env.sender}'s identity key`)
    }
    // A (epoch, sender, seq) seen before is a replay: the sender never reuses one.
    if (seen(window, env.seq)) return 'duplicate'
    const payload = openGroupMessage(this.networkId, this.senderKeyFor(env.group, env.epoch, env.sender, epochKey), env)
    const message: GroupMessage = {
      id: payload.id,
      conversation: groupConversation(env.group),
      group: env.group,
      from: env.sender,
      to: groupConversation(env.group),
      text: clampText(payload.text),
      sentAt: payload.sentAt,
      receivedAt: this.clock(),
      hlc: env.hlc,
      direction: 'in',
      read: false
    }
    const { group: _group, ...chatMessage } = message
    const fresh = await this.timeline.record(chatMessage, true)
    mark(window, env.seq)
    this.saveWindow(this.windowKey(r, env.epoch, env.sender), window)
    if (!fresh) return 'duplicate'
    this.dispatchEvent(new CustomEvent('group:message', { detail: { ...message, epoch: env.epoch } }))
    return 'ok'
  }

  /** An envelope this node cannot read yet (a newer state, a key not unwrapped): kept a while, and the relay asked. */
  private wait (r: GroupRecord, env: GroupEnvelope, source: 'topic' | 'relay'): 'pending' {
    if (source === 'topic' && r.waiting.length < MAX_PENDING_ENVELOPES) r.waiting.push(env)
    void this.syncSoon(r.group)
    return 'pending'
  }

  /** Receives the held envelopes again, queued (in their order) ahead of anything arriving after. */
  private drainWaiting (r: GroupRecord): void {
    for (const env of r.waiting.splice(0)) {
      this.receive(env, 'topic').catch(err => {
        this.log('refused a held message of %s: %s', r.group, (err as Error).message)
      })
    }
  }

  private senderKeyFor (group: GroupId, epoch: number, sender: string, epochKey: Uint8Array): Uint8Array {
    const k = `${group}/${epoch}/${sender}`
    let key = this.senderKeys.get(k)
    if (key === undefined) {
      key = senderKey(epochKey, group, epoch, sender)
      if (this.senderKeys.size > 10_000) this.senderKeys.clear()
      this.senderKeys.set(k, key)
    }
    return key
  }

  /**
   * Seen seqs are written a moment later, many in one write. A restart that
   * loses the last ones loses nothing that matters: a replay of those messages
   * is still recognised by its message id in the history (Chat.record).
   */
  private saveWindow (key: string, w: Window): void {
    this.dirtyWindows.set(key, w)
    this.windowTimer ??= setTimeout(() => { void this.writeWindows() }, WINDOW_SAVE_MS)
  }

  private async writeWindows (): Promise<void> {
    clearTimeout(this.windowTimer)
    this.windowTimer = undefined
    if (this.dirtyWindows.size === 0) return
    const ops = [...this.dirtyWindows].map(([key, w]) => this.store.put(key, { max: w.max, missing: [...w.missing] }))
    this.dirtyWindows.clear()
    try {
      await this.store.write(ops)
    } catch (err) {
      this.log.error('could not save the seen seqs: %s', (err as Error).message)
    }
  }

  private windowKey (r: GroupRecord, epoch: number, sender: string): string {
    return `${r.prefix}r/${pad(epoch)}/${this.store.name(sender)}`
  }

  /** The seqs seen from a sender in an epoch (replay protection, persisted). */
  private async window (r: GroupRecord, epoch: number, sender: string): Promise<Window> {
    const k = `${r.group}/${epoch}/${sender}`
    let w = this.windows.get(k)
    if (w === undefined) {
      const stored = await this.store.get<{ max: number, missing: number[] }>(this.windowKey(r, epoch, sender))
      w = this.windows.get(k) ?? { max: stored?.max ?? 0, missing: new Set(stored?.missing ?? []) }
      this.windows.set(k, w)
    }
    return w
  }

  // ---------------------------------------------------------------- sending

  private outgoing (group: GroupId, id: string, text: string, sentAt: number, hlc: string): ChatMessage {
    return { id, conversation: groupConversation(group), from: this.me, to: groupConversation(group), text, sentAt, hlc, direction: 'out', status: 'pending' }
  }

  private flushState (group: GroupId): FlushState {
    let f = this.flushes.get(group)
    if (f === undefined) {
      f = { again: false, failures: 0 }
      this.flushes.set(group, f)
    }
    return f
  }

  /** Sends a group's outbox in `ms` (unless a round is under way or already due). */
  private flushLater (group: GroupId, ms: number): void {
    const f = this.flushState(group)
    if (f.running !== undefined || f.timer !== undefined || !this.running) return
    f.timer = setTimeout(() => { f.timer = undefined; this.flushSoon(group) }, ms)
  }

  /** Sends a group's outbox now (or right after the round under way). */
  private flushSoon (group: GroupId): void {
    if (!this.running) return
    const r = this.records.get(group)
    if (r === undefined || r.outbox.size === 0) return
    const f = this.flushState(group)
    if (f.running !== undefined) {
      f.again = true
      return
    }
    clearTimeout(f.timer)
    f.timer = undefined
    f.running = this.flush(r).then(result => {
      f.running = undefined
      if (result === 'retry') {
        f.failures++
        const delay = Math.min(this.init.retryMaxMs, this.init.retryMinMs * 2 ** Math.min(f.failures - 1, 10))
        if (this.running) f.timer = setTimeout(() => { f.timer = undefined; this.flushSoon(group) }, delay)
        return
      }
      f.failures = 0
      if (result === 'more' || f.again) {
        f.again = false
        this.flushSoon(group)
      }
    })
  }

  /**
   * One round: encrypts the next entries in the current epoch (the seq
   * counter and the envelopes in one write, before anything is published),
   * publishes them on the topic, and posts them to the relay; an entry leaves
   * the outbox once the relay has it. 'wait': the epoch's key is not here yet,
   * or a member's leave is pending (nothing new goes out in an epoch a leaver
   * still holds the key of).
   */
  private async flush (r: GroupRecord): Promise<'done' | 'more' | 'retry' | 'wait'> {
    try {
      let waiting = false
      const batch = await this.outLock.run(r.group, async () => {
        const out: Array<{ key: string, entry: OutEntry }> = []
        const ops: BatchOp[] = []
        const epochs = new Set<number>()
        for (const [key, entry] of r.outbox) {
          if (out.length >= POST_BATCH) break
          if (entry.envelope === undefined) {
            const verdict = this.sealable(r)
            if (verdict !== 'yes') {
              if (verdict === 'wait') {
                waiting = true
                break
              }
              await this.dropEntry(r, key, entry, r.leaving ? 'LEFT' : 'NOT_MEMBER')
              continue
            }
            epochs.add(this.sealEntry(r, entry))
            ops.push(this.store.put(key, entry))
          }
          out.push({ key, entry })
        }
        for (const epoch of epochs) ops.push(this.seqOp(r, epoch))
        // The seqs are on disk before anything is published: a restart never reuses one.
        await this.store.write(ops)
        return out
      })
      for (const b of batch) this.publish(r, b.entry)
      if (batch.length > 0) {
        const { results } = await this.components.rpc.call(RELAY, GROUP_POST, { envelopes: batch.map(b => fromBase64(b.entry.envelope!)) }, this.options())
        let retry = false
        for (const [i, b] of batch.entries()) {
          const code = results[i]?.code ?? 'INTERNAL'
          if (code === '') await this.settle(r, b.key, b.entry)
          else if (PERMANENT.has(code)) await this.dropEntry(r, b.key, b.entry, code)
          else retry = true
        }
        if (retry) return 'retry'
      }
      if (waiting) return 'wait'
      return r.outbox.size > 0 ? 'more' : 'done'
    } catch (err) {
      this.log('sending in %s failed: %s', r.group, (err as Error).message)
      return 'retry'
    }
  }

  /** Whether a new message may be encrypted now: in the head epoch, with its key, no leave pending. */
  private sealable (r: GroupRecord): 'yes' | 'wait' | 'drop' {
    const s = r.head.state
    if (!isMember(s, this.me) || r.leaving) return 'drop'
    // Nothing new goes out in an epoch a leaver still holds the key of.
    if (!r.keys.has(s.epoch) || r.leaves.size > 0) return 'wait'
    return 'yes'
  }

  /** Encrypts an entry in the head epoch under the next seq (the caller writes it with seqOp, under outLock). */
  private sealEntry (r: GroupRecord, entry: OutEntry): number {
    const s = r.head.state
    const seq = r.seqs.get(s.epoch) ?? 1
    r.seqs.set(s.epoch, seq + 1)
    const env = sealGroupMessage(this.networkId, this.senderKeyFor(r.group, s.epoch, this.me, r.keys.get(s.epoch)!),
      { group: r.group, epoch: s.epoch, sender: this.me, seq, hlc: entry.hlc },
      { id: entry.id, text: entry.text, sentAt: entry.sentAt }, this.account.identity())
    entry.epoch = s.epoch
    entry.seq = seq
    entry.envelope = toBase64(GroupEnvelope.encode(env))
    return s.epoch
  }

  private seqOp (r: GroupRecord, epoch: number): BatchOp {
    return this.store.put(`${r.prefix}q/${pad(epoch)}`, { next: r.seqs.get(epoch) ?? 1 })
  }

  /** Publishes an encrypted entry on the topic, once per run (the relay's copy is the backstop). */
  private publish (r: GroupRecord, entry: OutEntry): void {
    if (entry.envelope === undefined || this.published.has(entry.id)) return
    this.published.add(entry.id)
    void groupTopics(this.components.libp2p).publish(this.networkId, r.group, { envelope: GroupEnvelope.decode(fromBase64(entry.envelope)) })
  }

  private async settle (r: GroupRecord, key: string, entry: OutEntry): Promise<void> {
    await this.timeline.setStatus(groupConversation(r.group), [entry.id], 'sent', [this.store.del(key)])
    r.outbox.delete(key)
    this.published.delete(entry.id)
    this.dispatchEvent(new CustomEvent('group:status', { detail: { id: entry.id, group: r.group, status: 'sent' } }))
  }

  private async dropEntry (r: GroupRecord, key: string, entry: OutEntry, code: string): Promise<void> {
    await this.timeline.setStatus(groupConversation(r.group), [entry.id], 'failed', [this.store.del(key)])
    r.outbox.delete(key)
    this.published.delete(entry.id)
    this.log('dropped message %s of %s: %s', entry.id, r.group, code)
    this.dispatchEvent(new CustomEvent('group:status', { detail: { id: entry.id, group: r.group, status: 'failed', code } }))
  }

  // ---------------------------------------------------------------- views

  private info (r: GroupRecord): GroupInfo {
    const s = r.head.state
    return {
      group: r.group,
      name: s.name,
      epoch: s.epoch,
      members: usernames(s),
      admins: [...s.admins],
      member: isMember(s, this.me),
      leaving: r.leaving,
      pendingLeaves: [...r.leaves.keys()].sort(),
      author: s.author,
      change: s.change as GroupChange,
      subject: s.subject,
      time: s.time,
      hash: toHex(r.head.hash)
    }
  }

  private emitChanged (r: GroupRecord): void {
    this.dispatchEvent(new CustomEvent('group:changed', { detail: this.info(r) }))
  }
}

function seen (w: Window, seq: number): boolean {
  return seq <= w.max && !w.missing.has(seq)
}

/** Records a seq as seen; gaps below the highest are remembered (at most REPLAY_WINDOW of them). */
function mark (w: Window, seq: number): void {
  if (seq > w.max) {
    for (let s = Math.max(w.max + 1, seq - REPLAY_WINDOW); s < seq; s++) w.missing.add(s)
    w.max = seq
    if (w.missing.size > REPLAY_WINDOW) {
      const sorted = [...w.missing].sort((a, b) => a - b)
      for (const s of sorted.slice(0, sorted.length - REPLAY_WINDOW)) w.missing.delete(s)
    }
  } else {
    w.missing.delete(seq)
  }
}

