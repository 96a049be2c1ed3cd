/**
 * Registry announcements on the wire: encoded (protobuf), signed with the
 * node's libp2p Ed25519 key, then sealed with AES-256-GCM under the registry
 * key derived from the network key (docs/roles.md, "Registry record").
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { open, seal } from '../crypto/index.js'
import { isUsername } from '../usernames.js'
import { MAX_ADDRS, MAX_ANNOUNCEMENT_BYTES, MAX_REPLICAS, ROLES } from './constants.js'
import { Announcement, SignedAnnouncement } from './pb/registry.js'
import type { PeerIdStr, Role } from './election.js'
import type { PrivateKey } from '@libp2p/interface'

/** An announcement, decoded and checked. */
export interface RegistryRecord {
  peerId: PeerIdStr
  pinned: Role[]
  eligible: Role[]
  roleKeys: Partial<Record<Role, Uint8Array>>
  addrs: string[]
  seq: number
  time: number
  startedAt: number
  held: Partial<Record<Role, number>>
  /** The holders it computes: its vote */
  views: Partial<Record<Role, PeerIdStr>>
  /** Its machine's host name ('' or absent when not told) */
  hostName?: string
  /** The user logged in on it, as it claims ('' or absent for none): a hint, checked against presence before it is shown */
  user?: string
  /** The replicas of the roles it serves, as it reports them (docs/replication.md) */
  replicas?: ReplicaReport[]
  /** Roles it serves with no live replica */
  alone?: Role[]
  /** `replicas` left out: the list of its last announcement that carried one (the receiver fills it in) */
  replicasSame?: boolean
}

/** A replica of a role's state, as the holder reports it. */
export interface ReplicaReport {
  role: Role
  peerId: PeerIdStr
  /** Records the holder sent that it has not persisted yet */
  behind: number
  synced: boolean
  lagMs: number
}

export type OpenResult =
  | { ok: true, record: RegistryRecord }
  | { ok: false, reason: 'unsealed' | 'malformed' | 'forged' }

/** Binds the seal to its purpose: a sealed lobby message can never pass as an announcement. */
const SEAL_AD = new TextEncoder().encode('lanchat/registry/v1')
function unseal (key: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return open(key, sealed, SEAL_AD)
  } catch {
    return undefined
  }
}

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r)

export async function sealAnnouncement (record: RegistryRecord, nodeKey: PrivateKey, registryKey: Uint8Array): Promise<Uint8Array> {
  const announcement = Announcement.encode({
    peerId: record.peerId,
    pinned: record.pinned,
    eligible: record.eligible,
    roleKeys: Object.entries(record.roleKeys).map(([role, publicKey]) => ({ role, publicKey: new Uint8Array(publicKey) })),
    addrs: record.addrs.map(a => multiaddr(a).bytes as Uint8Array<ArrayBuffer>),
    seq: BigInt(record.seq),
    time: BigInt(record.time),
    startedAt: BigInt(record.startedAt),
    held: Object.entries(record.held).map(([role, since]) => ({ role, since: BigInt(since) })),
    views: Object.entries(record.views).map(([role, peerId]) => ({ role, peerId })),
    hostName: record.hostName ?? '',
    user: record.user ?? '',
    replicas: (record.replicas ?? []).slice(0, MAX_REPLICAS).map(r => ({ role: r.role, peerId: r.peerId, behind: BigInt(r.behind), synced: r.synced, lagMs: BigInt(r.lagMs) })),
    alone: record.alone ?? [],
    replicasSame: record.replicasSame === true
  })
  const signature = await nodeKey.sign(announcement)
  return seal(registryKey, SignedAnnouncement.encode({ announcement, signature: new Uint8Array(signature) }), SEAL_AD)
}

function decodeRecord (bytes: Uint8Array): RegistryRecord | undefined {
  const a = Announcement.decode(bytes, { limits: { pinned: 3, eligible: 3, roleKeys: 3, addrs: MAX_ADDRS, held: 3, views: 3, replicas: MAX_REPLICAS, alone: 3 } })
  const roles = (list: string[]): Role[] | undefined => list.every(isRole) ? [...new Set(list)] : undefined
  const pinned = roles(a.pinned)
  const eligible = roles(a.eligible)
  if (pinned === undefined || eligible === undefined) return undefined
  const roleKeys: Partial<Record<Role, Uint8Array>> = {}
  for (const { role, publicKey } of a.roleKeys) {
    if (!isRole(role) || publicKey.length !== 32) return undefined
    roleKeys[role] = Uint8Array.from(publicKey)
  }
  const held: Partial<Record<Role, number>> = {}
  for (const { role, since } of a.held) {
    if (!isRole(role)) return undefined
    held[role] = Number(since)
  }
  const views: Partial<Record<Role, PeerIdStr>> = {}
  for (const { role, peerId } of a.views) {
    if (!isRole(role) || peerId.length > 128) return undefined
    views[role] = peerId
  }
  const hostName = printable(a.hostName, 64)
  const replicas: ReplicaReport[] = []
  for (const r of a.replicas) {
    if (!isRole(r.role) || r.peerId.length > 128) return undefined
    replicas.push({ role: r.role, peerId: r.peerId, behind: Number(r.behind), synced: r.synced, lagMs: Number(r.lagMs) })
  }
  const alone = roles(a.alone)
  if (alone === undefined) return undefined
  return {
    peerId: a.peerId,
    pinned,
    eligible,
    roleKeys,
    addrs: a.addrs.map(b => multiaddr(b).toString()),
    seq: Number(a.seq),
    time: Number(a.time),
    startedAt: Number(a.startedAt),
    held,
    views,
    // Absent when not told (or not a username), as in the record that was sealed.
    ...(hostName !== '' ? { hostName } : {}),
    ...(isUsername(a.user) ? { user: a.user } : {}),
    replicas,
    alone,
    ...(a.replicasSame ? { replicasSame: true } : {})
  }
}

/** A name for display: control characters out, at most `max` characters. */
function printable (text: string, max: number): string {
  return [...text.replace(/[\p{Cc}\p{Cf}]/gu, '')].slice(0, max).join('')
}

/**
 * Unseals, decodes and verifies an announcement. Never throws: anything that
 * is not a well-formed announcement signed by the node it names comes back
 * with the reason it was dropped.
 */
export async function openAnnouncement (sealed: Uint8Array, registryKey: Uint8Array): Promise<OpenResult> {
  if (sealed.length > MAX_ANNOUNCEMENT_BYTES) return { ok: false, reason: 'malformed' }
  const inner = unseal(registryKey, sealed)
  if (inner === undefined) return { ok: false, reason: 'unsealed' }
  let record: RegistryRecord | undefined
  let signed: SignedAnnouncement
  try {
    signed = SignedAnnouncement.decode(inner)
    record = decodeRecord(signed.announcement)
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (record === undefined) return { ok: false, reason: 'malformed' }
  let publicKey
  try {
    publicKey = peerIdFromString(record.peerId).publicKey
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (publicKey === undefined || publicKey.type !== 'Ed25519') return { ok: false, reason: 'malformed' }
  const valid = await publicKey.verify(signed.announcement, signed.signature)
  return valid ? { ok: true, record } : { ok: false, reason: 'forged' }
}
