/**
 * Token checks shared by the services and the chat: identity tokens (of an
 * idp holder) and authorization tokens (of a relay holder), verified offline
 * under the key of a node that held the issuing role when it issued them, by
 * this node's own election (docs/roles.md, "Authority"); a key a node merely
 * announces verifies nothing.
 */
import { decodeJwt } from 'jose'
import { jwkThumbprint, safeVerify, verifyAuthorizationToken, verifyIdentityToken } from '../crypto/index.js'
import { ServiceError } from './errors.js'
import type { AuthorizationTokenClaims, IdentityTokenClaims, TokenRole } from '../crypto/index.js'
import type { PeerIdStr } from '../net/index.js'
import type { Role, RoleRegistry } from '../roles/index.js'
import type { CallContext } from './rpc.js'

/** Where a username's identity key is found: the directory every node keeps (src/directory/bindings.ts). */
export interface KeyDirectory {
  keyOf: (username: string) => Promise<Uint8Array | undefined>
}

export interface TokenVerifierComponents {
  registry: Pick<RoleRegistry, 'issuerKey' | 'publicRoleKey'>
  /** A user is their identity key: a token must name the key bound to its user */
  bindings: KeyDirectory
  networkId: string
  clock?: () => number
}

/** The issuer and issue time (ms) a token claims, before its signature is checked. */
function issuerOf (token: string, kind: string): { iss: string, iat: number } {
  try {
    const { iss, iat } = decodeJwt(token)
    if (typeof iss === 'string' && iss !== '' && typeof iat === 'number' && Number.isFinite(iat)) return { iss, iat: iat * 1000 }
  } catch {}
  throw new ServiceError('TOKEN_MALFORMED', `the ${kind} token is not a well-formed JWT with an issuer and an issue time`)
}

export class TokenVerifier {
  private readonly components: TokenVerifierComponents
  /** username -> the thumbprint of its bound key (a hash worth computing once) */
  private readonly thumbprints = new Map<string, { key: string, jkt: string }>()

  constructor (components: TokenVerifierComponents) {
    this.components = components
  }

  private issuerKey ({ iss, iat }: { iss: string, iat: number }, role: Role, kind: string): Uint8Array {
    const key = this.components.registry.issuerKey(role, iss, iat)
    if (key === undefined) {
      throw new ServiceError('TOKEN_UNKNOWN_ISSUER', `the ${kind} token's issuer ${iss.slice(-8)} did not hold the ${role} role when it issued it, as far as this node knows: log in again (or renew) to get one from the holder of now`)
    }
    return key
  }

  /**
   * An identity token presented by `remotePeer`: issued by a node that held
   * the idp role, for this network, unexpired, for that very peer, and bound
   * to the identity key the directory binds to its user. What the key signs
   * (a message, a presence, a request: `caller`) is checked by the caller.
   */
  async identity (token: string, remotePeer: PeerIdStr): Promise<IdentityTokenClaims> {
    const claims = await this.token(token, remotePeer)
    await this.boundKey(claims)
    return claims
  }

  /**
   * The user behind a service request: its identity token (as `identity`),
   * and its proof that it holds the key the directory binds to that user (a
   * signature over this very request from this node: src/services/rpc.ts).
   * A token with the right name and another key, or without the key's
   * proof, opens nothing.
   */
  async caller (ctx: CallContext): Promise<IdentityTokenClaims> {
    if (ctx.proof === undefined || ctx.proofOf === undefined || ctx.proof.length === 0) {
      await this.token(ctx.identityToken, ctx.remotePeer)
      throw new ServiceError('PROOF_REQUIRED', 'this request must be signed by your identity key: log in on this node')
    }
    return this.signedBy(ctx.identityToken, ctx.remotePeer, ctx.proofOf, ctx.proof)
  }

  /**
   * The user behind a renewal at the idp, whose token's issuer this node's
   * election never saw hold the idp role (a holder on the other side of a
   * partition, healed since): the token must verify under the key its issuer
   * announces for the idp role, and all else as `caller`. Only the idp's
   * renewal takes it, beside the identity key's signature over a fresh
   * challenge it gave (those signatures authenticate; the token says a
   * password login happened within its life): it opens no service.
   */
  async renewing (ctx: CallContext): Promise<IdentityTokenClaims> {
    if (ctx.proof === undefined || ctx.proofOf === undefined || ctx.proof.length === 0) {
      throw new ServiceError('PROOF_REQUIRED', 'this request must be signed by your identity key: log in on this node')
    }
    const announced = (issued: { iss: string, iat: number }): Uint8Array => {
      const key = this.components.registry.issuerKey('idp', issued.iss, issued.iat) ?? this.components.registry.publicRoleKey(issued.iss, 'idp')
      if (key === undefined) throw new ServiceError('TOKEN_UNKNOWN_ISSUER', `no node named ${issued.iss.slice(-8)} announces a key for the idp role: log in again`)
      return key
    }
    return this.signedBy(ctx.identityToken, ctx.remotePeer, ctx.proofOf, ctx.proof, announced)
  }

  /** An identity token presented by `remotePeer`, with its user's signature over `message` under the key the directory binds. */
  async signedBy (token: string, remotePeer: PeerIdStr, message: Uint8Array, signature: Uint8Array, issuerKey?: (issued: { iss: string, iat: number }) => Uint8Array): Promise<IdentityTokenClaims> {
    const claims = await this.token(token, remotePeer, issuerKey)
    const key = await this.boundKey(claims)
    if (!safeVerify(key, message, signature)) throw new ServiceError('BAD_PROOF', `not signed by the identity key bound to ${claims.sub}`)
    return claims
  }

  /** The key the directory binds to the token's user, which the token must be bound to. */
  private async boundKey (claims: IdentityTokenClaims): Promise<Uint8Array> {
    const key = await this.components.bindings.keyOf(claims.sub)
    if (key === undefined) throw new ServiceError('UNKNOWN_USER', `no identity key is bound to ${claims.sub} in the directory`)
    let jkt = this.thumbprints.get(claims.sub)
    if (jkt?.key !== Buffer.from(key).toString('hex')) {
      jkt = { key: Buffer.from(key).toString('hex'), jkt: jwkThumbprint(key) }
      if (this.thumbprints.size > 10_000) this.thumbprints.clear()
      this.thumbprints.set(claims.sub, jkt)
    }
    if (jkt.jkt !== claims.cnf.jkt) throw new ServiceError('TOKEN_CNF_MISMATCH', `the token names another identity key than the one bound to ${claims.sub}`)
    return key
  }

  /** An identity token's claims, verified under `issuerKey` (default: a key of a node that held the idp role when it issued it). */
  private async token (token: string, remotePeer: PeerIdStr, issuerKey = (issued: { iss: string, iat: number }): Uint8Array => this.issuerKey(issued, 'idp', 'identity')): Promise<IdentityTokenClaims> {
    if (token === '') throw new ServiceError('LOGIN_REQUIRED', 'this request needs an identity token: log in first')
    const issued = issuerOf(token, 'identity')
    const claims = await verifyIdentityToken(token, {
      issuerKey: issuerKey(issued),
      issuer: issued.iss,
      audience: this.components.networkId,
      // Bound to the node by the peer claim below (the connection authenticates the peer).
      holderKey: null,
      clock: this.components.clock
    })
    if (claims.peer !== remotePeer) throw new ServiceError('TOKEN_WRONG_PEER', 'the identity token was issued to another node')
    return claims
  }

  /**
   * An authorization token for `identity`'s user on `resource`, issued by a
   * node with an announced relay key, bound to the same identity key.
   */
  async authorization (token: string, identity: IdentityTokenClaims, resource: string, role?: TokenRole): Promise<AuthorizationTokenClaims> {
    if (token === '') throw new ServiceError('AUTHORIZATION_REQUIRED', `this request needs an authorization token for ${resource} from the relay`)
    const issued = issuerOf(token, 'authorization')
    const claims = await verifyAuthorizationToken(token, {
      issuerKey: this.issuerKey(issued, 'relay', 'authorization'),
      issuer: issued.iss,
      audience: this.components.networkId,
      holderKey: null,
      resource,
      role,
      clock: this.components.clock
    })
    if (claims.sub !== identity.sub || claims.cnf.jkt !== identity.cnf.jkt) {
      throw new ServiceError('TOKEN_WRONG_SUBJECT', 'the authorization token was issued to another user')
    }
    return claims
  }
}
