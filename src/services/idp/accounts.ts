/**
 * The idp's accounts as a replicated doc (docs/replication.md, "idp"), and
 * the idp's own layout materialized from it (docs/services.md, idp):
 *
 *   doc idp/accounts
 *     u/<username>/<key hash>            Claim: a registration (username, identity key, its signature, verifier)
 *     p/<username>/<key hash>/<peer>     { at }: a node the user logged in from
 *
 *   'idp' sublevel (the layout, what the service reads)
 *     <username>                         UserRecord: the claim that keeps the name, with its login nodes
 *     binding/<16-digit ms>/<username>/<key hash>   Claim: the directory, in registration order (every claim)
 *     conflict/<username>/<key hash>     Claim: a registration of a name that another keeps
 *     order/tag                          string: the tag of this node's directory order (8 hex), replaced
 *                                        whenever a binding is filed below the last one (below, filedBelow)
 *
 * One record per (name, identity key): a name registered on both sides of a
 * partition is two records, and every node keeps the same one by the
 * directory's rule (the earlier registration, then the lower hash of the
 * key; src/directory/bindings.ts uses this very rule); the other user is
 * told at login (USERNAME_CONFLICT). Verifiers never leave the nodes
 * eligible for idp: only they hold this doc.
 */
import { randomBytes } from 'node:crypto'
import { sha256, toHex } from '../../crypto/index.js'
import type { Verifier } from './password.js'
import type { PeerIdStr } from '../../net/index.js'
import type { Change, Replication, Tx } from '../../replication/index.js'
import type { BatchOp, KV, Store } from '../../../store/index.js'

export const ACCOUNTS_DOC = 'idp/accounts'

/** A registration as replicated. */
export interface Claim {
  username: string
  /** hex */
  identityKey: string
  /** hex of the identity key's signature over the register transcript ('' for accounts older than signed bindings) */
  signature: string
  verifier: Verifier
  /** ms, by the idp holder that took it */
  createdAt: number
}

/** An account as the idp reads it: the claim that keeps the name, and where the user logged in from. */
export interface UserRecord extends Omit<Claim, 'signature'> {
  signature?: string
  /** Peers the user logged in from -> when */
  peers: Record<PeerIdStr, number>
}

/** A login node is written again only when its record is older than this (each write leaves a tombstone). */
const TOUCH_EVERY_MS = 3600_000

const utf8 = new TextEncoder()
const text = new TextDecoder()
const json = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value))
const parse = <T>(bytes: Uint8Array): T => JSON.parse(text.decode(bytes)) as T

/** The first 16 hex digits of SHA-256 of a hex key: a claim's record key. */
export const keyHash = (hexKey: string): string => toHex(sha256(Buffer.from(hexKey, 'hex'))).slice(0, 16)
const fullHash = (hexKey: string): string => toHex(sha256(Buffer.from(hexKey, 'hex')))

/** Which of two registrations of one name every node keeps: the earlier, then the lower SHA-256 of the key. */
export function preferred<T extends { registeredAt: number, identityKey: string }> (a: T, b: T): T {
  if (a.registeredAt !== b.registeredAt) return a.registeredAt < b.registeredAt ? a : b
  return fullHash(a.identityKey) <= fullHash(b.identityKey) ? a : b
}

export const BINDING_PREFIX = 'binding/'
export const bindingKey = (c: Claim): string => `${BINDING_PREFIX}${String(c.createdAt).padStart(16, '0')}/${c.username}/${keyHash(c.identityKey)}`
const conflictPrefix = (username: string): string => `conflict/${username}/`
/** Where the directory's order tag is kept: usernames have no '/', so no account is filed here. */
const ORDER_KEY = 'order/tag'
/** A directory order's tag, as bindings cursors name it. */
export const ORDER_TAG = /^[0-9a-f]{8}$/
const newOrderTag = (): string => randomBytes(4).toString('hex')

export class Accounts {
  readonly users: KV<UserRecord | Claim | string>

  constructor (private readonly replication: Replication, store: Store, private readonly clock: () => number) {
    this.users = store.sublevel<UserRecord | Claim | string>('idp', 'json')
    replication.define({ prefix: ACCOUNTS_DOC, role: 'idp', materialize: async (_doc, changes) => this.materialize(changes) })
  }

  /** Every claim of a name in the doc, the kept one first. */
  claims (username: string): Claim[] {
    const doc = this.replication.docs.get(ACCOUNTS_DOC)
    if (doc === undefined) return []
    const claims = doc.keys(`u/${username}/`).map(k => parse<Claim>(doc.get(k)!))
    return claims.sort((a, b) => {
      const kept = preferred({ registeredAt: a.createdAt, identityKey: a.identityKey }, { registeredAt: b.createdAt, identityKey: b.identityKey })
      return kept.identityKey === a.identityKey ? -1 : 1
    })
  }

  /** The layout writes for the names these changes touch: recomputed from the doc as it is now. */
  private async materialize (changes: Change[]): Promise<BatchOp[]> {
    const doc = this.replication.docs.get(ACCOUNTS_DOC)!
    const names = new Set(changes.map(c => c.key.split('/')[1]!))
    const ops: BatchOp[] = []
    // A claim replaced (the same name and key registered on both sides at other times: the doc keeps one value) leaves
    // the directory: its binding is filed under its own time.
    for (const c of changes) {
      if (!c.key.startsWith('u/') || c.before === undefined) continue
      const was = parse<Claim>(c.before)
      if (c.after === undefined || parse<Claim>(c.after).createdAt !== was.createdAt) ops.push({ type: 'del', sublevel: this.users, key: bindingKey(was) })
    }
    for (const username of names) {
      const [kept, ...others] = this.claims(username)
      if (kept === undefined) continue
      const kh = keyHash(kept.identityKey)
      const peers: Record<PeerIdStr, number> = {}
      for (const k of doc.keys(`p/${username}/${kh}/`)) peers[k.slice(k.lastIndexOf('/') + 1)] = parse<{ at: number }>(doc.get(k)!).at
      const record: UserRecord = { ...kept, peers }
      ops.push({ type: 'put', sublevel: this.users, key: username, value: record })
      for (const c of [kept, ...others]) ops.push({ type: 'put', sublevel: this.users, key: bindingKey(c), value: c })
      ops.push({ type: 'del', sublevel: this.users, key: `${conflictPrefix(username)}${kh}` })
      for (const c of others) ops.push({ type: 'put', sublevel: this.users, key: `${conflictPrefix(username)}${keyHash(c.identityKey)}`, value: c })
    }
    if (await this.filedBelow(changes)) ops.push({ type: 'put', sublevel: this.users, key: ORDER_KEY, value: newOrderTag() })
    return ops
  }

  /**
   * Whether these changes file a binding below the last one in the layout:
   * behind a cursor a reader may hold (a claim merged at a heal that was
   * registered before what this node had, two registrations in one ms, a
   * clock set back). The order then gets a new tag, in the same batch, and a
   * cursor of the old one reads from the start (idp.ts, `bindings`).
   */
  private async filedBelow (changes: Change[]): Promise<boolean> {
    const filed = changes.filter(c => c.key.startsWith('u/') && c.after !== undefined).map(c => bindingKey(parse<Claim>(c.after!)))
    if (filed.length === 0) return false
    const [last] = await this.users.keys({ gt: BINDING_PREFIX, lt: `${BINDING_PREFIX}\xff`, reverse: true, limit: 1 }).all()
    if (last === undefined) return false
    for (const key of filed) if (key < last && await this.users.get(key) === undefined) return true
    return false
  }

  /**
   * The tag of this node's directory order (docs/services.md, "bindings"):
   * random, so no other node's order and none this node replaced has it;
   * made at the first ask on a layout that has none.
   */
  async order (): Promise<string> {
    const held = await this.users.get(ORDER_KEY)
    if (typeof held === 'string' && ORDER_TAG.test(held)) return held
    const tag = newOrderTag()
    await this.users.put(ORDER_KEY, tag)
    return tag
  }

  /** The account that keeps a name (from the layout). */
  async get (username: string): Promise<UserRecord | undefined> {
    return await this.users.get(username) as UserRecord | undefined
  }

  /** Registrations of a name that another keeps. */
  async conflicts (username: string): Promise<Claim[]> {
    const prefix = conflictPrefix(username)
    return await this.users.values({ gt: prefix, lt: `${prefix}\xff` }).all() as Claim[]
  }

  /**
   * Records a registration, durably (acknowledged once another idp-eligible
   * node has it). The same name with the same key again is the same
   * registration (a retry): 'again'. Another key: 'taken'.
   */
  async register (claim: Claim): Promise<'new' | 'again' | 'taken'> {
    const mine = `u/${claim.username}/${keyHash(claim.identityKey)}`
    return this.replication.mutate(ACCOUNTS_DOC, (tx: Tx) => {
      const existing = tx.keys(`u/${claim.username}/`)
      if (existing.includes(mine)) return 'again'
      if (existing.length > 0) return 'taken'
      tx.put(mine, json(claim))
      return 'new'
    }, { durable: true })
  }

  /** Notes that a user logged in from a node (at most once an hour per node: each write leaves a tombstone). */
  async touch (user: UserRecord, peer: PeerIdStr): Promise<void> {
    const key = `p/${user.username}/${keyHash(user.identityKey)}/${peer}`
    const now = this.clock()
    if (now - (user.peers[peer] ?? 0) < TOUCH_EVERY_MS) return
    await this.replication.mutate(ACCOUNTS_DOC, tx => { tx.put(key, json({ at: now })) })
  }

  /**
   * Accounts kept in the layout before the accounts were replicated (no doc
   * yet): they become claims, so they are replicated from now on.
   */
  async importLegacy (): Promise<number> {
    const doc = await this.replication.open(ACCOUNTS_DOC)
    if (doc.size > 0) return 0
    const legacy: UserRecord[] = []
    for await (const [key, value] of this.users.iterator()) {
      if (key.includes('/')) continue
      legacy.push(value as UserRecord)
    }
    if (legacy.length === 0) return 0
    await this.replication.mutate(ACCOUNTS_DOC, tx => {
      for (const u of legacy) {
        const claim: Claim = { username: u.username, identityKey: u.identityKey, signature: u.signature ?? '', verifier: u.verifier, createdAt: u.createdAt }
        tx.put(`u/${u.username}/${keyHash(u.identityKey)}`, json(claim))
      }
    })
    return legacy.length
  }
}
