/**
 * The registry topic: this node's announcement out (numbered, sealed,
 * published), the others' in (gossipsub validator: only sealed, signed,
 * fresh, newer announcements are kept in the view and forwarded), and the
 * nodes heard of handed to the network to dial (docs/roles.md).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { openAnnouncement, sealAnnouncement } from './announcement.js'
import { MAX_ADDRS, MAX_CLOCK_SKEW_MS, MAX_REPLICAS_PER_ROLE, ROLES } from './constants.js'
import type { RegistryRecord, ReplicaReport } from './announcement.js'
import type { PeerIdStr, Role } from './election.js'
import type { DropReason, RegistryComponents } from './types.js'
import type { RegistryView } from './view.js'
import type { KV } from '../../store/index.js'
import type { Logger } from '../logger.js'
import type { Message } from '@libp2p/gossipsub'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

/** Sequence numbers are reserved in the store this many at a time: a restart never reuses one. */
const SEQ_BLOCK = 1_000
/** An unchanged replica list is sent in full at least every this many announcements (else `replicasSame`). */
const REPLICAS_FULL_EVERY = 4

export type AnnouncerComponents = Pick<RegistryComponents, 'libp2p' | 'store' | 'nodeKey' | 'registryKey' | 'learnPeer' | 'hostName' | 'user' | 'replicas'> & {
  clock: () => number
  log: Logger
  view: RegistryView
}

/** This node as the registry knows it, asked each time it announces. */
export interface OwnState {
  peerId: PeerIdStr
  pinned: Role[]
  eligible: Role[]
  roleKeys: ReadonlyMap<Role, Ed25519PrivateKey>
  startedAt: number
  /** The roles it serves, since when */
  held: Partial<Record<Role, number>>
  /** The holders it computes: its vote */
  views: Partial<Record<Role, PeerIdStr>>
}

export class Announcer {
  readonly topic: string
  private readonly kv: KV<number>
  private readonly dropped: Record<DropReason, number> = { unsealed: 0, malformed: 0, forged: 0, replayed: 0, stale: 0 }
  private nextSeq = 0
  private reservedSeq = 0
  private running = false
  /** The replica list last sent in full, and how many announcements said `replicasSame` since */
  private lastReplicas = ''
  private replicasSameCount = 0

  constructor (
    private readonly components: AnnouncerComponents,
    networkId: string,
    private readonly leaseMs: number,
    private readonly own: () => OwnState,
    /** A newer announcement was kept in the view */
    private readonly onRecord: () => void
  ) {
    this.topic = `/lanchat/${networkId}/registry/1`
    this.kv = components.store.sublevel<number>('registry', 'json')
  }

  async start (): Promise<void> {
    const reserved = await this.kv.get('seq-reserved')
    this.nextSeq = (typeof reserved === 'number' ? reserved : 0) + 1
    await this.reserveSeq()
    const pubsub = this.components.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.running = true
  }

  stop (): void {
    this.running = false
    const pubsub = this.components.libp2p.services.pubsub
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    pubsub.topicValidators.delete(this.topic)
    pubsub.unsubscribe(this.topic)
  }

  /** The announcements dropped so far, by reason. */
  droppedCounts (): Record<DropReason, number> {
    return { ...this.dropped }
  }

  private async reserveSeq (): Promise<void> {
    this.reservedSeq = this.nextSeq + SEQ_BLOCK
    await this.kv.put('seq-reserved', this.reservedSeq)
  }

  async announce (): Promise<void> {
    if (!this.running) return
    try {
      if (this.nextSeq > this.reservedSeq) await this.reserveSeq()
      const now = this.components.clock()
      const own = this.own()
      const record: RegistryRecord = {
        peerId: own.peerId,
        pinned: own.pinned,
        eligible: own.eligible,
        roleKeys: Object.fromEntries([...own.roleKeys].map(([role, key]) => [role, key.publicKey.raw])),
        addrs: this.components.libp2p.getMultiaddrs().map(ma => ma.toString()).slice(0, MAX_ADDRS),
        seq: this.nextSeq++,
        time: now,
        startedAt: own.startedAt,
        held: own.held,
        views: own.views,
        hostName: this.components.hostName ?? '',
        user: this.components.user?.() ?? '',
        ...this.replicaReport(own.held)
      }
      this.leaveOutSameReplicas(record)
      const sealed = await sealAnnouncement(record, this.components.nodeKey, this.components.registryKey)
      await this.components.libp2p.services.pubsub.publish(this.topic, sealed)
    } catch (err) {
      this.components.log.error('announcing failed: %s', (err as Error).message)
    }
  }

  /** What this node announces of the replicas of the roles it serves. */
  private replicaReport (held: Partial<Record<Role, number>>): { replicas: ReplicaReport[], alone: Role[] } {
    const replicas: ReplicaReport[] = []
    const alone: Role[] = []
    // A node without replication says nothing (not reported), rather than claiming to be alone.
    if (this.components.replicas === undefined) return { replicas, alone }
    const report = this.components.replicas()
    for (const role of ROLES) {
      if (held[role] === undefined) continue
      const list = report[role] ?? []
      if (list.length === 0) alone.push(role)
      replicas.push(...list.slice(0, MAX_REPLICAS_PER_ROLE))
    }
    return { replicas, alone }
  }

  /**
   * Leaves out a replica list sent in full in one of the last announcements
   * (the largest part of a holder's announcement, unchanged while idle: issue
   * 14's idle traffic). A node that missed the full one sees the holder's
   * replicas as not reported for at most REPLICAS_FULL_EVERY announcements.
   */
  private leaveOutSameReplicas (record: RegistryRecord): void {
    const replicas = JSON.stringify(record.replicas ?? [])
    if (replicas === this.lastReplicas && this.replicasSameCount < REPLICAS_FULL_EVERY - 1 && (record.replicas?.length ?? 0) > 0) {
      this.replicasSameCount++
      record.replicas = []
      record.replicasSame = true
      return
    }
    this.lastReplicas = replicas
    this.replicasSameCount = 0
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    // A peer just joined the registry topic: tell it about us now rather than in up to one interval, replicas in full.
    if (!evt.detail.subscriptions.some(s => s.topic === this.topic && s.subscribe)) return
    this.lastReplicas = ''
    void this.announce()
  }

  private drop (reason: DropReason, from: string): TopicValidatorResult {
    this.dropped[reason]++
    this.components.log('dropped a %s announcement from %s', reason, from)
    return reason === 'replayed' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
  }

  /** gossipsub validator: only sealed, signed, fresh, newer announcements are accepted and forwarded. */
  private readonly validate = async (from: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    const opened = await openAnnouncement(msg.data, this.components.registryKey)
    if (!opened.ok) return this.drop(opened.reason, from.toString())
    const { record } = opened
    if (record.peerId === this.components.libp2p.peerId.toString()) return this.drop('replayed', from.toString())
    const now = this.components.clock()
    if (record.time < now - this.leaseMs - MAX_CLOCK_SKEW_MS || record.time > now + MAX_CLOCK_SKEW_MS) return this.drop('stale', from.toString())
    const known = this.components.view.get(record.peerId)
    if (known !== undefined && record.seq <= known.record.seq) return this.drop('replayed', from.toString())
    if (record.replicasSame === true) {
      // The list of its previous announcement (none known: not reported until its next full one).
      record.replicas = known?.record.replicas ?? []
      delete record.replicasSame
    }
    this.components.view.set(record, now)
    this.onRecord()
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
      this.components.log('cannot learn peer %s: %s', record.peerId, (err as Error).message)
    }
  }
}
