/**
 * The relay as the groups' membership authority and history keeper
 * (docs/groups.md, "The relay"). Each group is a replicated doc of its
 * states, pending leave requests and history, which the relay reads as
 * materialized in the store (group-layout.ts); its chain is one path through
 * its states, the same on every node (group-chain.ts). A state is accepted
 * only on top of the chain's head (compare-and-swap on the previous state's
 * hash), under the group doc's lock.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { fromHex, sha256, toHex, tokenBoundTo } from '../../crypto/index.js'
import { ServiceError } from '../errors.js'
import { replicationOf } from '../replicated.js'
import {
  encodeHistory, FILER, FILER_KEY, GROUP_DOCS, headKey, histKey, leavePrefix, materialize, memberPrefix, msgPrefix, nextKey, pad, stateKey
} from './group-layout.js'
import { parseCursor, readHistory } from './group-history.js'
import { canonicalChain, offChainReach } from './group-chain.js'
import { filerEntries } from './cursor.js'
import { prefixEnd } from '../../../store/index.js'
import type { ServiceErrorCode } from '../errors.js'
import {
  epochResource, GroupEnvelope, GroupStateError, isMember, memberKey, openEnvelope, parseEpochResource, verifyEnvelopeSignature,
  verifyGenesis, verifyLeaveRequest, openLeaveRequest, verifyNext, openState, MAX_STATE_CLOCK_SKEW_MS, checkGroupId, checkEnvelope,
  MAX_GROUP_ENVELOPE_BYTES
} from '../../groups/index.js'
import type { GroupId, VerifiedState } from '../../groups/index.js'
import type { PolicyCheck } from './policy.js'
import type { GroupFetchResponse, GroupStatesResponse, GroupSummary } from './pb/relay.js'
import type { IdentityTokenClaims } from '../../crypto/index.js'
import type { HeadRecord } from './group-layout.js'
import type { ChainLink } from './group-chain.js'
import type { GroupState } from '../../groups/index.js'
import type { Replication } from '../../replication/index.js'
import type { KV, Store } from '../../../store/index.js'

export interface RelayGroupsInit {
  networkId: string
  clock: () => number
  /** Messages kept per group; the oldest go first */
  maxMessages: number
  /** Envelope bytes kept per group; the oldest go first */
  maxBytes: number
  /** States per groupStates reply */
  maxStatesPerReply: number
  /** The identity key a user published with its prekey bundle, if any: a state must list that one */
  publishedKey: (username: string) => Promise<Uint8Array | undefined>
  /** A state was accepted */
  onCommit: (group: GroupId, state: VerifiedState, created: boolean) => void
  /** A leave request was stored */
  onLeave: (group: GroupId, epoch: number) => void
  /** Envelopes came from a replica filed below what this node had seen (a partition healed): its members may lack them */
  onMerged?: (group: GroupId, epoch: number) => void
}

/** A group's states as the chain rule sees them, when some are off its chain (a fork's losing branches). */
interface OffChain {
  links: ChainLink[]
  chain: ChainLink[]
  /** By hex hash */
  states: Map<string, GroupState>
}

/** Verified states kept in memory (they are small and read on every message). */
const STATE_CACHE = 4096

const refuse = (code: ServiceErrorCode, message: string): ServiceError => new ServiceError(code, message)

export class RelayGroups {
  private readonly json: KV<unknown>
  private readonly raw: KV<Uint8Array>
  private readonly init: RelayGroupsInit
  private readonly heads = new Map<GroupId, HeadRecord | null>()
  private readonly states = new Map<string, VerifiedState>()
  /** Each group's states as the chain rule sees them when some are off its chain, else null (read from its doc when first asked, again after its states change) */
  private readonly offChain = new Map<GroupId, OffChain | null>()
  private readonly replication: Replication
  private filing?: Promise<string>
  /** Groups whose change being committed merged envelopes in below what this node had seen, and their epoch */
  private readonly merged = new Map<GroupId, number>()

  constructor (store: Store, init: RelayGroupsInit, replication?: Replication) {
    this.json = store.sublevel<unknown>('relay', 'json')
    this.raw = store.sublevel('relay', 'bytes')
    this.init = init
    this.replication = replication ?? replicationOf({ store, keys: { networkId: init.networkId } as never, clock: init.clock })
    this.replication.define({
      prefix: GROUP_DOCS,
      role: 'relay',
      materialize: async (doc, changes) => {
        const group = doc.slice(GROUP_DOCS.length)
        // The states changed: which are off the chain is read again when next asked (history changes leave it).
        if (changes.some(c => c.key.startsWith('s/'))) this.offChain.delete(group)
        return materialize(group, this.replication.docs.get(doc)!, changes, this.json, this.raw, epoch => { this.merged.set(group, epoch) })
      },
      committed: doc => {
        const group = doc.slice(GROUP_DOCS.length)
        this.forget(group)
        const epoch = this.merged.get(group)
        if (epoch === undefined) return
        this.merged.delete(group)
        this.init.onMerged?.(group, epoch)
      }
    })
  }

  async idle (): Promise<void> {
    await this.replication.lock.idle()
  }

  /** This node's filer tag: made once, kept in the store (docs/groups.md, "The relay"). */
  private async filer (): Promise<string> {
    this.filing ??= (async () => {
      const held = await this.json.get(FILER_KEY)
      if (typeof held === 'string' && FILER.test(held)) return held
      let tag = '00000000'
      while (tag === '00000000') tag = randomBytes(4).toString('hex')
      await this.json.put(FILER_KEY, tag)
      return tag
    })()
    return this.filing
  }

  /** The cached head and states of a group are stale (its doc changed). */
  private forget (group: GroupId): void {
    this.heads.delete(group)
    for (const k of [...this.states.keys()]) if (k.startsWith(`${group}/`)) this.states.delete(k)
  }

  /** Every group held (to listen on their topics at start). */
  async groupIds (): Promise<GroupId[]> {
    const ids: GroupId[] = []
    for await (const key of this.json.keys({ gte: 'group-head/', lt: prefixEnd('group-head/') })) ids.push(key.slice('group-head/'.length))
    return ids
  }

  async head (group: GroupId): Promise<HeadRecord | undefined> {
    let head = this.heads.get(group)
    if (head === undefined) {
      head = (await this.json.get(headKey(group)) as HeadRecord | undefined) ?? null
      this.heads.set(group, head)
    }
    return head ?? undefined
  }

  async state (group: GroupId, epoch: number): Promise<VerifiedState | undefined> {
    const k = `${group}/${epoch}`
    const cached = this.states.get(k)
    if (cached !== undefined) return cached
    const bytes = await this.raw.get(stateKey(group, epoch))
    if (bytes === undefined) return undefined
    const { state } = openState(bytes)
    const verified: VerifiedState = { state, bytes, hash: new Uint8Array(0) }
    this.remember(group, verified)
    return verified
  }

  private remember (group: GroupId, s: VerifiedState): void {
    if (this.states.size >= STATE_CACHE) this.states.delete(this.states.keys().next().value!)
    this.states.set(`${group}/${s.state.epoch}`, s)
  }

  private async current (group: GroupId): Promise<{ head: HeadRecord, state: VerifiedState }> {
    const head = await this.head(group)
    if (head === undefined) throw refuse('UNKNOWN_GROUP', `the relay holds no group ${group}`)
    const state = await this.state(group, head.epoch)
    if (state === undefined) throw new Error(`group ${group} has no state for its head epoch ${head.epoch}`)
    return { head, state: { ...state, hash: fromHex(head.hash) } }
  }

  private async memberAt (group: GroupId, epoch: number, username: string): Promise<boolean> {
    const s = await this.state(group, epoch)
    return s !== undefined && isMember(s.state, username)
  }

  // ---------------------------------------------------------------- states

  /**
   * Accepts the first state of a new group, or the next state of a group on
   * top of the current one (CONFLICT otherwise: the caller fetches the new
   * state, applies its change again and retries).
   */
  async commit (caller: IdentityTokenClaims, bytes: Uint8Array): Promise<{ epoch: number, hash: Uint8Array }> {
    const { state } = openState(bytes)
    if (state.author !== caller.sub) throw refuse('NOT_AUTHOR', `a state is committed by its author (${state.author}), not by ${caller.sub}`)
    if (state.time > this.init.clock() + MAX_STATE_CLOCK_SKEW_MS) throw new GroupStateError('BAD_STATE', 'the state is dated in the future')
    checkGroupId(state.group)
    const done = await this.replication.mutate(`${GROUP_DOCS}${state.group}`, async tx => {
      const head = await this.head(state.group)
      let verified: VerifiedState
      let previous: VerifiedState | undefined
      if (state.epoch === 1) {
        if (head !== undefined) throw refuse('GROUP_EXISTS', `group ${state.group} exists: pick a new random id`)
        verified = verifyGenesis(this.init.networkId, bytes)
      } else {
        if (head === undefined) throw refuse('UNKNOWN_GROUP', `the relay holds no group ${state.group}`)
        if (state.epoch !== head.epoch + 1 || toHex(state.previous) !== head.hash) {
          throw refuse('CONFLICT', `group ${state.group} is at epoch ${head.epoch} now: fetch it, apply the change again and retry`)
        }
        previous = (await this.current(state.group)).state
        verified = verifyNext(this.init.networkId, previous, bytes)
      }
      const authorKey = memberKey((previous ?? verified).state, state.author)!
      if (!tokenBoundTo(caller, authorKey)) throw refuse('TOKEN_CNF_MISMATCH', 'the state\'s author key is not the one your identity token is bound to')
      const before = new Set(previous?.state.members.map(m => m.username) ?? [])
      const after = new Set(verified.state.members.map(m => m.username))
      for (const m of verified.state.members) {
        if (before.has(m.username)) continue
        const published = await this.init.publishedKey(m.username)
        if (published !== undefined && Buffer.compare(Buffer.from(published), Buffer.from(m.identityKey)) !== 0) {
          throw new GroupStateError('KEY_MISMATCH', `the identity key listed for ${m.username} is not the one ${m.username} published: look it up again`)
        }
      }
      tx.put(`s/${pad(state.epoch, 10)}/${toHex(verified.hash)}`, bytes)
      for (const u of before) if (!after.has(u)) tx.del(`l/${u}`)
      return { verified, created: head === undefined }
    }, { durable: true })
    this.init.onCommit(state.group, done.verified, done.created)
    return { epoch: done.verified.state.epoch, hash: done.verified.hash }
  }

  /**
   * The states after `after` the caller may see: those it is a member of,
   * the one before each (its anchor, to check the next against), and the one
   * that removed it; and, to a member of a state off the chain, what it
   * needs to check that its branch lost (offChainShown). Pending leave
   * requests to members of the current state.
   */
  async statesAfter (caller: IdentityTokenClaims, group: GroupId, after: number): Promise<GroupStatesResponse> {
    checkGroupId(group)
    const { head } = await this.current(group)
    const u = caller.sub
    const out: Uint8Array<ArrayBuffer>[] = []
    let more = false
    const shown = await this.offChainShown(group, head, u)
    for (let e = after + 1; e <= head.epoch; e++) {
      const visible = await this.memberAt(group, e, u) ||
        (e < head.epoch && await this.memberAt(group, e + 1, u)) ||
        (e > 1 && await this.memberAt(group, e - 1, u)) ||
        shown.some(r => r.from <= e && e <= r.to)
      if (!visible) continue
      if (out.length >= this.init.maxStatesPerReply) {
        more = true
        break
      }
      out.push((await this.state(group, e))!.bytes as Uint8Array<ArrayBuffer>)
    }
    const member = await this.memberAt(group, head.epoch, u)
    if (out.length === 0 && !member) throw refuse('NOT_MEMBER', `${u} is not a member of group ${group}`)
    const leaves: Uint8Array<ArrayBuffer>[] = []
    if (member) {
      for await (const value of this.raw.values({ gte: leavePrefix(group), lt: prefixEnd(leavePrefix(group)) })) leaves.push(new Uint8Array(value))
    }
    return { states: out, more, leaves, head: head.epoch }
  }

  /**
   * The chain's epochs shown to `user` for being a member of a state off the
   * chain (added on a branch that lost: group-chain.ts, offChainReach): the
   * state its branch parts from and the chain's states after it up to the
   * first that wins against that branch, so that its node can check the
   * chain with a member's rules; none when the group has no fork.
   */
  private async offChainShown (group: GroupId, head: HeadRecord, user: string): Promise<Array<{ from: number, to: number }>> {
    let held = this.offChain.get(group)
    if (held === undefined) {
      held = null
      const doc = await this.replication.open(`${GROUP_DOCS}${group}`)
      const keys = doc.keys('s/')
      // One state per epoch of the chain and none else: no fork.
      if (keys.length > head.epoch) {
        const links: ChainLink[] = []
        const states = new Map<string, GroupState>()
        for (const key of keys) {
          const bytes = doc.get(key)
          if (bytes === undefined) continue
          let state: GroupState
          try {
            state = openState(bytes).state
          } catch {
            continue
          }
          const hash = toHex(sha256(bytes))
          links.push({ epoch: state.epoch, hash, previous: toHex(state.previous) })
          states.set(hash, state)
        }
        held = { links, chain: canonicalChain(links), states }
      }
      this.offChain.set(group, held)
    }
    if (held === null) return []
    const { states } = held
    return offChainReach(held.links, held.chain, l => isMember(states.get(l.hash)!, user))
  }

  /** The groups the caller is a member of now. */
  async list (caller: IdentityTokenClaims): Promise<GroupSummary[]> {
    const out: GroupSummary[] = []
    const prefix = memberPrefix(caller.sub)
    for await (const key of this.json.keys({ gte: prefix, lt: prefixEnd(prefix) })) {
      const group = key.slice(prefix.length)
      const head = await this.head(group)
      if (head === undefined) continue
      let leaves = 0
      for await (const _ of this.raw.keys({ gte: leavePrefix(group), lt: prefixEnd(leavePrefix(group)) })) leaves++
      const last = head.next > 1 ? pad(head.next - 1, 16) : ''
      out.push({ group, epoch: head.epoch, last, leaves, hash: fromHex(head.hash), filers: last === '' ? '' : filerEntries(last, head.filers ?? {}) })
      if (out.length >= 1000) break
    }
    return out
  }

  /** Keeps a member's signed leave request until someone makes the epoch without it. */
  async leave (caller: IdentityTokenClaims, bytes: Uint8Array): Promise<GroupId> {
    const group = checkGroupId(openLeaveRequest(bytes).request.group)
    const epoch = await this.replication.mutate(`${GROUP_DOCS}${group}`, async tx => {
      const { state } = await this.current(group)
      const request = verifyLeaveRequest(this.init.networkId, state.state, bytes, caller.sub)
      if (!tokenBoundTo(caller, memberKey(state.state, caller.sub)!)) throw refuse('TOKEN_CNF_MISMATCH', 'the leave request\'s key is not the one your identity token is bound to')
      tx.put(`l/${request.username}`, bytes)
      return state.state.epoch
    }, { durable: true })
    this.init.onLeave(group, epoch)
    return group
  }

  // ---------------------------------------------------------------- messages

  /**
   * Keeps an envelope in the group's history if its sender may send it: a
   * member of its epoch, still a member now if the epoch is older, signed
   * with the key the state lists. `caller`, for a post, must be the sender.
   * Resolves false for an envelope already held (same epoch, sender, seq).
   */
  async keep (env: GroupEnvelope, caller?: IdentityTokenClaims): Promise<{ stored: boolean }> {
    checkEnvelope(env)
    const bytes = GroupEnvelope.encode(env)
    if (bytes.byteLength > MAX_GROUP_ENVELOPE_BYTES) throw new GroupStateError('TOO_LARGE', `a group envelope is at most ${MAX_GROUP_ENVELOPE_BYTES} bytes`)
    const { head, state: current } = await this.current(env.group)
    if (env.epoch > head.epoch) throw refuse('UNKNOWN_EPOCH', `group ${env.group} has no epoch ${env.epoch} yet`)
    const at = env.epoch === head.epoch ? current : await this.state(env.group, env.epoch)
    const key = at === undefined ? undefined : memberKey(at.state, env.sender)
    if (key === undefined) throw refuse('NOT_MEMBER', `${env.sender} is not a member of epoch ${env.epoch}`)
    if (env.epoch < head.epoch && !isMember(current.state, env.sender)) throw refuse('REMOVED', `${env.sender} is no longer a member of the group`)
    if (caller !== undefined) {
      if (caller.sub !== env.sender) throw refuse('NOT_SENDER', `${caller.sub} may post only its own envelopes, not ${env.sender}'s`)
      if (!tokenBoundTo(caller, key)) throw refuse('TOKEN_CNF_MISMATCH', 'the group lists another identity key for you than your token\'s')
    }
    if (!verifyEnvelopeSignature(this.init.networkId, env, key)) throw refuse('BAD_SIGNATURE', `the envelope is not signed by ${env.sender}`)
    const filer = await this.filer()
    return this.replication.mutate(`${GROUP_DOCS}${env.group}`, async tx => {
      const key = histKey(env)
      if (tx.has(key)) return { stored: false }
      const h = (await this.head(env.group))!
      let count = h.count + 1
      let held = h.bytes + bytes.byteLength
      // Over the group's quota: the oldest messages go.
      if (count > this.init.maxMessages || held > this.init.maxBytes) {
        const prefix = msgPrefix(env.group)
        for await (const [, value] of this.raw.iterator({ gte: prefix, lt: prefixEnd(prefix) })) {
          if (count <= this.init.maxMessages && held <= this.init.maxBytes) break
          let oldest: GroupEnvelope
          try {
            oldest = GroupEnvelope.decode(value)
          } catch {
            continue
          }
          if (!tx.has(histKey(oldest))) continue
          tx.del(histKey(oldest))
          count--
          held -= value.byteLength
        }
      }
      // Above every ord this node has seen of the group (its own filings' ords only go up), and about the time in microseconds.
      const seen = await this.json.get(nextKey(env.group)) as number | undefined
      const ord = Math.max(this.init.clock() * 1000 + randomInt(1000), h.next, seen ?? 0)
      tx.put(key, encodeHistory(ord, bytes, filer))
      return { stored: true }
    }, { durable: caller !== undefined })
  }

  /** Decodes and keeps a posted envelope (see keep). */
  async post (caller: IdentityTokenClaims, bytes: Uint8Array): Promise<{ stored: boolean }> {
    return this.keep(openEnvelope(bytes), caller)
  }

  /**
   * The group's history after `after`: the envelopes of epochs the caller is
   * (or was) a member of, within `limit` messages and about `budget` bytes;
   * first those merged in below the cursor since it was given, then the
   * newer ones, oldest first (group-history.ts).
   */
  async fetch (caller: IdentityTokenClaims, group: GroupId, after: string | undefined, limit: number, budget: number): Promise<GroupFetchResponse> {
    checkGroupId(group)
    const cursor = after === undefined ? undefined : parseCursor(after)
    // The head (its filers) before the history: what a cursor given now claims is all in what is read after.
    const { head } = await this.current(group)
    const memberOf = new Map<number, boolean>()
    return readHistory({
      group,
      raw: this.raw,
      json: this.json,
      filers: head.filers ?? {},
      limit,
      budget,
      visible: async epoch => {
        let member = memberOf.get(epoch)
        if (member === undefined) {
          member = await this.memberAt(group, epoch, caller.sub)
          memberOf.set(epoch, member)
        }
        return member
      }
    }, cursor)
  }

  // ---------------------------------------------------------------- authorization

  /** The group/ policy: a user may have group/<id>/epoch/<n> iff a member of the group at epoch n. */
  readonly check: PolicyCheck = async (username, resource) => {
    const parsed = parseEpochResource(resource)
    if (parsed === undefined) throw refuse('BAD_REQUEST', `a group resource is ${epochResource('<32 hex>', 1).replace('/1', '/<epoch>')}`)
    return this.memberAt(parsed.group, parsed.epoch, username)
  }
}
