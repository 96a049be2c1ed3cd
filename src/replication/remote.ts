/**
 * A peer's updates of a doc, applied here (docs/replication.md, "The sync
 * session"): checked before Yjs sees them, applied, persisted with the
 * service's layout writes in one batch, and passed on to the other replicas.
 *
 * An update that builds on what this node lacks (its base: records the
 * inspection cannot place, or structs Yjs keeps pending) is not applied, or
 * not wholly: this node asks the peer for the difference, and the frame that
 * carried the update is done (so acknowledged by PERSISTED) only once all of
 * it is applied and persisted here. A base that does not come within
 * BASE_WAIT_MS fails the frame: the stream ends, as for a frame whose batch
 * failed, and the peer's next stream makes up for what is missing. So no
 * PERSISTED ever covers an update that is not on this node's disk.
 */
import * as Y from 'yjs'
import { createLogger } from '../logger.js'
import { BASE_WAIT_MS, MAX_WANTING_BASE } from './constants.js'
import { holds, inspectUpdate } from './records.js'
import type { ReplicaDoc } from './doc.js'
import type { StateVector } from './records.js'
import type { Replication } from './replication.js'
import type { Session } from './session.js'
import type { DocKind } from './types.js'

/** A frame's update that waits for its base. */
interface Wanting {
  session: Session
  epoch: number
  /** The update itself while it could not be applied at all; undefined once applied (part of it pending in Yjs) */
  update?: Uint8Array
  /** What the doc must hold for all of it to be in (once applied) */
  needs?: StateVector
  timer?: ReturnType<typeof setTimeout>
  resolve: () => void
  reject: (err: Error) => void
}

/** What applying an update came to: done (applied, or refused for good), or waiting for its base. */
type Outcome = { done: true } | { done: false, update?: Uint8Array, needs?: StateVector }

const DONE: Outcome = { done: true }

export class RemoteUpdates {
  /** doc -> updates waiting for their base, in the order they came */
  private readonly wanting = new Map<string, Wanting[]>()
  private count = 0
  private readonly log = createLogger('replication')

  constructor (private readonly r: Replication, private readonly baseWaitMs = BASE_WAIT_MS) {}

  /** Applies a peer's update of `name` at `epoch`; resolves once all of it is persisted here (or refused). */
  async apply (s: Session, kind: DocKind, name: string, epoch: number, update: Uint8Array): Promise<void> {
    const catalogEpoch = this.r.epochs.catalogEpoch(kind.role, name)
    if (catalogEpoch !== undefined && epoch < catalogEpoch) return
    const d = this.r.docs.get(name) ?? await this.r.open(name)
    const waiting = await this.r.lock.run(name, async (): Promise<{ until: Promise<void> } | undefined> => {
      if (d.switching !== undefined && d.switching.epoch === epoch) {
        this.r.epochs.fill(d, s, update)
        return undefined
      }
      if (epoch !== d.epoch) return undefined
      const outcome = await this.applyNow(s, kind, d, update)
      // What it brought (all of it, or what Yjs could apply) may be the base others wait for.
      if (outcome.done || outcome.update === undefined) await this.retry(kind, d)
      return outcome.done ? undefined : { until: this.want(s, d, outcome) }
    })
    // Waited for outside the doc's lock: the base comes in a later frame, applied under it.
    if (waiting !== undefined) await waiting.until
  }

  /** The node is stopping: frames waiting for a base fail (their stream ends with the session). */
  stop (): void {
    for (const list of this.wanting.values()) for (const w of list) this.settle(w, new Error('the replication is stopping'))
    this.wanting.clear()
  }

  /** Checks and applies an update under the doc's lock; persists what it changed. */
  private async applyNow (s: Session, kind: DocKind, d: ReplicaDoc, update: Uint8Array): Promise<Outcome> {
    const inspection = inspectUpdate(update, d.ydoc, d.name, d.k)
    // What it builds on is missing here: it waits (counted once, when it comes), and the peer is asked for the difference.
    if (!inspection.ok && inspection.reason === 'missing') return { done: false, update }
    if (!inspection.ok) {
      this.r.countRefusal(inspection.reason)
      this.log('refused an update of %s from %s: %s', d.name, s.peer, inspection.detail)
      return DONE
    }
    for (const ins of inspection.inserts) {
      const refusal = kind.check?.(d.name, ins.key, ins.value)
      if (refusal !== undefined) {
        this.r.countRefusal(refusal)
        this.log('refused an update of %s from %s: %s of %s', d.name, s.peer, refusal, ins.key)
        return DONE
      }
    }
    d.lastUpdate = undefined
    const changes = d.collect(() => { Y.applyUpdate(d.ydoc, update, s) })
    const effective = d.lastUpdate
    s.docsHeld.add(d.name)
    if (effective !== undefined) {
      try {
        await this.r.commitFrom(s, d, kind, changes, effective)
      } catch (err) {
        // Not persisted (the doc was read back): asked for again, and the frame fails (it is not acknowledged).
        s.askDifference(d.name, d.epoch, d.ydoc)
        throw err
      }
    }
    // Yjs keeps what builds on structs this node lacks pending (in memory only, persisted once it is applied).
    return holds(d.ydoc, inspection.needs) ? DONE : { done: false, needs: inspection.needs }
  }

  /** Keeps a frame's update until its base is here; the first of a doc from a session asks the peer for it. */
  private async want (s: Session, d: ReplicaDoc, outcome: Outcome & { done: false }): Promise<void> {
    const list = this.wanting.get(d.name) ?? []
    if (this.count >= MAX_WANTING_BASE) throw new Error(`more than ${MAX_WANTING_BASE} updates wait for their base: the stream from ${s.peer} ends, and the next one makes up for them`)
    if (outcome.update !== undefined) {
      this.r.countRefusal('missing')
      this.log('an update of %s from %s builds on records this node does not have yet: it waits for them', d.name, s.peer)
    }
    if (!list.some(w => w.session === s)) s.askDifference(d.name, d.epoch, d.ydoc)
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const w: Wanting = { session: s, epoch: d.epoch, update: outcome.update, needs: outcome.needs, resolve, reject }
    w.timer = setTimeout(() => {
      this.settle(w, new Error(`what an update of ${d.name} from ${s.peer} builds on did not come within ${this.baseWaitMs} ms`))
    }, this.baseWaitMs)
    w.timer.unref?.()
    list.push(w)
    this.wanting.set(d.name, list)
    this.count++
    return promise
  }

  /** Under the doc's lock, after a change of it: the updates waiting for a base that is here now are applied. */
  private async retry (kind: DocKind, d: ReplicaDoc): Promise<void> {
    for (let progress = true; progress;) {
      progress = false
      for (const w of [...this.wanting.get(d.name) ?? []]) {
        if (w.epoch !== d.epoch) {
          // The doc moved to another epoch meanwhile: the frame fails, and the next stream makes up for it.
          this.settle(w, new Error(`${d.name} moved to epoch ${d.epoch} while an update of epoch ${w.epoch} waited for its base`))
          continue
        }
        if (w.update !== undefined) {
          let outcome: Outcome
          try {
            outcome = await this.applyNow(w.session, kind, d, w.update)
          } catch (err) {
            this.settle(w, err as Error)
            continue
          }
          if (!outcome.done && outcome.update !== undefined) continue
          progress = true
          w.update = undefined
          w.needs = outcome.done ? undefined : outcome.needs
        }
        if (w.needs === undefined || holds(d.ydoc, w.needs)) this.settle(w)
      }
    }
  }

  private settle (w: Wanting, err?: Error): void {
    clearTimeout(w.timer)
    for (const [name, list] of this.wanting) {
      const at = list.indexOf(w)
      if (at < 0) continue
      list.splice(at, 1)
      this.count--
      if (list.length === 0) this.wanting.delete(name)
      if (err === undefined) w.resolve()
      else w.reject(err)
      return
    }
  }
}
