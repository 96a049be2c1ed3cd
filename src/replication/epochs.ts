/**
 * Epochs: how a doc's tombstones go (docs/replication.md, "Deletion and
 * epochs"). Yjs keeps a small tombstone for every deleted record; once a doc
 * has many (COMPACT_MIN_TOMBSTONES, and at least as many as live records),
 * its holder copies the live records into a fresh doc, epoch n + 1, and
 * notes in the role's catalog doc the state vector epoch n had then (its
 * base). Every other node switches when the catalog tells it: it takes
 * epoch n + 1 from a peer that has it, carries over what it has of epoch n
 * that the base does not cover (written elsewhere after the compaction, a
 * partition's other side), and drops epoch n. A node that finds nobody with
 * epoch n + 1 carries over everything it has. The catalog keeps the bases of
 * the last KEEP_BASES epochs of each doc.
 */
import * as Y from 'yjs'
import { createLogger } from '../logger.js'
import { equalBytes, fromBase64, toBase64 } from '../crypto/index.js'
import { COMPACT_RATIO, KEEP_BASES } from './constants.js'
import { decodeSv, inspectUpdate, openRecord, ROOT } from './records.js'
import type { Change, ReplicaDoc } from './doc.js'
import type { Replicas } from './replicas.js'
import type { Replication } from './replication.js'
import type { Session } from './session.js'
import type { Role } from '../roles/index.js'

export interface CatalogEntry {
  epoch: number
  /** epoch -> base64 of the state vector that epoch had when it was compacted */
  bases: Record<string, string>
}

/** A switch waits this long for a peer to send the new epoch's records before it carries over everything. */
const SWITCH_WAIT_MS = 3_000

const utf8 = new TextEncoder()
const text = new TextDecoder()

export class Epochs {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly log = createLogger('replication:epochs')
  private stopped = false

  constructor (private readonly r: Replication, private readonly replicas: Replicas) {}

  stop (): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  entry (role: Role, name: string): CatalogEntry | undefined {
    const bytes = this.r.docs.get(this.r.catalogOf(role))?.get(name)
    if (bytes === undefined) return undefined
    try {
      const e = JSON.parse(text.decode(bytes)) as CatalogEntry
      return Number.isInteger(e.epoch) && e.epoch > 0 && typeof e.bases === 'object' && e.bases !== null ? e : undefined
    } catch {
      return undefined
    }
  }

  /** The epoch the role's catalog names for a doc (undefined: never compacted). */
  catalogEpoch (role: Role, name: string): number | undefined {
    return this.entry(role, name)?.epoch
  }

  switchingIn (role: Role): boolean {
    for (const d of this.r.docs.values()) if (d.role === role && d.switching !== undefined) return true
    return false
  }

  /** A catalog changed (committed): docs it names at a newer epoch switch. */
  onCatalog (role: Role, changes: Change[]): void {
    for (const c of changes) {
      const d = this.r.docs.get(c.key)
      const e = this.entry(role, c.key)
      if (d === undefined || e === undefined || e.epoch <= d.epoch) continue
      void this.r.lock.run(d.name, async () => { await this.begin(d, e.epoch) }).catch((err: unknown) => {
        this.log.error('switching %s to epoch %d failed: %s', c.key, e.epoch, (err as Error).message)
      })
    }
  }

  /** Starts taking epoch `epoch` of a doc from the peers (under the doc's lock). */
  private async begin (d: ReplicaDoc, epoch: number): Promise<void> {
    if (this.stopped || d.epoch >= epoch || (d.switching !== undefined && d.switching.epoch >= epoch)) return
    d.switching = { epoch, staging: new Y.Doc(), filled: false }
    const asked = this.replicas.request(d.role, d.name, epoch)
    this.log('%s: taking epoch %d from %d peers', d.name, epoch, asked)
    if (asked === 0) {
      await this.finishSwitch(d)
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.r.lock.run(d.name, async () => { await this.finishSwitch(d) }).catch(() => {})
    }, SWITCH_WAIT_MS)
    timer.unref?.()
    this.timers.add(timer)
    d.switching.timer = timer
  }

  /** A peer's records of the epoch being switched to (under the doc's lock). */
  fill (d: ReplicaDoc, s: Session, update: Uint8Array): void {
    const sw = d.switching!
    const inspection = inspectUpdate(update, sw.staging, d.name, d.k)
    if (!inspection.ok) {
      this.r.countRefusal(inspection.reason)
      this.log('refused epoch %d of %s from %s: %s', sw.epoch, d.name, s.peer, inspection.detail)
      return
    }
    Y.applyUpdate(sw.staging, update, s)
    sw.filled = true
    void this.r.lock.run(d.name, async () => { await this.finishSwitch(d) }).catch((err: unknown) => {
      this.log.error('switching %s failed: %s', d.name, (err as Error).message)
    })
  }

  /**
   * Completes a switch (under the doc's lock): carries over what the base
   * does not cover (or everything, when no peer had the new epoch), commits
   * the new epoch with what changed for the service's layout, and sends the
   * carried records to the peers.
   */
  async finishSwitch (d: ReplicaDoc): Promise<void> {
    const sw = d.switching
    if (sw === undefined) return
    clearTimeout(sw.timer)
    if (sw.timer !== undefined) this.timers.delete(sw.timer)
    d.switching = undefined
    const base64 = this.entry(d.role, d.name)?.bases[String(d.epoch)]
    const base = sw.filled && base64 !== undefined ? decodeSv(fromBase64(base64)) : undefined
    const staging = sw.staging
    const next = staging.getMap<Uint8Array>(ROOT)
    const before = Y.encodeStateVector(staging)
    staging.transact(() => {
      for (const key of d.map.keys()) {
        const id = d.itemOf(key)
        if (id === undefined) continue
        const covered = base !== undefined && (base.get(id.client) ?? 0) > id.clock
        if (covered) continue
        const value = d.map.get(key)!
        const there = next.get(key)
        if (there !== undefined && equalBytes(there, value)) continue
        next.set(key, value)
      }
    }, 'carry')
    const carried = Y.encodeStateAsUpdate(staging, before)
    const changes: Change[] = []
    const open = (map: Y.Map<Uint8Array>, key: string): Uint8Array | undefined => {
      const sealed = map.get(key)
      return sealed === undefined ? undefined : openRecord(d.k, d.name, key, sealed)
    }
    for (const key of new Set([...d.map.keys(), ...next.keys()])) {
      const a = d.map.get(key)
      const b = next.get(key)
      if (a !== undefined && b !== undefined && equalBytes(a, b)) continue
      changes.push({ key, before: open(d.map, key), after: open(next, key) })
    }
    const from = d.epoch
    await this.r.commitEpoch(d, staging, sw.epoch, changes, carried)
    this.log('%s: epoch %d -> %d (%s), %d records changed', d.name, from, sw.epoch, base === undefined ? 'everything carried over' : 'what the base lacks carried over', changes.length)
  }

  /**
   * Starts a doc's next epoch with its live records (the holder does, once
   * the doc has more tombstones than it is worth keeping): the catalog notes
   * the base, and the other nodes switch when they see it.
   */
  async compact (name: string): Promise<boolean> {
    const d = this.r.docs.get(name)
    if (d === undefined || name === this.r.catalogOf(d.role)) return false
    let base: Uint8Array | undefined
    let epoch = 0
    await this.r.lock.run(name, async () => {
      if (d.switching !== undefined) return
      base = Y.encodeStateVector(d.ydoc)
      const fresh = new Y.Doc()
      const map = fresh.getMap<Uint8Array>(ROOT)
      fresh.transact(() => { for (const [key, value] of d.map.entries()) map.set(key, value) }, 'compact')
      epoch = d.epoch + 1
      await this.r.commitEpoch(d, fresh, epoch, [])
    })
    if (base === undefined) return false
    const from = epoch - 1
    await this.r.mutate(this.r.catalogOf(d.role), tx => {
      const previous = this.entry(d.role, name)
      const bases = { ...(previous?.bases ?? {}), [String(from)]: toBase64(base!) }
      const kept = Object.keys(bases).map(Number).sort((a, b) => b - a).slice(0, KEEP_BASES)
      const entry: CatalogEntry = { epoch, bases: Object.fromEntries(kept.map(e => [String(e), bases[String(e)]!])) }
      tx.put(name, utf8.encode(JSON.stringify(entry)))
    })
    this.log('compacted %s into epoch %d (%d live records)', name, epoch, d.size)
    return true
  }

  /** Compacts the docs of the roles this node serves that need it. */
  async compactServed (): Promise<void> {
    for (const d of [...this.r.docs.values()]) {
      if (this.stopped) return
      if (!this.r.serving(d.role) || d.name === this.r.catalogOf(d.role)) continue
      const dead = d.tombstones()
      if (dead < this.r.compactMinTombstones || dead < d.size * COMPACT_RATIO) continue
      await this.compact(d.name).catch((err: unknown) => { this.log.error('compacting %s failed: %s', d.name, (err as Error).message) })
    }
  }
}
