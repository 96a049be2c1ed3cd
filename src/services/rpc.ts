/**
 * Request/response over libp2p streams for the three services: one protocol
 * per service, one request per stream, length-prefixed protobuf frames with
 * size limits and deadlines, typed error replies. A node asked for a role it
 * does not serve answers NOT_HOLDER with the holder it computes, and the
 * caller retries there (docs/services.md).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { sha256, sign, transcript } from '../crypto/index.js'
import { LanchatError } from '../errors.js'
import { createLogger } from '../logger.js'
import { NoHolderError, ServiceError, UnavailableError } from './errors.js'
import { RpcRequest, RpcResponse } from './pb/rpc.js'
import type { IdentityKeyPair } from '../crypto/index.js'
import type { ErrorCode } from '../errors.js'
import type { TokenVerifier } from './auth.js'
import type { Store } from '../../store/index.js'
import type { LanchatLibp2p, NetworkKeys, PeerIdStr } from '../net/index.js'
import type { Replication } from '../replication/index.js'
import type { Role, RoleRegistry } from '../roles/index.js'
import type { Stream } from '@libp2p/interface'

/** A protobuf message type as protons generates it. */
export interface Codec<T> {
  encode: (obj: T) => Uint8Array
  decode: (buf: Uint8Array) => T
}

/**
 * A request as callers may write it: protons types byte fields as
 * Uint8Array<ArrayBuffer>, while keys and hashes come as plain Uint8Array;
 * the encoder takes either.
 */
export type Loose<T> = T extends Uint8Array
  ? Uint8Array
  : T extends Array<infer U>
    ? Array<Loose<U>>
    : T extends bigint | string | number | boolean | undefined | null
      ? T
      : { [K in keyof T]: Loose<T[K]> }

export interface ServiceSpec {
  role: Role
  protocol: string
  /** Larger request frames are refused with TOO_LARGE */
  maxRequestBytes: number
  /** Larger reply frames are refused by the caller */
  maxResponseBytes: number
}

export interface MethodSpec<Req, Res> {
  name: string
  request: Codec<Req>
  response: Codec<Res>
}

export interface CallContext {
  /** The calling node, authenticated by the connection */
  remotePeer: PeerIdStr
  identityToken: string
  authorizationToken: string
  /** The caller's signature over `proofOf`, by the identity key of the token's user (empty: none) */
  proof?: Uint8Array
  /** What that signature covers: this request, from this node, on this network */
  proofOf?: Uint8Array
}

/** What a caller's identity key signs to prove, with each request, that it holds the key its token names. */
export const PROOF_LABEL = 'lanchat/rpc/proof/v1'

export function proofTranscript (networkId: string, protocol: string, method: string, body: Uint8Array, caller: PeerIdStr): Uint8Array {
  return transcript(PROOF_LABEL, networkId, protocol, method, sha256(body), caller)
}

/** A method of a service with its handler, types erased for dispatch. */
export interface Implementation {
  name: string
  call: (body: Uint8Array, ctx: CallContext) => Promise<Uint8Array>
}

export function implement<Req, Res> (spec: MethodSpec<Req, Res>, handle: (req: Req, ctx: CallContext) => Promise<Res>): Implementation {
  return {
    name: spec.name,
    call: async (body, ctx) => spec.response.encode(await handle(decodeRequest(spec, body), ctx))
  }
}

/** A method's request from its bytes; BAD_REQUEST when they do not decode. */
export function decodeRequest<Req, Res> (spec: MethodSpec<Req, Res>, body: Uint8Array): Req {
  try {
    return spec.request.decode(body)
  } catch (err) {
    throw new ServiceError('BAD_REQUEST', `${spec.name}: the request does not decode: ${(err as Error).message}`)
  }
}

export interface CallOptions {
  identityToken?: string
  /** The key that proves the identity token's user (default: the logged-in user's, from the prover) */
  proofKey?: IdentityKeyPair
  authorizationToken?: string
  timeoutMs?: number
  /** Abandons the call (and its retries) when aborted, e.g. at shutdown */
  signal?: AbortSignal
}

/** A caller's deadline for a whole call, retries at other holders included. */
export const CALL_TIMEOUT_MS = 10_000
/** A server's deadline to read a request, handle it and write the reply. */
export const SERVE_TIMEOUT_MS = 15_000
/** A node that just started may not have heard who holds a role yet: wait this long before NO_HOLDER. */
const NO_HOLDER_GRACE_MS = 4_000
const RETRY_MIN_MS = 200
const RETRY_MAX_MS = 1_000

/** What every service (idp, kacls, relay) is built from. */
export interface ServiceComponents {
  rpc: Rpc
  registry: RoleRegistry
  store: Store
  verifier: TokenVerifier
  keys: NetworkKeys
  /** The role state's replication (the node's); absent: a standalone one over `store` (tests, tools) */
  replication?: Replication
  clock?: () => number
}

export interface RpcComponents {
  libp2p: LanchatLibp2p
  registry: RoleRegistry
  networkId: string
  /** The logged-in user's identity key, which signs every request that carries an identity token */
  prover?: () => IdentityKeyPair | undefined
  /**
   * Waits (bounded) until this node has caught up on a role it holds, so it
   * never answers from state behind a live replica (Replication.admit);
   * false: not yet. Default: caught up at once (no replication).
   */
  caughtUp?: (role: Role) => Promise<boolean>
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class Rpc {
  private readonly libp2p: LanchatLibp2p
  private readonly registry: RoleRegistry
  private readonly networkId: string
  private readonly prover: () => IdentityKeyPair | undefined
  private readonly caughtUp: (role: Role) => Promise<boolean>
  private readonly log = createLogger('rpc')
  private readonly services = new Map<string, { spec: ServiceSpec, methods: Map<string, Implementation> }>()

  constructor (components: RpcComponents) {
    this.libp2p = components.libp2p
    this.registry = components.registry
    this.networkId = components.networkId
    this.prover = components.prover ?? (() => undefined)
    this.caughtUp = components.caughtUp ?? (async () => true)
  }

  private get self (): PeerIdStr {
    return this.libp2p.peerId.toString()
  }

  /** Serves a service's protocol; requests are answered only while this node serves the role. */
  async serve (spec: ServiceSpec, methods: Implementation[]): Promise<void> {
    this.services.set(spec.protocol, { spec, methods: new Map(methods.map(m => [m.name, m])) })
    await this.libp2p.handle(spec.protocol, async (stream, connection) => {
      await this.onStream(spec, stream, connection.remotePeer.toString())
    }, { maxInboundStreams: 64 })
  }

  async stop (): Promise<void> {
    const protocols = [...this.services.keys()]
    this.services.clear()
    if (protocols.length > 0) await this.libp2p.unhandle(protocols)
  }

  private async onStream (spec: ServiceSpec, stream: Stream, remotePeer: PeerIdStr): Promise<void> {
    const signal = AbortSignal.timeout(SERVE_TIMEOUT_MS)
    const lp = lpStream(stream, { maxDataLength: spec.maxRequestBytes })
    try {
      let res: RpcResponse
      try {
        const frame = await lp.read({ signal })
        res = await this.dispatch(spec, RpcRequest.decode(frame.subarray()), remotePeer)
      } catch (err) {
        if ((err as { name?: string }).name !== 'InvalidDataLengthError') throw err
        res = { body: new Uint8Array(), error: { code: 'TOO_LARGE', message: `requests to ${spec.protocol} are limited to ${spec.maxRequestBytes} bytes`, holder: '', retryAfterMs: 0 } }
      }
      await lp.write(RpcResponse.encode(res), { signal })
      await stream.close({ signal })
    } catch (err) {
      this.log('%s stream from %s failed: %s', spec.protocol, remotePeer, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  /** Runs one request against this node's service, or says who to ask instead. */
  private async dispatch (spec: ServiceSpec, req: RpcRequest, remotePeer: PeerIdStr): Promise<RpcResponse> {
    const fail = (code: string, message: string, extra: { holder?: string, retryAfterMs?: number } = {}): RpcResponse =>
      ({ body: new Uint8Array(), error: { code, message, holder: extra.holder ?? '', retryAfterMs: extra.retryAfterMs ?? 0 } })
    const notHolder = (): RpcResponse => {
      const holder = this.registry.holderOf(spec.role)
      return fail('NOT_HOLDER', `this node does not serve the ${spec.role} role`, { holder: holder !== null && holder !== this.self ? holder : '' })
    }
    if (!this.registry.serves(spec.role)) return notHolder()
    // A new holder catches up with the live replicas first: the request waits (bounded), it is not refused.
    if (!await this.caughtUp(spec.role)) {
      if (!this.registry.serves(spec.role)) return notHolder()
      return fail('CATCHING_UP', `the ${spec.role} holder is still catching up with the other nodes that keep the ${spec.role} state: try again in a moment`, { retryAfterMs: RETRY_MAX_MS })
    }
    if (!this.registry.serves(spec.role)) return notHolder()
    const method = this.services.get(spec.protocol)?.methods.get(req.method)
    if (method === undefined) return fail('UNKNOWN_METHOD', `${spec.protocol} has no method '${req.method}'`)
    try {
      const body = await method.call(req.body, {
        remotePeer,
        identityToken: req.identityToken,
        authorizationToken: req.authorizationToken,
        proof: req.proof,
        proofOf: proofTranscript(this.networkId, spec.protocol, req.method, req.body, remotePeer)
      })
      return { body: body as Uint8Array<ArrayBuffer> }
    } catch (err) {
      if (err instanceof LanchatError) return fail(err.code, err.message, { retryAfterMs: (err as ServiceError).retryAfterMs })
      this.log.error('%s %s failed: %s', spec.protocol, req.method, (err as Error).stack)
      return fail('INTERNAL', `${req.method} failed on the ${spec.role} holder`)
    }
  }

  /**
   * Calls a method on the current holder of the service's role (this node
   * itself, in process, when it is the holder), following NOT_HOLDER
   * redirects and retrying unreachable holders until the deadline.
   */
  async call<Req, Res> (spec: ServiceSpec, method: MethodSpec<Req, Res>, request: Loose<NoInfer<Req>>, opts: CallOptions = {}): Promise<Res> {
    const started = Date.now()
    const deadline = started + (opts.timeoutMs ?? CALL_TIMEOUT_MS)
    const body = method.request.encode(request as Req) as Uint8Array<ArrayBuffer>
    const key = opts.identityToken === undefined || opts.identityToken === '' ? undefined : opts.proofKey ?? this.prover()
    const req: RpcRequest = {
      method: method.name,
      body,
      identityToken: opts.identityToken ?? '',
      authorizationToken: opts.authorizationToken ?? '',
      proof: key === undefined ? new Uint8Array() : sign(key, proofTranscript(this.networkId, spec.protocol, method.name, body, this.self)) as Uint8Array<ArrayBuffer>
    }
    let hint: PeerIdStr | undefined
    for (let attempt = 1; ; attempt++) {
      opts.signal?.throwIfAborted()
      const holder = hint ?? this.registry.holderOf(spec.role)
      if (holder === null) {
        if (Date.now() - started >= NO_HOLDER_GRACE_MS || Date.now() >= deadline) throw new NoHolderError(spec.role)
        await sleep(RETRY_MIN_MS)
        continue
      }
      hint = undefined
      let res: RpcResponse
      try {
        res = holder === this.self
          ? await this.dispatch(spec, req, this.self)
          : await this.remote(spec, holder, req, deadline, opts.signal)
      } catch (err) {
        opts.signal?.throwIfAborted()
        if (Date.now() >= deadline) throw new UnavailableError(spec.role, holder, err)
        this.log('%s %s at %s failed (attempt %d): %s', spec.role, method.name, holder, attempt, (err as Error).message)
        await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * attempt, Math.max(0, deadline - Date.now())))
        continue
      }
      const error = res.error
      if (error === undefined) return method.response.decode(res.body)
      // A peer's code is kept as it sent it (a newer node may know codes this one does not).
      // CATCHING_UP: a new holder not yet in step with the replicas; asked again until the deadline.
      if (error.code !== 'NOT_HOLDER' && error.code !== 'CATCHING_UP') throw new ServiceError(error.code as ErrorCode, error.message, error.retryAfterMs > 0 ? error.retryAfterMs : undefined)
      if (Date.now() >= deadline) throw new UnavailableError(spec.role, holder, new Error(error.message))
      if (error.holder !== '' && error.holder !== holder) hint = error.holder
      else await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * attempt, Math.max(0, deadline - Date.now())))
    }
  }

  private async remote (spec: ServiceSpec, holder: PeerIdStr, req: RpcRequest, deadline: number, abort?: AbortSignal): Promise<RpcResponse> {
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
    const signal = abort === undefined ? timeout : AbortSignal.any([timeout, abort])
    const stream = await this.libp2p.dialProtocol(peerIdFromString(holder), spec.protocol, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: spec.maxResponseBytes })
      await lp.write(RpcRequest.encode(req), { signal })
      const res = RpcResponse.decode((await lp.read({ signal })).subarray())
      await stream.close({ signal })
      return res
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}
