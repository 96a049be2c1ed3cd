/**
 * The network's directory as every node holds it (docs/services.md,
 * "Directory"): each username's binding to an identity key, signed by that
 * key at registration, copied from the idp holder and checked here. A user is
 * their identity key: every token, presence, lobby post and service request
 * names a user whose key must be the one bound here.
 *
 * Tamper-evident, not tamper-proof: the idp orders registrations, but it can
 * bind no name to a key without that key's signature, and a name bound to a
 * second key is never taken silently. The rule for a name bound twice (two
 * idps on two sides of a partition, or a lying idp) is the same on every
 * node: the earlier registration wins, then the lower SHA-256 of the key; the
 * other binding is kept as a conflict, reported to the user of that name at
 * their next login (USERNAME_CONFLICT) and to anyone asking.
 */
import { TypedEventEmitter } from 'main-event'
import { safeVerify, toHex, transcript } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { preferred as preferredClaim } from '../services/idp/accounts.js'
import { BINDINGS, IDP, REGISTER_LABEL } from '../services/idp/spec.js'
import { canonicalUsername } from '../usernames.js'
import type { Rpc } from '../services/index.js'
import type { Binding } from '../services/idp/pb/idp.js'
import type { KV, Store } from '../../store/index.js'

/** A binding as kept: hex key and signature. */
export interface StoredBinding {
  username: string
  identityKey: string
  registeredAt: number
  /** hex; '' for an account registered before bindings were signed */
  signature: string
}

export interface BindingConflict {
  username: string
  /** The binding every node keeps, by the rule above */
  kept: StoredBinding
  /** The one that lost */
  other: StoredBinding
}

export interface BindingsEvents {
  /** A name is bound to two keys: the rule kept one (docs/services.md, "Directory") */
  'binding:conflict': CustomEvent<BindingConflict>
}

export interface BindingsComponents {
  store: Store
  rpc: Rpc
  networkId: string
  clock?: () => number
}

/** The directory is asked for news at most this often when a name is not known yet. */
const ON_DEMAND_MS = 2_000
/** ...and every this long anyway. */
export const SYNC_INTERVAL_MS = 60_000
/** A sync asks for at most this many pages at once. */
const MAX_PAGES = 400

/**
 * Which of two bindings of one name every node keeps: the earlier
 * registration, then the lower key hash. The idp's replicated accounts keep
 * the same one by the same rule (src/services/idp/accounts.ts).
 */
export function preferred (a: StoredBinding, b: StoredBinding): StoredBinding {
  return preferredClaim(a, b)
}

export class Bindings extends TypedEventEmitter<BindingsEvents> {
  private readonly kv: KV<StoredBinding | string>
  private readonly clock: () => number
  private readonly log = createLogger('directory:bindings')
  /** username -> the binding kept */
  private readonly kept = new Map<string, StoredBinding>()
  /** username -> the bindings that lost */
  private readonly lost = new Map<string, StoredBinding[]>()
  private cursor = ''
  private syncing?: Promise<void>
  private lastSync = 0
  private timer?: ReturnType<typeof setInterval>
  /** Lookups waiting for the next on-demand sync: stop() wakes them (their timers cleared) */
  private readonly waits = new Map<ReturnType<typeof setTimeout>, () => void>()
  private stopped = false

  constructor (private readonly components: BindingsComponents) {
    super()
    this.kv = components.store.sublevel<StoredBinding | string>('directory', 'json')
    this.clock = components.clock ?? Date.now
  }

  async start (): Promise<void> {
    this.stopped = false
    for await (const [key, value] of this.kv.iterator({ gt: 'binding/', lt: 'binding/\xff' })) {
      this.take(value as StoredBinding, false)
      void key
    }
    const cursor = await this.kv.get('cursor')
    this.cursor = typeof cursor === 'string' ? cursor : ''
    this.timer = setInterval(() => { void this.sync() }, SYNC_INTERVAL_MS)
    this.timer.unref?.()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    for (const [timer, wake] of this.waits) {
      clearTimeout(timer)
      wake()
    }
    this.waits.clear()
  }

  /** Waits `ms`, or until stop(). */
  private async pause (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(() => {
        this.waits.delete(timer)
        resolve()
      }, ms)
      this.waits.set(timer, resolve)
    })
  }

  /**
   * The identity key bound to a username, asking the idp for news once when
   * the name is not known yet. The idp is asked at most every ON_DEMAND_MS:
   * a lookup within that of the last sync waits for the next one (at most
   * that long), so a name registered just after a sync is found, not
   * reported unknown. After stop() it answers from what is known.
   */
  async keyOf (name: string): Promise<Uint8Array | undefined> {
    const username = canonicalUsername(name)
    let b = this.kept.get(username)
    if (b === undefined) {
      const wait = this.lastSync + ON_DEMAND_MS - this.clock()
      if (wait > 0) await this.pause(wait)
      // A sync begun since this lookup waited covers the names registered before it; otherwise one is due now.
      if (!this.stopped && !this.kept.has(username)) await (this.clock() - this.lastSync >= ON_DEMAND_MS ? this.sync() : this.syncing)
      b = this.kept.get(username)
    }
    return b === undefined ? undefined : new Uint8Array(Buffer.from(b.identityKey, 'hex'))
  }

  /** The binding kept for a name, if known (no network). */
  known (name: string): StoredBinding | undefined {
    return this.kept.get(name)
  }

  /** Every name bound to more than one key, with the binding kept. */
  conflicts (): BindingConflict[] {
    return [...this.lost].flatMap(([username, others]) => others.map(other => ({ username, kept: this.kept.get(username)!, other })))
  }

  /** Copies what the idp holder has that this node has not seen yet (one sync at a time). */
  async sync (): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => { this.syncing = undefined })
    return this.syncing
  }

  private async syncOnce (): Promise<void> {
    this.lastSync = this.clock()
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const reply = await this.components.rpc.call(IDP, BINDINGS, { after: this.cursor, limit: 0 })
        const ops: Array<{ type: 'put', key: string, value: StoredBinding | string }> = []
        for (const b of reply.bindings) {
          // Known already (checked when it came): the pages of a directory read again from the start cost no checks.
          if (this.has(b.username, toHex(b.identityKey))) continue
          const stored = this.check(b)
          if (stored === undefined) continue
          if (this.take(stored, true)) ops.push({ type: 'put', key: `binding/${stored.username}/${stored.identityKey}`, value: stored })
        }
        // The idp gives the directory from the start again to a cursor of an order not its own (another idp node's, or its
        // own before a binding was filed below the last: a heal merged an older claim): what is known changes nothing.
        this.cursor = reply.cursor
        ops.push({ type: 'put', key: 'cursor', value: this.cursor })
        await this.kv.batch(ops)
        if (!reply.more) break
      }
    } catch (err) {
      this.log('syncing the directory failed: %s', (err as Error).message)
      // A cursor this idp refused (one of a later version's, at an idp of an earlier one) is dropped: the next sync reads from the start.
      if ((err as { code?: string }).code === 'BAD_REQUEST') this.cursor = ''
    }
  }

  /** A binding from the idp, checked: a canonical name, a 32-byte key, and that key's signature over the registration. */
  private check (b: Binding): StoredBinding | undefined {
    try {
      if (canonicalUsername(b.username) !== b.username || b.identityKey.length !== 32) throw new Error('malformed')
      if (b.signature.length > 0 && !safeVerify(b.identityKey, transcript(REGISTER_LABEL, this.components.networkId, b.username, b.identityKey), b.signature)) {
        throw new Error('not signed by the key it binds')
      }
      return { username: b.username, identityKey: toHex(b.identityKey), registeredAt: Number(b.registeredAt), signature: toHex(b.signature) }
    } catch (err) {
      this.log('refused a binding for %s from the idp: %s', b.username, (err as Error).message)
      return undefined
    }
  }

  /** Whether this name is known bound to this key (hex), kept or lost. */
  private has (username: string, identityKey: string): boolean {
    return this.kept.get(username)?.identityKey === identityKey || (this.lost.get(username) ?? []).some(o => o.identityKey === identityKey)
  }

  /** Adds a binding to what is known; true when it was new. A second key for a name is a conflict, settled by `preferred`. */
  private take (b: StoredBinding, announce: boolean): boolean {
    const current = this.kept.get(b.username)
    if (current === undefined) {
      this.kept.set(b.username, b)
      return true
    }
    if (current.identityKey === b.identityKey) return false
    const others = this.lost.get(b.username) ?? []
    if (others.some(o => o.identityKey === b.identityKey)) return false
    const kept = preferred(current, b)
    const other = kept === current ? b : current
    this.kept.set(b.username, kept)
    this.lost.set(b.username, [...others.filter(o => o.identityKey !== kept.identityKey), other])
    this.log.error('%s is bound to two identity keys: %s kept (registered %d), %s not (registered %d)', b.username,
      kept.identityKey.slice(0, 16), kept.registeredAt, other.identityKey.slice(0, 16), other.registeredAt)
    if (announce) this.dispatchEvent(new CustomEvent('binding:conflict', { detail: { username: b.username, kept, other } }))
    return true
  }
}
