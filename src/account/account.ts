/**
 * This node's user account, client side: the identity key (kept sealed under
 * a key derived from the password), registration and login at the idp
 * holder, and the identity token, renewed before it expires. Nothing that
 * unlocks the account is stored: after a restart the user logs in again.
 */
import { randomBytes } from 'node:crypto'
import { TypedEventEmitter } from 'main-event'
import { formatFingerprint, generateIdentityKeyPair, hkdf, identityFingerprint, open, seal, sign, transcript } from '../crypto/index.js'
import { AccountError } from './errors.js'
import { scryptKey } from '../kdf.js'
import { codeOf } from '../errors.js'
import { createLogger } from '../logger.js'
import { CHALLENGE, IDP, LOGIN, LOGIN_LABEL, REGISTER, REGISTER_LABEL, RENEW, RENEW_LABEL } from '../services/idp/spec.js'
import { checkPasswordStrength } from '../services/idp/password.js'
import { canonicalUsername } from '../usernames.js'
import type { IdentityKeyPair } from '../crypto/index.js'
import type { ScryptParams } from '../kdf.js'
import type { PeerIdStr } from '../net/index.js'
import type { Rpc } from '../services/rpc.js'
import type { KV, Store } from '../../store/index.js'

/** Unlocking the account costs the same as a login check at the idp: ~0.1 s. */
const UNLOCK_KDF: ScryptParams = { N: 2 ** 15, r: 8, p: 1 }
/** Renew the identity token when this much of its life is left. */
const RENEW_AT_REMAINING = 0.2
/**
 * After a failed renewal, retry after this long: a renewal fails mostly while a new idp holder catches up (seconds),
 * and until it succeeds after a partition's heal, services refuse the token the other side's holder gave.
 */
const RENEW_RETRY_MS = 5_000


interface StoredAccount {
  username: string
  identityKey: string
  /** The identity key's private half, sealed under HKDF(unlock key, "identity") */
  sealedIdentity: string
  salt: string
  kdf: ScryptParams
  /** Set until the idp confirmed the registration */
  pending?: boolean
}

export interface WhoAmI {
  username: string | null
  loggedIn: boolean
  /** ms epoch */
  expiresAt?: number
  fingerprint?: string
}

export interface AccountEvents {
  /** The identity token expired and could not be renewed: the user must enter the password again */
  'login:required': CustomEvent<{ username: string, reason: 'restarted' | 'expired' | 'refused' }>
}

export interface AccountComponents {
  rpc: Rpc
  store: Store
  networkId: string
  peerId: PeerIdStr
  clock?: () => number
}

interface Session {
  username: string
  identity: IdentityKeyPair
  /** Key for this user's data at rest (chat store) */
  dataKey: Uint8Array
  token: string
  expiresAt: number
}

const IDENTITY_AD = new TextEncoder().encode('lanchat/account/identity/v1')
/** The keys under the password-derived unlock key: `identity` seals the identity key, `data` the chat store. */
const subkey = (unlock: Uint8Array, info: 'identity' | 'data'): Uint8Array => hkdf(unlock, new Uint8Array(32), new TextEncoder().encode(info), 32)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'hex'))

export class Account extends TypedEventEmitter<AccountEvents> {
  private readonly components: AccountComponents
  private readonly kv: KV<StoredAccount>
  private readonly clock: () => number
  private readonly log = createLogger('account')
  private stored?: StoredAccount
  private session?: Session
  private renewTimer?: ReturnType<typeof setTimeout>

  constructor (components: AccountComponents) {
    super()
    this.components = components
    this.clock = components.clock ?? Date.now
    this.kv = components.store.sublevel<StoredAccount>('account', 'json')
  }

  async start (): Promise<void> {
    const stored = await this.kv.get('account')
    if (stored?.pending === true) {
      // The registration never completed: the idp may or may not have it. Forget it; registering again tells.
      await this.kv.del('account')
      return
    }
    // A front end that finds an account but no session (whoami) asks for the password.
    this.stored = stored
  }

  stop (): void {
    clearTimeout(this.renewTimer)
    this.session = undefined
  }

  whoami (): WhoAmI {
    const username = this.session?.username ?? this.stored?.username ?? null
    if (this.session === undefined) return { username, loggedIn: false }
    return {
      username,
      loggedIn: true,
      expiresAt: this.session.expiresAt,
      fingerprint: formatFingerprint(identityFingerprint(this.session.identity.publicKey))
    }
  }

  /** The current session, or LOGIN_REQUIRED. */
  private current (): Session {
    if (this.session === undefined) throw new AccountError('LOGIN_REQUIRED', this.stored === undefined ? 'register and log in first' : `log in as ${this.stored.username} first`)
    return this.session
  }

  get username (): string {
    return this.current().username
  }

  identityToken (): string {
    return this.current().token
  }

  identity (): IdentityKeyPair {
    return this.current().identity
  }

  /** The key this user's chat data is encrypted under at rest, available while logged in. */
  dataKey (): Uint8Array {
    return this.current().dataKey
  }

  /**
   * Creates this node's account: a new identity key, registered at the idp
   * with the password's verifier. The sealed key is stored before the idp is
   * asked, so a crash in between loses nothing that was confirmed.
   */
  async register (name: string, password: string): Promise<{ username: string, fingerprint: string }> {
    if (this.stored !== undefined) {
      throw new AccountError('ALREADY_REGISTERED', `this node already has the account ${this.stored.username}; lanchat keeps one account per data directory (use another --data-dir)`)
    }
    const username = canonicalUsername(name)
    checkPasswordStrength(password)
    const identity = generateIdentityKeyPair()
    const salt = randomBytes(16)
    const unlock = await scryptKey(password, salt, UNLOCK_KDF)
    const record: StoredAccount = {
      username,
      identityKey: hex(identity.publicKey),
      sealedIdentity: hex(seal(subkey(unlock, 'identity'), identity.privateKey, IDENTITY_AD)),
      salt: hex(salt),
      kdf: UNLOCK_KDF,
      pending: true
    }
    await this.kv.put('account', record)
    try {
      const signature = sign(identity, transcript(REGISTER_LABEL, this.components.networkId, username, identity.publicKey))
      await this.components.rpc.call(IDP, REGISTER, { username, identityKey: identity.publicKey, password, signature })
    } catch (err) {
      await this.kv.del('account')
      throw err
    }
    delete record.pending
    await this.kv.put('account', record)
    this.stored = record
    this.log('registered %s', username)
    return { username, fingerprint: formatFingerprint(identityFingerprint(identity.publicKey)) }
  }

  /** Unlocks the identity key with the password and logs in at the idp (password + signed challenge). */
  async login (name: string, password: string): Promise<WhoAmI> {
    const username = canonicalUsername(name)
    const stored = this.stored
    if (stored === undefined || stored.username !== username) {
      throw new AccountError('NO_LOCAL_ACCOUNT', stored === undefined
        ? `there is no account on this node: register ${username} here first`
        : `this node holds the account ${stored.username}, not ${username}`)
    }
    const unlock = await scryptKey(password, unhex(stored.salt), stored.kdf)
    let privateKey: Uint8Array<ArrayBuffer>
    try {
      privateKey = open(subkey(unlock, 'identity'), unhex(stored.sealedIdentity), IDENTITY_AD)
    } catch {
      throw new AccountError('WRONG_PASSWORD', 'wrong password')
    }
    const identity: IdentityKeyPair = { publicKey: unhex(stored.identityKey), privateKey }
    const { challenge } = await this.components.rpc.call(IDP, CHALLENGE, { username })
    const signature = sign(identity, transcript(LOGIN_LABEL, this.components.networkId, username, this.components.peerId, challenge))
    const { token, expiresAt } = await this.components.rpc.call(IDP, LOGIN, { username, password, challenge, signature })
    const dataKey = subkey(unlock, 'data')
    this.session = { username, identity, dataKey, token, expiresAt: Number(expiresAt) }
    this.scheduleRenewal()
    this.log('logged in as %s until %s', username, new Date(Number(expiresAt)).toISOString())
    return this.whoami()
  }

  private scheduleRenewal (delayMs?: number): void {
    clearTimeout(this.renewTimer)
    const session = this.session
    if (session === undefined) return
    const lifetime = session.expiresAt - this.clock()
    const delay = delayMs ?? Math.max(0, lifetime * (1 - RENEW_AT_REMAINING))
    this.renewTimer = setTimeout(() => { void this.renew() }, Math.min(delay, 2 ** 31 - 1))
    this.renewTimer.unref?.()
  }

  /** Gets a fresh identity token with the unlocked key, no password needed. */
  async renew (): Promise<void> {
    const session = this.session
    if (session === undefined) return
    try {
      const { username, identity } = session
      const { challenge } = await this.components.rpc.call(IDP, CHALLENGE, { username })
      const signature = sign(identity, transcript(RENEW_LABEL, this.components.networkId, username, this.components.peerId, challenge))
      const { token, expiresAt } = await this.components.rpc.call(IDP, RENEW, { challenge, signature }, { identityToken: session.token })
      if (this.session !== session) return
      session.token = token
      session.expiresAt = Number(expiresAt)
      this.scheduleRenewal()
    } catch (err) {
      this.log('renewing the identity token failed: %s', (err as Error).message)
      if (this.session !== session) return
      // No node this network honours issued the token (its idp holder, on the other side of a partition, is gone): no
      // renewal will take it, and services refuse it; the user is told now, not when it expires.
      const refused = codeOf(err) === 'TOKEN_UNKNOWN_ISSUER'
      if (refused || session.expiresAt <= this.clock()) {
        this.session = undefined
        this.dispatchEvent(new CustomEvent('login:required', { detail: { username: session.username, reason: refused ? 'refused' : 'expired' } }))
        return
      }
      this.scheduleRenewal(Math.min(RENEW_RETRY_MS, session.expiresAt - this.clock()))
    }
  }
}
