/**
 * The catch-up of a holder (docs/replication.md, "Failover"): a node that
 * holds a role answers no request of it until it has synced with every live
 * replica of the role, and holds the requests that come meanwhile (bounded
 * in number and time). One takeover per tenure: the next time the node holds
 * the role, it catches up again.
 */
import { createLogger } from '../logger.js'
import type { Replicas } from './replicas.js'
import type { Replication } from './replication.js'
import type { PeerIdStr } from '../net/index.js'
import type { Role } from '../roles/index.js'

export interface CatchUpInit {
  /** Nothing is known of the others until this long after start (the registry's warm-up) */
  warmupMs: number
  /** A replica that has not answered this long after the warm-up is given up on */
  catchUpTimeoutMs: number
  /** How long a request is held at most */
  holdMs: number
  /** How many requests of a role are held at most */
  maxHeld: number
}

/** A request held until the holder has caught up. */
interface Held {
  resolve: (admitted: boolean) => void
  timer: ReturnType<typeof setTimeout>
}

/** One tenure of a role: the catch-up before its requests are answered, and the requests held meanwhile. */
interface Takeover {
  started: number
  /** Synced with every live replica (or gave up on the late ones) */
  done: boolean
  /** Requests are answered (done, and no doc of the role was switching epochs then) */
  open: boolean
  /** Replicas it gave up on */
  late: PeerIdStr[]
  held: Set<Held>
  timers: Set<ReturnType<typeof setTimeout>>
}

export class CatchUp {
  private readonly takeovers = new Map<Role, Takeover>()
  private readonly log = createLogger('replication:catch-up')
  private startedAt = 0
  private stopped = false

  constructor (private readonly r: Replication, private readonly replicas: Replicas, private readonly init: CatchUpInit, private readonly clock: () => number) {}

  start (): void {
    this.startedAt = this.clock()
  }

  /** Every held request is turned away, every timer cleared. */
  stop (): void {
    this.stopped = true
    for (const role of [...this.takeovers.keys()]) this.end(role)
  }

  /** Whether this node has caught up on `role` for its tenure. */
  caughtUp (role: Role): boolean {
    const t = this.takeovers.get(role)
    if (t === undefined || !t.done) return false
    // Opened once per tenure, never while a doc of the role is switching epochs (it would answer from a partial doc).
    if (!t.open && !this.r.epochs.switchingIn(role)) {
      t.open = true
      this.r.dispatchEvent(new CustomEvent('caught-up', { detail: { role } }))
    }
    return t.open
  }

  /** Waits until caught up on `role`, at most `timeoutMs`; false when not by then, or when too many wait already. */
  async admit (role: Role, timeoutMs: number): Promise<boolean> {
    if (this.stopped) return false
    const t = this.begin(role)
    if (this.caughtUp(role)) return true
    if (t.held.size >= this.init.maxHeld) return false
    return new Promise<boolean>(resolve => {
      const h: Held = {
        resolve,
        timer: setTimeout(() => {
          t.held.delete(h)
          resolve(false)
        }, timeoutMs)
      }
      t.held.add(h)
    })
  }

  /** The takeover of this tenure of `role`, begun now if it was not. */
  begin (role: Role): Takeover {
    let t = this.takeovers.get(role)
    if (t === undefined) {
      const takeover: Takeover = { started: this.clock(), done: false, open: false, late: [], held: new Set(), timers: new Set() }
      this.takeovers.set(role, takeover)
      this.after(takeover, this.warmupLeft() + this.init.catchUpTimeoutMs, () => { this.giveUp(role, takeover) })
      void this.run(role, takeover)
      t = takeover
    }
    return t
  }

  has (role: Role): boolean {
    return this.takeovers.has(role)
  }

  /** The tenure of `role` is over (the role moved, the node stops): held requests are turned away. */
  end (role: Role): void {
    const t = this.takeovers.get(role)
    if (t === undefined) return
    this.release(role, false)
    for (const timer of t.timers) clearTimeout(timer)
    this.takeovers.delete(role)
  }

  /** Lets the requests held for `role` through once it is caught up (or turns them away: `false`). */
  release (role: Role, answer?: boolean): void {
    const t = this.takeovers.get(role)
    if (t === undefined) return
    const ok = answer ?? this.caughtUp(role)
    if (answer === undefined && !ok) return
    for (const h of t.held) {
      clearTimeout(h.timer)
      h.resolve(ok)
    }
    t.held.clear()
  }

  /** Replicas this tenure gave up on (they did not answer in time). */
  late (role: Role): PeerIdStr[] {
    return [...(this.takeovers.get(role)?.late ?? [])]
  }

  private warmupLeft (): number {
    return Math.max(0, this.startedAt + this.init.warmupMs - this.clock())
  }

  private after (t: Takeover, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      t.timers.delete(timer)
      fn()
    }, ms)
    t.timers.add(timer)
  }

  /** A replica that did not answer in time is given up on: a hung peer cannot keep a role unanswered. */
  private giveUp (role: Role, t: Takeover): void {
    if (t.done || this.takeovers.get(role) !== t) return
    t.late = this.replicas.replicasOf(role).filter(p => !this.replicas.syncedWith(p))
    this.log.error('answering %s without having synced with %s: they did not answer in %d ms', role, t.late.join(', '), this.init.catchUpTimeoutMs)
    this.finish(role, t)
  }

  private finish (role: Role, t: Takeover): void {
    t.done = true
    this.release(role)
  }

  private async run (role: Role, t: Takeover): Promise<void> {
    // The others are heard first (the registry's warm-up from this node's start), pinned role or not: until then this
    // node does not know which live replicas are ahead of it (a fresh node is behind every one of them).
    const wait = this.warmupLeft()
    if (wait > 0) await new Promise<void>(resolve => { this.after(t, wait, resolve) })
    const current = (): boolean => !this.stopped && !t.done && this.takeovers.get(role) === t
    // Every live replica, including one that became live while this node synced with the others.
    const synced = new Set<PeerIdStr>()
    for (let peers = this.replicas.replicasOf(role); peers.length > 0 && current(); peers = this.replicas.replicasOf(role).filter(p => !synced.has(p))) {
      await Promise.all(peers.map(async peer => {
        synced.add(peer)
        try {
          await this.replicas.syncWith(peer, role, current, async ms => { await new Promise<void>(resolve => { this.after(t, ms, resolve) }) })
        } catch (err) {
          // Its stream went before it answered: asked again while it is a live replica (one that died is not).
          synced.delete(peer)
          this.log('syncing with %s before answering %s failed: %s', peer, role, (err as Error).message)
        }
      }))
    }
    if (!current()) return
    this.log('synced with %d replicas of %s in %d ms: answering', synced.size, role, this.clock() - t.started)
    this.finish(role, t)
  }
}
