/**
 * Group chat, member side (docs/groups.md): groups whose membership is a
 * chain of signed states held by the relay, one fresh epoch key per state,
 * wrapped by the KACLS for exactly that state's members, and messages that
 * fan out over the group's gossipsub topic, encrypted under per-sender keys
 * derived from the epoch key. A joiner reads nothing older than its epoch; a
 * leaver nothing newer. Every message typed is stored before it is sent, and
 * posted to the relay's history until the relay has it; members that were
 * away fetch what they missed from there.
 *
 * This is the facade; the parts, one job each: membership.ts (changes and
 * leave requests), chain.ts (the per-group record, states, epoch keys),
 * sync.ts (catching up with the relay, pokes), fork.ts (moving onto the
 * relay's chain after a fork), receive.ts (the topic, checks, held
 * envelopes), replay-window.ts, outbox.ts (sending).
 */
import { TypedEventEmitter } from 'main-event'
import { checkGroupId, isMember } from '../../groups/index.js'
import { SealedStore } from '../../sealed-store.js'
import { groupConversation } from '../../timeline/index.js'
import { Chain } from './chain.js'
import { GROUPS_DEFAULTS } from './constants.js'
import { MemberContext } from './context.js'
import { GroupError } from './errors.js'
import { Forks } from './fork.js'
import { Membership } from './membership.js'
import { migrateStatuses } from './migrate.js'
import { libp2pNetwork } from './network.js'
import { Outbox } from './outbox.js'
import { Receiver, SenderKeys } from './receive.js'
import { ReplayWindows } from './replay-window.js'
import { Sync } from './sync.js'
import type { GroupsInit } from './constants.js'
import type { Attachments, OutgoingAttachment } from '../attachments.js'
import type { GroupFork, GroupInfo, GroupMessage, GroupsAccount, GroupsDirectory, GroupsEvents } from './context.js'
import type { MemberNetwork } from './network.js'
import type { GroupSendResult } from './outbox.js'
import type { EnvelopeSource, ReceiveOutcome } from './receive.js'
import type { GroupEnvelope, GroupId } from '../../groups/index.js'
import type { LanchatLibp2p, NetworkKeys } from '../../net/index.js'
import type { Role } from '../../roles/index.js'
import type { Rpc } from '../../services/index.js'
import type { Body, Timeline } from '../../timeline/index.js'
import type { Store } from '../../../store/index.js'

export type { GroupFork, GroupId, GroupInfo, GroupMessage, GroupsEvents, GroupSendResult, ReceiveOutcome }

interface GroupsCommonComponents {
  store: Store
  account: GroupsAccount
  keys: Pick<NetworkKeys, 'networkId'>
  /** Group messages and their status are stored in the timeline (conversation group:<id>) */
  timeline: Timeline
  /** One directory for DMs and groups: a key change seen by either blocks both */
  directory: GroupsDirectory
  /** Where file offers in received messages go (the user's files) */
  attachments?: Attachments
  clock?: () => number
}

/** On a node: libp2p and the Rpc, from which the member network is made (network.ts). */
export interface GroupsComponents extends GroupsCommonComponents {
  libp2p: LanchatLibp2p
  rpc: Rpc
  /** Who holds the relay: reconnecting to it triggers a sync */
  registry: { holderOf: (role: Role) => string | null }
}

/** Given the member network itself (unit tests: a fake relay, KACLS and topics). */
export interface GroupsNetworkComponents extends GroupsCommonComponents {
  network: MemberNetwork
}

export class Groups extends TypedEventEmitter<GroupsEvents> {
  private readonly ctx: MemberContext
  /** Aborts the calls under way at stop */
  private readonly abort = new AbortController()
  private readonly windows: ReplayWindows
  private readonly chain: Chain
  private readonly receiver: Receiver
  private readonly outbox: Outbox
  private readonly relaySync: Sync
  private readonly membership: Membership

  constructor (components: GroupsComponents | GroupsNetworkComponents, init: GroupsInit = {}) {
    super()
    const { account, keys: { networkId } } = components
    const network = 'network' in components
      ? components.network
      : libp2pNetwork({ ...components, networkId, identityToken: () => account.identityToken(), signal: this.abort.signal })
    // Group records live in the store's 'groups' domain, sealed like the chat's under the user's data key.
    const store = new SealedStore(components.store, account.dataKey(), 'groups')
    const ctx = new MemberContext(account, networkId, store, components.timeline, components.directory, network, components.clock ?? Date.now,
      { ...GROUPS_DEFAULTS, ...init }, (type, detail) => { this.dispatchEvent(new CustomEvent(type, { detail })) })
    this.ctx = ctx
    const senderKeys = new SenderKeys()
    this.windows = new ReplayWindows(store, ctx.log)
    this.chain = new Chain(ctx, {
      listen: r => { this.receiver.listen(r) },
      unlisten: r => { this.receiver.unlisten(r) },
      leavesSettled: r => { this.membership.leavesSettled(r) },
      drain: r => { this.receiver.drain(r) },
      dropOutbox: async (r, code) => this.outbox.dropAll(r, code),
      flush: group => { this.outbox.soon(group) }
    })
    this.receiver = new Receiver(ctx, {
      windows: this.windows,
      senderKeys,
      pinnedKey: async u => this.chain.pinnedKey(u),
      syncSoon: group => { void this.relaySync.syncSoon(group) },
      onPoke: (group, epoch) => { this.relaySync.onPoke(group, epoch) },
      ...(components.attachments !== undefined ? { attachments: components.attachments } : {})
    })
    this.outbox = new Outbox(ctx, senderKeys)
    const forks = new Forks(ctx, { chain: this.chain, rebase: async (r, lost) => this.outbox.rebase(r, lost) })
    this.relaySync = new Sync(ctx, {
      chain: this.chain,
      heal: async group => forks.heal(group),
      unlisted: r => { forks.unlisted(r) },
      noteLeaves: (r, leaves) => { this.membership.noteLeaves(r, leaves) },
      receive: async (env, source) => this.receiver.receive(env, source),
      flush: group => { this.outbox.soon(group) }
    })
    this.membership = new Membership(ctx, {
      chain: this.chain,
      syncStates: async group => this.relaySync.syncStates(group),
      dropUnsealed: async (r, code) => this.outbox.dropUnsealed(r, code)
    })
  }

  // ---------------------------------------------------------------- lifecycle

  async start (): Promise<void> {
    const { ctx } = this
    for await (const [, { group }] of ctx.store.entries<{ group: GroupId }>('g/groups/')) {
      try {
        const r = await this.chain.load(group)
        if (r !== undefined) await this.outbox.load(r)
      } catch (err) {
        ctx.log.error('cannot load group %s: %s', group, (err as Error).message)
      }
    }
    await migrateStatuses(ctx.store, ctx.timeline, [...ctx.records.values()].map(r => ({ group: r.group, pending: [...r.outbox.values()].map(e => e.id) })))
    ctx.running = true
    for (const r of ctx.records.values()) {
      // Groups this user has left or was removed from stay on record, unheard (as applyState does).
      if (isMember(r.head.state, ctx.me)) this.receiver.listen(r)
      this.outbox.soon(r.group)
    }
    await this.relaySync.start()
  }

  async stop (): Promise<void> {
    const { ctx } = this
    ctx.running = false
    this.abort.abort(new GroupError('STOPPING', 'group chat is stopping'))
    await this.outbox.stop()
    for (const r of ctx.records.values()) this.receiver.unlisten(r)
    await this.relaySync.stop()
    await Promise.allSettled([this.membership.stop(), this.chain.idle(), this.receiver.idle()])
    await this.windows.flush()
  }

  // ---------------------------------------------------------------- API

  /** Creates a group with this user as its admin and `members` (usernames) as its first members. */
  async create (name: string, members: string[]): Promise<GroupInfo> {
    return this.membership.create(name, members)
  }

  /** Adds a member (admins): a new epoch whose key the new member can unwrap, and no earlier one. */
  async invite (group: GroupId, user: string): Promise<GroupInfo> {
    return this.membership.invite(group, user)
  }

  /** Removes a member (admins): a new epoch whose key it cannot unwrap. */
  async kick (group: GroupId, user: string): Promise<GroupInfo> {
    return this.membership.kick(group, user)
  }

  /** Makes a member an admin (admins). */
  async promote (group: GroupId, user: string): Promise<GroupInfo> {
    return this.membership.promote(group, user)
  }

  /** Leaves a group: another member makes the next epoch without this user (docs/groups.md). */
  async leave (group: GroupId): Promise<{ group: GroupId, left: true, epoch: number }> {
    return this.membership.leave(group)
  }

  /** Stores a message, then sends it in the background (group:status events follow); `attachment`: a file message's body. */
  async send (group: GroupId, text: string, body?: Body, attachment?: OutgoingAttachment): Promise<GroupSendResult> {
    return this.outbox.send(group, text, body, attachment)
  }

  members (group: GroupId): GroupInfo {
    return this.ctx.info(this.ctx.record(group))
  }

  list (): GroupInfo[] {
    return [...this.ctx.records.values()].map(r => this.ctx.info(r)).sort((a, b) => a.name.localeCompare(b.name) || a.group.localeCompare(b.group))
  }

  /** The group's messages, oldest first (hlc order), the last `limit` before `before`. */
  async history (group: GroupId, limit?: number, before?: string): Promise<GroupMessage[]> {
    this.ctx.record(group)
    const messages = await this.ctx.timeline.history(groupConversation(group), limit, before)
    return messages.map(m => ({ ...m, group }))
  }

  /** Asks the relay now about one group (or all of them): states, leave requests, missed messages. */
  async sync (group?: GroupId): Promise<{ groups: number }> {
    if (group !== undefined) {
      checkGroupId(group)
      await this.relaySync.syncGroup(group)
      if (!this.ctx.records.has(group)) throw new GroupError('UNKNOWN_GROUP', `no group ${group} with you in it`)
      return { groups: 1 }
    }
    await this.relaySync.syncAll(true)
    return { groups: this.ctx.records.size }
  }

  /** The epoch key this node holds for a group's epoch (diagnostics and tests: it never leaves the node otherwise). */
  heldKey (group: GroupId, epoch: number): Uint8Array | undefined {
    return this.ctx.records.get(group)?.keys.get(epoch)
  }

  /**
   * Checks, decrypts and stores one envelope, or refuses it with a typed
   * error (receive.ts lists them); a replayed (epoch, sender, seq) is a
   * 'duplicate'.
   */
  async receive (input: GroupEnvelope | Uint8Array, source: EnvelopeSource = 'topic'): Promise<ReceiveOutcome> {
    return this.receiver.receive(input, source)
  }
}
