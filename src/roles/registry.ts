/**
 * The role registry: every node announces itself on a sealed gossipsub topic,
 * keeps the view of everyone's announcements (persisted), and computes from
 * it who holds relay, idp and kacls (docs/roles.md).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { TypedEventEmitter } from 'main-event'
import { createLogger } from '../logger.js'
import { openAnnouncement, sealAnnouncement } from './announcement.js'
import { ANNOUNCE_INTERVAL_MS, LEASE_MS, MAX_CLOCK_SKEW_MS, MAX_REPLICAS_PER_ROLE, PERSIST_INTERVAL_MS, ROLES, SETTLE_MS, TENURE_KEEP_MS, WARMUP_MS } from './constants.js'
import { elect } from './election.js'
import { loadOrCreateRoleKey } from './role-keys.js'
import { Tenures } from './tenures.js'
import type { RegistryRecord, ReplicaReport } from './announcement.js'
import type { Tenure } from './tenures.js'
import type { Assignment, Candidate, PeerIdStr, Role } from './election.js'
import type { KV, Store } from '../../store/index.js'
import type { LanchatLibp2p } from '../net/index.js'
import type { Message } from '@libp2p/gossipsub'
import type { Ed25519PrivateKey, PeerId, PrivateKey } from '@libp2p/interface'

export interface RegistryInit {
  pinned: Role[]
  /** Roles this node may be elected to; pinned roles are always included */
  eligible: Role[]
  announceIntervalMs?: number
  leaseMs?: number
  settleMs?: number
  warmupMs?: number
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
  /** When it took the role: its own claim if it announced one, else when this node first saw it elected (ms epoch) */
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

interface Entry {
  record: RegistryRecord
  /** Local clock when the announcement arrived */
  lastSeen: number
}

interface StoredEntry {
  record: Omit<RegistryRecord, 'roleKeys'> & { roleKeys: Partial<Record<Role, string>> }
  lastSeen: number
}

const SEQ_BLOCK = 1_000

export class RoleRegistry extends TypedEventEmitter<RegistryEvents> {
  readonly topic: string
  private readonly components: RegistryComponents
  private readonly pinned: Role[]
  private readonly eligible: Role[]
  private readonly announceIntervalMs: number
  private readonly leaseMs: number
  private readonly settleMs: number
  private readonly warmupMs: number
  private readonly clock: () => number
  private readonly log = createLogger('registry')
  private readonly kv: KV<StoredEntry | number>
  private readonly view = new Map<PeerIdStr, Entry>()
  private readonly dirty = new Set<PeerIdStr>()
  private readonly dropped: Record<DropReason, number> = { unsealed: 0, malformed: 0, forged: 0, replayed: 0, stale: 0 }
  private readonly roleKeys = new Map<Role, Ed25519PrivateKey>()
  /** Who held each role when, as this node computed it: the authority behind every token */
  private readonly tenures: Tenures
  private assignment: Assignment = { holders: { relay: null, idp: null, kacls: null }, warnings: [] }
  private readonly since = new Map<Role, number>()
  /** When each live node became live, as this node observed it (for settling) */
  private readonly liveSince = new Map<PeerIdStr, number>()
  /** Peer ids parsed once */
  private readonly ids = new Map<PeerIdStr, PeerId>()
  /** When a silent connection to a node was last closed */
  private readonly recycled = new Map<PeerIdStr, number>()
  private held: Partial<Record<Role, number>> = {}
  private startedAt = 0
  private nextSeq = 0
  private reservedSeq = 0
  private timers: Array<ReturnType<typeof setInterval>> = []
  private running = false

  constructor (components: RegistryComponents, init: RegistryInit) {
    super()
    this.components = components
    this.pinned = [...init.pinned]
    this.eligible = ROLES.filter(r => init.eligible.includes(r) || init.pinned.includes(r))
    this.announceIntervalMs = init.announceIntervalMs ?? ANNOUNCE_INTERVAL_MS
    this.leaseMs = init.leaseMs ?? LEASE_MS
    this.settleMs = init.settleMs ?? SETTLE_MS
    this.warmupMs = init.warmupMs ?? WARMUP_MS
    this.clock = components.clock ?? Date.now
    this.topic = `/lanchat/${components.networkId}/registry/1`
    this.kv = components.store.sublevel<StoredEntry | number>('registry', 'json')
    this.tenures = new Tenures(components.store.sublevel('registry', 'json'), TENURE_KEEP_MS, MAX_CLOCK_SKEW_MS)
  }

  /** This node's peer id */
  get self (): PeerIdStr {
    return this.components.libp2p.peerId.toString()
  }

  async start (): Promise<void> {
    this.startedAt = this.clock()
    for (const role of this.eligible) this.roleKeys.set(role, await loadOrCreateRoleKey(this.components.store.sublevel('node', 'bytes'), role))
    await this.loadView()
    await this.tenures.load()
    const reserved = await this.kv.get('seq-reserved')
    this.nextSeq = (typeof reserved === 'number' ? reserved : 0) + 1
    await this.reserveSeq()

    const pubsub = this.components.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.running = true
    this.recompute()
    this.timers.push(setInterval(() => { this.tick() }, this.announceIntervalMs))
    this.timers.push(setInterval(() => { void this.persist() }, PERSIST_INTERVAL_MS))
    // Once warm, the node may start serving what it was elected to.
    this.timers.push(setTimeout(() => { this.tick() }, this.warmupMs + 10))
    await this.announce()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    const pubsub = this.components.libp2p.services.pubsub
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    pubsub.topicValidators.delete(this.topic)
    pubsub.unsubscribe(this.topic)
    await this.persist()
  }

  /** Who holds each role, as this node computes it now. */
  roles (): RolesView {
    const holder = (role: Role): RoleHolder | null => {
      const h = this.assignment.holders[role]
      if (h === null) return null
      // Since when: as this node saw it (a holder's own claim is not believed), or its own when it is this node.
      const since = h.peerId === this.self ? this.held[role] : undefined
      const about = this.about(h.peerId)
      return { ...h, since: since ?? this.since.get(role) ?? this.clock(), ...about, replicas: this.replicasOf(role, h.peerId) }
    }
    const view = { relay: holder('relay'), idp: holder('idp'), kacls: holder('kacls') }
    const warnings = [...this.assignment.warnings]
    for (const role of ROLES) {
      // An empty list is a holder serving with no replica (a holder reporting nothing yet is null).
      const h = view[role]
      if (h === null || h.replicas?.length !== 0) continue
      warnings.push(`${role} is held by ${h.peerId === this.self ? 'this node' : h.peerId.slice(-8)} with no other node eligible for ${role} live: what it acknowledges is kept by it alone until one is (start another node eligible for ${role})`)
    }
    return { ...view, warnings }
  }

  /** The replicas a holder reports for a role (this node's own report when it is the holder). */
  private replicasOf (role: Role, holder: PeerIdStr): ReplicaReport[] | null {
    if (holder === this.self) {
      if (!this.serves(role) || this.components.replicas === undefined) return null
      return this.components.replicas()[role] ?? []
    }
    // A holder reports each role it serves either with its replicas or as alone; neither: not reported (yet).
    const record = this.view.get(holder)?.record
    if (record?.alone?.includes(role) === true) return []
    const listed = record?.replicas?.filter(r => r.role === role) ?? []
    return listed.length > 0 ? listed : null
  }

  /** A node's host name and claimed user, as it announces them (this node: its own). */
  private about (peerId: PeerIdStr): { hostName?: string, user?: string } {
    const record = peerId === this.self ? { hostName: this.components.hostName, user: this.components.user?.() } : this.view.get(peerId)?.record
    const hostName = record?.hostName ?? ''
    const user = record?.user ?? ''
    return { ...(hostName !== '' ? { hostName } : {}), ...(user !== '' ? { user } : {}) }
  }

  /** The computed holder of a role, or null when no live node may hold it. */
  holderOf (role: Role): PeerIdStr | null {
    return this.assignment.holders[role]?.peerId ?? null
  }

  /** Whether this node serves the role now: elected (or pinned) and past its warm-up. */
  serves (role: Role): boolean {
    return this.held[role] !== undefined
  }

  /** The roles this node may hold (pinned ones included). */
  eligibleRoles (): readonly Role[] {
    return this.eligible
  }

  /** Nodes live now (connected to this one, announcing within their lease), with the roles they may hold. */
  livePeers (): Array<{ peerId: PeerIdStr, eligible: Role[] }> {
    const now = this.clock()
    const out: Array<{ peerId: PeerIdStr, eligible: Role[] }> = []
    for (const { record, lastSeen } of this.view.values()) {
      if (!this.isLive(record.peerId, lastSeen, now)) continue
      out.push({ peerId: record.peerId, eligible: ROLES.filter(r => record.eligible.includes(r) || record.pinned.includes(r)) })
    }
    return out
  }

  /** Runs the election again now. */
  refresh (): void {
    if (this.running) this.recompute()
  }

  /** This node's signing key for a role it may hold. */
  roleKey (role: Role): Ed25519PrivateKey | undefined {
    return this.roleKeys.get(role)
  }

  /** A node's announced public key for a role: what it would sign with, were it to hold the role. */
  publicRoleKey (peerId: PeerIdStr, role: Role): Uint8Array | undefined {
    if (peerId === this.self) return this.roleKeys.get(role)?.publicKey.raw
    return this.view.get(peerId)?.record.roleKeys[role]
  }

  /**
   * The key to verify what `peerId` issued as holder of `role` at
   * `issuedAt` (a token's iat): its role key if it holds the role now or
   * held it then, by this node's own election; undefined otherwise (a key
   * merely announced verifies nothing).
   */
  issuerKey (role: Role, peerId: PeerIdStr, issuedAt: number): Uint8Array | undefined {
    const hex = this.tenures.keyOf(role, peerId)
    if (hex === undefined) return undefined
    const key = new Uint8Array(Buffer.from(hex, 'hex'))
    return this.tenures.legitimate(role, peerId, key, issuedAt) ? key : undefined
  }

  /** Whether `peerId` ever held `role`, by this node's election, within the life of a token. */
  heldRole (role: Role, peerId: PeerIdStr): boolean {
    return this.tenures.keyOf(role, peerId) !== undefined
  }

  /** Who held each role when (diagnostics and tests). */
  tenureLog (): Tenure[] {
    return this.tenures.list()
  }

  /** Every node in the view, live ones first, and the announcements dropped so far. */
  nodes (): { nodes: ViewNode[], dropped: Record<DropReason, number> } {
    const now = this.clock()
    const nodes: ViewNode[] = [this.selfCandidate(now)].map(c => ({
      peerId: c.peerId, pinned: c.pinned, eligible: c.eligible, held: Object.keys(c.held) as Role[], views: c.views, settled: c.settled, lastSeenAgoMs: 0, self: true, ...this.about(c.peerId)
    }))
    for (const [peerId, { record, lastSeen }] of this.view) {
      nodes.push({
        peerId,
        pinned: record.pinned,
        eligible: record.eligible,
        held: Object.keys(record.held) as Role[],
        views: record.views,
        settled: this.isSettled(peerId, now),
        lastSeenAgoMs: now - lastSeen,
        self: false,
        ...this.about(peerId)
      })
    }
    return { nodes: nodes.sort((a, b) => a.lastSeenAgoMs - b.lastSeenAgoMs), dropped: { ...this.dropped } }
  }

  /** Settled: live, as this node observed it (what it says of itself counts for nothing), for long enough. */
  private isSettled (peerId: PeerIdStr, now: number): boolean {
    const since = this.liveSince.get(peerId)
    return since !== undefined && now - since >= this.settleMs
  }

  /** Live: announcing within its lease, and connected to this node (a record with no node behind it counts for nothing). */
  private isLive (peerId: PeerIdStr, lastSeen: number, now: number): boolean {
    if (now - lastSeen >= this.leaseMs) return false
    let id = this.ids.get(peerId)
    if (id === undefined) {
      id = peerIdFromString(peerId)
      this.ids.set(peerId, id)
    }
    return this.components.libp2p.getConnections(id).length > 0
  }

  private selfCandidate (now: number): Candidate & { held: Partial<Record<Role, number>> } {
    return {
      peerId: this.self,
      pinned: this.pinned,
      eligible: this.eligible,
      held: { ...this.held },
      views: this.views(),
      settled: now - this.startedAt >= this.settleMs
    }
  }

  /** The holders this node computes: its vote (none while warming up: it has not heard the others yet). */
  private views (): Partial<Record<Role, PeerIdStr>> {
    const views: Partial<Record<Role, PeerIdStr>> = {}
    if (this.clock() - this.startedAt < this.warmupMs) return views
    for (const role of ROLES) {
      const h = this.assignment.holders[role]
      if (h !== null) views[role] = h.peerId
    }
    return views
  }

  private tick (): void {
    if (!this.running) return
    this.recompute()
    this.recycleSilent()
    void this.announce()
  }

  /**
   * A node we are still connected to whose announcements stopped for a whole
   * lease: after a short network cut the TCP connection can survive while
   * the gossip streams on it did not. Closing it lets the dialer make a fresh
   * one, and the node's announcements flow again.
   */
  private recycleSilent (): void {
    const now = this.clock()
    for (const [peerId, { lastSeen }] of this.view) {
      if (now - lastSeen < this.leaseMs || (this.recycled.get(peerId) ?? 0) > lastSeen) continue
      const id = peerIdFromString(peerId)
      if (this.components.libp2p.getConnections(id).length === 0) continue
      this.recycled.set(peerId, now)
      this.log('%s is connected but silent for %d ms: reconnecting', peerId, now - lastSeen)
      void this.components.libp2p.hangUp(id).catch(() => {})
    }
  }

  /** Re-runs the election over the live view; emits role:changed and updates what this node serves. */
  private recompute (): void {
    const now = this.clock()
    const live: Candidate[] = [this.selfCandidate(now)]
    for (const { record, lastSeen } of this.view.values()) {
      if (!this.isLive(record.peerId, lastSeen, now)) {
        this.liveSince.delete(record.peerId)
        continue
      }
      if (!this.liveSince.has(record.peerId)) this.liveSince.set(record.peerId, now)
      live.push({ peerId: record.peerId, pinned: record.pinned, eligible: record.eligible, views: record.views, settled: this.isSettled(record.peerId, now) })
    }
    const previous = this.assignment
    const warm = now - this.startedAt >= this.warmupMs
    // Until warm, what this node computed alone is no incumbent: it follows the others' votes.
    this.assignment = elect(live, warm ? Object.fromEntries(ROLES.map(r => [r, previous.holders[r]?.peerId ?? null])) : {}, this.self)
    const held: Partial<Record<Role, number>> = {}
    const moved: Array<{ role: Role, peerId: PeerIdStr | null }> = []
    for (const role of ROLES) {
      const before = previous.holders[role]?.peerId ?? null
      const after = this.assignment.holders[role]?.peerId ?? null
      if (before !== after) {
        this.since.set(role, now)
        this.log('%s: %s -> %s', role, before, after)
        moved.push({ role, peerId: after })
      }
      this.tenures.change(role, after, after === null ? undefined : this.publicRoleKey(after, role), now).catch(err => {
        this.log.error('recording who holds %s failed: %s', role, (err as Error).message)
      })
      // A pinned role is served at once, an elected one once warm (the replication holds its requests until it caught up).
      if (after === this.self && (warm || this.assignment.holders[role]?.pinned === true)) held[role] = this.held[role] ?? now
    }
    const changed = ROLES.some(r => (held[r] === undefined) !== (this.held[r] === undefined))
    this.held = held
    // Told once everything is up to date: a listener asking serves() gets the answer of now.
    for (const detail of moved) this.dispatchEvent(new CustomEvent('role:changed', { detail }))
    // What it serves or names changed: the others hear it now, not at the next interval (a stale vote there could
    // move a role again were a holder to die in between).
    if ((changed || moved.length > 0) && this.running) void this.announce()
  }

  private async reserveSeq (): Promise<void> {
    this.reservedSeq = this.nextSeq + SEQ_BLOCK
    await this.kv.put('seq-reserved', this.reservedSeq)
  }

  private async announce (): Promise<void> {
    if (!this.running) return
    try {
      if (this.nextSeq > this.reservedSeq) await this.reserveSeq()
      const now = this.clock()
      const record: RegistryRecord = {
        peerId: this.self,
        pinned: this.pinned,
        eligible: this.eligible,
        roleKeys: Object.fromEntries([...this.roleKeys].map(([role, key]) => [role, key.publicKey.raw])),
        addrs: this.components.libp2p.getMultiaddrs().map(ma => ma.toString()).slice(0, 16),
        seq: this.nextSeq++,
        time: now,
        startedAt: this.startedAt,
        held: this.held,
        views: this.views(),
        hostName: this.components.hostName ?? '',
        user: this.components.user?.() ?? '',
        ...this.replicaReport()
      }
      const sealed = await sealAnnouncement(record, this.components.nodeKey, this.components.registryKey)
      await this.components.libp2p.services.pubsub.publish(this.topic, sealed)
    } catch (err) {
      this.log.error('announcing failed: %s', (err as Error).message)
    }
  }

  /** What this node announces of the replicas of the roles it serves. */
  private replicaReport (): { replicas: ReplicaReport[], alone: Role[] } {
    const replicas: ReplicaReport[] = []
    const alone: Role[] = []
    // A node without replication says nothing (not reported), rather than claiming to be alone.
    if (this.components.replicas === undefined) return { replicas, alone }
    const report = this.components.replicas()
    for (const role of ROLES) {
      if (!this.serves(role)) continue
      const list = report[role] ?? []
      if (list.length === 0) alone.push(role)
      replicas.push(...list.slice(0, MAX_REPLICAS_PER_ROLE))
    }
    return { replicas, alone }
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    // A peer just joined the registry topic: tell it about us now rather than in up to one interval.
    if (evt.detail.subscriptions.some(s => s.topic === this.topic && s.subscribe)) void this.announce()
  }

  private drop (reason: DropReason, from: string): TopicValidatorResult {
    this.dropped[reason]++
    this.log('dropped a %s announcement from %s', reason, from)
    return reason === 'replayed' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
  }

  /** gossipsub validator: only sealed, signed, fresh, newer announcements are accepted and forwarded. */
  private readonly validate = async (from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    const opened = await openAnnouncement(msg.data, this.components.registryKey)
    if (!opened.ok) return this.drop(opened.reason, from.toString())
    const { record } = opened
    if (record.peerId === this.self) return this.drop('replayed', from.toString())
    const now = this.clock()
    if (record.time < now - this.leaseMs - MAX_CLOCK_SKEW_MS || record.time > now + MAX_CLOCK_SKEW_MS) return this.drop('stale', from.toString())
    const known = this.view.get(record.peerId)
    if (known !== undefined && record.seq <= known.record.seq) return this.drop('replayed', from.toString())
    this.view.set(record.peerId, { record, lastSeen: now })
    this.dirty.add(record.peerId)
    if (this.running) this.recompute()
    this.learn(record)
    return TopicValidatorResult.Accept
  }

  /** A node we hear of but are not connected to: tell the network its addresses, so it is dialled. */
  private learn (record: RegistryRecord): void {
    if (this.components.learnPeer === undefined) return
    try {
      const peerId = peerIdFromString(record.peerId)
      if (this.components.libp2p.getConnections(peerId).length > 0) return
      // Which of them are worth dialling, and when, is the network's to decide (src/net/reachable.ts).
      this.components.learnPeer(peerId, record.addrs)
    } catch (err) {
      this.log('cannot learn peer %s: %s', record.peerId, (err as Error).message)
    }
  }

  private async loadView (): Promise<void> {
    for await (const [key, value] of this.kv.iterator({ gt: 'peer/', lt: 'peer/\xff' })) {
      if (typeof value === 'number') continue
      const roleKeys: Partial<Record<Role, Uint8Array>> = {}
      for (const [role, hex] of Object.entries(value.record.roleKeys)) roleKeys[role as Role] = Buffer.from(hex, 'hex')
      this.view.set(key.slice('peer/'.length), { record: { ...value.record, views: value.record.views ?? {}, hostName: value.record.hostName ?? '', user: value.record.user ?? '', roleKeys }, lastSeen: value.lastSeen })
    }
    this.log('loaded %d nodes from the stored view', this.view.size)
  }

  private async persist (): Promise<void> {
    if (this.dirty.size === 0) return
    const ids = [...this.dirty]
    this.dirty.clear()
    const ops = ids.flatMap(peerId => {
      const entry = this.view.get(peerId)
      if (entry === undefined) return []
      const roleKeys = Object.fromEntries(Object.entries(entry.record.roleKeys).map(([r, k]) => [r, Buffer.from(k).toString('hex')]))
      const value: StoredEntry = { record: { ...entry.record, roleKeys }, lastSeen: entry.lastSeen }
      return [{ type: 'put' as const, key: `peer/${peerId}`, value }]
    })
    try {
      await this.kv.batch(ops)
    } catch (err) {
      for (const id of ids) this.dirty.add(id)
      this.log.error('persisting the registry view failed: %s', (err as Error).message)
    }
  }
}
