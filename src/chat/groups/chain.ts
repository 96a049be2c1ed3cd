/**
 * A group's chain of states on this node (docs/groups.md, "The state" and
 * "The epoch key"): the per-group record, loaded from the store and kept up
 * to date by applying each state from the relay (or committed by this user)
 * after checking it against the one before (or, after a gap, as an anchor
 * signed with the key the directory has for its author), and the epoch keys,
 * unwrapped at the KACLS with the relay's authorization.
 */
import { EPOCH_KEY_BYTES, epochResource, isMember, memberKey, openState, stateHash, usernames, verifyAnchor, verifyGenesis, verifyNext } from '../../groups/index.js'
import { equalBytes, fromBase64, toBase64, toHex } from '../../crypto/index.js'
import { isCode } from '../../errors.js'
import { KeyedLock } from '../../lock.js'
import { pad } from './context.js'
import { GroupError } from './errors.js'
import type { MemberContext } from './context.js'
import type { OutEntry } from './outbox.js'
import type { GroupEnvelope, GroupId, GroupState, VerifiedState } from '../../groups/index.js'
import type { BatchOp } from '../../../store/index.js'

/** Everything this node holds about one group. */
export interface GroupRecord {
  group: GroupId
  /** Storage key prefix: g/<keyed hash of the group id>/ */
  prefix: string
  head: VerifiedState
  /** The chain's states this node holds, by epoch, and their hashes */
  states: Map<number, GroupState>
  hashes: Map<number, Uint8Array>
  keys: Map<number, Uint8Array>
  /**
   * States of a branch this node followed and left for the relay's chain (a
   * healed fork: fork.ts), by epoch, with the keys it had for them: what was
   * sent under them stays readable; nothing is sent under them again.
   */
  offChain: Map<number, OffChainState[]>
  /**
   * The sent log: this user's messages a relay took, by storage key
   * (g/<h>/p/<hlc>/<id>), with the epoch and state (hex hash) each was sealed
   * under; should a fork undo that state, they go out again. The newest
   * `sentLogMax` are kept.
   */
  sent: Map<string, { epoch: number, state: string }>
  /** How many times the group moved to another branch: a history page read before a move is not where the cursor goes on from */
  moves: number
  /** The relay no longer lists this user though its latest state here does (told once: fork.ts) */
  unlisted: boolean
  /** Epochs this user is a member of whose key is not unwrapped yet */
  missing: Set<number>
  /** This user asked to leave (a pending leave request at the relay) */
  leaving: boolean
  /** Where fetching the relay's history goes on from */
  cursor: string
  /** Pending leave requests of other members: username -> SignedLeaveRequest */
  leaves: Map<string, Uint8Array>
  /** The outbox: entries by key, in send order (keys are added in hlc order, and a Map keeps that order) */
  outbox: Map<string, OutEntry>
  /** Envelopes from the topic waiting for a state or key */
  waiting: GroupEnvelope[]
  /** epoch -> the next seq this user sends in it */
  seqs: Map<number, number>
  listening: boolean
}

interface StoredState {
  bytes: string
  hash: string
}

/** A state of a branch this node left, kept to read what was sent under it. */
export interface OffChainState {
  state: GroupState
  hash: Uint8Array
  key?: Uint8Array
}

/** How an off-chain state is stored: g/<h>/x/<epoch>/<hex hash> */
interface StoredOffChain extends StoredState {
  key?: string
}

export interface Meta {
  cursor: string
  leaving: boolean
}

/** What applying a state sets off in the other parts (wired by the facade). */
export interface ChainHooks {
  /** This user is a member of the group's latest state: hear its topic */
  listen: (r: GroupRecord) => void
  /** ...no longer: stop */
  unlisten: (r: GroupRecord) => void
  /** `r.leaves` lost some requests (their users are gone): nothing more to do about them */
  leavesSettled: (r: GroupRecord) => void
  /** A state or key arrived: the envelopes held for it can be received */
  drain: (r: GroupRecord) => void
  /** This user left or was removed: what it had not sent yet is dropped with `code` */
  dropOutbox: (r: GroupRecord, code: 'REMOVED') => Promise<void>
  /** The outbox may be able to move (a key, a settled leave) */
  flush: (group: GroupId) => void
}

function offChainAt (r: GroupRecord, epoch: number): OffChainState[] {
  let list = r.offChain.get(epoch)
  if (list === undefined) {
    list = []
    r.offChain.set(epoch, list)
  }
  return list
}

/** The relay gave a state that parts from this node's chain: Sync heals the fork (fork.ts). */
const forked = (group: GroupId, epoch: number, what: string): GroupError =>
  new GroupError('FORKED', `the relay's state of epoch ${epoch} of group ${group} ${what}: the chain forked`)

function newRecord (group: GroupId, prefix: string, head: VerifiedState): GroupRecord {
  return {
    group, prefix, head, states: new Map(), hashes: new Map(), keys: new Map(), offChain: new Map(), sent: new Map(), moves: 0, unlisted: false,
    seqs: new Map(), missing: new Set(), leaving: false, cursor: '', leaves: new Map(), outbox: new Map(), waiting: [], listening: false
  }
}

export class Chain {
  /** A state's check against the head and its write go together, one state of a group at a time */
  private readonly lock = new KeyedLock()

  constructor (private readonly ctx: MemberContext, private readonly hooks: ChainHooks) {}

  /** Reads a group's record from the store (its outbox is the outbox's to read). */
  async load (group: GroupId): Promise<GroupRecord | undefined> {
    const { store, me } = this.ctx
    const prefix = this.ctx.prefix(group)
    let head: VerifiedState | undefined
    const states = new Map<number, GroupState>()
    const hashes = new Map<number, Uint8Array>()
    for await (const [, s] of store.entries<StoredState>(`${prefix}s/`)) {
      const bytes = fromBase64(s.bytes)
      const { state } = openState(bytes)
      states.set(state.epoch, state)
      hashes.set(state.epoch, fromBase64(s.hash))
      head = { state, bytes, hash: fromBase64(s.hash) }
    }
    if (head === undefined) return undefined
    const r = newRecord(group, prefix, head)
    r.states = states
    r.hashes = hashes
    for await (const [, x] of store.entries<StoredOffChain>(`${prefix}x/`)) {
      const { state } = openState(fromBase64(x.bytes))
      offChainAt(r, state.epoch).push({ state, hash: fromBase64(x.hash), ...(x.key !== undefined ? { key: fromBase64(x.key) } : {}) })
    }
    for await (const [key, k] of store.entries<{ key: string }>(`${prefix}k/`)) r.keys.set(Number(key.slice(-10)), fromBase64(k.key))
    for await (const [key, s] of store.entries<{ next: number }>(`${prefix}q/`)) r.seqs.set(Number(key.slice(-10)), s.next)
    const meta = await store.get<Meta>(`${prefix}meta`) ?? { cursor: '', leaving: false }
    r.leaving = meta.leaving
    r.cursor = meta.cursor
    for (const [epoch, s] of states) if (isMember(s, me) && !r.keys.has(epoch)) r.missing.add(epoch)
    this.ctx.records.set(group, r)
    return r
  }

  async saveMeta (r: GroupRecord): Promise<void> {
    await this.ctx.store.write([this.ctx.store.put(`${r.prefix}meta`, { cursor: r.cursor, leaving: r.leaving } satisfies Meta)])
  }

  /**
   * The key this user has on record for `username` (pinned at first sight
   * from the idp directory, which keeps it in memory; a key the user trusted
   * after a change is the one read from then on).
   */
  async pinnedKey (username: string): Promise<Uint8Array> {
    if (username === this.ctx.me) return this.ctx.account.identity().publicKey
    const known = await this.ctx.directory.known(username)
    if (known !== undefined) return new Uint8Array(Buffer.from(known.identityKey, 'hex'))
    const entry = await this.ctx.directory.lookup(username)
    await this.ctx.directory.check(entry.username, entry.identityKey)
    return entry.identityKey
  }

  /**
   * Checks and stores a state from the relay (or one this user just
   * committed, with its epoch key): the next in the chain, or an anchor after
   * a gap whose author's key must be the one the directory has.
   */
  async applyState (group: GroupId, bytes: Uint8Array, ownKey?: Uint8Array): Promise<void> {
    const { ctx } = this
    const { state } = openState(bytes)
    const epoch = state.epoch
    const changed = await this.lock.run(group, async () => {
      const r = ctx.records.get(group)
      if (r !== undefined && state.epoch <= r.head.state.epoch) {
        const held = r.hashes.get(state.epoch)
        if (held !== undefined && !equalBytes(held, stateHash(bytes))) throw forked(group, state.epoch, 'is another state than the one this node holds')
        return false
      }
      if (r !== undefined && state.epoch === r.head.state.epoch + 1 && !equalBytes(state.previous, r.head.hash)) {
        throw forked(group, state.epoch, `does not follow this node's epoch ${r.head.state.epoch}`)
      }
      const verified = await this.verify(group, r, bytes, state)
      const s = verified.state
      const prefix = r?.prefix ?? ctx.prefix(group)
      const ops: BatchOp[] = [ctx.store.put(`${prefix}s/${pad(s.epoch)}`, { bytes: toBase64(bytes), hash: toBase64(verified.hash) } satisfies StoredState)]
      if (ownKey !== undefined) ops.push(ctx.store.put(`${prefix}k/${pad(s.epoch)}`, { key: toBase64(ownKey) }))
      if (r === undefined) ops.push(ctx.store.put(ctx.listKey(group), { group }))
      await ctx.store.write(ops)
      const wasMember = r !== undefined && isMember(r.head.state, ctx.me)
      const rec = r ?? newRecord(group, prefix, verified)
      rec.head = verified
      rec.states.set(s.epoch, s)
      rec.hashes.set(s.epoch, verified.hash)
      ctx.records.set(group, rec)
      const member = isMember(s, ctx.me)
      if (member) {
        if (ownKey !== undefined) rec.keys.set(s.epoch, ownKey)
        else rec.missing.add(s.epoch)
        this.hooks.listen(rec)
      }
      // Leave requests of those gone are settled; the others stay pending.
      const before = rec.leaves.size
      for (const u of [...rec.leaves.keys()]) if (!isMember(s, u)) rec.leaves.delete(u)
      if (rec.leaves.size < before) this.hooks.leavesSettled(rec)
      if (!member && (wasMember || rec.leaving)) await this.removed(rec)
      ctx.log('group %s is at epoch %d (%s %s by %s)', group, s.epoch, s.change, s.subject, s.author)
      return member || wasMember
    })
    const r = ctx.records.get(group)
    if (r === undefined) return
    if (r.missing.size > 0) await this.fetchKeys(r)
    this.hooks.drain(r)
    // Told once the new epoch's key is here (when the KACLS answers): a member told of a group can read it.
    if (changed && r.head.state.epoch === epoch) ctx.changed(r)
    this.hooks.flush(group)
  }

  private async verify (group: GroupId, r: GroupRecord | undefined, bytes: Uint8Array, state: GroupState): Promise<VerifiedState> {
    const { networkId, me } = this.ctx
    if (r !== undefined && state.epoch === r.head.state.epoch + 1) return verifyNext(networkId, r.head, bytes)
    // A member sees every state it is in: a gap is only for one that was out (removed, or never in).
    if (r !== undefined && isMember(r.head.state, me)) {
      throw new GroupError('BAD_STATE', `the relay skipped from epoch ${r.head.state.epoch} to ${state.epoch} of group ${group}`)
    }
    return this.verifyAnchor(group, bytes)
  }

  /** A state taken without its predecessor: signed by its author with the key the directory has for it. */
  async verifyAnchor (group: GroupId, bytes: Uint8Array): Promise<VerifiedState> {
    const { state } = openState(bytes)
    const verified = state.epoch === 1 ? verifyGenesis(this.ctx.networkId, bytes) : verifyAnchor(this.ctx.networkId, bytes)
    const listed = memberKey(verified.state, verified.state.author)!
    if (!equalBytes(listed, await this.pinnedKey(verified.state.author))) {
      throw new GroupError('KEY_MISMATCH', `epoch ${state.epoch} of group ${group} is signed with a key the directory does not have for ${verified.state.author}`)
    }
    return verified
  }

  /**
   * Moves a group off the branch it followed after epoch `ancestor` onto
   * `branch` (the relay's chain after it, each state checked: fork.ts). This
   * node's states after the ancestor are kept off the chain (x/<epoch>/<hash>)
   * with their keys, to read what was sent under them; the branch becomes the
   * chain, its keys unwrapped at the KACLS like any state's; the history is
   * read again from its start (the other side's messages of the split may be
   * filed before where this node had read to: each is recorded once).
   * `rebase` (the outbox) runs once that is written, before a removal drops
   * what this user had not sent. Resolves undefined, having changed nothing,
   * if the head is no longer `from`.
   */
  async rewind<T> (group: GroupId, from: Uint8Array, ancestor: number, branch: VerifiedState[], rebase: (r: GroupRecord, lost: OffChainState[]) => Promise<T>): Promise<{ lost: OffChainState[], rebased: T } | undefined> {
    const { ctx } = this
    const { store, me } = ctx
    const top = branch.at(-1)
    if (top === undefined) throw new Error('a rewind needs a branch')
    const done = await this.lock.run(group, async () => {
      const r = ctx.records.get(group)
      if (r === undefined || !equalBytes(r.head.hash, from)) return undefined
      const ops: BatchOp[] = []
      const taken = new Set(branch.map(v => v.state.epoch))
      const lost: OffChainState[] = []
      for (const [epoch, state] of [...r.states].filter(([e]) => e > ancestor).sort(([a], [b]) => a - b)) {
        const hash = r.hashes.get(epoch)!
        const held = await store.get<StoredState>(`${r.prefix}s/${pad(epoch)}`)
        const key = r.keys.get(epoch)
        lost.push({ state, hash, ...(key !== undefined ? { key } : {}) })
        if (held !== undefined) {
          ops.push(store.put(`${r.prefix}x/${pad(epoch)}/${toHex(hash)}`, { ...held, ...(key !== undefined ? { key: toBase64(key) } : {}) } satisfies StoredOffChain))
        }
        if (!taken.has(epoch)) ops.push(store.del(`${r.prefix}s/${pad(epoch)}`))
        ops.push(store.del(`${r.prefix}k/${pad(epoch)}`))
      }
      for (const v of branch) ops.push(store.put(`${r.prefix}s/${pad(v.state.epoch)}`, { bytes: toBase64(v.bytes), hash: toBase64(v.hash) } satisfies StoredState))
      ops.push(store.put(`${r.prefix}meta`, { cursor: '', leaving: r.leaving } satisfies Meta))
      await store.write(ops)
      const wasMember = isMember(r.head.state, me)
      for (const l of lost) {
        r.states.delete(l.state.epoch)
        r.hashes.delete(l.state.epoch)
        r.keys.delete(l.state.epoch)
        r.missing.delete(l.state.epoch)
        offChainAt(r, l.state.epoch).push(l)
      }
      for (const v of branch) {
        r.states.set(v.state.epoch, v.state)
        r.hashes.set(v.state.epoch, v.hash)
        if (isMember(v.state, me)) r.missing.add(v.state.epoch)
      }
      r.head = top
      r.cursor = ''
      r.moves++
      r.unlisted = false
      const rebased = await rebase(r, lost)
      const member = isMember(top.state, me)
      if (member) this.hooks.listen(r)
      const before = r.leaves.size
      for (const u of [...r.leaves.keys()]) if (!isMember(top.state, u)) r.leaves.delete(u)
      if (r.leaves.size < before) this.hooks.leavesSettled(r)
      if (!member && (wasMember || r.leaving)) await this.removed(r)
      ctx.log('group %s moved to the relay\'s chain after epoch %d: at epoch %d now (%d states left off it)', group, ancestor, top.state.epoch, lost.length)
      return { r, lost, rebased }
    })
    if (done === undefined) return undefined
    if (done.r.missing.size > 0) await this.fetchKeys(done.r)
    this.hooks.drain(done.r)
    this.hooks.flush(group)
    return { lost: done.lost, rebased: done.rebased }
  }

  /** This user is no longer a member: stop listening, drop what can no longer be sent. */
  private async removed (r: GroupRecord): Promise<void> {
    this.hooks.unlisten(r)
    r.leaves.clear()
    this.hooks.leavesSettled(r)
    r.leaving = false
    await this.saveMeta(r)
    await this.hooks.dropOutbox(r, 'REMOVED')
  }

  /** Unwraps the epoch keys this user should have and does not yet (the KACLS may have been away). */
  async fetchKeys (r: GroupRecord): Promise<void> {
    for (const epoch of [...r.missing].sort((a, b) => a - b)) {
      const state = r.states.get(epoch)
      if (state === undefined || r.keys.has(epoch)) {
        r.missing.delete(epoch)
        continue
      }
      try {
        const key = await this.unwrap(state)
        await this.ctx.store.write([this.ctx.store.put(`${r.prefix}k/${pad(epoch)}`, { key: toBase64(key) })])
        r.keys.set(epoch, key)
        r.missing.delete(epoch)
        // What came in before the key did goes first.
        this.hooks.drain(r)
      } catch (err) {
        this.ctx.log('cannot unwrap the key of epoch %d of %s yet: %s', epoch, r.group, (err as Error).message)
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
    const { relay, kacls } = this.ctx.network
    const resource = epochResource(state.group, state.epoch)
    const token = await relay.authorize(resource, this.ctx.account.identity().publicKey)
    const reply = await kacls.unwrap(state.wrappedKey, resource, `group message key, epoch ${state.epoch}`, token)
    const mismatch = (what: string): GroupError => {
      reply.key.fill(0)
      return new GroupError('KEY_MISMATCH', `the key of epoch ${state.epoch} of ${state.group} ${what}: not used`)
    }
    if (reply.wrappedBy !== state.author) throw mismatch(`was wrapped by ${reply.wrappedBy}, not by the state's author ${state.author}`)
    if (reply.authorized.join(',') !== usernames(state).join(',')) throw mismatch('is bound to other users than the state\'s members')
    if (reply.key.byteLength !== EPOCH_KEY_BYTES) throw mismatch(`is ${reply.key.byteLength} bytes, not ${EPOCH_KEY_BYTES}`)
    // A copy of its own, a plain Uint8Array (a reply's bytes may be a Buffer, or a view of a larger frame).
    const key = new Uint8Array(reply.key)
    reply.key.fill(0)
    return key
  }

  /** Resolves once no state is being applied. */
  async idle (): Promise<void> {
    await this.lock.idle()
  }
}
