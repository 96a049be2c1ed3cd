/**
 * Membership changes (docs/groups.md, "Who may change what" and "Concurrent
 * changes"): create, invite, kick, promote and leave, each a new state with a
 * fresh epoch key wrapped by the KACLS for its members, committed at the
 * relay by compare-and-swap and made again on top of a concurrent change
 * that won. Leave requests of other members are turned into the epoch
 * without them by the remaining member ranked first, the next ones later.
 */
import { randomBytes } from 'node:crypto'
import {
  EPOCH_KEY_BYTES, MAX_GROUP_MEMBERS, checkGroupId, checkGroupName, epochResource, isAdmin, isMember, membersAfter, signLeaveRequest, signState,
  successorAdmin, usernames, verifyLeaveRequest
} from '../../groups/index.js'
import { isCode } from '../../errors.js'
import { KeyedLock } from '../../lock.js'
import { canonicalUsername } from '../../usernames.js'
import { GroupError } from './errors.js'
import type { Chain, GroupRecord } from './chain.js'
import type { GroupInfo, MemberContext } from './context.js'
import type { GroupChange, GroupId, GroupMember, GroupState, VerifiedState } from '../../groups/index.js'

/** A membership change, before it is signed. */
interface Draft {
  change: GroupChange
  subject: string
  members: GroupMember[]
  admins: string[]
  leaveRequest?: Uint8Array
}

export interface MembershipDeps {
  chain: Pick<Chain, 'applyState' | 'saveMeta'>
  /** The group's states, leaves and keys from the relay: what a change is made on top of */
  syncStates: (group: GroupId) => Promise<GroupRecord | undefined>
  /** This user left: what it had not encrypted yet is dropped */
  dropUnsealed: (r: GroupRecord, code: 'LEFT') => Promise<void>
}

/** After a lost compare-and-swap, wait up to this long times the attempt before the next, so rivals spread out. */
const CONFLICT_JITTER_MS = 50

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class Membership {
  /** Changes of a group made here, one at a time: they would only lose the compare-and-swap to each other */
  private readonly lock = new KeyedLock()
  /** Leave requests this node is due to turn into an epoch: group -> leaver -> the staggered timer */
  private readonly leaveTimers = new Map<GroupId, Map<string, ReturnType<typeof setTimeout>>>()

  constructor (private readonly ctx: MemberContext, private readonly deps: MembershipDeps) {}

  /** Creates a group with this user as its admin and `members` (usernames) as its first members. */
  async create (name: string, members: string[]): Promise<GroupInfo> {
    const { ctx } = this
    checkGroupName(name)
    if (!Array.isArray(members)) throw new GroupError('BAD_MEMBERS', 'members: a list of usernames')
    const names = [...new Set([ctx.me, ...members.map(m => canonicalUsername(m))])].sort()
    if (names.length > MAX_GROUP_MEMBERS) throw new GroupError('TOO_MANY_MEMBERS', `a group has at most ${MAX_GROUP_MEMBERS} members`)
    const group = randomBytes(16).toString('hex')
    const list: GroupMember[] = []
    for (const u of names) list.push({ username: u, identityKey: await this.keyForInvite(u) as Uint8Array<ArrayBuffer>, since: 1 })
    const { bytes, key } = await this.author(group, name, undefined, { change: 'create', subject: '', members: list, admins: [ctx.me] })
    await ctx.network.relay.commit(bytes)
    await this.deps.chain.applyState(group, bytes, key)
    this.announce(group, 1, names.filter(u => u !== ctx.me))
    ctx.log('created group %s with %d members', group, names.length)
    return ctx.info(ctx.record(group))
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
      if (u === this.ctx.me) throw new GroupError('CANNOT_KICK_SELF', 'to leave a group, use leave')
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
    const { ctx } = this
    const me = ctx.me
    let r = ctx.record(group)
    if (!isMember(r.head.state, me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${r.head.state.name}`)
    if (r.leaving) return { group, left: true, epoch: r.head.state.epoch }
    const others = usernames(r.head.state).filter(u => u !== me)
    if (others.length === 0) {
      await this.change(group, async rr => {
        if (!isMember(rr.head.state, me)) return null
        if (rr.head.state.members.length > 1) throw new GroupError('CONFLICT', 'someone joined meanwhile: leave again')
        return { change: 'leave', subject: me, ...membersAfter(rr.head.state, 'leave', me), leaveRequest: this.leaveRequest(rr.head.state) }
      })
      return { group, left: true, epoch: ctx.record(group).head.state.epoch }
    }
    if (r.head.state.admins.length === 1 && r.head.state.admins[0] === me) {
      // The last admin hands admin over first, to a member every node would pick the same way.
      await this.change(group, async rr => {
        const s = rr.head.state
        if (s.admins.some(a => a !== me)) return null
        const successor = successorAdmin(usernames(s).filter(u => u !== me))
        return successor === undefined ? null : this.promotion(s, successor)
      })
      r = ctx.record(group)
    }
    await ctx.network.relay.leave(this.leaveRequest(r.head.state))
    r.leaving = true
    await this.deps.chain.saveMeta(r)
    // Nothing more goes out from this user in this group.
    await this.deps.dropUnsealed(r, 'LEFT')
    void ctx.network.topics.publish(group, { poke: { group, epoch: r.head.state.epoch } })
    ctx.changed(r)
    ctx.log('asked to leave group %s', group)
    return { group, left: true, epoch: r.head.state.epoch }
  }

  /** Pending leave requests: the remaining member ranked first turns each into the next epoch, the next ones later. */
  noteLeaves (r: GroupRecord, leaves: Uint8Array[]): void {
    const { ctx } = this
    const s = r.head.state
    if (!isMember(s, ctx.me) || r.leaving) return
    let timers = this.leaveTimers.get(r.group)
    for (const bytes of leaves) {
      let username: string
      try {
        username = verifyLeaveRequest(ctx.networkId, s, bytes).username
      } catch (err) {
        ctx.log('ignoring a leave request in %s: %s', r.group, (err as Error).message)
        continue
      }
      if (username === ctx.me || timers?.has(username) === true) continue
      const fresh = !r.leaves.has(username)
      r.leaves.set(username, bytes)
      if (fresh) ctx.changed(r)
      const remaining = usernames(s).filter(u => u !== username)
      const ranked = [...remaining.filter(u => isAdmin(s, u)), ...remaining.filter(u => !isAdmin(s, u))]
      const delay = Math.max(0, ranked.indexOf(ctx.me)) * ctx.init.leaveStaggerMs
      if (timers === undefined) {
        timers = new Map()
        this.leaveTimers.set(r.group, timers)
      }
      const mine = timers
      mine.set(username, setTimeout(() => {
        void this.change(r.group, async rr => {
          const st = rr.head.state
          if (!isMember(st, username) || !isMember(st, ctx.me) || rr.leaving) return null
          verifyLeaveRequest(ctx.networkId, st, bytes, username)
          return { change: 'leave', subject: username, ...membersAfter(st, 'leave', username), leaveRequest: bytes }
        }).catch(err => {
          ctx.log('could not make the epoch without %s in %s: %s', username, r.group, (err as Error).message)
        }).finally(() => {
          mine.delete(username)
        })
      }, delay))
    }
  }

  /** The leave requests no longer in `r.leaves` (their users are gone) need no epoch from this node. */
  leavesSettled (r: GroupRecord): void {
    const timers = this.leaveTimers.get(r.group)
    if (timers === undefined) return
    for (const [u, timer] of timers) {
      if (r.leaves.has(u)) continue
      clearTimeout(timer)
      timers.delete(u)
    }
  }

  /** Clears the leave timers and waits for the changes under way. */
  async stop (): Promise<void> {
    for (const timers of this.leaveTimers.values()) for (const t of timers.values()) clearTimeout(t)
    this.leaveTimers.clear()
    await this.lock.idle()
  }

  private requireAdmin (s: GroupState): void {
    if (!isMember(s, this.ctx.me)) throw new GroupError('NOT_MEMBER', `you are not a member of ${s.name}`)
    if (!isAdmin(s, this.ctx.me)) throw new GroupError('NOT_ADMIN', `only an admin of ${s.name} may do that`)
  }

  private promotion (s: GroupState, u: string): Draft {
    this.requireAdmin(s)
    if (!isMember(s, u)) throw new GroupError('NOT_MEMBER', `${u} is not a member of ${s.name}`)
    if (isAdmin(s, u)) throw new GroupError('ALREADY_ADMIN', `${u} is already an admin of ${s.name}`)
    return { change: 'promote', subject: u, ...membersAfter(s, 'promote', u) }
  }

  private leaveRequest (s: GroupState): Uint8Array {
    return signLeaveRequest(this.ctx.networkId, { group: s.group, username: this.ctx.me, epoch: s.epoch, time: this.ctx.clock() }, this.ctx.account.identity())
  }

  /** The identity key to list for a user joining: the idp's, pinned (a changed key must be trusted first). */
  private async keyForInvite (u: string): Promise<Uint8Array> {
    const { ctx } = this
    if (u === ctx.me) return ctx.account.identity().publicKey
    const entry = await ctx.directory.lookup(u, true)
    if (await ctx.directory.check(entry.username, entry.identityKey) === 'changed') {
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
    const { ctx } = this
    checkGroupId(group)
    return this.lock.run(group, async () => {
      for (let attempt = 1; ; attempt++) {
        await this.deps.syncStates(group)
        const r = ctx.record(group)
        const draft = await make(r)
        if (draft === null) return ctx.info(r)
        const { bytes, key } = await this.author(group, r.head.state.name, r.head, draft)
        try {
          await ctx.network.relay.commit(bytes)
        } catch (err) {
          if (!isCode(err, 'CONFLICT') || attempt >= ctx.init.maxChangeAttempts) throw err
          ctx.log('%s of %s in %s lost to a concurrent change (attempt %d): applying it again', draft.change, draft.subject, group, attempt)
          await sleep(Math.floor(Math.random() * CONFLICT_JITTER_MS * attempt))
          continue
        }
        await this.deps.chain.applyState(group, bytes, key)
        this.announce(group, r.head.state.epoch + 1, poke)
        return ctx.info(ctx.record(group))
      }
    })
  }

  /** A new state with a fresh epoch key, wrapped by the KACLS for its members, signed by this user. */
  private async author (group: GroupId, name: string, prev: VerifiedState | undefined, draft: Draft): Promise<{ bytes: Uint8Array, key?: Uint8Array }> {
    const { ctx } = this
    const epoch = prev === undefined ? 1 : prev.state.epoch + 1
    let key: Uint8Array | undefined
    let wrappedKey: Uint8Array = new Uint8Array(0)
    if (draft.members.length > 0) {
      key = new Uint8Array(randomBytes(EPOCH_KEY_BYTES))
      wrappedKey = await ctx.network.kacls.wrap(key, epochResource(group, epoch), draft.members.map(m => m.username), `group epoch key: ${draft.change}`)
    }
    const state: GroupState = {
      group,
      name,
      epoch,
      previous: (prev?.hash ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      members: draft.members,
      admins: draft.admins,
      author: ctx.me,
      time: ctx.clock(),
      change: draft.change,
      subject: draft.subject,
      leaveRequest: (draft.leaveRequest ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      wrappedKey: wrappedKey as Uint8Array<ArrayBuffer>
    }
    return { bytes: signState(ctx.networkId, state, ctx.account.identity()), key }
  }

  /** Tells the group (on its topic) and new members (straight to their nodes) to ask the relay. */
  private announce (group: GroupId, epoch: number, newMembers: string[]): void {
    void this.ctx.network.topics.publish(group, { poke: { group, epoch } })
    for (const u of newMembers) void this.pokeUser(u, group, epoch)
  }

  private async pokeUser (user: string, group: GroupId, epoch: number): Promise<void> {
    try {
      const { peers } = await this.ctx.directory.lookup(user)
      await this.ctx.network.poke(peers, { group, epoch })
    } catch (err) {
      this.ctx.log('could not tell %s about group %s: %s', user, group, (err as Error).message)
    }
  }
}
