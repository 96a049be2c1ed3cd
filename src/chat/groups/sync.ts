/**
 * Catching up with the relay (docs/groups.md, "Catching up"): a group's new
 * states, pending leave requests, missing epoch keys and the history after
 * this node's cursor; every group at start, on reconnecting to the relay, on
 * request and at each poll; a group when poked.
 *
 * One flag, `full`, throughout: a full sync asks for everything (a group's
 * states and then its history; every group this user is in), otherwise only
 * what is known to have changed (a group's history, when the relay's list
 * says only that it holds what this node's cursor does not cover; the groups
 * whose list entry changed, or whose head there is another state at this
 * node's epoch: a fork).
 */
import { GROUP_ID, GroupEnvelope, isMember } from '../../groups/index.js'
import { equalBytes, toHex } from '../../crypto/index.js'
import { isCode } from '../../errors.js'
import { covers } from '../../services/relay/cursor.js'
import { Rerun } from '../../lock.js'
import { RateLimit } from '../../services/rate-limit.js'
import { FETCH_BATCH } from './constants.js'
import { GroupError } from './errors.js'
import type { Chain, GroupRecord } from './chain.js'
import type { MemberContext } from './context.js'
import type { EnvelopeSource, ReceiveOutcome } from './receive.js'
import type { GroupId, GroupPoke } from '../../groups/index.js'
import type { PeerIdStr } from '../../net/index.js'

/** Pokes a node may send straight to this one at once, then per second: each costs a relay request. */
const POKE_BURST = 20
const POKES_PER_SECOND = 2

/** A full sync is owed as soon as one request during a run wants it. */
const orFull = (a: boolean, b: boolean): boolean => a || b

export interface SyncDeps {
  chain: Pick<Chain, 'applyState' | 'fetchKeys' | 'saveMeta'>
  /** The relay's chain parts from this node's: move onto it if it checks out (fork.ts) */
  heal: (group: GroupId) => Promise<void>
  /** The relay no longer lists this user in a group whose latest state here does (fork.ts) */
  unlisted: (r: GroupRecord) => void
  /** Leave requests pending at the relay (membership turns them into epochs) */
  noteLeaves: (r: GroupRecord, leaves: Uint8Array[]) => void
  receive: (env: GroupEnvelope, source: EnvelopeSource) => Promise<ReceiveOutcome>
  /** The outbox may be able to move */
  flush: (group: GroupId) => void
}

export class Sync {
  /** Each group's sync, one run at a time; asking during a run makes it run once more */
  private readonly syncs = new Map<GroupId, Rerun<boolean>>()
  /** Asking the relay about every group, one run at a time, likewise */
  private readonly syncingAll: Rerun<boolean>
  /** Pokes per remote node */
  private readonly pokeLimit: RateLimit
  /** The periodic ask about what changed (pollIntervalMs) */
  private pollTimer?: ReturnType<typeof setInterval>
  private stopWatchingRelay?: () => void
  /** Per group, the relay's head (hex hash) at this node's epoch that the poll saw differ from this node's and this node refused to follow: not asked again by the poll */
  private readonly declined = new Map<GroupId, string>()
  /** Groups whose latest fork check ended in BAD_FORK (fork.ts) */
  private readonly refused = new Set<GroupId>()

  constructor (private readonly ctx: MemberContext, private readonly deps: SyncDeps) {
    this.pokeLimit = new RateLimit(POKE_BURST, POKES_PER_SECOND, ctx.clock)
    this.syncingAll = new Rerun<boolean>(async full => this.syncAllOnce(full), { merge: orFull, go: () => ctx.running })
  }

  /** Takes pokes, watches for the relay, polls, and asks about every group now. */
  async start (): Promise<void> {
    await this.ctx.network.servePokes((poke, from) => { this.pokedBy(poke, from) })
    // Back in touch with the relay (a restart, a healed cable): catch up.
    this.stopWatchingRelay = this.ctx.network.onRelayConnect(() => { void this.syncAll() })
    this.pollTimer = setInterval(() => { void this.syncAll(false) }, this.ctx.init.pollIntervalMs)
    this.pollTimer.unref?.()
    void this.syncAll()
  }

  async stop (): Promise<void> {
    clearInterval(this.pollTimer)
    this.stopWatchingRelay?.()
    await this.ctx.network.stopPokes()
    await Promise.allSettled([this.syncingAll.idle(), ...[...this.syncs.values()].map(async s => s.idle())])
  }

  /**
   * Asks the relay about a group's states (checked and applied in order),
   * pending leave requests and missing keys: what a membership change is
   * made on top of. Resolves with the group's record, unless there is none
   * or this user can no longer ask.
   */
  async syncStates (group: GroupId): Promise<GroupRecord | undefined> {
    const { ctx } = this
    let leaves: Uint8Array[] = []
    let healed = false
    for (;;) {
      const held = ctx.records.get(group)
      const before = held?.head.state.epoch ?? 0
      let reply
      try {
        // This node's head is asked for again: another state there is a fork, like a next state that does not follow it.
        reply = await ctx.network.relay.states(group, Math.max(0, before - 1))
      } catch (err) {
        if (isCode(err, 'NOT_MEMBER') && held !== undefined) {
          if (isMember(held.head.state, ctx.me)) this.deps.unlisted(held)
          return undefined
        }
        throw err
      }
      try {
        for (const bytes of reply.states) await this.deps.chain.applyState(group, bytes)
      } catch (err) {
        if (!isCode(err, 'FORKED')) throw err
        if (healed) throw new GroupError('BAD_FORK', `the relay's chain of group ${group} parted from this node's again right after it moved onto it`)
        try {
          await this.deps.heal(group)
        } catch (err) {
          if (isCode(err, 'BAD_FORK')) this.refused.add(group)
          throw err
        }
        this.refused.delete(group)
        healed = true
        continue
      }
      if (held !== undefined) held.unlisted = false
      leaves = reply.leaves
      if (!reply.more || (ctx.records.get(group)?.head.state.epoch ?? 0) <= before) break
    }
    const r = ctx.records.get(group)
    if (r === undefined) return undefined
    this.deps.noteLeaves(r, leaves)
    if (r.missing.size > 0) await this.deps.chain.fetchKeys(r)
    this.deps.flush(group)
    return r
  }

  /** A full sync of a group: its states, then the history after the cursor. */
  async syncGroup (group: GroupId): Promise<void> {
    const r = await this.syncStates(group)
    if (r !== undefined && r.keys.size > 0) await this.fetchMessages(r, true)
  }

  /** Syncs a group in the background, one run at a time; not `full`: the states are current, only the history grew. */
  async syncSoon (group: GroupId, full = true): Promise<void> {
    let sync = this.syncs.get(group)
    if (sync === undefined) {
      sync = new Rerun<boolean>(async full => {
        try {
          const r = this.ctx.records.get(group)
          if (!full && r !== undefined) await this.fetchMessages(r, false)
          else await this.syncGroup(group)
        } catch (err) {
          this.ctx.log('syncing group %s failed: %s', group, (err as Error).message)
        }
      }, { merge: orFull, go: () => this.ctx.running })
      this.syncs.set(group, sync)
    }
    return sync.request(full)
  }

  /**
   * Asks the relay which groups this user is in, and syncs each (and each it
   * thought it was in). `full`: every group's states and history (at start,
   * on reconnecting to the relay, on request); otherwise (the poll) only
   * what the relay's list shows has changed.
   */
  async syncAll (full = true): Promise<void> {
    if (this.ctx.running) await this.syncingAll.request(full)
  }

  private async syncAllOnce (full: boolean): Promise<void> {
    const { ctx } = this
    try {
      const groups = await ctx.network.relay.list()
      const listed = new Set(groups.map(g => g.group))
      /** group -> whether its sync is full */
      const todo = new Map<GroupId, boolean>()
      /** group -> the relay's head (hex hash), at this node's epoch, that is not this node's head: a fork (fork.ts) */
      const other = new Map<GroupId, string>()
      for (const g of groups) {
        const r = ctx.records.get(g.group)
        const current = r !== undefined && g.epoch === r.head.state.epoch && g.leaves === 0 && r.missing.size === 0 && !r.leaving
        // A relay before head hashes gives none; a fork whose branches are as long shows only here.
        const hash = g.hash === undefined || g.hash.byteLength === 0 ? undefined : toHex(g.hash)
        if (r !== undefined && current && hash !== undefined && !equalBytes(g.hash!, r.head.hash) && this.declined.get(g.group) !== hash) other.set(g.group, hash)
        if (full || !current || other.has(g.group)) todo.set(g.group, true)
        else if (r.keys.size > 0 && !covers(r.cursor, g.last, g.filers ?? '')) todo.set(g.group, false)
      }
      for (const r of ctx.records.values()) {
        const mine = isMember(r.head.state, ctx.me) || r.leaving || r.missing.size > 0
        if (mine && !listed.has(r.group)) todo.set(r.group, true)
      }
      for (const [group, fullSync] of todo) {
        if (!ctx.running) break
        this.refused.delete(group)
        await this.syncSoon(group, fullSync)
        // Refused (BAD_FORK: the relay may lack this side's states): the poll asks again once the relay's head moves.
        const hash = other.get(group)
        if (hash !== undefined && this.refused.has(group)) this.declined.set(group, hash)
      }
      for (const r of ctx.records.values()) this.deps.flush(r.group)
    } catch (err) {
      ctx.log('syncing groups failed: %s', (err as Error).message)
    }
  }

  /** A poke (on the topic, or straight from a node): something new at the relay. */
  onPoke (group: GroupId, epoch: number): void {
    const r = this.ctx.records.get(group)
    // A state this node has already: nothing to ask, unless it is a leave request (same epoch).
    if (r !== undefined && epoch < r.head.state.epoch) return
    void this.syncSoon(group)
  }

  /** A poke straight from another node (a new member is told this way), within that node's rate. */
  private pokedBy (poke: GroupPoke, from: PeerIdStr): void {
    if (!GROUP_ID.test(poke.group) || this.pokeLimit.take(from) > 0) return
    this.onPoke(poke.group, poke.epoch)
  }

  /**
   * Fetches the history after this node's cursor; stops before a message
   * whose key is not here yet. One that does not decrypt under the key this
   * node has may be of a chain that forked from this node's: unless the
   * states were just asked for (`statesChecked`), they are asked for before
   * the cursor moves past it.
   */
  private async fetchMessages (r: GroupRecord, statesChecked: boolean): Promise<void> {
    const { ctx } = this
    for (;;) {
      const moves = r.moves
      const reply = await ctx.network.relay.fetch(r.group, r.cursor === '' ? undefined : r.cursor, FETCH_BATCH)
      let cursor = r.cursor
      let stop: 'pending' | 'check' | undefined
      for (const m of reply.messages) {
        let outcome: ReceiveOutcome | 'refused'
        try {
          outcome = await this.deps.receive(GroupEnvelope.decode(m.envelope), 'relay')
        } catch (err) {
          if (isCode(err, 'DECRYPT_FAILED') && !statesChecked) {
            stop = 'check'
            break
          }
          ctx.log('refused a message of %s from the relay: %s', r.group, (err as Error).message)
          outcome = 'refused'
        }
        if (outcome === 'pending') {
          stop = 'pending'
          break
        }
        cursor = m.cursor
      }
      if (stop === undefined) cursor = reply.cursor
      // A move to another branch meanwhile sent the cursor back to the start: this page does not move it.
      if (cursor !== r.cursor && moves === r.moves) {
        r.cursor = cursor
        await this.deps.chain.saveMeta(r)
      }
      if (stop === 'check') {
        statesChecked = true
        await this.syncStates(r.group)
        continue
      }
      if (stop !== undefined || !reply.more || !ctx.running) return
    }
  }
}
