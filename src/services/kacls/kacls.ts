/**
 * The key access control list service (KACLS), after Google Workspace CSE's
 * KACLS API: it wraps data-encryption keys under its own key-encryption key
 * (KEK), bound to a resource and to the users authorized to unwrap them, and
 * unwraps them only for an authorized user who presents both an identity
 * token (idp) and an authorization token for that resource (relay). Every
 * wrap, unwrap and rewrap, granted or refused, goes to an append-only audit
 * log. docs/services.md ("kacls") documents the protocol.
 */
import { LanchatError } from '../../errors.js'
import { createLogger } from '../../logger.js'
import { ServiceError } from '../errors.js'
import { Lockout, RateLimit, rateLimited } from '../rate-limit.js'
import { decodeRequest } from '../rpc.js'
import { AuditLog } from './audit.js'
import { openPayload, parseWrapped, wrapPayload } from './blob.js'
import {
  BLOB_VERSION, LOCKOUT_BASE_MS, LOCKOUT_MAX_MS, LOCKOUT_WINDOW_MS, MAX_REASON_CHARS, MAX_RESOURCE_BYTES, REFUSALS_FREE,
  STATUS_BURST, STATUS_PER_SECOND
} from './constants.js'
import { KekRing } from './kek.js'
import { ReplicatedKeks } from './kek-doc.js'
import { replicationOf } from '../replicated.js'
import { KACLS, REWRAP, STATUS, UNWRAP, WRAP } from './spec.js'
import { auditText, canonicalAuthorized, checkDataKey, checkReason, checkResource } from './validate.js'
import type { AuditOp, AuditPage, AuditRecord } from './audit.js'
import type { KekRecord } from './kek.js'
import type { RewrapRequest, StatusResponse, UnwrapRequest, UnwrapResponse, WrapRequest, WrapResponse } from './pb/kacls.js'
import type { CallContext, Implementation, MethodSpec, ServiceComponents } from '../rpc.js'

export type { AuditOp, AuditPage, AuditRecord } from './audit.js'

export interface KaclsInit {
  /** Refusals a peer gets before it is locked out (default REFUSALS_FREE = 20) */
  refusalsFree?: number
  /** First lockout, doubled on each further refusal (default 1 s) */
  lockoutBaseMs?: number
  /** Longest lockout (default 5 min) */
  lockoutMaxMs?: number
  /** Refusals older than this are forgotten (default 10 min) */
  lockoutWindowMs?: number
}

/** The KACLS's state as the holder sees it (status over the wire carries the same). */
export interface KaclsStatus {
  /** The KEK new wraps use; 0 before the first wrap made one */
  kekVersion: number
  /** When that KEK was made, ms since the epoch (0: none yet) */
  since: number
  /** KEK versions kept; every one still unwraps */
  kekVersions: number
  /** Since the service started: granted requests by method, refusals, and requests turned away by the rate limit */
  wraps: number
  unwraps: number
  rewraps: number
  refusals: number
  throttled: number
  /** Records in the audit log, ever */
  auditRecords: number
  /**
   * KEKs the replicated doc lists that this node cannot open: no lockbox
   * sealed to it has come yet (every node that holds them was gone before it
   * could seal one). Keys wrapped under them answer KEK_UNAVAILABLE here
   */
  keksNotHeld: number
}

/**
 * How often a node holding KEKs tries again to seal them to each live
 * eligible node that has not said it persisted a lockbox of each: sealing
 * happens at once when a node becomes a replica in step (kek-doc.ts); this is
 * the retry of a seal that was not acknowledged, and the backstop of an
 * event missed.
 */
const SHARE_INTERVAL_MS = 2_000

/** Refusal codes that are the KACLS's fault, not the caller's: they do not count toward the caller's lockout. */
const OWN_FAULTS = new Set(['INTERNAL', 'KEK_UNAVAILABLE', 'KEK_EXHAUSTED', 'AUDIT_FAILED'])

/** What an audit record knows so far; each step of a handler fills in what it has checked. */
type Draft = Omit<AuditRecord, 'id' | 'time' | 'outcome' | 'code'>

export class KaclsService {
  readonly components: ServiceComponents
  private readonly keks: KekRing
  private readonly replicatedKeks: ReplicatedKeks
  private shareTimer?: ReturnType<typeof setInterval>
  private readonly log = createLogger('kacls')
  private readonly auditLog: AuditLog
  /** Refusals per peer: REFUSALS_FREE free, then 1 s, 2 s, 4 s, ... up to 5 min */
  private readonly lockout: Lockout
  private readonly statusLimit: RateLimit
  private readonly clock: () => number
  private readonly counts = { wrap: 0, unwrap: 0, rewrap: 0, refusals: 0, throttled: 0 }

  constructor (components: ServiceComponents, init: KaclsInit = {}) {
    this.components = components
    this.clock = components.clock ?? Date.now
    const replication = replicationOf(components)
    this.auditLog = new AuditLog(components.store.sublevel<AuditRecord>('kacls', 'json'), replication, this.clock)
    // Every new KEK version, the first included, is audited as op 'rotate'.
    const kv = components.store.sublevel<KekRecord>('kacls', 'json')
    this.keks = new KekRing(kv, components.keys.atRestKey, this.clock, this.log, async kek => {
      await this.auditLog.append({ op: 'rotate', user: '', peer: components.registry.self, resource: '', reason: '', kekVersion: kek.version, newKekVersion: 0, time: this.clock(), outcome: 'ok', code: 'OK' })
    })
    this.replicatedKeks = new ReplicatedKeks(replication, this.keks, kv, components.registry, components.keys.networkId, this.log, this.clock)
    this.lockout = new Lockout({
      free: init.refusalsFree ?? REFUSALS_FREE,
      baseLockMs: init.lockoutBaseMs ?? LOCKOUT_BASE_MS,
      maxLockMs: init.lockoutMaxMs ?? LOCKOUT_MAX_MS,
      windowMs: init.lockoutWindowMs ?? LOCKOUT_WINDOW_MS,
      clock: this.clock
    })
    this.statusLimit = new RateLimit(STATUS_BURST, STATUS_PER_SECOND, this.clock)
  }

  /** Loads the KEKs and the end of the audit log, and serves /lanchat/kacls/1.0.0 (answered only while this node holds the role). */
  async start (): Promise<void> {
    await this.keks.load()
    await replicationOf(this.components).start()
    await this.auditLog.load()
    const imported = await this.replicatedKeks.importLegacy()
    if (imported > 0) this.log('%d KEKs made before replication are replicated now', imported)
    // Nodes that became eligible get a lockbox for every KEK (from any node that holds it), at once, then until they have them.
    this.replicatedKeks.start()
    void this.replicatedKeks.shareAll()
    this.shareTimer = setInterval(() => { void this.replicatedKeks.shareAll() }, SHARE_INTERVAL_MS)
    this.shareTimer.unref?.()
    await this.components.rpc.serve(KACLS, [
      this.audited(WRAP, 'wrap', async (req, ctx, draft) => this.wrap(req, ctx, draft)),
      this.audited(UNWRAP, 'unwrap', async (req, ctx, draft) => this.unwrap(req, ctx, draft)),
      this.audited(REWRAP, 'rewrap', async (req, ctx, draft) => this.rewrap(req, ctx, draft)),
      {
        name: STATUS.name,
        call: async (_body, ctx) => {
          // The request has no fields: nothing to decode or check.
          const wait = this.statusLimit.take(ctx.remotePeer)
          if (wait > 0) throw rateLimited(wait, 'status requests from this node')
          return STATUS.response.encode(this.wireStatus())
        }
      }
    ])
  }

  /** Forgets the KEKs held in memory. The node stops the Rpc (and so the protocol handler) first. */
  async stop (): Promise<void> {
    clearInterval(this.shareTimer)
    this.replicatedKeks.stop()
    this.keks.wipe()
  }

  /** The KACLS's state (holder-local; the status method serves the same over the wire). */
  status (): KaclsStatus {
    const current = this.keks.get(this.keks.currentVersion)
    return {
      kekVersion: this.keks.currentVersion,
      since: current?.createdAt ?? 0,
      kekVersions: this.keks.size,
      wraps: this.counts.wrap,
      unwraps: this.counts.unwrap,
      rewraps: this.counts.rewrap,
      refusals: this.counts.refusals,
      throttled: this.counts.throttled,
      auditRecords: this.auditLog.count,
      keksNotHeld: this.replicatedKeks.notHeld()
    }
  }

  /**
   * Makes a new KEK version, which wraps from now on (holder-local, e.g. a
   * headless `kacls.rotate`); keys wrapped under older versions still unwrap
   * and can be moved to the new one with rewrap. Audited as op 'rotate'.
   */
  async rotateKek (): Promise<{ kekVersion: number, since: number }> {
    if (!this.components.registry.serves('kacls')) throw new ServiceError('NOT_HOLDER', 'this node does not serve the kacls role: rotate the KEK on the holder')
    // A new holder first has every KEK the live replicas have (the rotation numbers the new version after them).
    if (!await replicationOf(this.components).admit('kacls')) throw new ServiceError('CATCHING_UP', 'this node holds the kacls role but is still catching up with the other kacls-eligible nodes: try again in a moment')
    const kek = await this.keks.rotate()
    this.log('rotated the KEK to version %d', kek.version)
    return { kekVersion: kek.version, since: kek.createdAt }
  }

  /** Audit records, newest first, `limit` (1 to 1000, default 100) at a time, older than `before` (a page's `next`). */
  async audit (limit?: number, before?: string): Promise<AuditPage> {
    return this.auditLog.page(limit, before)
  }

  /**
   * A method whose every outcome is audited: the request is decoded here (so
   * an undecodable one is refused and audited too), the handler fills in the
   * draft as it checks, and the record is written before the reply leaves. A
   * granted request whose record cannot be written is refused (AUDIT_FAILED):
   * no key leaves unaudited. A peer locked out for its refusals is turned away
   * first, unaudited, so a stranger cannot fill the log.
   */
  private audited<Req, Res> (spec: MethodSpec<Req, Res>, op: AuditOp, handle: (req: Req, ctx: CallContext, draft: Draft) => Promise<Res>): Implementation {
    return {
      name: spec.name,
      call: async (body, ctx) => {
        const wait = this.lockout.retryAfter(ctx.remotePeer)
        if (wait > 0) {
          this.counts.throttled++
          throw rateLimited(wait, 'refused requests from this node')
        }
        const draft: Draft = { op, user: '', peer: ctx.remotePeer, resource: '', reason: '', kekVersion: 0, newKekVersion: 0 }
        let reply: Uint8Array
        try {
          reply = spec.response.encode(await handle(decodeRequest(spec, body), ctx, draft))
        } catch (err) {
          const code = err instanceof LanchatError ? err.code : 'INTERNAL'
          this.counts.refusals++
          if (!OWN_FAULTS.has(code)) this.lockout.fail(ctx.remotePeer)
          await this.auditLog.append({ ...draft, time: this.clock(), outcome: 'refused', code }).catch((auditErr: unknown) => {
            this.log.error('could not audit a refused %s from %s: %s', op, ctx.remotePeer, (auditErr as Error).message)
          })
          this.log('refused %s of %s by %s at %s: %s', op, draft.resource, draft.user, ctx.remotePeer, code)
          throw err
        }
        try {
          await this.auditLog.append({ ...draft, time: this.clock(), outcome: 'ok', code: 'OK' })
        } catch (err) {
          reply.fill(0)
          this.log.error('could not audit a granted %s from %s, refusing it: %s', op, ctx.remotePeer, (err as Error).message)
          throw new ServiceError('AUDIT_FAILED', `the KACLS could not write its audit log, so it refused the ${op}; try again later`)
        }
        if (op === 'wrap' || op === 'unwrap' || op === 'rewrap') this.counts[op]++
        return reply
      }
    }
  }

  /** Request strings as the audit log keeps them, before they are checked. */
  private static note (draft: Draft, resource: string, reason: string): void {
    draft.resource = auditText(resource, MAX_RESOURCE_BYTES)
    draft.reason = auditText(reason, MAX_REASON_CHARS)
  }

  private async wrap (req: WrapRequest, ctx: CallContext, draft: Draft): Promise<WrapResponse> {
    KaclsService.note(draft, req.resource, req.reason)
    const resource = checkResource(req.resource)
    checkReason(req.reason)
    checkDataKey(req.key)
    const authorized = canonicalAuthorized(req.authorized)
    const identity = await this.components.verifier.caller(ctx)
    draft.user = identity.sub
    if (!authorized.includes(identity.sub)) {
      throw new ServiceError('NOT_AUTHORIZED', `${identity.sub} is not in the authorized list: a key can only be wrapped for a list that includes its wrapper`)
    }
    const kek = await this.keks.current()
    draft.kekVersion = kek.version
    const wrapped = wrapPayload(kek.key, kek.version, resource, { key: req.key, authorized, wrappedBy: identity.sub })
    req.key.fill(0)
    return { wrapped, kekVersion: kek.version, authorized }
  }

  private async unwrap (req: UnwrapRequest, ctx: CallContext, draft: Draft): Promise<UnwrapResponse> {
    KaclsService.note(draft, req.resource, req.reason)
    const resource = checkResource(req.resource)
    checkReason(req.reason)
    const blob = parseWrapped(req.wrapped)
    const identity = await this.components.verifier.caller(ctx)
    draft.user = identity.sub
    await this.components.verifier.authorization(ctx.authorizationToken, identity, resource)
    const payload = this.open(blob, resource, draft)
    if (!payload.authorized.includes(identity.sub)) {
      payload.key.fill(0)
      throw new ServiceError('NOT_AUTHORIZED', `${identity.sub} is not in the list this key was wrapped for`)
    }
    return { key: payload.key as Uint8Array<ArrayBuffer>, authorized: payload.authorized, kekVersion: blob.kekVersion, wrappedBy: payload.wrappedBy }
  }

  private async rewrap (req: RewrapRequest, ctx: CallContext, draft: Draft): Promise<WrapResponse> {
    KaclsService.note(draft, req.resource, req.reason)
    const resource = checkResource(req.resource)
    checkReason(req.reason)
    const blob = parseWrapped(req.wrapped)
    const identity = await this.components.verifier.caller(ctx)
    draft.user = identity.sub
    const payload = this.open(blob, resource, draft)
    try {
      if (!payload.authorized.includes(identity.sub)) {
        throw new ServiceError('NOT_AUTHORIZED', `${identity.sub} is not in the list this key was wrapped for`)
      }
      const kek = await this.keks.current()
      draft.newKekVersion = kek.version
      return { wrapped: wrapPayload(kek.key, kek.version, resource, payload), kekVersion: kek.version, authorized: payload.authorized }
    } finally {
      payload.key.fill(0)
    }
  }

  /**
   * Checks the blob's version and KEK id, and opens it for `resource`. A KEK
   * id two holders both made (a partition, 2^-32 per pair) has two KEKs: the
   * AEAD tag tells which one wrapped the blob.
   */
  private open (blob: ReturnType<typeof parseWrapped>, resource: string, draft: Draft): ReturnType<typeof openPayload> {
    draft.kekVersion = blob.kekVersion
    if (blob.version !== BLOB_VERSION) {
      throw new ServiceError('UNSUPPORTED_VERSION', `the wrapped key has format version ${blob.version}; this KACLS reads version ${BLOB_VERSION}`)
    }
    const candidates = this.keks.candidates(blob.kekVersion)
    if (candidates.length === 0 && this.replicatedKeks.lists(blob.kekVersion)) {
      throw new ServiceError('KEK_UNAVAILABLE', `KEK version ${blob.kekVersion} was made by another kacls node and no lockbox of it has reached this one yet: try again once a node that holds it is live`)
    }
    if (candidates.length === 0) throw new ServiceError('UNKNOWN_KEK', `this KACLS has no KEK version ${blob.kekVersion}: the key was wrapped by another KACLS, or altered`)
    const usable = candidates.filter(k => k.key !== null)
    if (usable.length === 0) throw new ServiceError('KEK_UNAVAILABLE', `KEK version ${blob.kekVersion} is on disk but does not open with this network's passphrase`)
    let failure: unknown
    for (const kek of usable) {
      try {
        return openPayload(kek.key!, blob, resource)
      } catch (err) {
        failure = err
      }
    }
    throw failure
  }

  private wireStatus (): StatusResponse {
    const s = this.status()
    return {
      kekVersion: s.kekVersion,
      since: BigInt(s.since),
      kekVersions: s.kekVersions,
      wraps: BigInt(s.wraps),
      unwraps: BigInt(s.unwraps),
      rewraps: BigInt(s.rewraps),
      refusals: BigInt(s.refusals),
      throttled: BigInt(s.throttled),
      auditRecords: BigInt(s.auditRecords)
    }
  }
}
