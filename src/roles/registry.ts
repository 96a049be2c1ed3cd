/**
 * The role registry: every node announces itself on a sealed gossipsub topic
 * (announcer.ts), keeps the view of everyone's announcements (view.ts,
 * persisted), and computes from it who holds relay, idp and kacls
 * (docs/roles.md).
 */
import { TypedEventEmitter } from 'main-event'
import { createLogger } from '../logger.js'
import { Announcer } from './announcer.js'
import { ANNOUNCE_INTERVAL_MS, LEASE_MS, MAX_CLOCK_SKEW_MS, PERSIST_INTERVAL_MS, REDIAL_MS, ROLES, SETTLE_MS, TENURE_KEEP_MS, WARMUP_MS } from './constants.js'
import { elect } from './election.js'
import { loadOrCreateRoleKey } from './role-keys.js'
import { Tenures } from './tenures.js'
import { RegistryView } from './view.js'
import type { ReplicaReport } from './announcement.js'
import type { Assignment, Candidate, PeerIdStr, Role } from './election.js'
import type { Tenure } from './tenures.js'
import type { DropReason, RegistryComponents, RegistryEvents, RegistryInit, RoleHolder, RolesView, ViewNode } from './types.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

export class RoleRegistry extends TypedEventEmitter<RegistryEvents> {
  readonly topic: string
  private readonly components: RegistryComponents
  private readonly pinned: Role[]
  private readonly eligible: Role[]
  private readonly announceIntervalMs: number
  private readonly settleMs: number
  private readonly warmupMs: number
  private readonly clock: () => number
  private readonly log = createLogger('registry')
  /** Everyone's last announcement, and who is live and settled */
  private readonly view: RegistryView
  private readonly announcer: Announcer
  private readonly roleKeys = new Map<Role, Ed25519PrivateKey>()
  /** Who held each role when, as this node computed it: the authority behind every token */
  private readonly tenures: Tenures
  private assignment: Assignment = { holders: { relay: null, idp: null, kacls: null }, warnings: [] }
  private readonly since = new Map<Role, number>()
  private held: Partial<Record<Role, number>> = {}
  private startedAt = 0
  private timers: Array<ReturnType<typeof setInterval>> = []
  private running = false

  constructor (components: RegistryComponents, init: RegistryInit) {
    super()
    this.components = components
    this.pinned = [...init.pinned]
    this.eligible = ROLES.filter(r => init.eligible.includes(r) || init.pinned.includes(r))
    this.announceIntervalMs = init.announceIntervalMs ?? ANNOUNCE_INTERVAL_MS
    const leaseMs = init.leaseMs ?? LEASE_MS
    this.settleMs = init.settleMs ?? SETTLE_MS
    this.warmupMs = init.warmupMs ?? WARMUP_MS
    this.clock = components.clock ?? Date.now
    this.view = new RegistryView({ libp2p: components.libp2p, store: components.store, log: this.log }, leaseMs, this.settleMs, init.redialMs ?? REDIAL_MS)
    this.announcer = new Announcer({ ...components, clock: this.clock, log: this.log, view: this.view }, components.networkId, leaseMs, () => ({
      peerId: this.self, pinned: this.pinned, eligible: this.eligible, roleKeys: this.roleKeys, startedAt: this.startedAt, held: this.held, views: this.views()
    }), () => { if (this.running) this.recompute() })
    this.topic = this.announcer.topic
    this.tenures = new Tenures(components.store.sublevel('registry', 'json'), TENURE_KEEP_MS, MAX_CLOCK_SKEW_MS)
  }

  /** This node's peer id */
  get self (): PeerIdStr {
    return this.components.libp2p.peerId.toString()
  }

  async start (): Promise<void> {
    this.startedAt = this.clock()
    for (const role of this.eligible) this.roleKeys.set(role, await loadOrCreateRoleKey(this.components.store.sublevel('node', 'bytes'), role))
    await this.view.load()
    await this.tenures.load()
    await this.announcer.start()
    this.running = true
    this.components.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.recompute()
    this.timers.push(setInterval(() => { this.tick() }, this.announceIntervalMs))
    this.timers.push(setInterval(() => { void this.view.persist() }, PERSIST_INTERVAL_MS))
    // Once warm, the node may start serving what it was elected to.
    this.timers.push(setTimeout(() => { this.tick() }, this.warmupMs + 10))
    await this.announcer.announce()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.components.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.view.stopRedialling()
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    this.announcer.stop()
    await this.view.persist()
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
    for (const { record, lastSeen } of this.view.all()) {
      if (!this.view.isLive(record.peerId, lastSeen, now)) continue
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
    for (const { record, lastSeen } of this.view.all()) {
      const peerId = record.peerId
      nodes.push({
        peerId,
        pinned: record.pinned,
        eligible: record.eligible,
        held: Object.keys(record.held) as Role[],
        views: record.views,
        settled: this.view.isSettled(peerId, now),
        lastSeenAgoMs: now - lastSeen,
        self: false,
        ...this.about(peerId)
      })
    }
    return { nodes: nodes.sort((a, b) => a.lastSeenAgoMs - b.lastSeenAgoMs), dropped: this.announcer.droppedCounts() }
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

  /**
   * The last connection to a node closed: it is dialled again, and if it is gone (the dial fails), the election runs
   * at once rather than at the next tick, so its roles move now (a process killed: within milliseconds). A node that
   * answers the dial was live all along: nothing moves.
   */
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (!this.running) return
    void this.view.redial(evt.detail.toString(), this.clock()).then(gone => {
      if (gone && this.running) this.recompute()
    })
  }

  private tick (): void {
    if (!this.running) return
    this.recompute()
    this.view.recycleSilent(this.clock())
    void this.announcer.announce()
  }

  /** Re-runs the election over the live view; emits role:changed and updates what this node serves. */
  private recompute (): void {
    const now = this.clock()
    const live: Candidate[] = [this.selfCandidate(now)]
    for (const record of this.view.live(now)) {
      live.push({ peerId: record.peerId, pinned: record.pinned, eligible: record.eligible, views: record.views, settled: this.view.isSettled(record.peerId, now) })
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
    if ((changed || moved.length > 0) && this.running) void this.announcer.announce()
  }
}
