/**
 * The registry's public vocabulary: how it is configured, what it is given,
 * and what it tells (docs/roles.md).
 */
import type { ReplicaReport } from './announcement.js'
import type { PeerIdStr, Role } from './election.js'
import type { Store } from '../../store/index.js'
import type { LanchatLibp2p } from '../net/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export interface RegistryInit {
  pinned: Role[]
  /** Roles this node may be elected to; pinned roles are always included */
  eligible: Role[]
  announceIntervalMs?: number
  leaseMs?: number
  settleMs?: number
  warmupMs?: number
  /** How long a live node whose last connection closed stays live while it is dialled again (REDIAL_MS) */
  redialMs?: number
}

export interface RegistryComponents {
  libp2p: LanchatLibp2p
  store: Store
  nodeKey: PrivateKey
  registryKey: Uint8Array
  networkId: string
  /** Called with peers learnt from announcements, so the network heals across subnets */
  learnPeer?: (peerId: PeerId, addrs: string[]) => void
  /** This machine's host name, announced (default: none) */
  hostName?: string
  /** The user logged in on this node now, announced as a hint */
  user?: () => string | undefined
  /** The live replicas of each role this node serves, and how far behind each is (the replication's report) */
  replicas?: () => Partial<Record<Role, ReplicaReport[]>>
  clock?: () => number
}

export interface RoleHolder {
  peerId: PeerIdStr
  pinned: boolean
  /** When it took the role (ms epoch): when this node first computed it as the holder (a holder's own claim is not believed), or when this node started serving it */
  since: number
  /** Its host name, as it announces it (absent when not told) */
  hostName?: string
  /** The user it says is logged in on it: a hint (LanchatNode.roleHolders checks it against presence) */
  user?: string
  /** A claimed user presence did not confirm (LanchatNode.roleHolders) */
  userHint?: string
  /**
   * The live replicas of the role's state and how far behind the holder
   * each is, as the holder reports them (null: not reported yet)
   */
  replicas?: ReplicaReport[] | null
}

export interface RolesView {
  relay: RoleHolder | null
  idp: RoleHolder | null
  kacls: RoleHolder | null
  warnings: string[]
}

export interface ViewNode {
  peerId: PeerIdStr
  pinned: Role[]
  eligible: Role[]
  held: Role[]
  /** The holders it names (its vote), as it last announced them */
  views: Partial<Record<Role, PeerIdStr>>
  settled: boolean
  /** ms since its last announcement reached this node */
  lastSeenAgoMs: number
  self: boolean
  /** Its host name and claimed user, as it announces them */
  hostName?: string
  user?: string
}

export type DropReason = 'unsealed' | 'malformed' | 'forged' | 'replayed' | 'stale'

export interface RegistryEvents {
  'role:changed': CustomEvent<{ role: Role, peerId: PeerIdStr | null }>
}
