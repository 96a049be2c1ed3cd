/**
 * The replication's public vocabulary (docs/replication.md): kinds of doc,
 * the transaction a write sees, what it needs of the registry, its
 * configuration, its status and events.
 */
import type { Change } from './doc.js'
import type { Refusal } from './records.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { Role } from '../roles/index.js'
import type { BatchOp, Store } from '../../store/index.js'

export type { Change } from './doc.js'

/** A kind of doc, by name prefix: the role that holds it and what its records mean to the service. */
export interface DocKind {
  prefix: string
  role: Role
  /**
   * The service's own layout writes that follow from these record changes
   * (the holder's own or a peer's): committed in the same batch as the update.
   */
  materialize?: (doc: string, changes: Change[]) => Promise<BatchOp[]> | BatchOp[]
  /** Called once a change is committed (in-memory caches of the service). */
  committed?: (doc: string, changes: Change[]) => void
  /** A value from a peer this node refuses (a lockbox to it that does not open): counted, the update not applied. */
  check?: (doc: string, key: string, value: Uint8Array) => Refusal | undefined
}

/** The records of a doc as a write sees them: its own writes first. */
export interface Tx {
  readonly doc: string
  get: (key: string) => Uint8Array | undefined
  has: (key: string) => boolean
  /** Record keys, sorted, starting with `prefix` */
  keys: (prefix?: string) => string[]
  put: (key: string, value: Uint8Array) => void
  del: (key: string) => void
  /** More writes for the same batch (the service's own records) */
  also: (ops: BatchOp[]) => void
}

/** What the replication needs to know of the registry's view (src/roles/registry.ts implements it). */
export interface PeerView {
  readonly self: PeerIdStr
  eligibleRoles: () => readonly Role[]
  /** Nodes live now (connected, announcing within their lease), with the roles they may hold */
  livePeers: () => Array<{ peerId: PeerIdStr, eligible: readonly Role[] }>
  serves: (role: Role) => boolean
  holderOf: (role: Role) => PeerIdStr | null
  addEventListener: (type: 'role:changed', listener: (evt: CustomEvent<{ role: Role, peerId: PeerIdStr | null }>) => void) => void
  removeEventListener: (type: 'role:changed', listener: (evt: CustomEvent<{ role: Role, peerId: PeerIdStr | null }>) => void) => void
}

export interface ReplicationComponents {
  store: Store
  /** NetworkKeys.atRestKey: the records' sealing keys derive from it */
  atRestKey: Uint8Array
  /** Absent: standalone (one node, nothing to sync with: unit tests, tools) */
  libp2p?: LanchatLibp2p
  peers?: PeerView
  clock?: () => number
}

export interface ReplicationInit {
  durableTimeoutMs?: number
  catchUpTimeoutMs?: number
  compactMinTombstones?: number
  compactIntervalMs?: number
  /**
   * A holder answers no request of its role for this long after start,
   * pinned or elected (the registry's warm-up): until then the node does not
   * know which live replicas are ahead of it (default WARMUP_MS)
   */
  warmupMs?: number
  /** How long a request is held while the holder catches up (default HOLD_MS) */
  holdMs?: number
  /** How many requests of a role are held at most (default MAX_HELD) */
  maxHeld?: number
  /** How long a peer's update waits for what it builds on before its frame fails (default BASE_WAIT_MS) */
  baseWaitMs?: number
  /** How long a peer's frame waits for the registry to see the peer share its role before the frame fails (default ROLES_WAIT_MS) */
  rolesWaitMs?: number
}

export interface ReplicaStatus {
  peerId: PeerIdStr
  /** connecting: no session yet; syncing: the first exchange is under way; live: in step */
  state: 'connecting' | 'syncing' | 'live'
  /** Records this node sent that the replica has not persisted yet */
  behind: number
  /** Age of the oldest of them (ms) */
  lagMs: number
  /**
   * What a service of the role owes the replica and has not seen it persist
   * (kacls: KEKs this node holds whose lockbox to it the replica has not said
   * it persisted, so it could not open them were it to take the role);
   * counted in `behind` too
   */
  owed: number
}

export interface RoleReplication {
  docs: number
  records: number
  tombstones: number
  /** Live nodes eligible for the role, and how far behind this node each is */
  replicas: ReplicaStatus[]
  /** This node holds the role with no other eligible node live: its writes are on it alone */
  alone: boolean
  /** Replicas it began serving without having synced with (they did not answer in time) */
  servedBehind: PeerIdStr[]
  /** This node holds the role and has caught up: it answers the role's requests (false while it holds them) */
  caughtUp: boolean
}

export interface ReplicationStatus {
  roles: Partial<Record<Role, RoleReplication>>
  /** Updates from peers refused, by reason (never applied) */
  refused: Record<Refusal | 'not-eligible', number>
  writes: { replicated: number, alone: number, failed: number }
  /** Holder write -> first replica persisted, ms (the last 10,000 writes) */
  lag: { p50: number, p99: number, samples: number }
  bytes: { in: number, out: number }
}

/** What a service owes a replica (Replication.owe): how many records, since when (ms). */
export interface Owed {
  records: number
  since: number
}

export interface ReplicationEvents {
  /**
   * A live node eligible for `roles` has become a replica in step with this
   * one (live in the registry's view, and its first exchange on this node's
   * stream done): told once per stream to it
   */
  'replica:live': CustomEvent<{ peer: PeerIdStr, roles: Role[] }>
  /** This node has caught up on a role it holds: from now on in this tenure it answers the role's requests */
  'caught-up': CustomEvent<{ role: Role }>
}
