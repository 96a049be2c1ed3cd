/**
 * A forked chain on the member side (docs/groups.md, "Forks"). Two sides of a
 * partition can each accept a state n + 1 on top of the same n; after the
 * heal the relay follows one chain (src/services/relay/group-chain.ts). A
 * member whose node followed the other branch finds out when the relay's
 * state at an epoch it holds has another hash, or the relay's next state does
 * not follow its head (chain.ts throws FORKED; sync.ts calls `heal`). Then:
 * the last state both share (the ancestor), the relay's states after it, each
 * checked as any state is (signature by the author's listed key, what the
 * author may change), the chain rule applied to the two branches, and only
 * then the move (chain.ts `rewind`, outbox.ts `rebase`). A relay whose branch
 * does not check out, or does not win by the rule against what this node
 * holds, changes nothing (BAD_FORK).
 */
import { compareBranches, isMember, openState, stateHash, verifyNext } from '../../groups/index.js'
import { equalBytes, toHex } from '../../crypto/index.js'
import { codeOf } from '../../errors.js'
import { GroupError } from './errors.js'
import type { Chain, GroupRecord, OffChainState } from './chain.js'
import type { GroupChangeSummary, GroupFork, MemberContext } from './context.js'
import type { GroupId, GroupState, VerifiedState } from '../../groups/index.js'

/** States asked for at once while looking back for the ancestor (the relay's reply holds up to 64). */
const LOOK_BACK = 64

export interface ForkDeps {
  chain: Pick<Chain, 'rewind' | 'verifyAnchor'>
  /** This user's messages sealed under the states left go out again (outbox.ts) */
  rebase: (r: GroupRecord, lost: OffChainState[]) => Promise<{ resent: number, unsent: number }>
}

export class Forks {
  constructor (private readonly ctx: MemberContext, private readonly deps: ForkDeps) {}

  /**
   * The relay's chain of `group` parts from this node's: moves onto it if it
   * checks out and wins by the chain rule; BAD_FORK (nothing changed) if not.
   */
  async heal (group: GroupId): Promise<void> {
    const { ctx } = this
    const r = ctx.record(group)
    const from = r.head
    const { ancestor, base, states, head } = await this.relayBranch(r)
    const branch = await this.check(r, base, states)
    this.prefer(r, ancestor, branch, head)
    const moved = await this.deps.chain.rewind(group, from.hash, ancestor, branch, this.deps.rebase)
    // The head moved meanwhile (a state applied, another heal): the next sync looks again.
    if (moved === undefined) return
    const member = isMember(r.head.state, ctx.me)
    const { resent, unsent } = moved.rebased
    const fork: GroupFork = {
      kind: 'moved',
      ancestor,
      undone: moved.lost.map(l => summary(l.state)),
      applied: branch.map(v => summary(v.state)),
      // A user the chain removed sends nothing: what it had sent under the lost branch reached only that side.
      resent: member ? resent : 0,
      unsent: member ? unsent : resent + unsent,
      notice: ''
    }
    fork.notice = forkNotice(r.head.state, fork, member, ctx.me)
    ctx.log('group %s: %s', group, fork.notice)
    ctx.changed(r, fork)
  }

  /**
   * The relay no longer lists this user in a group whose latest state here
   * does, and shows no state that removed it: told once, nothing changed (the
   * relay's word alone is not a signed removal).
   */
  unlisted (r: GroupRecord): void {
    if (r.unlisted) return
    r.unlisted = true
    const notice = `The relay no longer lists you in ${r.head.state.name} and shows no signed state removing you: most likely you ` +
      'were added on one side of a network split whose changes were undone. Ask an admin to add you again; until then what you send ' +
      'there reaches no one.'
    this.ctx.log('group %s: %s', r.group, notice)
    this.ctx.changed(r, { kind: 'unlisted', notice })
  }

  /**
   * The last epoch whose state the relay and this node share (looking back
   * from this node's head), that state, the relay's states after it, and its
   * head epoch. The state shared may be one this node does not hold but
   * knows the hash of: the one before the first it holds (a member added
   * after it took that one as an anchor), which the relay then gives.
   */
  private async relayBranch (r: GroupRecord): Promise<{ ancestor: number, base: VerifiedState, states: Uint8Array[], head: number }> {
    const { relay } = this.ctx.network
    /** The hash of each state this node holds, and of the one before each */
    const known = new Map(r.hashes)
    for (const [e, s] of r.states) if (e > 1 && !known.has(e - 1)) known.set(e - 1, s.previous)
    const lowest = Math.min(...known.keys())
    let head = 0
    let ancestor: number | undefined
    let base: VerifiedState | undefined
    for (let top = r.head.state.epoch; ancestor === undefined;) {
      const after = Math.max(0, top - LOOK_BACK)
      const reply = await relay.states(r.group, after)
      head = Math.max(head, reply.head ?? 0)
      const theirs = new Map<number, Uint8Array>()
      for (const bytes of reply.states) theirs.set(this.open(r, bytes).epoch, bytes)
      for (let e = top; e > after && ancestor === undefined; e--) {
        const mine = known.get(e)
        const bytes = theirs.get(e)
        if (mine === undefined || bytes === undefined || !equalBytes(mine, stateHash(bytes))) continue
        ancestor = e
        const held = r.states.get(e)
        // Not held here: the relay's, the state whose hash this node's next names as previous.
        base = held !== undefined ? { state: held, bytes: new Uint8Array(0), hash: mine } : { state: this.open(r, bytes), bytes, hash: mine }
      }
      if (ancestor !== undefined) break
      if (after === 0 || after < lowest) {
        throw this.refuse(r, `the relay's chain shares no state with this node's (epochs ${lowest} to ${r.head.state.epoch})`)
      }
      top = after
    }
    const states: Uint8Array[] = []
    for (let after = ancestor; ;) {
      const reply = await relay.states(r.group, after)
      head = Math.max(head, reply.head ?? 0)
      const fresh = reply.states.filter(bytes => this.open(r, bytes).epoch > after)
      states.push(...fresh)
      if (!reply.more || fresh.length === 0) break
      after = this.open(r, fresh.at(-1)!).epoch
    }
    return { ancestor, base: base!, states, head }
  }

  /** The relay's states after the ancestor (`base`), in order, each checked against the one before (or as an anchor after a gap). */
  private async check (r: GroupRecord, base: VerifiedState, states: Uint8Array[]): Promise<VerifiedState[]> {
    const { networkId, me } = this.ctx
    const sorted = [...states].sort((a, b) => this.open(r, a).epoch - this.open(r, b).epoch)
    let prev = base
    const branch: VerifiedState[] = []
    for (const bytes of sorted) {
      const epoch = this.open(r, bytes).epoch
      try {
        if (epoch <= prev.state.epoch) {
          throw new GroupError('BAD_STATE', `it gives two states of epoch ${epoch}`)
        } else if (epoch === prev.state.epoch + 1) {
          prev = verifyNext(networkId, prev, bytes)
        } else if (isMember(prev.state, me)) {
          // A member sees every state of the chain it is in: skipping one could hide a change this user must check.
          throw new GroupError('BAD_STATE', `it skips from epoch ${prev.state.epoch}, whose members include this user, to ${epoch}`)
        } else {
          prev = await this.deps.chain.verifyAnchor(r.group, bytes)
        }
      } catch (err) {
        throw this.refuse(r, `its state of epoch ${epoch} is refused (${codeOf(err) ?? 'INTERNAL'}: ${(err as Error).message})`, err)
      }
      branch.push(prev)
    }
    return branch
  }

  /**
   * The chain rule, between this node's branch and the relay's (from the
   * ancestor: the longer, then the lower hash of the state after the
   * ancestor). A relay that has every state of both sides picks the same; one
   * that does not yet have this node's side, or hides states, is not followed.
   */
  private prefer (r: GroupRecord, ancestor: number, branch: VerifiedState[], head: number): void {
    const ours = r.head.state.epoch
    const last = branch.at(-1)
    if (last === undefined) {
      throw this.refuse(r, `the relay's chain ends at epoch ${ancestor}, before this node's (epoch ${ours}): it may not have this side's states yet`)
    }
    const theirs = Math.max(head, last.state.epoch)
    if (theirs > last.state.epoch && isMember(last.state, this.ctx.me)) {
      throw this.refuse(r, `the relay says its chain goes on to epoch ${theirs} but shows this user, a member, nothing after epoch ${last.state.epoch}`)
    }
    const mine = r.hashes.get(ancestor + 1)
    const first = branch[0]!.state.epoch === ancestor + 1 ? branch[0]!.hash : undefined
    const wins = mine === undefined || first === undefined
      ? theirs > ours
      : compareBranches({ reach: theirs, hash: toHex(first) }, { reach: ours, hash: toHex(mine) }) < 0
    if (!wins) {
      throw this.refuse(r, `the relay's chain (to epoch ${theirs}) does not win over this node's (to epoch ${ours}) by the chain rule: ` +
        'it may not have this side\'s states yet')
    }
  }

  private open (r: GroupRecord, bytes: Uint8Array): GroupState {
    let state: GroupState
    try {
      state = openState(bytes).state
    } catch (err) {
      throw this.refuse(r, `it gave a state that does not decode (${(err as Error).message})`, err)
    }
    if (state.group !== r.group) throw this.refuse(r, `it gave a state of group ${state.group}`)
    return state
  }

  private refuse (r: GroupRecord, why: string, cause?: unknown): GroupError {
    return new GroupError('BAD_FORK', `the relay's chain of ${r.head.state.name} (${r.group}) parts from this node's, and is not followed: ${why}; ` +
      'nothing changed here', cause === undefined ? undefined : { cause })
  }
}

function summary (s: GroupState): GroupChangeSummary {
  return { epoch: s.epoch, author: s.author, change: s.change as GroupChangeSummary['change'], subject: s.subject }
}

/** "bob removed carol": one change in words. */
function describe (c: GroupChangeSummary): string {
  switch (c.change) {
    case 'create': return `${c.author} created the group`
    case 'invite': return `${c.author} added ${c.subject}`
    case 'kick': return `${c.author} removed ${c.subject}`
    case 'promote': return `${c.author} made ${c.subject} an admin`
    case 'leave': return `${c.subject} left`
  }
}

/** The fork in a few sentences, for the group's conversation. */
function forkNotice (head: GroupState, fork: Extract<GroupFork, { kind: 'moved' }>, member: boolean, me: string): string {
  const list = (cs: GroupChangeSummary[]): string => cs.length === 0 ? 'nothing' : cs.map(describe).join(', ')
  let text = `${head.name} forked during a network split and the other side's changes won: it goes on from epoch ${fork.ancestor} ` +
    `with ${list(fork.applied)}; undone: ${list(fork.undone)}.`
  if (!member && fork.undone.some(c => c.change === 'invite' && c.subject === me)) {
    text += ' You were added on the side whose changes were undone, so you are not a member: nothing said in the group from now on ' +
      'reaches you, and you cannot send to it. Ask an admin to add you again.'
  } else if (!member) {
    text += ' You are not a member any more.'
  }
  if (fork.resent > 0) text += ` ${fork.resent} of your messages sent during the split went out again to the members now.`
  if (fork.unsent > 0) {
    text += member
      ? ` Up to ${fork.unsent} of your messages sent during the split are too old to send again: only those on your side of it got them.`
      : ` Up to ${fork.unsent} of your messages sent during the split reached only those on your side of it.`
  }
  return text
}
