/**
 * The relay's group records on one side of a partition (test/helpers/partition.ts): a RelayGroups over the side's
 * store and replication, and signed group states made the way a member makes them (src/chat/groups/membership.ts),
 * for the users of a FakeLan (test/groups/unit/fakes.ts).
 */
import { membersAfter, openState, signState, stateHash } from '../../src/groups/index.js'
import { Replication } from '../../src/replication/index.js'
import { RelayGroups } from '../../src/services/relay/groups.js'
import { openMemoryStore } from '../../store/index.js'
import { replica } from './partition.js'
import type { GroupChange, GroupState } from '../../src/groups/index.js'
import type { FakeLan, FakeUser } from '../groups/unit/fakes.js'
import type { Replica } from './partition.js'
import type { Store } from '../../store/index.js'

/** The at-rest key every side shares (the network's): replicas seal and open each other's records with it. */
export const AT_REST = new Uint8Array(32).fill(7)

/** A relay-eligible node: its store, replication and group relay, on a clock the test moves. */
export interface RelaySide extends Replica { store: Store, relay: RelayGroups, merged: number[] }

/** A relay-eligible node's group service over its own store; `merged` lists the epochs its heals filed envelopes below what it had seen. */
export async function relaySide (lan: FakeLan, clock: () => number): Promise<RelaySide> {
  const store = await openMemoryStore()
  const replication = new Replication({ store, atRestKey: AT_REST, clock })
  const merged: number[] = []
  const relay = new RelayGroups(store, {
    networkId: lan.networkId,
    clock,
    maxMessages: 10_000,
    maxBytes: 1 << 26,
    maxStatesPerReply: 64,
    publishedKey: async u => lan.users.get(u)?.identity.publicKey,
    onCommit: () => {},
    onLeave: () => {},
    onMerged: (_group, epoch) => { merged.push(epoch) }
  }, replication)
  return { store, relay, merged, ...replica(replication, 'relay', clock) }
}

/** A group's first state: `members[0]` creates it, the only admin, at `time`. */
export function genesis (lan: FakeLan, group: string, members: FakeUser[], time: number): Uint8Array {
  const state: GroupState = {
    group,
    name: 'crew',
    epoch: 1,
    previous: new Uint8Array(0),
    members: [...members].sort((a, b) => a.name < b.name ? -1 : 1).map(u => ({ username: u.name, identityKey: u.identity.publicKey as Uint8Array<ArrayBuffer>, since: 1 })),
    admins: [members[0]!.name],
    author: members[0]!.name,
    time,
    change: 'create',
    subject: '',
    leaveRequest: new Uint8Array(0),
    wrappedKey: new Uint8Array(16).fill(1)
  }
  return signState(lan.networkId, state, members[0]!.identity)
}

/** The state after `previous`: `author` makes `change` about `subject` at `time` (not checked: verifyNext does). */
export function next (lan: FakeLan, previous: Uint8Array, author: FakeUser, change: Exclude<GroupChange, 'create' | 'leave'>, subject: FakeUser, time: number): Uint8Array {
  const p = openState(previous).state
  const epoch = p.epoch + 1
  const invited = change === 'invite' ? { username: subject.name, identityKey: subject.identity.publicKey as Uint8Array<ArrayBuffer>, since: epoch } : undefined
  const state: GroupState = {
    ...p,
    ...membersAfter(p, change, subject.name, invited),
    epoch,
    previous: stateHash(previous) as Uint8Array<ArrayBuffer>,
    author: author.name,
    time,
    change,
    subject: subject.name,
    wrappedKey: new Uint8Array(16).fill(epoch)
  }
  return signState(lan.networkId, state, author.identity)
}
