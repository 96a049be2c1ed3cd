/**
 * Identity and authorization tokens: JWTs (RFC 7519) signed with EdDSA
 * (Ed25519, RFC 8037) through jose, explicitly typed (RFC 8725 §3.11) and
 * bound to the holder's identity key with a confirmation claim
 * `cnf: { jkt }` (RFC 7800 §3.1 style, RFC 9449 §6.1's jkt member): the RFC 7638
 * JWK thumbprint of the holder's Ed25519 public key.
 */
import { createPublicKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import {
  AUTHORIZATION_TOKEN_TTL_S, AUTHORIZATION_TOKEN_TYPE, DEFAULT_CLOCK_SKEW_S, IDENTITY_TOKEN_TTL_S, IDENTITY_TOKEN_TYPE
} from './constants.js'
import { checkKey, equalBytes, toBase64Url } from './bytes.js'
import { InvalidInputError, TokenError } from './errors.js'
import { identitySigningKey, sha256, systemClock } from './primitives.js'
import type { Clock, IdentityKeyPair } from './primitives.js'

export type TokenRole = 'reader' | 'writer'

/** RFC 7800 confirmation: the RFC 7638 thumbprint of the holder's Ed25519 key. */
export interface Confirmation {
  readonly jkt: string
}

/** Identity token of the IdP (DESIGN.md "Identity"): who holds which key, on which network. */
export interface IdentityTokenClaims {
  readonly iss: string
  /** The username. */
  readonly sub: string
  /** The network id. */
  readonly aud: string
  readonly cnf: Confirmation
  /** The holder's libp2p peer id. */
  readonly peer: string
  readonly iat: number
  readonly exp: number
}

/** Authorization token of the relay: `sub` may act as `role` on `resource` of network `aud`. */
export interface AuthorizationTokenClaims {
  readonly iss: string
  readonly sub: string
  readonly aud: string
  readonly resource: string
  readonly role: TokenRole
  readonly cnf: Confirmation
  readonly iat: number
  readonly exp: number
}

interface IssueCommon {
  /** Issuer name, e.g. the idp or relay role's stable name. */
  readonly issuer: string
  /** The issuer's Ed25519 key pair. */
  readonly signer: IdentityKeyPair
  /** The Ed25519 identity key of the holder, bound through cnf.jkt. */
  readonly holderKey: Uint8Array
  readonly clock?: Clock
}

export interface IssueIdentityTokenParams extends IssueCommon {
  readonly username: string
  readonly networkId: string
  readonly peerId: string
  /** Lifetime in seconds; default 24 h. */
  readonly ttlSeconds?: number
}

export interface IssueAuthorizationTokenParams extends IssueCommon {
  readonly subject: string
  readonly audience: string
  readonly resource: string
  readonly role: TokenRole
  /** Lifetime in seconds; default 1 h. */
  readonly ttlSeconds?: number
}

export interface VerifyTokenParams {
  /** The issuer's Ed25519 public key (from the registry's role keys). */
  readonly issuerKey: Uint8Array
  readonly issuer: string
  readonly audience: string
  /**
   * The identity key the presenter proved it holds: the token must be bound to
   * it (TOKEN_CNF_MISMATCH otherwise). Pass null only where the binding is
   * checked separately with tokenBoundTo().
   */
  readonly holderKey: Uint8Array | null
  readonly clock?: Clock
  /** Default 60 s. */
  readonly clockSkewSeconds?: number
}

export interface VerifyAuthorizationTokenParams extends VerifyTokenParams {
  /** When given, the token must be for exactly this resource (TOKEN_WRONG_RESOURCE). */
  readonly resource?: string
  /** When 'writer', a reader token is refused (TOKEN_INSUFFICIENT_ROLE). */
  readonly role?: TokenRole
}

/** RFC 7638 §3 thumbprint of an Ed25519 public key: SHA-256 of {"crv":"Ed25519","kty":"OKP","x":...}, base64url. */
export function jwkThumbprint (ed25519PublicKey: Uint8Array): string {
  checkKey(ed25519PublicKey, 'publicKey')
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${toBase64Url(ed25519PublicKey)}"}`
  return toBase64Url(sha256(new TextEncoder().encode(canonical)))
}

/** True when the claims' cnf names this Ed25519 key. */
export function tokenBoundTo (claims: { readonly cnf: Confirmation }, holderKey: Uint8Array): boolean {
  const expected = new TextEncoder().encode(jwkThumbprint(holderKey))
  return equalBytes(expected, new TextEncoder().encode(claims.cnf.jkt))
}

function nonEmpty (value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'must be a non-empty string')
  return value
}

function ttlOf (value: number | undefined, fallback: number): number {
  const ttl = value ?? fallback
  if (!Number.isInteger(ttl) || ttl <= 0) throw new InvalidInputError('ttlSeconds', 'must be a positive integer')
  return ttl
}

async function issue (typ: string, common: IssueCommon, claims: JWTPayload, sub: string, aud: string, ttl: number): Promise<string> {
  nonEmpty(common.issuer, 'issuer')
  const iat = Math.floor((common.clock ?? systemClock)() / 1000)
  return await new SignJWT({ ...claims, cnf: { jkt: jwkThumbprint(common.holderKey) } })
    .setProtectedHeader({ alg: 'EdDSA', typ })
    .setIssuer(common.issuer)
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(identitySigningKey(common.signer, 'signer'))
}

/** Issues an identity token {iss, sub: username, aud: network id, cnf, peer, iat, exp}. */
export async function issueIdentityToken (p: IssueIdentityTokenParams): Promise<string> {
  return await issue(IDENTITY_TOKEN_TYPE, p, { peer: nonEmpty(p.peerId, 'peerId') },
    nonEmpty(p.username, 'username'), nonEmpty(p.networkId, 'networkId'), ttlOf(p.ttlSeconds, IDENTITY_TOKEN_TTL_S))
}

/** Issues an authorization token {iss, sub, aud, resource, role, cnf, iat, exp}. */
export async function issueAuthorizationToken (p: IssueAuthorizationTokenParams): Promise<string> {
  if (p.role !== 'reader' && p.role !== 'writer') throw new InvalidInputError('role', "must be 'reader' or 'writer'")
  return await issue(AUTHORIZATION_TOKEN_TYPE, p, { resource: nonEmpty(p.resource, 'resource'), role: p.role },
    nonEmpty(p.subject, 'subject'), nonEmpty(p.audience, 'audience'), ttlOf(p.ttlSeconds, AUTHORIZATION_TOKEN_TTL_S))
}

function publicKeyObject (issuerKey: Uint8Array): KeyObject {
  checkKey(issuerKey, 'issuerKey')
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(issuerKey) }, format: 'jwk' })
}

/** Maps jose's errors onto TokenError codes. jose checks the signature before any claim. */
function mapJoseError (err: unknown): TokenError {
  if (err instanceof joseErrors.JWTExpired) return new TokenError('TOKEN_EXPIRED', 'the token has expired; get a new one from its issuer', 'exp', { cause: err })
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud': return new TokenError('TOKEN_WRONG_AUDIENCE', 'the token is for another network or audience', 'aud', { cause: err })
      case 'iss': return new TokenError('TOKEN_WRONG_ISSUER', 'the token was issued by someone else', 'iss', { cause: err })
      case 'nbf': return new TokenError('TOKEN_NOT_YET_VALID', 'the token is not valid yet (check the clocks)', 'nbf', { cause: err })
      case 'typ': return new TokenError('TOKEN_WRONG_TYPE', 'the token is of another kind', 'typ', { cause: err })
      default: return new TokenError('TOKEN_MALFORMED', `claim ${err.claim} is missing or invalid`, err.claim, { cause: err })
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenError('TOKEN_BAD_SIGNATURE', 'the token signature does not verify with the issuer key: forged, altered, or from another issuer key', 'signature', { cause: err })
  }
  return new TokenError('TOKEN_MALFORMED', 'the token is not a well-formed EdDSA JWT', undefined, { cause: err })
}

function claimString (payload: JWTPayload, name: string): string {
  const value = payload[name]
  if (typeof value !== 'string' || value.length === 0) throw new TokenError('TOKEN_MALFORMED', `claim ${name} must be a non-empty string`, name)
  return value
}

function claimCnf (payload: JWTPayload): Confirmation {
  const cnf = payload.cnf
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw new TokenError('TOKEN_MALFORMED', 'claim cnf must be an object', 'cnf')
  const jkt: unknown = (cnf as Record<string, unknown>).jkt
  if (typeof jkt !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jkt)) throw new TokenError('TOKEN_MALFORMED', 'claim cnf.jkt must be a base64url SHA-256 thumbprint', 'cnf')
  return { jkt }
}

interface Verified {
  readonly payload: JWTPayload
  readonly iss: string
  readonly sub: string
  readonly aud: string
  readonly cnf: Confirmation
  readonly iat: number
  readonly exp: number
}

async function verifyCommon (token: string, typ: string, maxTtl: number, p: VerifyTokenParams): Promise<Verified> {
  if (typeof token !== 'string') throw new TokenError('TOKEN_MALFORMED', 'the token must be a string')
  nonEmpty(p.issuer, 'issuer')
  nonEmpty(p.audience, 'audience')
  const skew = p.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_S
  if (!(skew >= 0)) throw new InvalidInputError('clockSkewSeconds', 'must be non-negative')
  const nowMs = (p.clock ?? systemClock)()
  const key = publicKeyObject(p.issuerKey)
  let payload: JWTPayload
  try {
    const result = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      typ,
      issuer: p.issuer,
      audience: p.audience,
      currentDate: new Date(nowMs),
      clockTolerance: skew,
      requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'cnf']
    })
    payload = result.payload
  } catch (err) {
    throw mapJoseError(err)
  }
  const now = Math.floor(nowMs / 1000)
  const iat = payload.iat
  const exp = payload.exp
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new TokenError('TOKEN_MALFORMED', 'iat and exp must be numbers', 'iat')
  // jose checks iat only against a maximum age; a token issued in the future is not valid yet.
  if (iat > now + skew) throw new TokenError('TOKEN_NOT_YET_VALID', 'the token was issued in the future (check the clocks)', 'iat')
  if (exp - iat > maxTtl) throw new TokenError('TOKEN_MALFORMED', `the token lives longer than the ${maxTtl} s allowed for its kind`, 'exp')
  if (typeof payload.aud !== 'string') throw new TokenError('TOKEN_MALFORMED', 'claim aud must be a single string', 'aud')
  const cnf = claimCnf(payload)
  if (p.holderKey !== null && !tokenBoundTo({ cnf }, p.holderKey)) {
    throw new TokenError('TOKEN_CNF_MISMATCH', 'the token is bound to another identity key than the one its presenter proved', 'cnf')
  }
  return { payload, iss: claimString(payload, 'iss'), sub: claimString(payload, 'sub'), aud: payload.aud, cnf, iat, exp }
}

/** Verifies an identity token: signature, typ, iss, aud, exp/iat with skew, lifetime <= 24 h, cnf binding. */
export async function verifyIdentityToken (token: string, p: VerifyTokenParams): Promise<IdentityTokenClaims> {
  const v = await verifyCommon(token, IDENTITY_TOKEN_TYPE, IDENTITY_TOKEN_TTL_S, p)
  return { iss: v.iss, sub: v.sub, aud: v.aud, cnf: v.cnf, peer: claimString(v.payload, 'peer'), iat: v.iat, exp: v.exp }
}

/** Verifies an authorization token, and optionally the resource and the role it grants. */
export async function verifyAuthorizationToken (token: string, p: VerifyAuthorizationTokenParams): Promise<AuthorizationTokenClaims> {
  const v = await verifyCommon(token, AUTHORIZATION_TOKEN_TYPE, AUTHORIZATION_TOKEN_TTL_S, p)
  const resource = claimString(v.payload, 'resource')
  const role = v.payload.role
  if (role !== 'reader' && role !== 'writer') throw new TokenError('TOKEN_MALFORMED', "claim role must be 'reader' or 'writer'", 'role')
  if (p.resource !== undefined && resource !== p.resource) throw new TokenError('TOKEN_WRONG_RESOURCE', `the token is for resource ${resource}, not ${p.resource}`, 'resource')
  if (p.role === 'writer' && role !== 'writer') throw new TokenError('TOKEN_INSUFFICIENT_ROLE', 'the token grants reading only', 'role')
  return { iss: v.iss, sub: v.sub, aud: v.aud, resource, role, cnf: v.cnf, iat: v.iat, exp: v.exp }
}
