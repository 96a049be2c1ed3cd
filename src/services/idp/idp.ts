/**
 * The identity provider: accounts (username, identity key, password
 * verifier), logins (password + a fresh challenge signed by the identity key)
 * that yield identity tokens, and the user directory.
 */
import { randomBytes } from 'node:crypto'
import { IDENTITY_TOKEN_TTL_S, issueIdentityToken, safeVerify, tokenBoundTo, transcript } from '../../crypto/index.js'
import { createLogger } from '../../logger.js'
import { codeOf } from '../../errors.js'
import { ServiceError } from '../errors.js'
import { roleSigner } from '../keys.js'
import { Lockout, RateLimit, rateLimited } from '../rate-limit.js'
import { implement } from '../rpc.js'
import { Accounts, BINDING_PREFIX } from './accounts.js'
import { checkPassword, checkPasswordStrength, createVerifier } from './password.js'
import { BINDINGS, CHALLENGE, IDP, LOGIN, LOGIN_LABEL, LOOKUP, MAX_BINDINGS_PER_REPLY, REGISTER, REGISTER_LABEL, RENEW, RENEW_LABEL } from './spec.js'
import { canonicalUsername } from '../../usernames.js'
import { replicationOf } from '../replicated.js'
import type { Claim, UserRecord } from './accounts.js'
import type { ErrorCode } from '../../errors.js'
import type { PeerIdStr } from '../../net/index.js'
import type { CallContext, ServiceComponents } from '../rpc.js'
import type { BindingsResponse, LoginResponse } from './pb/idp.js'

/** A login challenge is good for this long, and once. */
export const CHALLENGE_TTL_MS = 60_000
const MAX_CHALLENGES = 10_000

export type { UserRecord } from './accounts.js'

interface Challenge {
  username: string
  peer: PeerIdStr
  expiresAt: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/**
 * A bindings cursor: the last binding given, <16-digit ms>/<username>/<key hash> (the hash since names can have
 * several claims; without it in cursors given before), then ~<order tag> (not in cursors given before orders were tagged).
 */
const BINDING_CURSOR = /^(\d{16}\/[a-z][a-z0-9._-]{2,31}(?:\/[0-9a-f]{16})?)(?:~([0-9a-f]{8}))?$/

export class IdpService {
  private readonly components: ServiceComponents
  private readonly accounts: Accounts
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
  private readonly clock: () => number
  private readonly log = createLogger('idp')

  constructor (components: ServiceComponents) {
    this.components = components
    this.clock = components.clock ?? Date.now
    this.accounts = new Accounts(replicationOf(components), components.store, this.clock)
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
    await replicationOf(this.components).start()
    const imported = await this.accounts.importLegacy()
    if (imported > 0) this.log('%d accounts made before replication are replicated now', imported)
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
    const claim: Claim = { username, identityKey: hex(identityKey), signature: hex(signature), verifier: await createVerifier(password), createdAt: this.clock() }
    // The check and the write under the doc's lock, acknowledged once another idp-eligible node has it.
    const outcome = await this.accounts.register(claim)
    if (outcome === 'taken') throw new ServiceError('USERNAME_TAKEN', `the username ${username} is taken`)
    this.log('registered %s from %s', username, ctx.remotePeer)
    return { username }
  }

  private async user (name: string): Promise<UserRecord> {
    const username = canonicalUsername(name)
    const record = await this.accounts.get(username)
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
    const identityKey = Buffer.from(user.identityKey, 'hex')
    const signed = transcript(LOGIN_LABEL, this.components.keys.networkId, username, ctx.remotePeer, challenge)
    const theirs = safeVerify(identityKey, signed, signature)
    if (!theirs) {
      // The name's other registration (the other side of a partition, docs/replication.md): told, never let in.
      const other = (await this.accounts.conflicts(username)).find(c => safeVerify(Buffer.from(c.identityKey, 'hex'), signed, signature))
      if (other !== undefined) {
        if (!await checkPassword(password, other.verifier)) throw this.failed(user, ctx.remotePeer, 'WRONG_PASSWORD', 'wrong password')
        throw new ServiceError('USERNAME_CONFLICT', `the username ${username} was registered twice while the network was split, and the other registration ` +
          `(${new Date(user.createdAt).toISOString()}) came first: every node keeps it, so this account cannot log in as ${username} any more. ` +
          'Register a new username from a new data directory (lanchat start --data-dir <new directory>, then register) and tell your contacts your new name')
      }
    }
    if (!await checkPassword(password, user.verifier)) throw this.failed(user, ctx.remotePeer, 'WRONG_PASSWORD', 'wrong password')
    if (!theirs) {
      throw this.failed(user, ctx.remotePeer, 'BAD_SIGNATURE', 'the challenge is not signed by the identity key registered for this user')
    }
    // The source's own slate is cleared; the new-sources count is not (a guesser that got in gains nothing by it).
    this.lockout.succeed(`peer:${ctx.remotePeer}`)
    this.lockout.succeed(`user:${username}/peer:${ctx.remotePeer}`)
    await this.accounts.touch(user, ctx.remotePeer).catch((err: unknown) => { this.log('noting where %s logged in failed: %s', username, (err as Error).message) })
    this.log('%s logged in from %s', username, ctx.remotePeer)
    return this.issue(username, identityKey, ctx.remotePeer)
  }

  private async renew (challenge: Uint8Array, signature: Uint8Array, ctx: CallContext): Promise<LoginResponse> {
    // A token from an idp holder this node never saw hold the role (the other side of a healed partition) is renewed
    // here on the identity key's proofs, so its user gets one every node honours without typing the password again.
    const claims = await this.components.verifier.caller(ctx).catch(async (err: unknown) => {
      if (codeOf(err) !== 'TOKEN_UNKNOWN_ISSUER') throw err
      return this.components.verifier.renewing(ctx)
    })
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
   *
   * The order is this node's, tagged (Accounts.order): a binding filed below
   * the last one (a heal merged an older claim) gives it a new tag, so a
   * cursor of another tag (this node's before, another idp node's, or one
   * given before orders were tagged) may have passed a binding it never saw:
   * its reader gets the directory from the start again (it keeps what it
   * knows; a few small pages).
   */
  private async bindings (after: string, limit: number, ctx: CallContext): Promise<BindingsResponse> {
    const wait = this.directoryReads.take(ctx.remotePeer)
    if (wait > 0) throw rateLimited(wait, 'directory reads from this node')
    const cursor = after === '' ? null : BINDING_CURSOR.exec(after)
    if (cursor === null && after !== '') throw new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier bindings reply')
    const max = limit === 0 ? MAX_BINDINGS_PER_REPLY : Math.min(limit, MAX_BINDINGS_PER_REPLY)
    // Read before the bindings: one filed below the cursor meanwhile retags the order, and the next page starts over.
    const order = await this.accounts.order()
    const from = cursor !== null && cursor[2] === order ? cursor[1]! : ''
    const out: BindingsResponse = { bindings: [], more: false, cursor: from === '' ? '' : after }
    const range = { gt: from === '' ? BINDING_PREFIX : `${BINDING_PREFIX}${from}`, lt: `${BINDING_PREFIX}\xff` }
    for await (const [key, value] of this.accounts.users.iterator({ ...range, limit: max + 1 })) {
      if (out.bindings.length === max) {
        out.more = true
        break
      }
      // Every claim, the ones that lost a name included: every node applies the same rule to them.
      const claim = value as Claim
      out.bindings.push({
        username: claim.username,
        identityKey: new Uint8Array(Buffer.from(claim.identityKey, 'hex')),
        registeredAt: BigInt(claim.createdAt),
        signature: new Uint8Array(Buffer.from(claim.signature ?? '', 'hex'))
      })
      out.cursor = `${key.slice(BINDING_PREFIX.length)}~${order}`
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
