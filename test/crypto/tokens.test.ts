import { describe, it, expect } from 'vitest'
import { SignJWT, calculateJwkThumbprint, decodeProtectedHeader } from 'jose'
import { createPrivateKey } from 'node:crypto'
import {
  TokenError, generateIdentityKeyPair, issueAuthorizationToken, issueIdentityToken, jwkThumbprint, tokenBoundTo,
  verifyAuthorizationToken, verifyIdentityToken
} from '../../src/crypto/index.js'
import type { TokenErrorCode, VerifyTokenParams } from '../../src/crypto/index.js'
import { ManualClock, hex } from './helpers.js'

const idp = generateIdentityKeyPair()
const relay = generateIdentityKeyPair()
const alice = generateIdentityKeyPair()
const mallory = generateIdentityKeyPair()

async function expectTokenError (promise: Promise<unknown>, code: TokenErrorCode): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(TokenError)
  expect((caught as TokenError).code).toBe(code)
}

function identityToken (clock: ManualClock, overrides: Partial<Parameters<typeof issueIdentityToken>[0]> = {}): Promise<string> {
  return issueIdentityToken({
    issuer: 'idp',
    signer: idp,
    username: 'alice',
    networkId: 'net-1',
    holderKey: alice.publicKey,
    peerId: '12D3KooWAlice',
    clock: clock.read,
    ...overrides
  })
}

function verifyParams (clock: ManualClock, overrides: Partial<VerifyTokenParams> = {}): VerifyTokenParams {
  return { issuerKey: idp.publicKey, issuer: 'idp', audience: 'net-1', holderKey: alice.publicKey, clock: clock.read, ...overrides }
}

/** Replaces one character of the signature part of a compact JWS. */
function tamperSignature (token: string): string {
  const i = token.lastIndexOf('.') + 5
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
}

describe('JWK thumbprint', () => {
  it('matches RFC 8037 appendix A.3', () => {
    // x = 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo
    expect(jwkThumbprint(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
  })

  it('agrees with jose on random keys', async () => {
    for (let i = 0; i < 5; i++) {
      const k = generateIdentityKeyPair()
      expect(jwkThumbprint(k.publicKey)).toBe(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k.publicKey).toString('base64url') }))
    }
  })
})

describe('identity tokens', () => {
  it('issues and verifies {iss, sub, aud, cnf, peer, iat, exp = iat + 24 h}, typed and EdDSA', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'lanchat-id+jwt' })
    const claims = await verifyIdentityToken(token, verifyParams(clock))
    const iat = Math.floor(clock.now / 1000)
    expect(claims).toEqual({ iss: 'idp', sub: 'alice', aud: 'net-1', cnf: { jkt: jwkThumbprint(alice.publicKey) }, peer: '12D3KooWAlice', iat, exp: iat + 86400 })
    expect(tokenBoundTo(claims, alice.publicKey)).toBe(true)
    expect(tokenBoundTo(claims, mallory.publicKey)).toBe(false)
  })

  it('rejects an expired token, allowing only the clock skew', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    clock.advance((86400 + 59) * 1000)
    await expect(verifyIdentityToken(token, verifyParams(clock))).resolves.toMatchObject({ sub: 'alice' })
    clock.advance(2000)
    await expectTokenError(verifyIdentityToken(token, verifyParams(clock)), 'TOKEN_EXPIRED')
  })

  it('rejects a token that is not valid yet (issued in the future beyond the skew)', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    const early = new ManualClock(clock.now - 61_000)
    await expectTokenError(verifyIdentityToken(token, verifyParams(early)), 'TOKEN_NOT_YET_VALID')
    const slightlyEarly = new ManualClock(clock.now - 30_000)
    await expect(verifyIdentityToken(token, verifyParams(slightlyEarly))).resolves.toBeDefined()
  })

  it('rejects the wrong audience and the wrong issuer', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    await expectTokenError(verifyIdentityToken(token, verifyParams(clock, { audience: 'net-2' })), 'TOKEN_WRONG_AUDIENCE')
    await expectTokenError(verifyIdentityToken(token, verifyParams(clock, { issuer: 'other-idp' })), 'TOKEN_WRONG_ISSUER')
  })

  it('rejects a forged signature and an altered payload', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    await expectTokenError(verifyIdentityToken(tamperSignature(token), verifyParams(clock)), 'TOKEN_BAD_SIGNATURE')
    const [h, p, s] = token.split('.') as [string, string, string]
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
    const altered = Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url')
    await expectTokenError(verifyIdentityToken(`${h}.${altered}.${s}`, verifyParams(clock)), 'TOKEN_BAD_SIGNATURE')
  })

  it('rejects a token signed by the wrong key', async () => {
    const clock = new ManualClock()
    const forged = await identityToken(clock, { signer: mallory })
    await expectTokenError(verifyIdentityToken(forged, verifyParams(clock)), 'TOKEN_BAD_SIGNATURE')
    const genuine = await identityToken(clock)
    await expectTokenError(verifyIdentityToken(genuine, verifyParams(clock, { issuerKey: relay.publicKey })), 'TOKEN_BAD_SIGNATURE')
  })

  it('rejects a token presented by someone whose key it does not bind (cnf mismatch)', async () => {
    const clock = new ManualClock()
    const token = await identityToken(clock)
    await expectTokenError(verifyIdentityToken(token, verifyParams(clock, { holderKey: mallory.publicKey })), 'TOKEN_CNF_MISMATCH')
    // With holderKey null the caller checks the binding itself.
    const claims = await verifyIdentityToken(token, verifyParams(clock, { holderKey: null }))
    expect(tokenBoundTo(claims, mallory.publicKey)).toBe(false)
  })

  it('rejects an authorization token offered as an identity token', async () => {
    const clock = new ManualClock()
    const authz = await issueAuthorizationToken({ issuer: 'idp', signer: idp, subject: 'alice', audience: 'net-1', resource: 'group/1', role: 'reader', holderKey: alice.publicKey, clock: clock.read })
    await expectTokenError(verifyIdentityToken(authz, verifyParams(clock)), 'TOKEN_WRONG_TYPE')
  })

  it('rejects malformed tokens, other algorithms and over-long lifetimes', async () => {
    const clock = new ManualClock()
    await expectTokenError(verifyIdentityToken('not.a.jwt', verifyParams(clock)), 'TOKEN_MALFORMED')
    await expectTokenError(verifyIdentityToken('', verifyParams(clock)), 'TOKEN_MALFORMED')
    const iat = Math.floor(clock.now / 1000)
    const hs256 = await new SignJWT({ peer: 'p', cnf: { jkt: jwkThumbprint(alice.publicKey) } })
      .setProtectedHeader({ alg: 'HS256', typ: 'lanchat-id+jwt' }).setIssuer('idp').setSubject('alice').setAudience('net-1')
      .setIssuedAt(iat).setExpirationTime(iat + 60).sign(new Uint8Array(32))
    await expectTokenError(verifyIdentityToken(hs256, verifyParams(clock)), 'TOKEN_MALFORMED')
    const long = await identityToken(clock, { ttlSeconds: 7 * 86400 })
    await expectTokenError(verifyIdentityToken(long, verifyParams(clock)), 'TOKEN_MALFORMED')
    const noCnf = await new SignJWT({ peer: 'p' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'lanchat-id+jwt' }).setIssuer('idp').setSubject('alice').setAudience('net-1')
      .setIssuedAt(iat).setExpirationTime(iat + 60)
      .sign(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(idp.privateKey).toString('base64url'), x: Buffer.from(idp.publicKey).toString('base64url') }, format: 'jwk' }))
    await expectTokenError(verifyIdentityToken(noCnf, verifyParams(clock)), 'TOKEN_MALFORMED')
  })
})

describe('authorization tokens', () => {
  function authz (clock: ManualClock, role: 'reader' | 'writer' = 'writer'): Promise<string> {
    return issueAuthorizationToken({ issuer: 'relay', signer: relay, subject: 'alice', audience: 'net-1', resource: 'group/7/epoch/3', role, holderKey: alice.publicKey, clock: clock.read })
  }
  const params = (clock: ManualClock): VerifyTokenParams => ({ issuerKey: relay.publicKey, issuer: 'relay', audience: 'net-1', holderKey: alice.publicKey, clock: clock.read })

  it('issues and verifies {iss, sub, aud, resource, role, cnf, iat, exp = iat + 1 h}', async () => {
    const clock = new ManualClock()
    const claims = await verifyAuthorizationToken(await authz(clock), { ...params(clock), resource: 'group/7/epoch/3', role: 'writer' })
    const iat = Math.floor(clock.now / 1000)
    expect(claims).toEqual({ iss: 'relay', sub: 'alice', aud: 'net-1', resource: 'group/7/epoch/3', role: 'writer', cnf: { jkt: jwkThumbprint(alice.publicKey) }, iat, exp: iat + 3600 })
  })

  it('expires after one hour', async () => {
    const clock = new ManualClock()
    const token = await authz(clock)
    clock.advance((3600 + 61) * 1000)
    await expectTokenError(verifyAuthorizationToken(token, params(clock)), 'TOKEN_EXPIRED')
  })

  it('rejects another resource, a reader acting as writer, and a cnf mismatch', async () => {
    const clock = new ManualClock()
    await expectTokenError(verifyAuthorizationToken(await authz(clock), { ...params(clock), resource: 'group/7/epoch/4' }), 'TOKEN_WRONG_RESOURCE')
    await expectTokenError(verifyAuthorizationToken(await authz(clock, 'reader'), { ...params(clock), role: 'writer' }), 'TOKEN_INSUFFICIENT_ROLE')
    await expect(verifyAuthorizationToken(await authz(clock, 'reader'), { ...params(clock), role: 'reader' })).resolves.toMatchObject({ role: 'reader' })
    await expectTokenError(verifyAuthorizationToken(await authz(clock), { ...params(clock), holderKey: mallory.publicKey }), 'TOKEN_CNF_MISMATCH')
  })

  it('rejects an identity token offered as an authorization token', async () => {
    const clock = new ManualClock()
    const id = await identityToken(clock, { signer: relay, issuer: 'relay' })
    await expectTokenError(verifyAuthorizationToken(id, params(clock)), 'TOKEN_WRONG_TYPE')
  })
})
