/**
 * Who is who: usernames resolved to identity keys through the idp's
 * directory, and the keys this user has seen for each contact (trust on
 * first use). A contact whose key changes is blocked for sending until the
 * user acknowledges the new key (`trust`); the safety number lets two users
 * compare keys in person (`verify`).
 */
import { formatSafetyNumber, safetyNumber, toHex } from '../crypto/index.js'
import { IDP, LOOKUP } from '../services/idp/spec.js'
import { isCode } from '../errors.js'
import { canonicalUsername } from '../usernames.js'
import { DirectoryError } from './errors.js'
import type { Account } from '../account/index.js'
import type { Rpc } from '../services/index.js'
import type { SealedStore } from '../sealed-store.js'

export interface KnownKey {
  username: string
  /** hex of the Ed25519 identity key this user has accepted */
  identityKey: string
  verified: boolean
  firstSeen: number
  /** hex of a different key the directory or the contact presented, not yet acknowledged */
  changedTo?: string
}

export interface DirectoryEntry {
  username: string
  identityKey: Uint8Array
  /** Peers the user logged in from, most recent first */
  peers: string[]
}

export type KeyCheck = 'new' | 'same' | 'changed'

const LOOKUP_CACHE_MS = 30_000

export class Directory {
  private readonly cache = new Map<string, { entry: DirectoryEntry, at: number }>()
  /** Lookups under way: a burst of sends to one contact asks the idp once */
  private readonly asking = new Map<string, Promise<DirectoryEntry>>()
  /** Names found registered this run */
  private readonly registered = new Set<string>()
  /** Known keys read or written this run (null: none on record) */
  private readonly keys = new Map<string, KnownKey | null>()

  constructor (
    private readonly store: SealedStore,
    private readonly rpc: Rpc,
    private readonly account: Account,
    private readonly clock: () => number = Date.now,
    /** Aborted when chat stops */
    private readonly signal?: AbortSignal,
    /** The node's directory of bindings (every registered name), asked before the idp */
    private readonly bindings?: { keyOf: (name: string) => Promise<Uint8Array | undefined>, known: (name: string) => unknown }
  ) {}

  /** Whether a canonical username is known to be registered without asking anyone (require() would pass at once). */
  registeredNow (username: string): boolean {
    return this.registered.has(username) || (this.keys.get(username) ?? null) !== null || (this.bindings?.known(username) ?? undefined) !== undefined
  }

  /**
   * The canonical username of someone registered on this network, or
   * UNKNOWN_USER: a contact already met, a name the node's directory of
   * bindings holds (it asks the idp holder for news once when it does not),
   * or, on a node without that directory, the idp's answer. Checked when a
   * conversation is opened and before a message is stored, so a typo leaves
   * nothing behind.
   */
  async require (name: string): Promise<string> {
    const username = canonicalUsername(name)
    if (this.registered.has(username) || await this.known(username) !== undefined) return username
    if (this.bindings !== undefined && await this.bindings.keyOf(username) !== undefined) return username
    // Registered a moment ago (the node's directory asks for news at most every 2 s): the idp says.
    let why = ''
    try {
      const found = (await this.lookup(username)).username
      this.registered.add(found)
      return found
    } catch (err) {
      if (!isCode(err, 'UNKNOWN_USER')) why = ` (the idp could not be asked: ${(err as Error).message})`
    }
    throw new DirectoryError('UNKNOWN_USER', `no user ${username} is registered on this network${why} (check the name; /users lists who is online)`)
  }

  private key (username: string): string {
    return `k/${this.store.name(username)}`
  }

  /** The idp's entry for a user (cached briefly; `fresh` skips the cache). */
  async lookup (name: string, fresh = false): Promise<DirectoryEntry> {
    const username = canonicalUsername(name)
    const cached = this.cache.get(username)
    if (!fresh && cached !== undefined && this.clock() - cached.at < LOOKUP_CACHE_MS) return cached.entry
    const under = this.asking.get(username)
    if (under !== undefined && !fresh) return under
    const asking = (async () => {
      const reply = await this.rpc.call(IDP, LOOKUP, { username }, { identityToken: this.account.identityToken(), signal: this.signal })
      const entry = { username: reply.username, identityKey: new Uint8Array(reply.identityKey), peers: reply.peers }
      this.cache.set(username, { entry, at: this.clock() })
      return entry
    })()
    this.asking.set(username, asking)
    try {
      return await asking
    } finally {
      if (this.asking.get(username) === asking) this.asking.delete(username)
    }
  }

  async known (username: string): Promise<KnownKey | undefined> {
    let known = this.keys.get(username)
    if (known === undefined) {
      known = await this.store.get<KnownKey>(this.key(username)) ?? null
      this.keys.set(username, known)
    }
    return known ?? undefined
  }

  private async remember (record: KnownKey): Promise<void> {
    this.keys.delete(record.username)
    await this.store.write([this.store.put(this.key(record.username), record)])
    this.keys.set(record.username, record)
  }

  /**
   * Compares a key presented for `username` with the one on record: records
   * it on first sight, remembers a different one as a change to acknowledge.
   */
  async check (username: string, identityKey: Uint8Array): Promise<KeyCheck> {
    const known = await this.known(username)
    const presented = toHex(identityKey)
    if (known === undefined) {
      await this.remember({ username, identityKey: presented, verified: false, firstSeen: this.clock() })
      return 'new'
    }
    if (known.identityKey === presented) return 'same'
    if (known.changedTo !== presented) await this.remember({ ...known, changedTo: presented })
    return 'changed'
  }

  /** Whether sending to this user waits for the user to acknowledge a changed key. */
  async blocked (username: string): Promise<boolean> {
    return (await this.known(username))?.changedTo !== undefined
  }

  /** Accepts the user's current key (a changed one included) as verified. */
  async trust (name: string): Promise<KnownKey> {
    const username = canonicalUsername(name)
    const entry = await this.lookup(username, true)
    const current = toHex(entry.identityKey)
    const known = await this.known(username)
    const record: KnownKey = { username, identityKey: current, verified: true, firstSeen: known?.firstSeen ?? this.clock() }
    await this.remember(record)
    return record
  }

  /** The safety number of this user and `name`, to compare in person. */
  async verify (name: string): Promise<{ username: string, safetyNumber: string, verified: boolean, keyChanged: boolean }> {
    const entry = await this.lookup(name, true)
    const check = await this.check(entry.username, entry.identityKey)
    const me = this.account.identity()
    const digits = safetyNumber({ identityKey: me.publicKey, username: this.account.username }, { identityKey: entry.identityKey, username: entry.username })
    const known = await this.known(entry.username)
    return { username: entry.username, safetyNumber: formatSafetyNumber(digits), verified: check !== 'changed' && known?.verified === true, keyChanged: check === 'changed' }
  }
}
