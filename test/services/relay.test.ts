import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createPreKeyState, decodePreKeyBundle, encryptMessage, generateIdentityKeyPair, generateOneTimePreKeys, initiateSession,
  InMemoryPreKeyStore, issueIdentityToken, respondToSession, sign, signSignedPreKey, verifyAuthorizationToken, verifyPreKeyBundle
} from '../../src/crypto/index.js'
import { TokenVerifier } from '../../src/services/auth.js'
import { CHALLENGE, IDP, LOGIN, REGISTER } from '../../src/services/idp/spec.js'
import { roleSigner } from '../../src/services/keys.js'
import { MAX_ENVELOPE_BYTES, RELAY_DEFAULTS } from '../../src/services/relay/constants.js'
import { Bundles } from '../../src/services/relay/bundles.js'
import { Mailbox } from '../../src/services/relay/mailbox.js'
import { RelayService } from '../../src/services/relay/relay.js'
import { ACK, ACL_SET, AUTHORIZE, BUNDLE_STATUS, DEPOSIT, FETCH, FETCH_BUNDLE, HANDOFF, PUBLISH_BUNDLE, RELAY } from '../../src/services/relay/spec.js'
import { transcript } from '../../src/crypto/index.js'
import { LOGIN_LABEL, REGISTER_LABEL } from '../../src/services/idp/spec.js'
import { openMemoryStore } from '../../store/index.js'
import { rolesSettled, startCluster } from '../helpers/cluster.js'
import { callContext } from '../helpers/proof.js'
import { rawBytes, rawCall } from '../helpers/raw-rpc.js'
import type { IdentityKeyPair, PreKeyState } from '../../src/crypto/index.js'
import type { LanchatNode } from '../../src/node.js'
import type { NetworkKeys } from '../../src/net/index.js'
import type { RoleRegistry } from '../../src/roles/index.js'
import type { RelayInit } from '../../src/services/relay/constants.js'
import type { PublishBundleRequest } from '../../src/services/relay/pb/relay.js'
import type { Implementation, Loose, MethodSpec, Rpc } from '../../src/services/rpc.js'
import type { Cluster } from '../helpers/cluster.js'
import type { Caller } from '../helpers/proof.js'
import type { Store } from '../../store/index.js'

const PASSWORD = 'correct-horse-staple'
const code = (err: unknown): string | undefined => (err as { code?: string }).code
const bytesOf = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text)
const envelope = (size: number, fill = 7): Uint8Array<ArrayBuffer> => new Uint8Array(size).fill(fill)
/** The error a call failed with (a call that succeeds fails the test). */
const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => { throw new Error('expected a refusal') }, (e: unknown) => e)

/** A user registered and logged in at the idp holder from `node`, with the identity token it issued. */
interface User {
  name: string
  node: LanchatNode
  identity: IdentityKeyPair
  token: string
}

/**
 * Registers and logs in through the idp's own methods, as the account module
 * does, but without node.login: that would start the node's chat layer, which
 * drains its user's mailbox and publishes bundles by itself, racing the
 * assertions here (one test below runs it on purpose).
 */
async function enroll (node: LanchatNode, username: string): Promise<User> {
  const identity = generateIdentityKeyPair()
  const { networkId } = node.keys
  const signature = sign(identity, transcript(REGISTER_LABEL, networkId, username, identity.publicKey))
  await node.rpc.call(IDP, REGISTER, { username, identityKey: identity.publicKey, password: PASSWORD, signature })
  const { challenge } = await node.rpc.call(IDP, CHALLENGE, { username })
  const proof = sign(identity, transcript(LOGIN_LABEL, networkId, username, node.network.peerId, challenge))
  const { token } = await node.rpc.call(IDP, LOGIN, { username, password: PASSWORD, challenge, signature: proof })
  return { name: username, node, identity, token }
}

/** What publishBundle sends for a prekey state (the shapes the chat layer will send). */
function publication (identity: IdentityKeyPair, state: PreKeyState): PublishBundleRequest {
  return {
    identityKey: new Uint8Array(identity.publicKey),
    signedPrekeyId: state.signedPreKey.id,
    signedPrekey: state.signedPreKey.keyPair.publicKey,
    signedPrekeySignature: state.signedPreKey.signature,
    oneTimePrekeys: state.oneTimePreKeys.map(k => ({ id: k.id, publicKey: k.keyPair.publicKey }))
  }
}

describe('relay service', () => {
  let cluster: Cluster
  let relay: LanchatNode
  let alice: User
  let bob: User
  let carol: User
  let dave: User

  const call = async <Req, Res>(u: User, method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>, identityToken?: string): Promise<Res> =>
    u.node.rpc.call(RELAY, method, req, { identityToken: identityToken ?? u.token, proofKey: u.identity, timeoutMs: 20_000 })
  const inbox = async (u: User): Promise<string[]> => (await call(u, FETCH, { limit: 500 })).messages.map(m => m.id)

  beforeAll(async () => {
    cluster = await startCluster([
      { name: 'relay', roles: ['relay'] }, { name: 'idp', roles: ['idp'] }, { name: 'kacls', roles: ['kacls'] },
      { name: 'alice' }, { name: 'bob' }, { name: 'carol' }, { name: 'dave' }
    ])
    relay = cluster.get('relay')
    alice = await enroll(cluster.get('alice'), 'alice')
    bob = await enroll(cluster.get('bob'), 'bob')
    carol = await enroll(cluster.get('carol'), 'carol')
    dave = await enroll(cluster.get('dave'), 'dave')
  })
  afterAll(async () => { await cluster?.stop() })

  describe('mailbox', () => {
    it('delivers a deposit to its recipient with the sender from the token, and ack deletes it', async () => {
      const id = randomUUID()
      const before = Date.now()
      expect(await call(alice, DEPOSIT, { to: 'Bob', id, envelope: bytesOf('sealed for bob') })).toEqual({})
      const { messages, more } = await call(bob, FETCH, { limit: 10 })
      const mail = messages.find(m => m.id === id)
      expect(mail).toMatchObject({ id, from: 'alice', envelope: bytesOf('sealed for bob') })
      expect(mail?.depositedAt).toBeGreaterThanOrEqual(before)
      expect(mail?.depositedAt).toBeLessThanOrEqual(Date.now())
      expect(more).toBe(false)
      expect(await call(bob, ACK, { ids: [id] })).toEqual({ deleted: 1 })
      expect(await inbox(bob)).not.toContain(id)
      expect(await call(bob, ACK, { ids: [id] })).toEqual({ deleted: 0 })
    })

    it('stores a message once when it is deposited twice with the same id', async () => {
      const id = randomUUID()
      await call(alice, DEPOSIT, { to: 'bob', id, envelope: bytesOf('first') })
      await call(alice, DEPOSIT, { to: 'bob', id, envelope: bytesOf('retry') })
      const mine = (await call(bob, FETCH, { limit: 500 })).messages.filter(m => m.id === id)
      expect(mine).toHaveLength(1)
      expect(mine[0]?.envelope).toEqual(bytesOf('first'))
      await call(bob, ACK, { ids: [id] })
    })

    it('refuses the id of another sender\'s message still held, keeping both senders\' mail apart', async () => {
      const id = randomUUID()
      await call(alice, DEPOSIT, { to: 'bob', id, envelope: bytesOf('from alice') })
      expect(code(await failure(call(carol, DEPOSIT, { to: 'bob', id, envelope: bytesOf('from carol') })))).toBe('ID_CONFLICT')
      const mine = (await call(bob, FETCH, { limit: 500 })).messages.filter(m => m.id === id)
      expect(mine).toEqual([expect.objectContaining({ from: 'alice', envelope: bytesOf('from alice') })])
      await call(bob, ACK, { ids: [id] })
    })

    it('returns to each user only their own mail', async () => {
      const forBob = randomUUID()
      const forCarol = randomUUID()
      await call(alice, DEPOSIT, { to: 'bob', id: forBob, envelope: bytesOf('b') })
      await call(alice, DEPOSIT, { to: 'carol', id: forCarol, envelope: bytesOf('c') })
      const carols = await inbox(carol)
      expect(carols).toContain(forCarol)
      expect(carols).not.toContain(forBob)
      const bobs = await inbox(bob)
      expect(bobs).toContain(forBob)
      expect(bobs).not.toContain(forCarol)
      expect(await inbox(alice)).toEqual([])
      await call(bob, ACK, { ids: [forBob] })
      await call(carol, ACK, { ids: [forCarol] })
    })

    it('deletes nothing when a user acks the id of another user\'s mail', async () => {
      const id = randomUUID()
      await call(alice, DEPOSIT, { to: 'bob', id, envelope: bytesOf('keep me') })
      expect(await call(carol, ACK, { ids: [id] })).toEqual({ deleted: 0 })
      expect(await call(alice, ACK, { ids: [id] })).toEqual({ deleted: 0 })
      expect(await inbox(bob)).toContain(id)
      await call(bob, ACK, { ids: [id] })
    })

    it('hands over a mailbox of several MiB in full, page by page, over the real connection', async () => {
      // 14 envelopes of 256 KiB (3.5 MiB): each reply stays under the reply limit, and paging reaches every one.
      const ids = Array.from({ length: 14 }, () => randomUUID())
      for (const id of ids) await call(carol, DEPOSIT, { to: 'dave', id, envelope: envelope(MAX_ENVELOPE_BYTES) })
      for (let round = 0; round < 3; round++) {
        const got: string[] = []
        let after: string | undefined
        for (let more = true; more;) {
          const reply = await call(dave, FETCH, { limit: 500, after })
          got.push(...reply.messages.map(m => m.id))
          expect(reply.messages.every(m => m.envelope.byteLength === MAX_ENVELOPE_BYTES)).toBe(true)
          more = reply.more
          after = reply.cursor
        }
        expect(got).toEqual(ids)
      }
      expect(await call(dave, ACK, { ids })).toEqual({ deleted: 14 })
      expect(await inbox(dave)).toEqual([])
    })

    it('refuses bad deposits with typed errors and stores none of them', async () => {
      const before = await inbox(bob)
      const tooBig = envelope(MAX_ENVELOPE_BYTES + 1)
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: randomUUID(), envelope: tooBig })))).toBe('TOO_LARGE')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: 'x'.repeat(129), envelope: bytesOf('e') })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: '', envelope: bytesOf('e') })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: 'a\nb', envelope: bytesOf('e') })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: randomUUID(), envelope: new Uint8Array() })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob smith', id: randomUUID(), envelope: bytesOf('e') })))).toBe('BAD_USERNAME')
      expect(code(await failure(call(bob, FETCH, { limit: 501 })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(bob, FETCH, { limit: 1, after: 'not-a-cursor' })))).toBe('BAD_REQUEST')
      expect(await inbox(bob)).toEqual(before)
      // The largest envelope allowed is accepted.
      const id = randomUUID()
      await call(alice, DEPOSIT, { to: 'bob', id, envelope: envelope(MAX_ENVELOPE_BYTES) })
      expect(await call(bob, ACK, { ids: [id] })).toEqual({ deleted: 1 })
    })
  })

  describe('prekey bundles', () => {
    let state: PreKeyState

    it('publishes a bundle bound to the owner\'s identity key and reports its stock', async () => {
      state = createPreKeyState(alice.identity, { oneTimePreKeys: 3 })
      expect(await call(alice, BUNDLE_STATUS, {})).toEqual({ published: false, oneTimePrekeys: 0, signedPrekeyId: 0 })
      expect(await call(alice, PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 3, added: 3 })
      // Republishing the same one-time prekeys adds none.
      expect(await call(alice, PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 3, added: 0 })
      expect(await call(alice, BUNDLE_STATUS, {})).toEqual({ published: true, oneTimePrekeys: 3, signedPrekeyId: state.signedPreKey.id })
    })

    it('hands out each one-time prekey once, then bundles without one, and the bundle starts a working X3DH session', async () => {
      const first = decodePreKeyBundle((await call(bob, FETCH_BUNDLE, { username: 'Alice' })).bundle)
      expect(verifyPreKeyBundle(first)).toBe(true)
      expect(first.identityKey).toEqual(alice.identity.publicKey)
      expect(first.signedPreKeyId).toBe(state.signedPreKey.id)

      // bob opens a session from the relay's bundle and leaves alice his first message in her mailbox.
      const session = initiateSession({ identity: bob.identity, username: 'bob', peerUsername: 'alice', bundle: first })
      const { message } = encryptMessage(session, bytesOf('hello from bob'))
      const id = randomUUID()
      await call(bob, DEPOSIT, { to: 'alice', id, envelope: message })
      const [mail] = (await call(alice, FETCH, { limit: 1 })).messages
      expect(mail).toMatchObject({ id, from: 'bob' })
      const opened = await respondToSession({ identity: alice.identity, username: 'alice', store: new InMemoryPreKeyStore(state), message: mail!.envelope })
      expect(new TextDecoder().decode(opened.plaintext)).toBe('hello from bob')
      expect(opened.initiator.username).toBe('bob')
      await call(alice, ACK, { ids: [id] })

      const second = decodePreKeyBundle((await call(carol, FETCH_BUNDLE, { username: 'alice' })).bundle)
      const third = decodePreKeyBundle((await call(bob, FETCH_BUNDLE, { username: 'alice' })).bundle)
      const handedOut = [first, second, third].map(b => b.oneTimePreKey?.id)
      expect(new Set(handedOut)).toEqual(new Set(state.oneTimePreKeys.map(k => k.id)))
      for (const b of [first, second, third]) {
        expect(b.oneTimePreKey?.publicKey).toEqual(state.oneTimePreKeys.find(k => k.id === b.oneTimePreKey?.id)?.keyPair.publicKey)
      }
      const exhausted = decodePreKeyBundle((await call(carol, FETCH_BUNDLE, { username: 'alice' })).bundle)
      expect(exhausted.oneTimePreKey).toBeUndefined()
      expect(verifyPreKeyBundle(exhausted)).toBe(true)
      expect(await call(alice, BUNDLE_STATUS, {})).toMatchObject({ oneTimePrekeys: 0 })

      // Republishing prekeys already handed out stores none of them again; fresh ones are added.
      expect(await call(alice, PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 0, added: 0 })
      state = generateOneTimePreKeys(state, 2)
      expect(await call(alice, PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 2, added: 2 })
    })

    it('tells a user its bundle is not published when the one held is under another identity key, and its publication starts it over', async () => {
      // A name registered on both sides of a partition: after the heal the relay's doc may hold the bundle of the
      // registration that lost the name. Before, its status said published, the owner never published again, and
      // nobody could start a session with it ("the prekey bundle is not for the key the directory has").
      const other = generateIdentityKeyPair()
      await (relay.relay as unknown as { bundles: Bundles }).bundles.publish('dave', publication(other, createPreKeyState(other, { oneTimePreKeys: 2 })))
      expect(await call(dave, BUNDLE_STATUS, {})).toEqual({ published: false, oneTimePrekeys: 0, signedPrekeyId: 0 })
      const mine = createPreKeyState(dave.identity, { oneTimePreKeys: 3 })
      expect(await call(dave, PUBLISH_BUNDLE, publication(dave.identity, mine))).toEqual({ oneTimePrekeys: 3, added: 3 })
      expect(await call(dave, BUNDLE_STATUS, {})).toEqual({ published: true, oneTimePrekeys: 3, signedPrekeyId: mine.signedPreKey.id })
      expect(decodePreKeyBundle((await call(carol, FETCH_BUNDLE, { username: 'dave' })).bundle).identityKey).toEqual(dave.identity.publicKey)
    })

    it('refuses a bundle whose signed prekey signature is forged, and one for another user\'s identity key', async () => {
      const before = await call(alice, BUNDLE_STATUS, {})
      const good = publication(alice.identity, state)
      const forged = { ...good, signedPrekeySignature: signSignedPreKey(generateIdentityKeyPair(), good.signedPrekey) }
      expect(code(await failure(call(alice, PUBLISH_BUNDLE, forged)))).toBe('BAD_SIGNATURE')
      const swapped = { ...good, signedPrekey: createPreKeyState(alice.identity, { oneTimePreKeys: 0 }).signedPreKey.keyPair.publicKey }
      expect(code(await failure(call(alice, PUBLISH_BUNDLE, swapped)))).toBe('BAD_SIGNATURE')
      // A genuine bundle of bob's, presented by alice: her token is not bound to bob's key.
      const bobs = publication(bob.identity, createPreKeyState(bob.identity, { oneTimePreKeys: 1 }))
      expect(code(await failure(call(alice, PUBLISH_BUNDLE, bobs)))).toBe('TOKEN_CNF_MISMATCH')
      expect(code(await failure(call(alice, PUBLISH_BUNDLE, { ...good, identityKey: new Uint8Array(31) })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, PUBLISH_BUNDLE, { ...good, oneTimePrekeys: [{ id: 99, publicKey: new Uint8Array(5) }] })))).toBe('BAD_REQUEST')
      expect(await call(alice, BUNDLE_STATUS, {})).toEqual(before)
      expect(await call(bob, BUNDLE_STATUS, {})).toEqual({ published: false, oneTimePrekeys: 0, signedPrekeyId: 0 })
      const served = decodePreKeyBundle((await call(carol, FETCH_BUNDLE, { username: 'alice' })).bundle)
      expect(served.signedPreKey).toEqual(good.signedPrekey)
    })

    it('serves the bundle a node publishes by itself once its user logs in', async () => {
      const node = await cluster.add({ name: 'erin' })
      await rolesSettled([...cluster.nodes.values()])
      await node.register('erin', PASSWORD)
      await node.login('erin', PASSWORD)
      const erin: User = { name: 'erin', node, identity: node.user.identity(), token: node.user.identityToken() }
      // The node publishes in the background after login: ask the relay until it has it.
      const status = await vi.waitFor(async () => {
        const s = await call(erin, BUNDLE_STATUS, {})
        expect(s.published).toBe(true)
        return s
      }, { timeout: 20_000, interval: 200 })
      expect(status.oneTimePrekeys).toBeGreaterThan(0)
      const bundle = decodePreKeyBundle((await call(carol, FETCH_BUNDLE, { username: 'erin' })).bundle)
      expect(bundle.identityKey).toEqual(erin.identity.publicKey)
      expect(verifyPreKeyBundle(bundle)).toBe(true)
      expect(bundle.oneTimePreKey).toBeDefined()
    })

    it('answers NO_BUNDLE for a user who never published, and rate-limits each requester', async () => {
      const results: unknown[] = []
      for (let i = 0; i < RELAY_DEFAULTS.bundleFetchBurst + 1; i++) results.push(await failure(call(dave, FETCH_BUNDLE, { username: 'bob' })))
      expect(results.slice(0, -1).map(code)).toEqual(Array(RELAY_DEFAULTS.bundleFetchBurst).fill('NO_BUNDLE'))
      const limited = results.at(-1)
      expect(code(limited)).toBe('RATE_LIMITED')
      expect((limited as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0)
      // Another requester is not held back by dave's fetches.
      expect(code(await failure(call(carol, FETCH_BUNDLE, { username: 'bob' })))).toBe('NO_BUNDLE')
    })
  })

  describe('authorization tokens', () => {
    const resource = `share/${randomUUID()}`
    const authorize = async (u: User, res: string, role: string): Promise<{ token: string, expiresAt: number }> =>
      call(u, AUTHORIZE, { resource: res, role, identityKey: u.identity.publicKey })

    it('issues an allowed reader a token that verifies under the relay\'s announced key', async () => {
      expect(await call(alice, ACL_SET, { resource, readers: ['Bob'], writers: [] })).toEqual({ owner: 'alice', readers: ['bob'], writers: ['alice'] })
      const { token, expiresAt } = await authorize(bob, resource, 'reader')
      const relayPeer = relay.network.peerId
      const claims = await verifyAuthorizationToken(token, {
        issuerKey: bob.node.roles.publicRoleKey(relayPeer, 'relay')!,
        issuer: relayPeer,
        audience: bob.node.keys.networkId,
        holderKey: bob.identity.publicKey,
        resource,
        role: 'reader'
      })
      expect(claims).toMatchObject({ sub: 'bob', resource, role: 'reader' })
      expect(claims.exp - claims.iat).toBe(3600)
      expect(expiresAt).toBe(claims.exp * 1000)
      // The services' own verifier (as the kacls holder runs it) accepts it for bob, and not for alice.
      const kacls = cluster.get('kacls')
      const verifier = new TokenVerifier({ registry: kacls.roles, bindings: kacls.bindings, networkId: kacls.keys.networkId })
      const bobIdentity = await verifier.identity(bob.token, bob.node.network.peerId)
      expect(await verifier.authorization(token, bobIdentity, resource, 'reader')).toMatchObject({ sub: 'bob' })
      const aliceIdentity = await verifier.identity(alice.token, alice.node.network.peerId)
      await expect(verifier.authorization(token, aliceIdentity, resource, 'reader')).rejects.toMatchObject({ code: 'TOKEN_WRONG_SUBJECT' })
      // The owner is a writer; with a published bundle the identity key may be left out.
      const owner = await call(alice, AUTHORIZE, { resource, role: 'writer', identityKey: new Uint8Array() })
      expect(owner.token).not.toBe('')
    })

    it('refuses strangers, readers asking to write, unknown kinds of resource and bad requests', async () => {
      expect(code(await failure(authorize(carol, resource, 'reader')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(bob, resource, 'writer')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(bob, `share/${randomUUID()}`, 'reader')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(alice, 'secret/plans', 'reader')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(bob, resource, 'admin')))).toBe('BAD_REQUEST')
      expect(code(await failure(authorize(bob, 'share/with space', 'reader')))).toBe('BAD_REQUEST')
      // An identity key the token is not bound to; none at all from a user without a bundle.
      expect(code(await failure(call(bob, AUTHORIZE, { resource, role: 'reader', identityKey: alice.identity.publicKey })))).toBe('TOKEN_CNF_MISMATCH')
      expect(code(await failure(call(bob, AUTHORIZE, { resource, role: 'reader', identityKey: new Uint8Array() })))).toBe('IDENTITY_KEY_REQUIRED')
    })

    it('lets only the owner change the ACL', async () => {
      expect(code(await failure(call(bob, ACL_SET, { resource, readers: ['bob', 'carol'], writers: ['bob'] })))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(carol, resource, 'reader')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(bob, resource, 'writer')))).toBe('FORBIDDEN')
      // The owner adds carol as a writer and drops bob; the owner stays a writer whatever the list says.
      expect(await call(alice, ACL_SET, { resource, readers: [], writers: ['carol'] })).toEqual({ owner: 'alice', readers: [], writers: ['alice', 'carol'] })
      expect((await authorize(carol, resource, 'reader')).token).not.toBe('')
      expect((await authorize(carol, resource, 'writer')).token).not.toBe('')
      expect(code(await failure(authorize(bob, resource, 'reader')))).toBe('FORBIDDEN')
      expect((await authorize(alice, resource, 'writer')).token).not.toBe('')
      expect(code(await failure(call(alice, ACL_SET, { resource: 'group/g1/epoch/1', readers: [], writers: [] })))).toBe('BAD_REQUEST')
      expect(code(await failure(call(alice, ACL_SET, { resource: `share/${randomUUID()}`, readers: ['not valid!'], writers: [] })))).toBe('BAD_USERNAME')
    })

    it('takes policies for other prefixes, plugged in by the node', async () => {
      expect(code(await failure(authorize(dave, 'file/g7/3', 'reader')))).toBe('FORBIDDEN')
      const asked: string[] = []
      relay.relay.addPolicy('file/', async (username, res, role) => {
        asked.push(`${username} ${res} ${role}`)
        return username === 'dave' && role === 'reader'
      })
      expect(() => { relay.relay.addPolicy('file/', async () => true) }).toThrow()
      expect((await authorize(dave, 'file/g7/3', 'reader')).token).not.toBe('')
      expect(code(await failure(authorize(dave, 'file/g7/3', 'writer')))).toBe('FORBIDDEN')
      expect(code(await failure(authorize(carol, 'file/g7/3', 'reader')))).toBe('FORBIDDEN')
      expect(asked).toEqual(['dave file/g7/3 reader', 'dave file/g7/3 writer', 'carol file/g7/3 reader'])
    })
  })

  describe('identity tokens and the wire', () => {
    const mint = async (over: { signer?: IdentityKeyPair, clock?: () => number } = {}): Promise<string> => {
      const idp = cluster.get('idp')
      return issueIdentityToken({
        issuer: idp.network.peerId,
        signer: over.signer ?? roleSigner(idp.roles.roleKey('idp')!),
        holderKey: alice.identity.publicKey,
        username: 'alice',
        networkId: alice.node.keys.networkId,
        peerId: alice.node.network.peerId,
        clock: over.clock
      })
    }

    it('refuses forged, expired and missing identity tokens on every method', async () => {
      const forged = await mint({ signer: generateIdentityKeyPair() })
      const expired = await mint({ clock: () => Date.now() - 25 * 3600_000 })
      const requests = [
        call(alice, DEPOSIT, { to: 'bob', id: randomUUID(), envelope: bytesOf('x') }, forged),
        call(alice, FETCH, { limit: 1 }, forged),
        call(alice, ACK, { ids: ['x'] }, forged),
        call(alice, PUBLISH_BUNDLE, { identityKey: new Uint8Array(), signedPrekeyId: 0, signedPrekey: new Uint8Array(), signedPrekeySignature: new Uint8Array(), oneTimePrekeys: [] }, forged),
        call(alice, FETCH_BUNDLE, { username: 'alice' }, forged),
        call(alice, BUNDLE_STATUS, {}, forged),
        call(alice, AUTHORIZE, { resource: 'share/x', role: 'reader', identityKey: new Uint8Array() }, forged),
        call(alice, ACL_SET, { resource: 'share/x', readers: [], writers: [] }, forged)
      ]
      expect((await Promise.all(requests.map(failure))).map(code)).toEqual(Array(8).fill('TOKEN_BAD_SIGNATURE'))
      expect(code(await failure(call(alice, FETCH, { limit: 1 }, expired)))).toBe('TOKEN_EXPIRED')
      expect(code(await failure(call(alice, DEPOSIT, { to: 'bob', id: randomUUID(), envelope: bytesOf('x') }, expired)))).toBe('TOKEN_EXPIRED')
      expect(code(await failure(call(alice, FETCH, { limit: 1 }, '')))).toBe('LOGIN_REQUIRED')
      // bob's genuine token presented from alice's node is refused too.
      expect(code(await failure(call(alice, FETCH, { limit: 1 }, bob.token)))).toBe('TOKEN_WRONG_PEER')
      // And a genuine token works (the refusals above were about the tokens).
      expect(await call(alice, FETCH, { limit: 1 }, await mint())).toHaveProperty('messages')
    })

    it('answers NOT_HOLDER with the holder when asked on another node', async () => {
      const res = await rawCall(alice.node, cluster.get('kacls'), RELAY, FETCH, { limit: 1 }, { identityToken: alice.token })
      expect(res.error).toMatchObject({ code: 'NOT_HOLDER', holder: relay.network.peerId })
    })

    it('refuses an oversized request frame and an undecodable one without harm', async () => {
      const big = await rawBytes(alice.node, relay, RELAY, new Uint8Array(RELAY.maxRequestBytes + 100))
      expect(big.error?.code).toBe('TOO_LARGE')
      const overLimit = await rawCall(alice.node, relay, RELAY, ACK, { ids: Array.from({ length: 501 }, (_, i) => `id-${i}`) }, { identityToken: alice.token })
      expect(overLimit.error?.code).toBe('BAD_REQUEST')
      const junk = await rawCall(alice.node, relay, RELAY, { name: 'deposit', request: { encode: () => new Uint8Array([0x1a, 0x05, 0x01]), decode: () => ({}) }, response: DEPOSIT.response }, {}, { identityToken: alice.token })
      expect(junk.error?.code).toBe('BAD_REQUEST')
      expect(await call(alice, FETCH, { limit: 1 })).toHaveProperty('messages')
    })
  })

  it('keeps mail and bundles across a relay restart', async () => {
    const id = randomUUID()
    await call(carol, DEPOSIT, { to: 'dave', id, envelope: bytesOf('survives') })
    const status = await call(alice, BUNDLE_STATUS, {})
    expect(status.published).toBe(true)
    const dir = await cluster.remove('relay')
    relay = await cluster.add({ name: 'relay', roles: ['relay'], dataDir: dir })
    await rolesSettled([...cluster.nodes.values()])
    const { messages } = await call(dave, FETCH, { limit: 500 })
    expect(messages.filter(m => m.id === id)).toEqual([expect.objectContaining({ from: 'carol', envelope: bytesOf('survives') })])
    expect(await call(alice, BUNDLE_STATUS, {})).toEqual(status)
    // Its dedupe index survived too.
    await call(carol, DEPOSIT, { to: 'dave', id, envelope: bytesOf('again') })
    expect((await call(dave, FETCH, { limit: 500 })).messages.filter(m => m.id === id)).toHaveLength(1)
    expect(await call(dave, ACK, { ids: [id] })).toEqual({ deleted: 1 })
  })
})

/**
 * A RelayService over a memory store with an injected clock and small
 * limits, called through its real handlers (request bytes in, reply bytes
 * out) with real identity tokens: what the cluster's node cannot inject.
 */
describe('relay service limits (in process)', () => {
  const networkId = 'relay-test-network'
  const IDP_PEER = 'idp-peer'
  const idpKey = generateIdentityKeyPair()
  const users = new Map<string, { identity: IdentityKeyPair, token: string }>()
  let now: number
  let store: Store
  let services: RelayService[]

  /** The registry as a relay holder sees it: it serves the role; the idp's key is known. */
  const registry = {
    self: 'relay-peer',
    issuerKey: (role: string, peer: string) => peer === IDP_PEER && role === 'idp' ? idpKey.publicKey : undefined,
    roleKey: () => undefined,
    serves: () => true,
    holderOf: () => 'relay-peer',
    addEventListener: () => {},
    removeEventListener: () => {}
  } as unknown as RoleRegistry
  const bindings = { keyOf: async (name: string) => users.get(name)?.identity.publicKey }
  const verifier = new TokenVerifier({ registry, bindings, networkId })
  const tokens = async (name: string, identity: IdentityKeyPair): Promise<string> =>
    issueIdentityToken({ issuer: IDP_PEER, signer: idpKey, holderKey: identity.publicKey, username: name, networkId, peerId: `peer-${name}` })

  async function user (name: string): Promise<{ identity: IdentityKeyPair, token: string }> {
    let u = users.get(name)
    if (u === undefined) {
      // Known (and bound) before the token is made: concurrent first calls share one identity.
      const identity = generateIdentityKeyPair()
      u = { identity, token: await tokens(name, identity) }
      if (!users.has(name)) users.set(name, u)
    }
    return users.get(name)!
  }

  /** Starts a service over `store`; returns a caller of its handlers. */
  async function start (init: RelayInit = {}): Promise<{ service: RelayService, as: <Req, Res>(name: string, method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>) => Promise<Res> }> {
    const handlers = new Map<string, Implementation>()
    const rpc = { serve: async (_spec: unknown, methods: Implementation[]) => { for (const m of methods) handlers.set(m.name, m) } } as unknown as Rpc
    const service = new RelayService({ rpc, registry, store, verifier, keys: { networkId } as NetworkKeys, clock: () => now }, init)
    await service.start()
    services.push(service)
    const as = async <Req, Res>(name: string, method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>): Promise<Res> => {
      const handler = handlers.get(method.name)
      if (handler === undefined) throw new Error(`no handler for ${method.name}`)
      const { identity, token } = await user(name)
      const bytes = method.request.encode(req as Req)
      const body = await handler.call(bytes, callContext(networkId, RELAY.protocol, method.name, bytes, { remotePeer: `peer-${name}`, identityToken: token, identity }))
      return method.response.decode(body)
    }
    return { service, as }
  }

  beforeEach(async () => {
    now = 1_700_000_000_000
    store = await openMemoryStore()
    services = []
  })
  afterEach(async () => {
    for (const s of services) await s.stop()
    await store.close()
    vi.useRealTimers()
  })

  it('refuses a deposit over the recipient\'s message or byte quota, changing nothing, and takes it once there is room', async () => {
    const { as } = await start({ mailboxMaxMessages: 3, mailboxMaxBytes: 1000 })
    for (const id of ['m1', 'm2', 'm3']) await as('alice', DEPOSIT, { to: 'bob', id, envelope: envelope(100) })
    expect(code(await failure(as('alice', DEPOSIT, { to: 'bob', id: 'm4', envelope: envelope(1) })))).toBe('QUOTA_EXCEEDED')
    expect(code(await failure(as('carol', DEPOSIT, { to: 'bob', id: 'c1', envelope: envelope(1) })))).toBe('QUOTA_EXCEEDED')
    // A retried deposit of mail already held is still accepted: it costs nothing.
    expect(await as('alice', DEPOSIT, { to: 'bob', id: 'm3', envelope: envelope(100) })).toEqual({})
    // Other mailboxes are not affected.
    await as('alice', DEPOSIT, { to: 'carol', id: 'm1', envelope: envelope(100) })
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['m1', 'm2', 'm3'])

    expect(await as('bob', ACK, { ids: ['m1'] })).toEqual({ deleted: 1 })
    // 200 bytes held: 801 more would pass the 1000-byte quota.
    expect(code(await failure(as('alice', DEPOSIT, { to: 'bob', id: 'big', envelope: envelope(801) })))).toBe('QUOTA_EXCEEDED')
    await as('alice', DEPOSIT, { to: 'bob', id: 'fits', envelope: envelope(800) })
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['m2', 'm3', 'fits'])
  })

  it('keeps room for other senders: one sender fills at most its share of a mailbox, freed by acks and expiry', async () => {
    const { as } = await start({ mailboxMaxMessages: 4, mailboxSenderMaxMessages: 2, mailboxSenderMaxBytes: 1000, mailTtlMs: 1000 })
    await as('mallory', DEPOSIT, { to: 'bob', id: 'x1', envelope: envelope(10) })
    await as('mallory', DEPOSIT, { to: 'bob', id: 'x2', envelope: envelope(10) })
    expect(code(await failure(as('mallory', DEPOSIT, { to: 'bob', id: 'x3', envelope: envelope(10) })))).toBe('QUOTA_EXCEEDED')
    // A resent id still held is accepted as before (it takes no more room).
    await as('mallory', DEPOSIT, { to: 'bob', id: 'x2', envelope: envelope(10) })
    // Alice's mail still gets in, and so does the mail of a sender whose share is not full.
    await as('alice', DEPOSIT, { to: 'bob', id: 'a1', envelope: envelope(10) })
    await as('carol', DEPOSIT, { to: 'bob', id: 'c1', envelope: envelope(10) })
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['x1', 'x2', 'a1', 'c1'])
    // Bytes count too.
    expect(code(await failure(as('dave', DEPOSIT, { to: 'carol', id: 'd1', envelope: envelope(1001) })))).toBe('QUOTA_EXCEEDED')
    await as('bob', ACK, { ids: ['x1'] })
    await as('mallory', DEPOSIT, { to: 'bob', id: 'x3', envelope: envelope(10) })
    expect(code(await failure(as('mallory', DEPOSIT, { to: 'bob', id: 'x4', envelope: envelope(10) })))).toBe('QUOTA_EXCEEDED')
    now += 1000
    await as('mallory', DEPOSIT, { to: 'bob', id: 'x4', envelope: envelope(10) })
  })

  it('refuses concurrent deposits past the quota', async () => {
    const { as } = await start({ mailboxMaxMessages: 3 })
    const results = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) => as('alice', DEPOSIT, { to: 'bob', id: `c${i}`, envelope: envelope(10) })))
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(3)
    expect(results.filter(r => r.status === 'rejected').map(r => code((r as PromiseRejectedResult).reason))).toEqual(Array(5).fill('QUOTA_EXCEEDED'))
    expect((await as('bob', FETCH, { limit: 10 })).messages).toHaveLength(3)
  })

  it('counts a deposit whose write failed nowhere toward the relay-wide quota', async () => {
    const store = await openMemoryStore()
    const mailbox = new Mailbox(store, { maxMessages: 10, maxBytes: 1 << 20, senderMaxMessages: 10, senderMaxBytes: 1 << 20, relayMaxBytes: 100, ttlMs: 60_000 }, () => now)
    await mailbox.open()
    const batch = store.batch.bind(store)
    let fail = true
    store.batch = async ops => {
      if (fail) {
        fail = false
        throw new Error('disk full')
      }
      await batch(ops)
    }
    await expect(mailbox.deposit('bob', 'alice', 'lost', envelope(80))).rejects.toThrow('disk full')
    // The 80 bytes were never written: another 80 fit under the relay's 100.
    await mailbox.deposit('bob', 'alice', 'kept', envelope(80))
    expect(await mailbox.usage('bob')).toEqual({ count: 1, bytes: 80 })
    await expect(mailbox.deposit('bob', 'alice', 'over', envelope(30))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
    await store.close()
  })

  it('keeps quotas and one-time prekeys exact when requests interleave at the store', async () => {
    // Straight at the stores, so that nothing (token checks) staggers the requests.
    const mailbox = new Mailbox(store, { maxMessages: 3, maxBytes: 1 << 20, senderMaxMessages: 3, senderMaxBytes: 1 << 20, relayMaxBytes: 1 << 30, ttlMs: 60_000 }, () => now)
    await mailbox.open()
    const deposits = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) => mailbox.deposit('bob', 'alice', `c${i}`, envelope(10))))
    expect(deposits.filter(r => r.status === 'fulfilled')).toHaveLength(3)
    expect(await mailbox.usage('bob')).toEqual({ count: 3, bytes: 30 })
    const acks = await Promise.all([mailbox.ack('bob', ['c0', 'c1', 'c2', 'c3']), mailbox.ack('bob', ['c0', 'c1', 'c2', 'c3'])])
    expect(acks[0] + acks[1]).toBe(3)
    expect(await mailbox.usage('bob')).toEqual({ count: 0, bytes: 0 })

    const bundles = new Bundles(store, 200, () => now)
    const alice = generateIdentityKeyPair()
    await bundles.publish('alice', publication(alice, createPreKeyState(alice, { oneTimePreKeys: 6 })))
    const taken = await Promise.all(Array.from({ length: 8 }, async () => decodePreKeyBundle(await bundles.take('alice')).oneTimePreKey?.id))
    const ids = taken.filter(id => id !== undefined)
    expect(ids).toHaveLength(6)
    expect(new Set(ids).size).toBe(6)
  })

  it('caps the mail held for everyone together, across a restart', async () => {
    const first = await start({ relayMaxBytes: 500 })
    await first.as('alice', DEPOSIT, { to: 'bob', id: 'a', envelope: envelope(400) })
    expect(code(await failure(first.as('alice', DEPOSIT, { to: 'carol', id: 'b', envelope: envelope(101) })))).toBe('QUOTA_EXCEEDED')
    await first.service.stop()
    const second = await start({ relayMaxBytes: 500 })
    expect(code(await failure(second.as('alice', DEPOSIT, { to: 'carol', id: 'b', envelope: envelope(101) })))).toBe('QUOTA_EXCEEDED')
    await second.as('bob', ACK, { ids: ['a'] })
    await second.as('alice', DEPOSIT, { to: 'carol', id: 'b', envelope: envelope(101) })
  })

  it('never returns expired mail, and prunes it on fetch and by prune()', async () => {
    const { service, as } = await start({ mailTtlMs: 1000 })
    await as('alice', DEPOSIT, { to: 'bob', id: 'old', envelope: envelope(10) })
    now += 600
    await as('alice', DEPOSIT, { to: 'bob', id: 'new', envelope: envelope(10) })
    await as('alice', DEPOSIT, { to: 'carol', id: 'new', envelope: envelope(10) })
    now += 399
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['old', 'new'])
    now += 1
    const { messages } = await as('bob', FETCH, { limit: 10 })
    expect(messages.map(m => m.id)).toEqual(['new'])
    // The fetch deleted it: an ack finds nothing, and the mailbox has room for one more at once.
    expect(await as('bob', ACK, { ids: ['old'] })).toEqual({ deleted: 0 })
    now += 600
    expect(await service.prune()).toBe(2)
    expect((await as('bob', FETCH, { limit: 10 })).messages).toEqual([])
    expect((await as('carol', FETCH, { limit: 10 })).messages).toEqual([])
    // An expired id is free again.
    await as('alice', DEPOSIT, { to: 'bob', id: 'old', envelope: envelope(10) })
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['old'])
  })

  it('makes room for a deposit by dropping expired mail from a full mailbox', async () => {
    const { as } = await start({ mailboxMaxMessages: 1, mailTtlMs: 1000, pruneIntervalMs: 3600_000 })
    await as('alice', DEPOSIT, { to: 'bob', id: 'stale', envelope: envelope(10) })
    expect(code(await failure(as('alice', DEPOSIT, { to: 'bob', id: 'next', envelope: envelope(10) })))).toBe('QUOTA_EXCEEDED')
    now += 1000
    await as('alice', DEPOSIT, { to: 'bob', id: 'next', envelope: envelope(10) })
    expect((await as('bob', FETCH, { limit: 10 })).messages.map(m => m.id)).toEqual(['next'])
  })

  it('prunes expired mail on its timer, and stop() clears the timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { service, as } = await start({ mailTtlMs: 1000, pruneIntervalMs: 60_000 })
    await as('alice', DEPOSIT, { to: 'bob', id: 'm', envelope: envelope(10) })
    now += 1000
    // The prune timer, and the mail handoff timer.
    expect(vi.getTimerCount()).toBe(2)
    const prune = vi.spyOn(service, 'prune')
    vi.advanceTimersByTime(60_000)
    expect(prune).toHaveBeenCalledTimes(1)
    expect(await prune.mock.results[0]?.value).toBe(1)
    await service.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('pages through mail oldest first with limit and cursor', async () => {
    const { as } = await start()
    for (let i = 1; i <= 5; i++) {
      await as('alice', DEPOSIT, { to: 'bob', id: `p${i}`, envelope: envelope(10, i) })
      now += 1
    }
    const page1 = await as('bob', FETCH, { limit: 2 })
    expect(page1.messages.map(m => m.id)).toEqual(['p1', 'p2'])
    expect(page1.more).toBe(true)
    expect(page1.cursor).toBe(page1.messages[1]?.cursor)
    const page2 = await as('bob', FETCH, { limit: 2, after: page1.cursor })
    expect(page2.messages.map(m => m.id)).toEqual(['p3', 'p4'])
    expect(page2.messages.map(m => m.depositedAt)).toEqual([1_700_000_000_002, 1_700_000_000_003])
    // Acking a page does not disturb the cursor of the next.
    await as('bob', ACK, { ids: ['p1', 'p2', 'p3', 'p4'] })
    const page3 = await as('bob', FETCH, { limit: 2, after: page2.cursor })
    expect(page3).toMatchObject({ more: false, messages: [expect.objectContaining({ id: 'p5', envelope: envelope(10, 5) })] })
    const empty = await as('bob', FETCH, { limit: 2, after: page3.cursor })
    expect(empty).toEqual({ messages: [], more: false, cursor: page3.cursor })
  })

  it('keeps a fetch reply under the frame limit however much mail is waiting', async () => {
    const { as } = await start()
    for (let i = 0; i < 20; i++) await as('alice', DEPOSIT, { to: 'bob', id: `big${i}`, envelope: envelope(MAX_ENVELOPE_BYTES) })
    const page = await as('bob', FETCH, { limit: 0 })
    expect(page.more).toBe(true)
    expect(page.messages.length).toBeGreaterThan(0)
    expect(page.messages.length).toBeLessThan(20)
    const { FetchResponse } = await import('../../src/services/relay/pb/relay.js')
    expect(FetchResponse.encode(page).byteLength).toBeLessThan(RELAY.maxResponseBytes - 1024)
  })

  it('hands out each one-time prekey once to many requesters at once', async () => {
    const { as } = await start({ bundleFetchBurst: 100 })
    const alice = await user('alice')
    const state = createPreKeyState(alice.identity, { oneTimePreKeys: 12 })
    await as('alice', PUBLISH_BUNDLE, publication(alice.identity, state))
    const bundles = await Promise.all(Array.from({ length: 15 }, async (_, i) => as(`u${i % 3}`, FETCH_BUNDLE, { username: 'alice' })))
    const ids = bundles.map(b => decodePreKeyBundle(b.bundle).oneTimePreKey?.id).filter(id => id !== undefined)
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    expect(await as('alice', BUNDLE_STATUS, {})).toMatchObject({ oneTimePrekeys: 0 })
  })

  it('caps the one-time prekeys stored, keeping the lowest new ids, and a new identity key starts over', async () => {
    const { as } = await start({ maxOneTimePrekeys: 5 })
    const alice = await user('alice')
    const state = createPreKeyState(alice.identity, { oneTimePreKeys: 8 })
    expect(await as('alice', PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 5, added: 5 })
    const first = decodePreKeyBundle((await as('bob', FETCH_BUNDLE, { username: 'alice' })).bundle)
    expect(first.oneTimePreKey?.id).toBe(state.oneTimePreKeys[0]?.id)
    // The three left out fit now that one was taken, one at a time.
    expect(await as('alice', PUBLISH_BUNDLE, publication(alice.identity, state))).toEqual({ oneTimePrekeys: 5, added: 1 })
    // Another identity key (the idp rebound alice to a new key): the old stock is dropped.
    const rekeyed = generateIdentityKeyPair()
    users.set('alice', { identity: rekeyed, token: await issueIdentityToken({ issuer: IDP_PEER, signer: idpKey, holderKey: rekeyed.publicKey, username: 'alice', networkId, peerId: 'peer-alice' }) })
    expect(await as('alice', PUBLISH_BUNDLE, publication(rekeyed, createPreKeyState(rekeyed, { oneTimePreKeys: 2 })))).toEqual({ oneTimePrekeys: 2, added: 2 })
    expect(decodePreKeyBundle((await as('bob', FETCH_BUNDLE, { username: 'alice' })).bundle).identityKey).toEqual(rekeyed.publicKey)
    users.delete('alice')
  })

  it('answers NOT_HOLDER for authorize when the node has no relay key, after the policy allows it', async () => {
    const { as } = await start()
    const alice = await user('alice')
    await as('alice', ACL_SET, { resource: 'share/doc', readers: [], writers: [] })
    expect(code(await failure(as('alice', AUTHORIZE, { resource: 'share/doc', role: 'writer', identityKey: alice.identity.publicKey })))).toBe('NOT_HOLDER')
    expect(code(await failure(as('alice', AUTHORIZE, { resource: 'share/doc', role: 'writer', identityKey: generateIdentityKeyPair().publicKey })))).toBe('TOKEN_CNF_MISMATCH')
  })

  it('rate-limits each user across methods', async () => {
    const { as } = await start({ userBurst: 3, userPerSecond: 1 })
    for (let i = 0; i < 3; i++) await as('alice', BUNDLE_STATUS, {})
    const limited = await failure(as('alice', FETCH, { limit: 1 }))
    expect(code(limited)).toBe('RATE_LIMITED')
    expect((limited as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0)
    expect(await as('bob', BUNDLE_STATUS, {})).toMatchObject({ published: false })
    now += 1000
    expect(await as('alice', FETCH, { limit: 1 })).toMatchObject({ messages: [] })
  })
})

/**
 * Mail a node took in while it held the relay role (a failover) goes to the
 * holder of now: two relay services over two stores, the old one's calls
 * routed to the new one's handlers.
 */
describe('relay mail handoff (in process)', () => {
  const networkId = 'relay-handoff-network'
  const idpKey = generateIdentityKeyPair()
  const stores: Store[] = []
  const services: RelayService[] = []
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop()
    for (const s of stores.splice(0)) await s.close()
  })

  const identities = new Map<string, IdentityKeyPair>()
  const bindings = { keyOf: async (name: string) => identities.get(name)?.publicKey }
  /** A user calling from `peer`: a token from the idp holder, and the user's key to sign each request with. */
  const caller = async (name: string, peer: string): Promise<Caller> => {
    const identity = identities.get(name) ?? generateIdentityKeyPair()
    identities.set(name, identity)
    const identityToken = await issueIdentityToken({ issuer: 'idp-peer', signer: idpKey, holderKey: identity.publicKey, username: name, networkId, peerId: peer })
    return { remotePeer: peer, identityToken, identity }
  }
  const registryOf = (self: string, serves: boolean): RoleRegistry => ({
    self,
    serves: () => serves,
    holderOf: () => 'new-relay',
    roleKey: () => undefined,
    // The idp holder's key for tokens; the old holder held the relay role, so it may hand mail over; a stranger did not.
    issuerKey: (role: string, peer: string) => role === 'idp' && peer === 'idp-peer' ? idpKey.publicKey : undefined,
    heldRole: (role: string, peer: string) => role === 'relay' && peer === 'old-relay',
    addEventListener: () => {},
    removeEventListener: () => {}
  }) as unknown as RoleRegistry

  async function relay (self: string, serves: boolean, forward?: Map<string, Implementation>): Promise<{ service: RelayService, handlers: Map<string, Implementation> }> {
    const store = await openMemoryStore()
    stores.push(store)
    const handlers = new Map<string, Implementation>()
    const registry = registryOf(self, serves)
    const rpc = {
      serve: async (_spec: unknown, methods: Implementation[]) => { for (const m of methods) handlers.set(m.name, m) },
      // The old holder's calls reach the new holder's handlers, as the node that made them.
      call: async <Req, Res>(_spec: unknown, method: MethodSpec<Req, Res>, req: Req): Promise<Res> => {
        const body = await forward!.get(method.name)!.call(method.request.encode(req), { remotePeer: self, identityToken: '', authorizationToken: '' })
        return method.response.decode(body)
      }
    } as unknown as Rpc
    const service = new RelayService({ rpc, registry, store, verifier: new TokenVerifier({ registry, bindings, networkId }), keys: { networkId } as NetworkKeys })
    await service.start()
    services.push(service)
    return { service, handlers }
  }
  const invoke = async <Req, Res>(handlers: Map<string, Implementation>, method: MethodSpec<Req, Res>, req: Loose<NoInfer<Req>>, who: Caller): Promise<Res> => {
    const bytes = method.request.encode(req as Req)
    return method.response.decode(await handlers.get(method.name)!.call(bytes, callContext(networkId, RELAY.protocol, method.name, bytes, who)))
  }

  it('passes held mail to the holder of now, keeps sender and expiry, and deletes its copy', async () => {
    const fresh = await relay('new-relay', true)
    const old = await relay('old-relay', false, fresh.handlers)
    const alice = await caller('alice', 'peer-alice')
    const bob = await caller('bob', 'peer-bob')
    for (const id of ['m1', 'm2', 'm3']) await invoke(old.handlers, DEPOSIT, { to: 'bob', id, envelope: envelope(20) }, alice)
    await old.service.handOff()
    const moved = await invoke(fresh.handlers, FETCH, { limit: 10 }, bob)
    expect(moved.messages.map(m => [m.id, m.from])).toEqual([['m1', 'alice'], ['m2', 'alice'], ['m3', 'alice']])
    expect((await invoke(old.handlers, FETCH, { limit: 10 }, bob)).messages).toEqual([])
    // Handing over again (nothing left) changes nothing.
    await old.service.handOff()
    expect((await invoke(fresh.handlers, FETCH, { limit: 10 }, bob)).messages).toHaveLength(3)
  })

  it('hands over again when asked while a hand-over runs (the role moved again meanwhile)', async () => {
    const fresh = await relay('new-relay', true)
    // The first hand-over meets a holder that is going away: its call hangs, then fails.
    let release!: () => void
    const gone = new Promise<void>(resolve => { release = resolve })
    let calls = 0
    const flaky = new Map(fresh.handlers)
    flaky.set(HANDOFF.name, {
      name: HANDOFF.name,
      call: async (body, ctx) => {
        if (++calls === 1) {
          await gone
          throw new Error('the holder went away')
        }
        return fresh.handlers.get(HANDOFF.name)!.call(body, ctx)
      }
    })
    const old = await relay('old-relay', false, flaky)
    const alice = await caller('alice', 'peer-alice')
    const bob = await caller('bob', 'peer-bob')
    await invoke(old.handlers, DEPOSIT, { to: 'bob', id: 'm1', envelope: envelope(20) }, alice)
    const first = old.service.handOff()
    await vi.waitFor(() => { expect(calls).toBe(1) })
    const again = old.service.handOff()
    release()
    await Promise.all([first, again])
    expect(calls).toBe(2)
    expect((await invoke(fresh.handlers, FETCH, { limit: 10 }, bob)).messages.map(m => m.id)).toEqual(['m1'])
  })

  it('takes handed-over mail only from a node that held the relay role, and keeps it no longer than mail lives', async () => {
    const fresh = await relay('new-relay', true)
    const mail = { to: 'bob', id: 'x', from: 'mallory', envelope: envelope(5), depositedAt: Date.now(), expiresAt: Date.now() + 60_000 }
    expect(code(await failure(invoke(fresh.handlers, HANDOFF, { messages: [mail] }, { remotePeer: 'stranger', identityToken: '' })))).toBe('FORBIDDEN')
    expect(await invoke(fresh.handlers, HANDOFF, { messages: [mail] }, { remotePeer: 'old-relay', identityToken: '' })).toEqual({ accepted: ['bob/x'] })
    // A claim of mail deposited in the future and kept until 2106 is cut to the life mail has from now.
    const forever = { ...mail, id: 'y', depositedAt: Date.now() + 3600_000, expiresAt: 4_294_967_295_000 }
    expect(await invoke(fresh.handlers, HANDOFF, { messages: [forever] }, { remotePeer: 'old-relay', identityToken: '' })).toEqual({ accepted: ['bob/y'] })
    const bob = await caller('bob', 'peer-bob')
    const held = (await invoke(fresh.handlers, FETCH, { limit: 10 }, bob)).messages.find(m => m.id === 'y')!
    expect(held.depositedAt).toBeLessThanOrEqual(Date.now())
    const records: Array<{ id: string, expiresAt: number }> = []
    for await (const [, r] of stores.at(-1)!.sublevel<{ id: string, expiresAt: number }>('relay', 'json').iterator({ gte: 'mail/bob/', lt: 'mail/bob0' })) records.push(r)
    expect(records.find(r => r.id === 'y')!.expiresAt).toBeLessThanOrEqual(Date.now() + RELAY_DEFAULTS.mailTtlMs)
  })
})
