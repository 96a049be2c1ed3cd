/**
 * The relay: store-and-forward mail for offline users, X3DH prekey bundles,
 * authorization tokens (the B token of the original design) issued under
 * per-resource policies, and the groups' signed states and ciphertext history
 * (docs/groups.md). Protocol /lanchat/relay/1.0.0 (docs/services.md, relay).
 */
import { AUTHORIZATION_TOKEN_TTL_S, issueAuthorizationToken, tokenBoundTo } from '../../crypto/index.js'
import { LanchatError } from '../../errors.js'
import { KeyedLock } from '../../lock.js'
import { isPrintable } from '../../text.js'
import { createLogger } from '../../logger.js'
import { ServiceError } from '../errors.js'
import { canonicalUsername } from '../../usernames.js'
import { roleSigner } from '../keys.js'
import { RateLimit, rateLimited } from '../rate-limit.js'
import { implement } from '../rpc.js'
import { replicationOf } from '../replicated.js'
import { Bundles, checkPublication } from './bundles.js'
import {
  FETCH_REPLY_BUDGET_BYTES, GROUP_PREFIX, MAX_ACK_IDS, MAX_ENVELOPE_BYTES, MAX_FETCH_LIMIT, MAX_GROUP_FETCH, MAX_GROUP_STATES_PER_REPLY,
  MAX_MESSAGE_ID_CHARS, RELAY_DEFAULTS, SHARE_PREFIX
} from './constants.js'
import { RelayGroups } from './groups.js'
import { MailHandoff } from './handoff.js'
import { isCursor, Mailbox } from './mailbox.js'
import { checkResource, checkRole, PolicyTable, ShareAcls } from './policy.js'
import { RelayTopics } from './topics.js'
import {
  ACK, ACL_SET, AUTHORIZE, HANDOFF, BUNDLE_STATUS, DEPOSIT, FETCH, FETCH_BUNDLE, GROUP_COMMIT, GROUP_FETCH, GROUP_LEAVE, GROUP_LIST, GROUP_POST,
  GROUP_STATES, PUBLISH_BUNDLE, RELAY
} from './spec.js'
import type { RelayInit } from './constants.js'
import type { PolicyCheck } from './policy.js'
import type { IdentityTokenClaims } from '../../crypto/index.js'
import type { CallContext, ServiceComponents } from '../rpc.js'
import type { LanchatLibp2p } from '../../net/index.js'
import type {
  AckRequest, AckResponse, AclSetRequest, AclSetResponse, AuthorizeRequest, AuthorizeResponse, BundleStatusResponse,
  DepositRequest, FetchBundleRequest, FetchBundleResponse, FetchRequest, FetchResponse, GroupCommitRequest, GroupCommitResponse,
  GroupFetchRequest, GroupFetchResponse, GroupLeaveRequest, GroupListResponse, GroupPostRequest, GroupPostResponse, GroupStatesRequest,
  GroupStatesResponse, PublishBundleRequest, PublishBundleResponse
} from './pb/relay.js'

export type { RelayInit } from './constants.js'
export type { PolicyCheck } from './policy.js'

function checkMessageId (id: string, field: string): void {
  const length = [...id].length
  if (length < 1 || length > MAX_MESSAGE_ID_CHARS || !isPrintable(id)) {
    throw new ServiceError('BAD_REQUEST', `${field} must be 1 to ${MAX_MESSAGE_ID_CHARS} characters, of printable text (they end up in logs and keys)`)
  }
}

/** The relay's collaborators: a service's, and the libp2p node whose group topics it listens on (optional in unit tests). */
export type RelayComponents = ServiceComponents & { libp2p?: LanchatLibp2p }

export class RelayService {
  private readonly components: RelayComponents
  private readonly init: Required<RelayInit>
  private readonly clock: () => number
  private readonly mailbox: Mailbox
  private readonly bundles: Bundles
  private readonly acls: ShareAcls
  private readonly groups: RelayGroups
  private readonly topics: RelayTopics
  private readonly handoff: MailHandoff
  private readonly policies = new PolicyTable()
  private readonly perPeer: RateLimit
  private readonly perUser: RateLimit
  private readonly bundleFetches: RateLimit
  private readonly log = createLogger('relay')
  private pruneTimer?: ReturnType<typeof setInterval>
  private readonly pruneLock = new KeyedLock()
  private started = false

  /**
   * `init` overrides the defaults of constants.ts (RELAY_DEFAULTS): mailbox
   * quotas, mail time-to-live, prune interval, prekey stock, rate limits.
   */
  constructor (components: RelayComponents, init: RelayInit = {}) {
    this.components = components
    this.init = { ...RELAY_DEFAULTS, ...init }
    for (const [name, value] of Object.entries(this.init)) {
      if (!(typeof value === 'number' && value > 0)) throw new TypeError(`RelayInit.${name} must be a positive number, got ${String(value)}`)
    }
    this.clock = components.clock ?? Date.now
    const { store } = components
    const replication = replicationOf(components)
    this.mailbox = new Mailbox(store, {
      maxMessages: this.init.mailboxMaxMessages,
      maxBytes: this.init.mailboxMaxBytes,
      senderMaxMessages: this.init.mailboxSenderMaxMessages,
      senderMaxBytes: this.init.mailboxSenderMaxBytes,
      relayMaxBytes: this.init.relayMaxBytes,
      ttlMs: this.init.mailTtlMs
    }, this.clock, replication)
    this.bundles = new Bundles(store, this.init.maxOneTimePrekeys, this.clock, replication, components.registry.self)
    this.acls = new ShareAcls(store, this.clock, replication)
    this.policies.add(SHARE_PREFIX, this.acls.check)
    this.groups = new RelayGroups(store, {
      networkId: components.keys.networkId,
      clock: this.clock,
      maxMessages: this.init.groupMaxMessages,
      maxBytes: this.init.groupMaxBytes,
      maxStatesPerReply: MAX_GROUP_STATES_PER_REPLY,
      publishedKey: async username => this.bundles.identityKey(username),
      onCommit: (group, state, created) => {
        if (created) this.topics.listen(group)
        this.topics.poke(group, state.state.epoch)
      },
      onLeave: (group, epoch) => { this.topics.poke(group, epoch) },
      // A heal merged the other side's history in below cursors given: the holder tells the members to fetch.
      onMerged: (group, epoch) => { if (typeof components.registry.serves !== 'function' || components.registry.serves('relay')) this.topics.poke(group, epoch) }
    }, replication)
    this.topics = new RelayTopics(components, this.groups, () => this.started)
    this.handoff = new MailHandoff(components, this.mailbox, { clock: this.clock, mailTtlMs: this.init.mailTtlMs, running: () => this.started })
    this.policies.add(GROUP_PREFIX, this.groups.check)
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
      implement(HANDOFF, async (req, ctx) => this.handoff.accept(req, ctx)),
      implement(PUBLISH_BUNDLE, async (req, ctx) => this.publishBundle(req, ctx)),
      implement(FETCH_BUNDLE, async (req, ctx) => this.fetchBundle(req, ctx)),
      implement(BUNDLE_STATUS, async (_req, ctx) => this.bundleStatus(ctx)),
      implement(AUTHORIZE, async (req, ctx) => this.authorize(req, ctx)),
      implement(ACL_SET, async (req, ctx) => this.aclSet(req, ctx)),
      implement(GROUP_COMMIT, async (req, ctx) => this.groupCommit(req, ctx)),
      implement(GROUP_STATES, async (req, ctx) => this.groupStates(req, ctx)),
      implement(GROUP_LIST, async (_req, ctx) => this.groupList(ctx)),
      implement(GROUP_LEAVE, async (req, ctx) => this.groupLeave(req, ctx)),
      implement(GROUP_POST, async (req, ctx) => this.groupPost(req, ctx)),
      implement(GROUP_FETCH, async (req, ctx) => this.groupFetch(req, ctx))
    ])
    // Mail held from a time this node was the holder goes to the holder of now (standalone: replicas share it anyway).
    this.components.registry.addEventListener('role:changed', this.onRoleChanged)
    this.handoff.start()
    // The ciphertext of every group held is kept as it goes by on the group's topic, while this node serves the role.
    await this.topics.listenAll()
    this.pruneTimer = setInterval(() => { this.prune().catch(() => {}) }, this.init.pruneIntervalMs)
    this.pruneTimer.unref?.()
    // Mail that expired while the relay was down goes now, not a prune interval later.
    this.prune().catch(() => {})
  }

  /** Stops the prune timer and waits for every write under way (the node closes the store next). */
  async stop (): Promise<void> {
    this.components.registry.removeEventListener('role:changed', this.onRoleChanged)
    this.handoff.stop()
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer)
    this.pruneTimer = undefined
    this.started = false
    this.topics.unlistenAll()
    await this.pruneLock.idle()
    await Promise.all([this.mailbox.idle(), this.bundles.idle(), this.acls.idle(), this.groups.idle()])
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
    return this.pruneLock.run('prune', async () => {
      try {
        const pruned = await this.mailbox.prune()
        if (pruned > 0) this.log('pruned %d expired messages', pruned)
        return pruned
      } catch (err) {
        this.log.error('pruning expired mail failed: %s', (err as Error).message)
        throw err
      }
    })
  }

  /** The caller's verified identity, within the per-node and per-user rate limits. */
  private async caller (ctx: CallContext): Promise<IdentityTokenClaims> {
    const peerWait = this.perPeer.take(ctx.remotePeer)
    if (peerWait > 0) throw rateLimited(peerWait, 'requests from this node')
    const claims = await this.components.verifier.caller(ctx)
    const userWait = this.perUser.take(claims.sub)
    if (userWait > 0) throw rateLimited(userWait, `requests by ${claims.sub}`)
    return claims
  }

  // ---------------------------------------------------------------- mailbox

  private readonly onRoleChanged = (evt: CustomEvent<{ role: string }>): void => {
    if (evt.detail.role !== 'relay') return
    void this.handOff()
    void this.topics.listenAll()
  }

  /** Passes the mail this node took in while it held the relay role to the holder of now (handoff.ts). */
  async handOff (): Promise<void> {
    return this.handoff.handOff()
  }

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
      throw new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier fetch')
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
    // A bundle under another identity key is not the caller's (the name's other registration, merged in after a
    // partition): not published, so its node publishes its own, which starts the bundle over.
    const key = await this.bundles.identityKey(claims.sub)
    if (key !== undefined && !tokenBoundTo(claims, key)) return { published: false, oneTimePrekeys: 0, signedPrekeyId: 0 }
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

  // ---------------------------------------------------------------- groups (docs/groups.md)

  private async groupCommit (req: GroupCommitRequest, ctx: CallContext): Promise<GroupCommitResponse> {
    const claims = await this.caller(ctx)
    const { epoch, hash } = await this.groups.commit(claims, req.state)
    this.log('%s committed epoch %d of a group', claims.sub, epoch)
    return { epoch, hash: hash as Uint8Array<ArrayBuffer> }
  }

  private async groupStates (req: GroupStatesRequest, ctx: CallContext): Promise<GroupStatesResponse> {
    const claims = await this.caller(ctx)
    return this.groups.statesAfter(claims, req.group, req.after)
  }

  private async groupList (ctx: CallContext): Promise<GroupListResponse> {
    const claims = await this.caller(ctx)
    return { groups: await this.groups.list(claims) }
  }

  private async groupLeave (req: GroupLeaveRequest, ctx: CallContext): Promise<Record<string, never>> {
    const claims = await this.caller(ctx)
    await this.groups.leave(claims, req.request)
    this.log('%s asked to leave a group', claims.sub)
    return {}
  }

  private async groupPost (req: GroupPostRequest, ctx: CallContext): Promise<GroupPostResponse> {
    const claims = await this.caller(ctx)
    if (req.envelopes.length === 0) throw new ServiceError('BAD_REQUEST', 'envelopes: post at least one')
    const results: GroupPostResponse['results'] = []
    for (const bytes of req.envelopes) {
      try {
        const { stored } = await this.groups.post(claims, bytes)
        // Stored by this post, not from the topic: pass it on, in case the sender's own publication reached nobody.
        if (stored) void this.topics.republish(bytes)
        results.push({ code: '', message: '' })
      } catch (err) {
        if (!(err instanceof LanchatError)) throw err
        results.push({ code: err.code, message: err.message })
      }
    }
    return { results }
  }

  private async groupFetch (req: GroupFetchRequest, ctx: CallContext): Promise<GroupFetchResponse> {
    const claims = await this.caller(ctx)
    if (req.limit > MAX_GROUP_FETCH) throw new ServiceError('BAD_REQUEST', `limit is at most ${MAX_GROUP_FETCH}`)
    const after = req.after === undefined || req.after === '' ? undefined : req.after
    return this.groups.fetch(claims, req.group, after, req.limit === 0 ? MAX_GROUP_FETCH : req.limit, FETCH_REPLY_BUDGET_BYTES)
  }
}
