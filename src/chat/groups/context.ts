/**
 * What every part of the member side shares: who this user is, its sealed
 * store, the timeline, the network, the groups it knows, and the events the
 * facade (groups.ts) dispatches. The public types are defined here too.
 */
import { toHex } from '../../crypto/index.js'
import { checkGroupId, isMember, usernames } from '../../groups/index.js'
import { createLogger } from '../../logger.js'
import { GroupError } from './errors.js'
import type { GroupsInit } from './constants.js'
import type { GroupRecord } from './chain.js'
import type { MemberNetwork } from './network.js'
import type { Account } from '../../account/index.js'
import type { Directory } from '../../directory/index.js'
import type { GroupChange, GroupId } from '../../groups/index.js'
import type { Logger } from '../../logger.js'
import type { SealedStore } from '../../sealed-store.js'
import type { ChatMessage, MessageUpdate, Timeline } from '../../timeline/index.js'

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

/** A change of a group's chain, as a fork report lists it. */
export interface GroupChangeSummary {
  epoch: number
  author: string
  change: GroupChange
  subject: string
}

/**
 * What a forked chain did to this user's view of a group (docs/groups.md,
 * "Forks"), sent with the group:changed that follows it; `notice` says it in
 * a sentence a front end can show as the group's system line.
 */
export type GroupFork = {
  /**
   * The branch this node followed lost to the relay's chain: it follows the
   * chain from the epoch after `ancestor` now. `undone`: the lost branch's
   * changes; `applied`: the chain's. `resent`: this user's messages sent
   * under the lost branch, sent again under the chain's current epoch (same
   * ids: whoever had them shows them once); `unsent`: at most this many it
   * sent under the lost branch could not go again (no longer kept, or this
   * user is not a member of the chain's current epoch).
   */
  kind: 'moved'
  ancestor: number
  undone: GroupChangeSummary[]
  applied: GroupChangeSummary[]
  resent: number
  unsent: number
  notice: string
} | {
  /**
   * The relay no longer lists this user in the group, yet shows no signed
   * state that removed it (most likely: it was added on one side of a split,
   * and that side's changes were undone). Nothing is changed here on the
   * relay's word alone; what this user sends is refused until it is added again.
   */
  kind: 'unlisted'
  notice: string
}

export interface GroupsEvents {
  'group:message': CustomEvent<GroupMessage & { epoch: number }>
  /** `fork`: the change came from a forked chain (see GroupFork) */
  'group:changed': CustomEvent<GroupInfo & { fork?: GroupFork }>
  'group:status': CustomEvent<{ id: string, group: GroupId, status: 'sent' | 'failed', code?: string }>
  /** A group message was edited, deleted or reacted to (by this user or another member) */
  'message:updated': CustomEvent<MessageUpdate>
}

/** What groups need of the account: the logged-in user, its identity key and token, its data key. */
export type GroupsAccount = Pick<Account, 'username' | 'identityToken' | 'identity' | 'dataKey'>
/** What groups need of the directory: users' identity keys and the keys this user has pinned. */
export type GroupsDirectory = Pick<Directory, 'lookup' | 'known' | 'check'>

/** Epochs, in storage keys, sort as text. */
export const pad = (n: number): string => String(n).padStart(10, '0')

export class MemberContext {
  readonly me: string
  readonly log: Logger = createLogger('groups')
  /** Every group this node knows (member, or removed and kept on record) */
  readonly records = new Map<GroupId, GroupRecord>()
  /** Between start and stop: nothing new (a sync, a round, a timer) starts outside it */
  running = false

  constructor (
    readonly account: GroupsAccount,
    readonly networkId: string,
    /** The store's 'groups' domain, sealed under the user's data key */
    readonly store: SealedStore,
    /** Group messages and their status (conversation group:<id>) */
    readonly timeline: Timeline,
    readonly directory: GroupsDirectory,
    readonly network: MemberNetwork,
    readonly clock: () => number,
    readonly init: Required<GroupsInit>,
    private readonly dispatch: <K extends keyof GroupsEvents>(type: K, detail: GroupsEvents[K]['detail']) => void
  ) {
    this.me = account.username
  }

  /** Storage key prefix of a group: g/<keyed hash of its id>/ */
  prefix (group: GroupId): string {
    return `g/${this.groupName(group)}/`
  }

  /** The group's entry in the list of groups (g/groups/<hash>) */
  listKey (group: GroupId): string {
    return `g/groups/${this.groupName(group)}`
  }

  private groupName (group: GroupId): string {
    return this.store.name(`group:${group}`)
  }

  /** A known group, or UNKNOWN_GROUP (BAD_GROUP for an id that is not one). */
  record (group: GroupId): GroupRecord {
    checkGroupId(group)
    const r = this.records.get(group)
    if (r === undefined) throw new GroupError('UNKNOWN_GROUP', `no group ${group} here: create it, or wait for an invitation`)
    return r
  }

  info (r: GroupRecord): GroupInfo {
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

  emit<K extends keyof GroupsEvents> (type: K, detail: GroupsEvents[K]['detail']): void {
    this.dispatch(type, detail)
  }

  /** group:changed with what the group is now (and, after a fork, what the fork did). */
  changed (r: GroupRecord, fork?: GroupFork): void {
    this.emit('group:changed', fork === undefined ? this.info(r) : { ...this.info(r), fork })
  }
}
