import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aesGcmDecrypt, generateIdentityKeyPair, issueAuthorizationToken, randomBytes
} from '../../src/crypto/index.js'
import { roleSigner } from '../../src/services/keys.js'
import { associatedData, openPayload, parseWrapped, wrapPayload } from '../../src/services/kacls/blob.js'
import { MAX_AUTHORIZED, REFUSALS_FREE } from '../../src/services/kacls/constants.js'
import { KEK_PREFIX, kekSealingKey, openKekRecord } from '../../src/services/kacls/kek.js'
import { WrappedPayload } from '../../src/services/kacls/pb/kacls.js'
import { KACLS, REWRAP, STATUS, UNWRAP, WRAP } from '../../src/services/kacls/spec.js'
import { RpcRequest } from '../../src/services/pb/rpc.js'
import { rolesSettled, startCluster } from '../helpers/cluster.js'
import { rawBytes, rawCall } from '../helpers/raw-rpc.js'
import { mintIdentityToken } from '../helpers/tokens.js'
import type { MintOptions } from '../helpers/tokens.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { AuditRecord } from '../../src/services/kacls/kacls.js'
import type { KekRecord } from '../../src/services/kacls/kek.js'
import type { WrapRequest } from '../../src/services/kacls/pb/kacls.js'
import type { Cluster } from '../helpers/cluster.js'
import type { LanchatNode } from '../../src/node.js'

const PASSWORD = 'correct-horse-staple'
const code = (err: unknown): string | undefined => (err as { code?: string }).code
/** The code a call was refused with, or 'GRANTED' */
const outcome = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => 'GRANTED', code)
const flip = (blob: Uint8Array, at: number, mask = 0x01): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(blob)
  out[at] = (out[at] ?? 0) ^ mask
  return out
}
const contains = (hay: Uint8Array, needle: Uint8Array): boolean => Buffer.from(hay).includes(Buffer.from(needle))

describe('kacls blob format', () => {
  const kek = randomBytes(32)

  it('round-trips any key and list, and refuses every single-bit change and any other resource', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.array(fc.stringMatching(/^[a-z][a-z0-9]{2,8}$/), { minLength: 1, maxLength: 5 }),
      fc.string({ minLength: 1, maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 0xffff_ffff }),
      (key, authorized, resource, bit, kekVersion) => {
        const wrapped = wrapPayload(kek, kekVersion, resource, { key, authorized, wrappedBy: authorized[0]! })
        const parsed = parseWrapped(wrapped)
        expect(parsed).toMatchObject({ version: 1, kekVersion })
        expect(openPayload(kek, parsed, resource)).toEqual({ key, authorized, wrappedBy: authorized[0] })
        const at = bit % (wrapped.byteLength * 8)
        const tampered = flip(wrapped, at >> 3, 1 << (at & 7))
        expect(() => openPayload(kek, parseWrapped(tampered), resource)).toThrow(expect.objectContaining({ code: 'UNWRAP_FAILED' }))
        expect(() => openPayload(kek, parsed, `${resource}x`)).toThrow(expect.objectContaining({ code: 'UNWRAP_FAILED' }))
      }), { numRuns: 200 })
  })

  it('lays out version || KEK id || nonce || ciphertext || tag under the documented AD', () => {
    const key = randomBytes(32)
    const wrapped = wrapPayload(kek, 0x01020304, 'group/g/7', { key, authorized: ['alice', 'bob'], wrappedBy: 'alice' })
    expect([...wrapped.subarray(0, 5)]).toEqual([1, 1, 2, 3, 4])
    const ad = Buffer.concat([Buffer.from('lanchat/kacls/wrap/v1'), Buffer.from([1, 1, 2, 3, 4]), Buffer.from('group/g/7')])
    expect(Buffer.from(associatedData(1, 0x01020304, 'group/g/7'))).toEqual(ad)
    const plain = aesGcmDecrypt(kek, wrapped.subarray(5, 17), wrapped.subarray(17), ad)
    const payload = WrappedPayload.decode(plain)
    expect(new Uint8Array(payload.key)).toEqual(key)
    expect(payload.authorized).toEqual(['alice', 'bob'])
    expect(payload.wrappedBy).toBe('alice')
    expect(wrapped.byteLength).toBe(5 + 12 + plain.byteLength + 16)
  })
})

describe('kacls service', () => {
  let cluster: Cluster
  let relay: LanchatNode
  let idp: LanchatNode
  let kacls: LanchatNode
  let alice: LanchatNode
  let bob: LanchatNode
  let carol: LanchatNode
  let mallory: LanchatNode
  const dek = new Uint8Array(randomBytes(32))
  /** alice's key for alice and bob on group/g1/1, wrapped under KEK 1 */
  let wrappedV1: Uint8Array<ArrayBuffer>
  /** the same, rewrapped under KEK 2 */
  let wrappedV2: Uint8Array<ArrayBuffer> | undefined
  /** The ids of the first KEK and of the one the rotation made (random: unique across holders, docs/replication.md) */
  let kek1 = 0
  let kek2 = 0

  interface AuthzOverrides { subject?: string, holderKey?: Uint8Array, signer?: IdentityKeyPair, issuer?: string, audience?: string, clock?: () => number }
  /** An authorization token as the relay issues it: signed by the relay node's role key. */
  const authz = async (who: LanchatNode, resource: string, over: AuthzOverrides = {}): Promise<string> => issueAuthorizationToken({
    issuer: over.issuer ?? relay.network.peerId,
    signer: over.signer ?? roleSigner(relay.roles.roleKey('relay')!),
    holderKey: over.holderKey ?? who.user.identity().publicKey,
    subject: over.subject ?? who.user.username,
    audience: over.audience ?? who.keys.networkId,
    resource,
    role: 'reader',
    clock: over.clock
  })
  const wrap = async (who: LanchatNode, req: Partial<WrapRequest>, identityToken = who.user.identityToken()): Promise<{ wrapped: Uint8Array<ArrayBuffer>, kekVersion: number, authorized: string[] }> =>
    who.rpc.call(KACLS, WRAP, { key: dek, resource: 'group/g1/1', authorized: ['alice'], reason: '', ...req }, { identityToken })
  const unwrap = async (who: LanchatNode, wrapped: Uint8Array<ArrayBuffer>, resource: string, tokens: { identityToken?: string, authorizationToken?: string } = {}, reason = ''): Promise<{ key: Uint8Array, authorized: string[], kekVersion: number, wrappedBy: string }> =>
    who.rpc.call(KACLS, UNWRAP, { wrapped, resource, reason }, {
      identityToken: tokens.identityToken ?? who.user.identityToken(),
      authorizationToken: tokens.authorizationToken ?? await authz(who, resource)
    })
  const rewrap = async (who: LanchatNode, wrapped: Uint8Array<ArrayBuffer>, resource: string, reason = ''): Promise<{ wrapped: Uint8Array<ArrayBuffer>, kekVersion: number, authorized: string[] }> =>
    who.rpc.call(KACLS, REWRAP, { wrapped, resource, reason }, { identityToken: who.user.identityToken() })
  const allAudit = async (): Promise<AuditRecord[]> => {
    const out: AuditRecord[] = []
    let before: string | undefined
    for (;;) {
      const page = await kacls.kacls.audit(1000, before)
      out.push(...page.records)
      if (page.next === null) return out.reverse()
      before = page.next
    }
  }

  beforeAll(async () => {
    cluster = await startCluster([
      { name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] },
      { name: 'alice' }, { name: 'bob' }, { name: 'carol' }, { name: 'mallory' }
    ])
    relay = cluster.get('relay')
    idp = cluster.get('idp')
    kacls = cluster.get('kacls')
    alice = cluster.get('alice')
    bob = cluster.get('bob')
    carol = cluster.get('carol')
    mallory = cluster.get('mallory')
    for (const [node, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
      await node.register(name, PASSWORD)
      await node.login(name, PASSWORD)
    }
  })
  afterAll(async () => { await cluster?.stop() })

  it('wraps a key bound to a canonical list that includes the caller, and unwraps it for every member', async () => {
    const res = await wrap(alice, { authorized: ['Bob', 'alice', 'BOB'], reason: 'new epoch of g1' })
    expect(res.authorized).toEqual(['alice', 'bob'])
    expect(res.kekVersion).toBeGreaterThan(0)
    kek1 = res.kekVersion
    expect(res.wrapped[0]).toBe(1)
    expect(Buffer.from(res.wrapped.subarray(1, 5)).readUInt32BE()).toBe(kek1)
    // The key is inside the AEAD, not beside it.
    expect(contains(res.wrapped, dek)).toBe(false)
    wrappedV1 = res.wrapped
    for (const who of [alice, bob]) {
      const got = await unwrap(who, wrappedV1, 'group/g1/1', {}, 'reading g1')
      expect(got.key).toEqual(dek)
      expect(got.authorized).toEqual(['alice', 'bob'])
      expect(got.kekVersion).toBe(kek1)
      expect(got.wrappedBy).toBe('alice')
    }
    // A fresh nonce every time: the same key wraps to another blob.
    const again = await wrap(alice, { authorized: ['alice', 'bob'] })
    expect(Buffer.from(again.wrapped).equals(Buffer.from(wrappedV1))).toBe(false)
  })

  it('refuses an unwrap by a user outside the bound list, even with a valid authorization token', async () => {
    expect(await outcome(unwrap(carol, wrappedV1, 'group/g1/1'))).toBe('NOT_AUTHORIZED')
  })

  it('refuses to wrap for a list without the caller, without a login, or with bad input, and changes nothing', async () => {
    const before = kacls.kacls.status()
    expect(await outcome(wrap(carol, { authorized: ['alice', 'bob'] }))).toBe('NOT_AUTHORIZED')
    expect(await outcome(wrap(carol, { authorized: ['carol'] }, ''))).toBe('LOGIN_REQUIRED')
    for (const key of [new Uint8Array(0), new Uint8Array(15), new Uint8Array(65)]) {
      expect(await outcome(wrap(carol, { key, authorized: ['carol'] }))).toBe('BAD_REQUEST')
    }
    expect(await outcome(wrap(carol, { authorized: ['carol', 'x'] }))).toBe('BAD_USERNAME')
    expect(await outcome(wrap(carol, { authorized: [] }))).toBe('BAD_REQUEST')
    expect(await outcome(wrap(carol, { authorized: ['carol', ...Array.from({ length: MAX_AUTHORIZED }, (_, i) => `user${i}`)] }))).toBe('BAD_REQUEST')
    expect(await outcome(wrap(carol, { resource: '', authorized: ['carol'] }))).toBe('BAD_REQUEST')
    expect(await outcome(wrap(carol, { resource: 'group/\n/1', authorized: ['carol'] }))).toBe('BAD_REQUEST')
    expect(await outcome(wrap(carol, { resource: 'r'.repeat(513), authorized: ['carol'] }))).toBe('BAD_REQUEST')
    expect(await outcome(wrap(carol, { reason: 'why'.repeat(100), authorized: ['carol'] }))).toBe('BAD_REQUEST')
    const after = kacls.kacls.status()
    expect(after).toMatchObject({ kekVersion: before.kekVersion, kekVersions: before.kekVersions, wraps: before.wraps, refusals: before.refusals + 12 })
    // A list of exactly MAX_AUTHORIZED names is fine.
    const full = await wrap(carol, { authorized: ['carol', ...Array.from({ length: MAX_AUTHORIZED - 1 }, (_, i) => `user${i}`)] })
    expect(full.authorized).toHaveLength(MAX_AUTHORIZED)
  })

  describe('authorization tokens at unwrap', () => {
    const tryWith = async (token: string): Promise<string | undefined> => outcome(unwrap(alice, wrappedV1, 'group/g1/1', { authorizationToken: token }))

    it('refuses one for another resource or another user', async () => {
      expect(await tryWith(await authz(alice, 'group/g1/2'))).toBe('TOKEN_WRONG_RESOURCE')
      // bob's genuine token, presented by alice.
      expect(await tryWith(await authz(bob, 'group/g1/1'))).toBe('TOKEN_WRONG_SUBJECT')
      // alice's name, but bound to bob's identity key.
      expect(await tryWith(await authz(alice, 'group/g1/1', { holderKey: bob.user.identity().publicKey }))).toBe('TOKEN_WRONG_SUBJECT')
    })

    it('refuses a forged, expired, wrong-audience, non-relay, malformed or missing one', async () => {
      expect(await tryWith(await authz(alice, 'group/g1/1', { signer: generateIdentityKeyPair() }))).toBe('TOKEN_BAD_SIGNATURE')
      expect(await tryWith(await authz(alice, 'group/g1/1', { clock: () => Date.now() - 2 * 3600_000 }))).toBe('TOKEN_EXPIRED')
      expect(await tryWith(await authz(alice, 'group/g1/1', { audience: 'another-network' }))).toBe('TOKEN_WRONG_AUDIENCE')
      // Signed by a role key, but the idp's: the idp node announced no relay key.
      expect(await tryWith(await authz(alice, 'group/g1/1', { issuer: idp.network.peerId, signer: roleSigner(idp.roles.roleKey('idp')!) }))).toBe('TOKEN_UNKNOWN_ISSUER')
      expect(await tryWith('not.a.jwt')).toBe('TOKEN_MALFORMED')
      expect(await tryWith('')).toBe('AUTHORIZATION_REQUIRED')
      // Control: the genuine one works.
      expect(await tryWith(await authz(alice, 'group/g1/1'))).toBe('GRANTED')
    })
  })

  it('refuses an unwrap without a valid identity token of the calling node', async () => {
    const mint = async (over: MintOptions = {}): Promise<string> => mintIdentityToken(idp, bob, over)
    const tryWith = async (identityToken: string): Promise<string | undefined> => outcome(unwrap(bob, wrappedV1, 'group/g1/1', { identityToken }))
    expect(await tryWith('')).toBe('LOGIN_REQUIRED')
    expect(await tryWith(await mint({ signer: generateIdentityKeyPair() }))).toBe('TOKEN_BAD_SIGNATURE')
    expect(await tryWith(await mint({ clock: () => Date.now() - 25 * 3600_000 }))).toBe('TOKEN_EXPIRED')
    expect(await tryWith(await mint({ audience: 'another-network' }))).toBe('TOKEN_WRONG_AUDIENCE')
    // alice's identity token, replayed from bob's node.
    expect(await tryWith(alice.user.identityToken())).toBe('TOKEN_WRONG_PEER')
    expect(await tryWith(await mint())).toBe('GRANTED')
  })

  it('refuses a wrapped key with any part altered, or cut short', async () => {
    const tail = wrappedV1.byteLength - 1
    expect(await outcome(unwrap(bob, flip(wrappedV1, 0), 'group/g1/1'))).toBe('UNSUPPORTED_VERSION')
    expect(await outcome(unwrap(bob, flip(wrappedV1, 1, 0x80), 'group/g1/1'))).toBe('UNKNOWN_KEK')
    expect(await outcome(unwrap(bob, flip(wrappedV1, 5), 'group/g1/1'))).toBe('UNWRAP_FAILED') // nonce
    expect(await outcome(unwrap(bob, flip(wrappedV1, 17), 'group/g1/1'))).toBe('UNWRAP_FAILED') // ciphertext
    expect(await outcome(unwrap(bob, flip(wrappedV1, tail, 0x80), 'group/g1/1'))).toBe('UNWRAP_FAILED') // tag
    expect(await outcome(unwrap(bob, wrappedV1.slice(0, 20), 'group/g1/1'))).toBe('BAD_WRAPPED_KEY')
    // Control: the original still opens.
    expect((await unwrap(bob, wrappedV1, 'group/g1/1')).key).toEqual(dek)
  })

  it('refuses a wrapped key presented for another resource, with a valid token for that resource', async () => {
    expect(await outcome(unwrap(alice, wrappedV1, 'group/g1/2'))).toBe('UNWRAP_FAILED')
  })

  it('rotates the KEK: new wraps use it, old keys still unwrap, and rewrap moves them to it', async () => {
    expect(await outcome(alice.kacls.rotateKek())).toBe('NOT_HOLDER')
    const rotated = await kacls.kacls.rotateKek()
    kek2 = rotated.kekVersion
    expect(kek2).not.toBe(kek1)
    expect(kacls.kacls.status()).toMatchObject({ kekVersion: kek2, kekVersions: 2, since: rotated.since })
    expect((await unwrap(alice, wrappedV1, 'group/g1/1')).kekVersion).toBe(kek1)

    const moved = await rewrap(bob, wrappedV1, 'group/g1/1', 'KEK rotated')
    expect(moved).toMatchObject({ kekVersion: kek2, authorized: ['alice', 'bob'] })
    expect(Buffer.from(moved.wrapped.subarray(1, 5)).readUInt32BE()).toBe(kek2)
    wrappedV2 = moved.wrapped
    for (const blob of [wrappedV1, wrappedV2]) {
      for (const who of [alice, bob]) expect(await unwrap(who, blob, 'group/g1/1')).toMatchObject({ key: dek, wrappedBy: 'alice' })
    }
    expect((await wrap(alice, { resource: 'group/g1/3' })).kekVersion).toBe(kek2)

    expect(await outcome(rewrap(carol, wrappedV1, 'group/g1/1'))).toBe('NOT_AUTHORIZED')
    expect(await outcome(rewrap(alice, wrappedV1, 'group/g1/2'))).toBe('UNWRAP_FAILED')
    // A KEK-1 blob relabelled as KEK 2 does not open under KEK 2.
    const relabelled = new Uint8Array(wrappedV1)
    new DataView(relabelled.buffer).setUint32(1, kek2)
    expect(await outcome(unwrap(bob, relabelled, 'group/g1/1'))).toBe('UNWRAP_FAILED')
  })

  it('audits every wrap, unwrap and refusal with user, peer, resource, outcome, code and reason', async () => {
    const resource = 'group/audited/1'
    const { wrapped } = await wrap(alice, { resource, authorized: ['alice', 'bob'], reason: 'epoch 1 of audited' })
    await unwrap(bob, wrapped, resource, {}, 'bob reads')
    await expect(unwrap(carol, wrapped, resource, {}, 'carol tries')).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' })
    await expect(unwrap(alice, wrapped, resource, { authorizationToken: await authz(alice, 'group/other') }, 'wrong token')).rejects.toMatchObject({ code: 'TOKEN_WRONG_RESOURCE' })
    await expect(unwrap(alice, flip(wrapped, 20), resource, {}, 'tampered')).rejects.toMatchObject({ code: 'UNWRAP_FAILED' })
    await expect(unwrap(mallory, wrapped, resource, { identityToken: '', authorizationToken: '' }, 'stranger')).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' })

    const page = await kacls.kacls.audit(6)
    const mine = page.records.slice().reverse()
    expect(mine.map(r => [r.op, r.user, r.peer, r.resource, r.outcome, r.code, r.reason, r.kekVersion])).toEqual([
      ['wrap', 'alice', alice.network.peerId, resource, 'ok', 'OK', 'epoch 1 of audited', kek2],
      ['unwrap', 'bob', bob.network.peerId, resource, 'ok', 'OK', 'bob reads', kek2],
      ['unwrap', 'carol', carol.network.peerId, resource, 'refused', 'NOT_AUTHORIZED', 'carol tries', kek2],
      ['unwrap', 'alice', alice.network.peerId, resource, 'refused', 'TOKEN_WRONG_RESOURCE', 'wrong token', 0],
      ['unwrap', 'alice', alice.network.peerId, resource, 'refused', 'UNWRAP_FAILED', 'tampered', kek2],
      ['unwrap', '', mallory.network.peerId, resource, 'refused', 'LOGIN_REQUIRED', 'stranger', 0]
    ])
    for (const r of mine) expect(Math.abs(r.time - Date.now())).toBeLessThan(60_000)

    // Paging: consecutive pages neither overlap nor skip.
    const first = await kacls.kacls.audit(2)
    const second = await kacls.kacls.audit(2, first.next!)
    expect([...first.records, ...second.records].map(r => r.id)).toEqual(page.records.slice(0, 4).map(r => r.id))
    await expect(kacls.kacls.audit(0)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(kacls.kacls.audit(10, 'nope')).rejects.toMatchObject({ code: 'BAD_REQUEST' })

    // Every granted request and every refusal of this run is in the log, and nothing else.
    const all = await allAudit()
    const status = kacls.kacls.status()
    expect(all.filter(r => r.outcome === 'refused')).toHaveLength(status.refusals)
    expect(all.filter(r => r.op === 'unwrap' && r.outcome === 'ok')).toHaveLength(status.unwraps)
    expect(all.filter(r => r.op === 'wrap' && r.outcome === 'ok')).toHaveLength(status.wraps)
    expect(all.filter(r => r.op === 'rewrap' && r.outcome === 'ok')).toHaveLength(status.rewraps)
    expect(all.filter(r => r.op === 'rotate').map(r => [r.kekVersion, r.peer])).toEqual([[kek1, kacls.network.peerId], [kek2, kacls.network.peerId]])
    expect(all).toHaveLength(status.auditRecords)
    expect(all.filter(r => r.outcome === 'refused' && r.peer === carol.network.peerId).map(r => r.code)).toContain('BAD_USERNAME')
  })

  it('answers status without a token and leaks no key material', async () => {
    const s = await mallory.rpc.call(KACLS, STATUS, {})
    expect(s).toMatchObject({ kekVersion: kek2, kekVersions: 2 })
    expect(s.unwraps).toBeGreaterThan(0n)
    expect(s.refusals).toBe(BigInt(kacls.kacls.status().refusals))
    expect(Number(s.since)).toBe(kacls.kacls.status().since)
  })

  it('answers NOT_HOLDER from a node that does not hold the role, and audits nothing there', async () => {
    const res = await rawCall(alice, idp, KACLS, UNWRAP, { wrapped: wrappedV1, resource: 'group/g1/1', reason: '' }, {
      identityToken: alice.user.identityToken(), authorizationToken: await authz(alice, 'group/g1/1')
    })
    expect(res.error).toMatchObject({ code: 'NOT_HOLDER', holder: kacls.network.peerId })
    expect(res.body).toHaveLength(0)
    expect((await idp.kacls.audit()).records).toEqual([])
    expect(idp.kacls.status().kekVersion).toBe(0)
  })

  it('refuses an oversized, overlong or undecodable request, and keeps serving', async () => {
    const before = kacls.kacls.status()
    const big = await rawBytes(alice, kacls, KACLS, new Uint8Array(KACLS.maxRequestBytes + 100))
    expect(big.error?.code).toBe('TOO_LARGE')
    const overlong = await rawCall(alice, kacls, KACLS, UNWRAP, { wrapped: new Uint8Array(40_000), resource: 'group/g1/1', reason: '' })
    expect(overlong.error?.code).toBe('BAD_WRAPPED_KEY')
    const junk = await rawBytes(alice, kacls, KACLS, RpcRequest.encode({ method: 'unwrap', body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]), identityToken: '', authorizationToken: '' }))
    expect(junk.error?.code).toBe('BAD_REQUEST')
    const unknown = await rawBytes(alice, kacls, KACLS, RpcRequest.encode({ method: 'exportKek', body: new Uint8Array(0), identityToken: '', authorizationToken: '' }))
    expect(unknown.error?.code).toBe('UNKNOWN_METHOD')
    expect(kacls.kacls.status()).toMatchObject({ kekVersion: before.kekVersion, kekVersions: before.kekVersions, refusals: before.refusals + 2 })
    expect((await kacls.kacls.audit(1)).records[0]).toMatchObject({ op: 'unwrap', code: 'BAD_REQUEST', user: '', peer: alice.network.peerId })
    expect((await unwrap(alice, wrappedV1, 'group/g1/1')).key).toEqual(dek)
  })

  it('keeps its KEKs across a restart, sealed so the store does not hold them in plain', async () => {
    const auditBefore = await allAudit()
    const dataDir = await cluster.remove('kacls')
    kacls = await cluster.add({ name: 'kacls', roles: ['kacls'], dataDir })
    await rolesSettled([...cluster.nodes.values()])
    expect(kacls.kacls.status()).toMatchObject({ kekVersion: kek2, kekVersions: 2 })
    for (const blob of [wrappedV1, wrappedV2!]) expect((await unwrap(alice, blob, 'group/g1/1')).key).toEqual(dek)
    const auditAfter = await allAudit()
    expect(auditAfter.slice(0, auditBefore.length)).toEqual(auditBefore)
    expect(auditAfter.length).toBe(auditBefore.length + 2)

    // Open the sealed records the way the KACLS does, to know the KEKs...
    const records = await kacls.store.sublevel<KekRecord>('kacls', 'json').values({ gte: KEK_PREFIX, lt: 'kek0' }).all()
    expect(records.map(r => r.version)).toEqual([kek1, kek2].sort((a, b) => a - b))
    records.sort((a, b) => Number(b.version === kek1) - Number(a.version === kek1))
    const keks = records.map(r => openKekRecord(kekSealingKey(kacls.keys.atRestKey), r))
    expect(() => openKekRecord(kekSealingKey(randomBytes(32)), records[0]!)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }))
    // ...which are the KEKs: KEK 1 opens wrappedV1 by the documented layout.
    const ad = Buffer.concat([Buffer.from('lanchat/kacls/wrap/v1'), wrappedV1.subarray(0, 5), Buffer.from('group/g1/1')])
    expect(new Uint8Array(WrappedPayload.decode(aesGcmDecrypt(keks[0]!, wrappedV1.subarray(5, 17), wrappedV1.subarray(17), ad)).key)).toEqual(dek)

    // ...and appear nowhere in the kacls sublevel's raw values, nor in any file of the data directory.
    const raw = await kacls.store.sublevel('kacls', 'bytes').values().all()
    const files: Uint8Array[] = []
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(await readFile(join(entry.parentPath, entry.name)))
    }
    expect(raw.length).toBeGreaterThan(2)
    expect(files.length).toBeGreaterThan(0)
    for (const kek of keks) {
      const forms = [kek, Buffer.from(Buffer.from(kek).toString('hex')), Buffer.from(Buffer.from(kek).toString('base64'))]
      for (const form of forms) {
        expect(raw.some(v => contains(v, form))).toBe(false)
        expect(files.some(f => contains(f, form))).toBe(false)
      }
    }
    // The check can fail: the sealed form of each KEK is there.
    expect(raw.some(v => contains(v, Buffer.from(records[0]!.sealed)))).toBe(true)
  })

  it('locks out a peer after repeated refusals, without auditing what it turns away, and serves others', async () => {
    const wrappedKey = wrappedV1
    const errors: Array<{ code?: string, retryAfterMs?: number }> = []
    for (let i = 0; i < REFUSALS_FREE + 4; i++) {
      errors.push(await unwrap(mallory, wrappedKey, 'group/g1/1', { identityToken: '', authorizationToken: '' }, `try ${i}`).then(() => ({ code: 'GRANTED' }), (e: { code?: string, retryAfterMs?: number }) => e))
    }
    const codes = errors.map(e => e.code)
    // The lockout is in memory: the KACLS restarted since mallory's refusal in the audit test, so all are free again.
    expect(codes.slice(0, REFUSALS_FREE + 1)).toEqual(Array(REFUSALS_FREE + 1).fill('LOGIN_REQUIRED'))
    // Then it is locked out (1 s, then longer: a slow machine may see one more refusal between lockouts).
    const limited = errors.filter(e => e.code === 'RATE_LIMITED')
    expect(limited.length).toBeGreaterThan(0)
    expect(codes.every(c => c === 'LOGIN_REQUIRED' || c === 'RATE_LIMITED')).toBe(true)
    for (const e of limited) expect(e.retryAfterMs).toBeGreaterThan(0)
    const audited = (await allAudit()).filter(r => r.peer === mallory.network.peerId)
    // One from the audit test, then each refusal; nothing it was turned away with.
    expect(audited.length).toBe(1 + codes.filter(c => c === 'LOGIN_REQUIRED').length)
    expect(kacls.kacls.status().throttled).toBe(limited.length)
    // Others are unaffected.
    expect((await unwrap(bob, wrappedKey, 'group/g1/1')).key).toEqual(dek)
  })
})
