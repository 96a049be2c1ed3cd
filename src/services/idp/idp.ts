/**
 * The identity provider: accounts (username, identity key, password
 * verifier), logins (password + a fresh challenge signed by the identity key)
 * that yield identity tokens, and the user directory.
 */
import { randomBytes } from 'node:crypto'
import { IDENTITY_TOKEN_TTL_S, issueIdentityToken, safeVerify, tokenBoundTo, transcript } from '../../crypto/index.js'
import { KeyedLock } from '../../lock.js'
import { createLogger } from '../../logger.js'
import { ServiceError } from '../errors.js'
import { roleSigner } from '../keys.js'
import { Lockout, RateLimit, rateLimited } from '../rate-limit.js'
import { implement } from '../rpc.js'
import { checkPassword, checkPasswordStrength, createVerifier } from './password.js'
import { BINDINGS, CHALLENGE, IDP, LOGIN, LOGIN_LABEL, LOOKUP, MAX_BINDINGS_PER_REPLY, REGISTER, REGISTER_LABEL, RENEW, RENEW_LABEL } from './spec.js'
import { canonicalUsername } from '../../usernames.js'
import type { Verifier } from './password.js'
import type { ErrorCode } from '../../errors.js'
import type { KV } from '../../../store/index.js'
import type { PeerIdStr } from '../../net/index.js'
import type { CallContext, ServiceComponents } from '../rpc.js'
import type { BindingsResponse, LoginResponse } from './pb/idp.js'

/** A login challenge is good for this long, and once. */
export const CHALLENGE_TTL_MS = 60_000
const MAX_CHALLENGES = 10_000

export interface UserRecord {
  username: string
  identityKey: string
  /** hex of the identity key's signature over the register transcript: the binding any node can check (absent on accounts made before bindings were kept) */
  signature?: string
  verifier: Verifier
  createdAt: number
  /** Peers the user logged in from -> when */
  peers: Record<PeerIdStr, number>
}

interface Challenge {
  username: string
  peer: PeerIdStr
  expiresAt: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** The directory's index, in registration order: binding/<16-digit ms>/<username>. */
const BINDING_PREFIX = 'binding/'
const BINDING_CURSOR = /^\d{16}\/[a-z][a-z0-9._-]{2,31}$/
const bindingKey = (u: UserRecord): string => `${BINDING_PREFIX}${String(u.createdAt).padStart(16, '0')}/${u.username}`

export class IdpService {
  private readonly components: ServiceComponents
  private readonly users: KV<UserRecord>
  private readonly challenges = new Map<string, Challenge>()
  /**
   * Failed logins slow the guesser, never the account's owner: 5 free, then
   * 1 s, 2 s, ... up to 15 min, per source node, per (username, source), and
   * per username for the sources it never logged in from. The nodes a user
   * logged in from before are never locked out by others' failures.
   */
  private readonly lockout: Lockout
  /** Registrations and challenges per peer: bursts of 10, then one a second */
  private readonly perPeer: RateLimit
  /** Directory reads per peer (every node syncs the directory): bursts of 20, then two a second */
  private readonly directoryReads: RateLimit
  /** One critical section per username: a user's record is read and written in order */
  private readonly lock = new KeyedLock()
  private readonly clock: () => number
  private readonly log = createLogger('idp')

  constructor (components: ServiceComponents) {
    this.components = components
    this.clock = components.clock ?? Date.now
    this.users = components.store.sublevel<UserRecord>('idp', 'json')
    this.lockout = new Lockout({ free: 5, baseLockMs: 1_000, maxLockMs: 15 * 60_000, windowMs: 60 * 60_000, clock: this.clock })
    this.perPeer = new RateLimit(10, 1, this.clock)
    this.directoryReads = new RateLimit(20, 2, this.clock)
  }

  async start (): Promise<void> {
    await this.components.rpc.serve(IDP, [
      implement(REGISTER, async (req, ctx) => this.register(req.username, req.identityKey, req.password, req.signature, ctx)),
      implement(CHALLENGE, async (req, ctx) => this.challenge(req.username, ctx)),
      implement(LOGIN, async (req, ctx) => this.login(req.username, req.password, req.challenge, req.signature, ctx)),
      implement(RENEW, async (req, ctx) => this.renew(req.challenge, req.signature, ctx)),
      implement(LOOKUP, async (req, ctx) => this.lookup(req.username, ctx)),
      implement(BINDINGS, async (req, ctx) => this.bindings(req.after, req.limit, ctx))
    ])
    await this.indexBindings()
  }

  /** Accounts made before the directory was kept in registration order get their index entry. */
  private async indexBindings (): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: UserRecord }> = []
    for await (const [key, value] of this.users.iterator()) {
      if (key.startsWith(BINDING_PREFIX) || await this.users.get(bindingKey(value)) !== undefined) continue
      ops.push({ type: 'put', key: bindingKey(value), value })
    }
    if (ops.length > 0) await this.users.batch(ops)
  }

  private throttle (peer: PeerIdStr): void {
    const wait = this.perPeer.take(peer)
    if (wait > 0) throw rateLimited(wait, 'requests from this node')
  }

  private async register (name: string, identityKey: Uint8Array, password: string, signature: Uint8Array, ctx: CallContext): Promise<{ username: string }> {
    this.throttle(ctx.remotePeer)
    const username = canonicalUsername(name)
    checkPasswordStrength(password)
    if (identityKey.length !== 32) throw new ServiceError('BAD_REQUEST', 'identityKey must be a 32-byte Ed25519 public key')
    if (!safeVerify(identityKey, transcript(REGISTER_LABEL, this.components.keys.networkId, username, identityKey), signature)) {
      throw new ServiceError('BAD_SIGNATURE', 'the registration is not signed by the identity key it names')
    }
    // The check and the write in one critical section: two registrations of a name at once cannot both pass.
    await this.lock.run(username, async () => {
      if (await this.users.get(username) !== undefined) throw new ServiceError('USERNAME_TAKEN', `the username ${username} is taken`)
      const record: UserRecord = { username, identityKey: hex(identityKey), signature: hex(signature), verifier: await createVerifier(password), createdAt: this.clock(), peers: {} }
      // The account and its place in the directory (registration order) in one write.
      await this.users.batch([{ type: 'put', key: username, value: record }, { type: 'put', key: bindingKey(record), value: record }])
    })
    this.log('registered %s from %s', username, ctx.remotePeer)
    return { username }
  }

  private async user (name: string): Promise<UserRecord> {
    const username = canonicalUsername(name)
    const record = await this.users.get(username)
    if (record === undefined) throw new ServiceError('UNKNOWN_USER', `no user is registered as ${username}`)
    return record
  }

  private async challenge (name: string, ctx: CallContext): Promise<{ challenge: Uint8Array<ArrayBuffer>, expiresAt: bigint }> {
    this.throttle(ctx.remotePeer)
    const { username } = await this.user(name)
    const now = this.clock()
    if (this.challenges.size >= MAX_CHALLENGES) {
      for (const [k, c] of this.challenges) if (c.expiresAt <= now) this.challenges.delete(k)
      if (this.challenges.size >= MAX_CHALLENGES) throw new ServiceError('RATE_LIMITED', 'too many logins under way; try again shortly', 1_000)
    }
    const challenge = new Uint8Array(randomBytes(32))
    const expiresAt = now + CHALLENGE_TTL_MS
    this.challenges.set(hex(challenge), { username, peer: ctx.remotePeer, expiresAt })
    return { challenge, expiresAt: BigInt(expiresAt) }
  }

  /** Takes a challenge out: whatever happens next, it cannot be used again. */
  private takeChallenge (challenge: Uint8Array, username: string, peer: PeerIdStr): void {
    const key = hex(challenge)
    const found = this.challenges.get(key)
    this.challenges.delete(key)
    if (found === undefined || found.expiresAt <= this.clock() || found.username !== username || found.peer !== peer) {
      throw new ServiceError('CHALLENGE_INVALID', 'the login challenge is unknown, used, expired, or was issued to someone else: ask for a new one')
    }
  }

  /** The lockout keys a login of `user` from `peer` counts against (the class comment of `lockout` says why). */
  private lockoutKeys (user: UserRecord, peer: PeerIdStr): string[] {
    const keys = [`peer:${peer}`, `user:${user.username}/peer:${peer}`]
    if (user.peers[peer] === undefined) keys.push(`user:${user.username}/new-sources`)
    return keys
  }

  private checkLockout (user: UserRecord, peer: PeerIdStr): void {
    const wait = Math.max(...this.lockoutKeys(user, peer).map(k => this.lockout.retryAfter(k)))
    if (wait > 0) throw rateLimited(wait, 'failed logins')
  }

  private failed (user: UserRecord, peer: PeerIdStr, code: ErrorCode, message: string): ServiceError {
    for (const key of this.lockoutKeys(user, peer)) this.lockout.fail(key)
    this.log('failed login for %s from %s: %s', user.username, peer, code)
    return new ServiceError(code, message)
  }

  private async login (name: string, password: string, challenge: Uint8Array, signature: Uint8Array, ctx: CallContext): Promise<LoginResponse> {
    const user = await this.user(name)
    const { username } = user
    this.checkLockout(user, ctx.remotePeer)
    this.takeChallenge(challenge, username, ctx.remotePeer)
    if (!await checkPassword(password, user.verifier)) throw this.failed(user, ctx.remotePeer, 'WRONG_PASSWORD', 'wrong password')
    const identityKey = Buffer.from(user.identityKey, 'hex')
    const signed = transcript(LOGIN_LABEL, this.components.keys.networkId, username, ctx.remotePeer, challenge)
    if (!safeVerify(identityKey, signed, signature)) {
      throw this.failed(user, ctx.remotePeer, 'BAD_SIGNATURE', 'the challenge is not signed by the identity key registered for this user')
    }
    // The source's own slate is cleared; the new-sources count is not (a guesser that got in gains nothing by it).
    this.lockout.succeed(`peer:${ctx.remotePeer}`)
    this.lockout.succeed(`user:${username}/peer:${ctx.remotePeer}`)
    await this.lock.run(username, async () => {
      const latest = await this.user(username)
      await this.users.put(username, { ...latest, peers: { ...latest.peers, [ctx.remotePeer]: this.clock() } })
    })
    this.log('%s logged in from %s', username, ctx.remotePeer)
    return this.issue(username, identityKey, ctx.remotePeer)
  }

  private async renew (challenge: Uint8Array, signature: Uint8Array, ctx: CallContext): Promise<LoginResponse> {
    const claims = await this.components.verifier.caller(ctx)
    const user = await this.user(claims.sub)
    const identityKey = Buffer.from(user.identityKey, 'hex')
    if (!tokenBoundTo(claims, identityKey)) throw new ServiceError('TOKEN_CNF_MISMATCH', 'the token is bound to another identity key than the one registered')
    this.takeChallenge(challenge, user.username, ctx.remotePeer)
    if (!safeVerify(identityKey, transcript(RENEW_LABEL, this.components.keys.networkId, user.username, ctx.remotePeer, challenge), signature)) {
      throw new ServiceError('BAD_SIGNATURE', 'the challenge is not signed by the identity key registered for this user')
    }
    return this.issue(user.username, identityKey, ctx.remotePeer)
  }

  private async issue (username: string, identityKey: Uint8Array, peer: PeerIdStr): Promise<LoginResponse> {
    const key = this.components.registry.roleKey('idp')
    if (key === undefined) throw new ServiceError('NOT_HOLDER', 'this node has no idp key')
    const now = this.clock()
    const token = await issueIdentityToken({
      issuer: this.components.registry.self,
      signer: roleSigner(key),
      holderKey: identityKey,
      username,
      networkId: this.components.keys.networkId,
      peerId: peer,
      clock: this.clock
    })
    return { token, expiresAt: BigInt(Math.floor(now / 1000) * 1000 + IDENTITY_TOKEN_TTL_S * 1000) }
  }

  /**
   * The directory in registration order: every binding of a username to an
   * identity key, signed by that key. Public within the network (no token):
   * every node keeps and checks them all (src/directory/bindings.ts).
   */
  private async bindings (after: string, limit: number, ctx: CallContext): Promise<BindingsResponse> {
    const wait = this.directoryReads.take(ctx.remotePeer)
    if (wait > 0) throw rateLimited(wait, 'directory reads from this node')
    if (after !== '' && !BINDING_CURSOR.test(after)) throw new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier bindings reply')
    const max = limit === 0 ? MAX_BINDINGS_PER_REPLY : Math.min(limit, MAX_BINDINGS_PER_REPLY)
    const out: BindingsResponse = { bindings: [], more: false, cursor: after }
    const range = after === '' ? { gt: BINDING_PREFIX, lt: `${BINDING_PREFIX}\xff` } : { gt: `${BINDING_PREFIX}${after}`, lt: `${BINDING_PREFIX}\xff` }
    for await (const [key] of this.users.iterator({ ...range, limit: max + 1 })) {
      if (out.bindings.length === max) {
        out.more = true
        break
      }
      // The index keeps a copy from registration time; the account itself is the truth.
      const user = await this.users.get(key.slice(key.lastIndexOf('/') + 1))
      if (user === undefined) continue
      out.bindings.push({
        username: user.username,
        identityKey: new Uint8Array(Buffer.from(user.identityKey, 'hex')),
        registeredAt: BigInt(user.createdAt),
        signature: new Uint8Array(Buffer.from(user.signature ?? '', 'hex'))
      })
      out.cursor = key.slice(BINDING_PREFIX.length)
    }
    return out
  }

  private async lookup (name: string, ctx: CallContext): Promise<{ username: string, identityKey: Uint8Array<ArrayBuffer>, peers: string[] }> {
    await this.components.verifier.caller(ctx)
    const user = await this.user(name)
    const peers = Object.entries(user.peers).sort((a, b) => b[1] - a[1]).map(([peer]) => peer)
    return { username: user.username, identityKey: new Uint8Array(Buffer.from(user.identityKey, 'hex')), peers }
  }
}
