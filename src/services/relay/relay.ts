/**
 * The relay: store-and-forward mail for offline users, X3DH prekey bundles,
 * and authorization tokens (the B token of the original design) issued under
 * per-resource policies. Protocol /lanchat/relay/1.0.0 (docs/services.md, relay).
 */
import { AUTHORIZATION_TOKEN_TTL_S, issueAuthorizationToken, tokenBoundTo } from '../../crypto/index.js'
import { createLogger } from '../../logger.js'
import { ServiceError } from '../errors.js'
import { canonicalUsername } from '../idp/usernames.js'
import { roleSigner } from '../keys.js'
import { RateLimit } from '../rate-limit.js'
import { implement } from '../rpc.js'
import { Bundles, checkPublication } from './bundles.js'
import {
  FETCH_REPLY_BUDGET_BYTES, MAX_ACK_IDS, MAX_ENVELOPE_BYTES, MAX_FETCH_LIMIT, MAX_MESSAGE_ID_CHARS, RELAY_DEFAULTS, SHARE_PREFIX
} from './constants.js'
import { isCursor, Mailbox } from './mailbox.js'
import { checkResource, checkRole, PolicyTable, ShareAcls } from './policy.js'
import { ACK, ACL_SET, AUTHORIZE, BUNDLE_STATUS, DEPOSIT, FETCH, FETCH_BUNDLE, PUBLISH_BUNDLE, RELAY } from './spec.js'
import type { RelayInit } from './constants.js'
import type { PolicyCheck } from './policy.js'
import type { IdentityTokenClaims } from '../../crypto/index.js'
import type { CallContext, ServiceComponents } from '../rpc.js'
import type {
  AckRequest, AckResponse, AclSetRequest, AclSetResponse, AuthorizeRequest, AuthorizeResponse, BundleStatusResponse,
  DepositRequest, FetchBundleRequest, FetchBundleResponse, FetchRequest, FetchResponse, PublishBundleRequest, PublishBundleResponse
} from './pb/relay.js'

export type { RelayInit } from './constants.js'
export type { PolicyCheck } from './policy.js'

/** Control characters have no place in a message id (they end up in logs and keys). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function checkMessageId (id: string, field: string): void {
  const length = [...id].length
  if (length < 1 || length > MAX_MESSAGE_ID_CHARS || CONTROL.test(id)) {
    throw new ServiceError('BAD_REQUEST', `${field} must be 1 to ${MAX_MESSAGE_ID_CHARS} characters, without control characters`)
  }
}

function rateLimited (wait: number, what: string): ServiceError {
  return new ServiceError('RATE_LIMITED', `too many ${what}; try again in ${Math.ceil(wait / 1000)} s`, wait)
}

export class RelayService {
  private readonly components: ServiceComponents
  private readonly init: Required<RelayInit>
  private readonly clock: () => number
  private readonly mailbox: Mailbox
  private readonly bundles: Bundles
  private readonly acls: ShareAcls
  private readonly policies = new PolicyTable()
  private readonly perPeer: RateLimit
  private readonly perUser: RateLimit
  private readonly bundleFetches: RateLimit
  private readonly log = createLogger('relay')
  private pruneTimer?: ReturnType<typeof setInterval>
  private pruning?: Promise<void>
  private started = false

  /**
   * `init` overrides the defaults of constants.ts (RELAY_DEFAULTS): mailbox
   * quotas, mail time-to-live, prune interval, prekey stock, rate limits.
   */
  constructor (components: ServiceComponents, init: RelayInit = {}) {
    this.components = components
    this.init = { ...RELAY_DEFAULTS, ...init }
    for (const [name, value] of Object.entries(this.init)) {
      if (!(typeof value === 'number' && value > 0)) throw new TypeError(`RelayInit.${name} must be a positive number, got ${String(value)}`)
    }
    this.clock = components.clock ?? Date.now
    const { store } = components
    this.mailbox = new Mailbox(store, {
      maxMessages: this.init.mailboxMaxMessages,
      maxBytes: this.init.mailboxMaxBytes,
      relayMaxBytes: this.init.relayMaxBytes,
      ttlMs: this.init.mailTtlMs
    }, this.clock)
    this.bundles = new Bundles(store, this.init.maxOneTimePrekeys, this.clock)
    this.acls = new ShareAcls(store, this.clock)
    this.policies.add(SHARE_PREFIX, this.acls.check)
    this.perPeer = new RateLimit(this.init.peerBurst, this.init.peerPerSecond, this.clock)
    this.perUser = new RateLimit(this.init.userBurst, this.init.userPerSecond, this.clock)
    this.bundleFetches = new RateLimit(this.init.bundleFetchBurst, this.init.bundleFetchPerSecond, this.clock)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.mailbox.open()
    await this.components.rpc.serve(RELAY, [
      implement(DEPOSIT, async (req, ctx) => this.deposit(req, ctx)),
      implement(FETCH, async (req, ctx) => this.fetch(req, ctx)),
      implement(ACK, async (req, ctx) => this.ack(req, ctx)),
      implement(PUBLISH_BUNDLE, async (req, ctx) => this.publishBundle(req, ctx)),
      implement(FETCH_BUNDLE, async (req, ctx) => this.fetchBundle(req, ctx)),
      implement(BUNDLE_STATUS, async (_req, ctx) => this.bundleStatus(ctx)),
      implement(AUTHORIZE, async (req, ctx) => this.authorize(req, ctx)),
      implement(ACL_SET, async (req, ctx) => this.aclSet(req, ctx))
    ])
    this.pruneTimer = setInterval(() => { this.prune().catch(() => {}) }, this.init.pruneIntervalMs)
    this.pruneTimer.unref?.()
    // Mail that expired while the relay was down goes now, not a prune interval later.
    this.prune().catch(() => {})
  }

  /** Stops the prune timer and waits for every write under way (the node closes the store next). */
  async stop (): Promise<void> {
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer)
    this.pruneTimer = undefined
    this.started = false
    await this.pruning
    await Promise.all([this.mailbox.idle(), this.bundles.idle(), this.acls.idle()])
  }

  /**
   * Adds the authorization policy for resources starting with `prefix` (the
   * longest matching prefix decides; `share/` is built in). `check` answers
   * whether a user may act as reader or writer on a resource.
   */
  addPolicy (prefix: string, check: PolicyCheck): void {
    this.policies.add(prefix, check)
  }

  /** Deletes expired mail now (a timer does it every pruneIntervalMs); returns how many messages. */
  async prune (): Promise<number> {
    // One prune at a time: a second waits for the first, then runs.
    const run = (this.pruning ?? Promise.resolve()).then(async () => this.mailbox.prune())
    const settled = run.then(() => {}, () => {})
    this.pruning = settled
    try {
      const pruned = await run
      if (pruned > 0) this.log('pruned %d expired messages', pruned)
      return pruned
    } catch (err) {
      this.log.error('pruning expired mail failed: %s', (err as Error).message)
      throw err
    } finally {
      if (this.pruning === settled) this.pruning = undefined
    }
  }

  /** The caller's verified identity, within the per-node and per-user rate limits. */
  private async caller (ctx: CallContext): Promise<IdentityTokenClaims> {
    const peerWait = this.perPeer.take(ctx.remotePeer)
    if (peerWait > 0) throw rateLimited(peerWait, 'requests from this node')
    const claims = await this.components.verifier.identity(ctx.identityToken, ctx.remotePeer)
    const userWait = this.perUser.take(claims.sub)
    if (userWait > 0) throw rateLimited(userWait, `requests by ${claims.sub}`)
    return claims
  }

  // ---------------------------------------------------------------- mailbox

  private async deposit (req: DepositRequest, ctx: CallContext): Promise<Record<string, never>> {
    const claims = await this.caller(ctx)
    const to = canonicalUsername(req.to)
    checkMessageId(req.id, 'id')
    if (req.envelope.byteLength === 0) throw new ServiceError('BAD_REQUEST', 'the envelope is empty')
    if (req.envelope.byteLength > MAX_ENVELOPE_BYTES) {
      throw new ServiceError('TOO_LARGE', `an envelope is at most ${MAX_ENVELOPE_BYTES} bytes; this one has ${req.envelope.byteLength}`)
    }
    const { stored } = await this.mailbox.deposit(to, claims.sub, req.id, req.envelope)
    this.log('%s mail %s from %s to %s', stored ? 'stored' : 'already held', req.id, claims.sub, to)
    return {}
  }

  private async fetch (req: FetchRequest, ctx: CallContext): Promise<FetchResponse> {
    const claims = await this.caller(ctx)
    if (req.limit > MAX_FETCH_LIMIT) throw new ServiceError('BAD_REQUEST', `limit is at most ${MAX_FETCH_LIMIT}`)
    const limit = req.limit === 0 ? MAX_FETCH_LIMIT : req.limit
    if (req.after !== undefined && req.after !== '' && !isCursor(req.after)) {
      throw new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier fetch (16 digits)')
    }
    const after = req.after === '' ? undefined : req.after
    return this.mailbox.fetch(claims.sub, limit, after, FETCH_REPLY_BUDGET_BYTES)
  }

  private async ack (req: AckRequest, ctx: CallContext): Promise<AckResponse> {
    const claims = await this.caller(ctx)
    if (req.ids.length > MAX_ACK_IDS) throw new ServiceError('BAD_REQUEST', `ack takes at most ${MAX_ACK_IDS} ids at once`)
    req.ids.forEach((id, i) => { checkMessageId(id, `ids[${i}]`) })
    return { deleted: await this.mailbox.ack(claims.sub, req.ids) }
  }

  // ---------------------------------------------------------------- prekey bundles

  private async publishBundle (req: PublishBundleRequest, ctx: CallContext): Promise<PublishBundleResponse> {
    const claims = await this.caller(ctx)
    if (req.identityKey.byteLength !== 32) throw new ServiceError('BAD_REQUEST', 'identityKey must be a 32-byte Ed25519 public key')
    if (!tokenBoundTo(claims, req.identityKey)) {
      throw new ServiceError('TOKEN_CNF_MISMATCH', 'the bundle\'s identity key is not the one your identity token is bound to: publish your own bundle')
    }
    checkPublication(req)
    const { stored, added } = await this.bundles.publish(claims.sub, req)
    this.log('%s published a bundle: signed prekey %d, %d new one-time prekeys, %d stored', claims.sub, req.signedPrekeyId, added, stored)
    return { oneTimePrekeys: stored, added }
  }

  private async fetchBundle (req: FetchBundleRequest, ctx: CallContext): Promise<FetchBundleResponse> {
    const claims = await this.caller(ctx)
    const wait = this.bundleFetches.take(claims.sub)
    if (wait > 0) throw rateLimited(wait, 'prekey bundles fetched')
    const username = canonicalUsername(req.username)
    return { bundle: await this.bundles.take(username) }
  }

  private async bundleStatus (ctx: CallContext): Promise<BundleStatusResponse> {
    const claims = await this.caller(ctx)
    return this.bundles.status(claims.sub)
  }

  // ---------------------------------------------------------------- authorization

  private async authorize (req: AuthorizeRequest, ctx: CallContext): Promise<AuthorizeResponse> {
    const claims = await this.caller(ctx)
    checkResource(req.resource)
    const role = checkRole(req.role)
    let holderKey: Uint8Array
    if (req.identityKey.byteLength > 0) {
      if (req.identityKey.byteLength !== 32) throw new ServiceError('BAD_REQUEST', 'identityKey must be a 32-byte Ed25519 public key')
      holderKey = req.identityKey
    } else {
      const published = await this.bundles.identityKey(claims.sub)
      if (published === undefined) throw new ServiceError('IDENTITY_KEY_REQUIRED', 'send your identity key with the request (or publish your prekey bundle first)')
      holderKey = published
    }
    if (!tokenBoundTo(claims, holderKey)) throw new ServiceError('TOKEN_CNF_MISMATCH', 'the identity key is not the one your identity token is bound to')
    const check = this.policies.find(req.resource)
    if (check === undefined) throw new ServiceError('FORBIDDEN', `the relay grants no access to ${req.resource}: no policy covers that kind of resource`)
    if (!await check(claims.sub, req.resource, role)) throw new ServiceError('FORBIDDEN', `${claims.sub} may not act as ${role} on ${req.resource}: ask its owner for access`)
    const key = this.components.registry.roleKey('relay')
    if (key === undefined) throw new ServiceError('NOT_HOLDER', 'this node has no relay key')
    const now = this.clock()
    const token = await issueAuthorizationToken({
      issuer: this.components.registry.self,
      signer: roleSigner(key),
      holderKey,
      subject: claims.sub,
      audience: this.components.keys.networkId,
      resource: req.resource,
      role,
      clock: this.clock
    })
    this.log('authorized %s as %s on %s', claims.sub, role, req.resource)
    return { token, expiresAt: Math.floor(now / 1000) * 1000 + AUTHORIZATION_TOKEN_TTL_S * 1000 }
  }

  private async aclSet (req: AclSetRequest, ctx: CallContext): Promise<AclSetResponse> {
    const claims = await this.caller(ctx)
    checkResource(req.resource)
    const readers = req.readers.map(canonicalUsername)
    const writers = req.writers.map(canonicalUsername)
    const acl = await this.acls.set(claims.sub, req.resource, readers, writers)
    this.log('%s set the ACL of %s: %d readers, %d writers', claims.sub, req.resource, acl.readers.length, acl.writers.length)
    return { owner: acl.owner, readers: acl.readers, writers: acl.writers }
  }
}
