/**
 * Who held each role when, as this node's own election computed it
 * (docs/roles.md, "Authority"). A token is honoured only under the key of a
 * node that held the issuing role: now, or when the token was issued. A key
 * a node merely announces verifies nothing. Kept in the store, so tokens of
 * a former holder keep verifying after a restart until they expire.
 */
import { toHex } from '../crypto/index.js'
import type { PeerIdStr, Role } from './election.js'
import type { KV } from '../../store/index.js'

export interface Tenure {
  role: Role
  peerId: PeerIdStr
  /** hex of the role key it held the role with */
  key: string
  from: number
  /** Unset while it holds the role */
  to?: number
}

const pad = (n: number): string => String(n).padStart(16, '0')

export class Tenures {
  private readonly current = new Map<Role, Tenure>()
  private readonly past: Tenure[] = []

  constructor (
    private readonly kv: KV<Tenure | number | object>,
    /** A tenure that ended this long ago can no longer back an unexpired token (the longest token life). */
    private readonly keepMs: number,
    /** How far an issuer's clock may be from ours */
    private readonly skewMs: number
  ) {}

  async load (): Promise<void> {
    for await (const [, value] of this.kv.iterator({ gt: 'tenure/', lt: 'tenure/\xff' })) {
      const t = value as Tenure
      if (t.to === undefined) this.current.set(t.role, t)
      else this.past.push(t)
    }
  }

  private key (t: Tenure): string {
    return `tenure/${t.role}/${pad(t.from)}/${t.peerId}`
  }

  /**
   * The holder of `role` is now `peerId` (null: nobody), holding it with
   * `roleKey`: the previous tenure ends, a new one begins. Persisted.
   */
  async change (role: Role, peerId: PeerIdStr | null, roleKey: Uint8Array | undefined, now: number): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: Tenure } | { type: 'del', key: string }> = []
    const ended = this.current.get(role)
    const key = roleKey === undefined ? undefined : toHex(roleKey)
    if (ended !== undefined && ended.peerId === peerId && ended.key === key) return
    if (ended !== undefined) {
      const done = { ...ended, to: now }
      this.current.delete(role)
      this.past.push(done)
      ops.push({ type: 'put', key: this.key(done), value: done })
    }
    if (peerId !== null && key !== undefined) {
      const begun: Tenure = { role, peerId, key, from: now }
      this.current.set(role, begun)
      ops.push({ type: 'put', key: this.key(begun), value: begun })
    }
    for (const old of this.expired(now)) ops.push({ type: 'del', key: this.key(old) })
    await this.kv.batch(ops)
  }

  /**
   * Whether `peerId` legitimately held `role` with `roleKey` at `issuedAt`
   * (the token's iat, the issuer's clock): it holds it now (whatever the iat:
   * a holder can date a token as it likes), or a past tenure covers the
   * moment, give or take the clock skew.
   */
  legitimate (role: Role, peerId: PeerIdStr, roleKey: Uint8Array, issuedAt: number): boolean {
    const key = toHex(roleKey)
    const now = this.current.get(role)
    if (now?.peerId === peerId && now.key === key) return true
    return this.past.some(t => t.role === role && t.peerId === peerId && t.key === key &&
      issuedAt >= t.from - this.skewMs && issuedAt <= (t.to ?? Infinity) + this.skewMs)
  }

  /** The role key a node held a role with (now, or most recently). */
  keyOf (role: Role, peerId: PeerIdStr): string | undefined {
    const now = this.current.get(role)
    if (now?.peerId === peerId) return now.key
    return this.past.filter(t => t.role === role && t.peerId === peerId).at(-1)?.key
  }

  /** Every tenure known, oldest first (diagnostics and tests). */
  list (): Tenure[] {
    return [...this.past, ...this.current.values()].sort((a, b) => a.from - b.from)
  }

  /** Past tenures that can no longer back any unexpired token: dropped from memory, returned for deletion. */
  private expired (now: number): Tenure[] {
    const gone = this.past.filter(t => (t.to ?? now) < now - this.keepMs)
    for (const t of gone) this.past.splice(this.past.indexOf(t), 1)
    return gone
  }
}
