/**
 * Crypto benchmark: lanchat's X3DH + Double Ratchet against Signal's native
 * libsignal (@signalapp/libsignal-client) on the same four workloads.
 *
 * Every figure counts only round trips whose decryption equals the plaintext,
 * and every message goes through the session state as an application stores
 * it: load the state from bytes, encrypt or decrypt, save the state as bytes.
 * For libsignal that is its SessionStore contract: the in-memory store below
 * keeps SessionRecord bytes and deserializes/serializes on every get/save.
 *
 * libsignal of this version runs PQXDH: every bundle carries a Kyber
 * (ML-KEM-1024) prekey, here one last-resort key signed by the identity key,
 * and its session setup encapsulates to it. lanchat runs classical X3DH (no
 * post-quantum part), so x3dh_setups_vs_libsignal compares unequal work; the
 * ratchet workloads are closer (see docs/crypto.md, "Benchmarks").
 *
 * Progress goes to stderr; run() returns the figures for test/bench/run.ts.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import * as signal from '@signalapp/libsignal-client'
import {
  InMemoryPreKeyStore, createPreKeyBundle, createPreKeyState, decodePreKeyBundle, decryptMessage, deserializeSession,
  encodePreKeyBundle, encryptMessage, generateIdentityKeyPair, initiateSession, respondToSession, serializeSession
} from '../../src/crypto/index.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import { clearKeyCaches } from '../../src/crypto/primitives.js'

type BenchResult = Record<string, number | string | boolean>

const PLAINTEXT_BYTES = 1024
const X3DH_SETUPS = 600
const ONEWAY_MESSAGES = 6000
const PINGPONG_MESSAGES = 3000
const OUT_OF_ORDER_MESSAGES = 1000
const OUT_OF_ORDER_ROUNDS = 3

function log (message: string): void {
  process.stderr.write(`crypto.bench: ${message}\n`)
}

const plaintexts: Uint8Array[] = Array.from({ length: 64 }, () => new Uint8Array(nodeRandomBytes(PLAINTEXT_BYTES)))
const plaintextAt = (i: number): Uint8Array => plaintexts[i % plaintexts.length] as Uint8Array

function same (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

/** A deterministic permutation (xorshift32 Fisher-Yates), the same for both implementations. */
function shuffled (n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  let s = seed >>> 0
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0
    s ^= s >>> 17
    s ^= s << 5; s >>>= 0
    const j = s % (i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
  return order
}

function rate (count: number, startNs: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9
  return Math.round(count / seconds)
}

// ====================================================================== lanchat

/** A party of lanchat: its session with the peer lives as bytes, as in LevelDB. */
interface LanchatParty { bytes: Uint8Array }

function lanchatEncrypt (from: LanchatParty, plaintext: Uint8Array): Uint8Array {
  const { session, message } = encryptMessage(deserializeSession(from.bytes), plaintext)
  from.bytes = serializeSession(session)
  return message
}

function lanchatDecrypt (to: LanchatParty, message: Uint8Array): Uint8Array {
  const { session, plaintext } = decryptMessage(deserializeSession(to.bytes), message)
  to.bytes = serializeSession(session)
  return plaintext
}

async function lanchatPair (alice: IdentityKeyPair, bob: IdentityKeyPair): Promise<{ a: LanchatParty, b: LanchatParty }> {
  const store = new InMemoryPreKeyStore(createPreKeyState(bob, { oneTimePreKeys: 1 }))
  const bundle = createPreKeyBundle(store.state, bob.publicKey, store.state.oneTimePreKeys[0]?.id)
  const first = encryptMessage(initiateSession({ identity: alice, username: 'alice', peerUsername: 'bob', bundle }), plaintextAt(0))
  const r = await respondToSession({ identity: bob, username: 'bob', store, message: first.message })
  const a = { bytes: serializeSession(first.session) }
  const b = { bytes: serializeSession(r.session) }
  // One reply, so both sides hold complete sessions (Alice's messages stop carrying X3DH).
  if (!same(lanchatDecrypt(a, lanchatEncrypt(b, plaintextAt(1))), plaintextAt(1))) throw new Error('lanchat setup failed')
  return { a, b }
}

async function lanchatX3dh (alice: IdentityKeyPair, bob: IdentityKeyPair, coldCache: boolean): Promise<number> {
  const store = new InMemoryPreKeyStore(createPreKeyState(bob, { oneTimePreKeys: X3DH_SETUPS }))
  const ids = store.state.oneTimePreKeys.map(k => k.id)
  let ok = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < X3DH_SETUPS; i++) {
    if (coldCache) clearKeyCaches()
    const pt = plaintextAt(i)
    // Bob (or the relay) serves the bundle as bytes; Alice decodes, verifies, agrees, encrypts.
    const bundleBytes = encodePreKeyBundle(createPreKeyBundle(store.state, bob.publicKey, ids[i]))
    const aliceSession = initiateSession({ identity: alice, username: 'alice', peerUsername: 'bob', bundle: decodePreKeyBundle(bundleBytes) })
    const first = encryptMessage(aliceSession, pt)
    serializeSession(first.session)
    const r = await respondToSession({ identity: bob, username: 'bob', store, message: first.message })
    serializeSession(r.session)
    if (same(r.plaintext, pt)) ok++
  }
  return rate(ok, start)
}

async function runLanchat (): Promise<BenchResult> {
  const alice = generateIdentityKeyPair()
  const bob = generateIdentityKeyPair()
  const out: BenchResult = {}

  log(`lanchat: ${X3DH_SETUPS} X3DH setups`)
  out.x3dh_setups_per_s = await lanchatX3dh(alice, bob, false)
  out.x3dh_setups_cold_cache_per_s = await lanchatX3dh(alice, bob, true)

  log(`lanchat: ${ONEWAY_MESSAGES} one-way messages`)
  {
    const { a, b } = await lanchatPair(alice, bob)
    let ok = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < ONEWAY_MESSAGES; i++) {
      const pt = plaintextAt(i)
      if (same(lanchatDecrypt(b, lanchatEncrypt(a, pt)), pt)) ok++
    }
    out.ratchet_oneway_msgs_per_s = rate(ok, start)
  }

  log(`lanchat: ${PINGPONG_MESSAGES} ping-pong messages`)
  {
    const { a, b } = await lanchatPair(alice, bob)
    let ok = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < PINGPONG_MESSAGES; i++) {
      const pt = plaintextAt(i)
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a]
      if (same(lanchatDecrypt(to, lanchatEncrypt(from, pt)), pt)) ok++
    }
    out.ratchet_pingpong_msgs_per_s = rate(ok, start)
  }

  log(`lanchat: ${OUT_OF_ORDER_ROUNDS} x ${OUT_OF_ORDER_MESSAGES} out-of-order messages`)
  {
    const { a, b } = await lanchatPair(alice, bob)
    let ok = 0
    const start = process.hrtime.bigint()
    for (let round = 0; round < OUT_OF_ORDER_ROUNDS; round++) {
      const sent: Uint8Array[] = []
      for (let i = 0; i < OUT_OF_ORDER_MESSAGES; i++) sent.push(lanchatEncrypt(a, plaintextAt(i)))
      for (const i of shuffled(OUT_OF_ORDER_MESSAGES, 0x9e3779b9 + round)) {
        if (same(lanchatDecrypt(b, sent[i] as Uint8Array), plaintextAt(i))) ok++
      }
    }
    out.ratchet_outoforder_msgs_per_s = rate(ok, start)
  }
  return out
}

// ====================================================================== libsignal

class SessionStoreImpl extends signal.SessionStore {
  // Records are kept as bytes: every get parses, every save serializes, like a database would.
  readonly records = new Map<string, Uint8Array<ArrayBuffer>>()

  async saveSession (name: signal.ProtocolAddress, record: signal.SessionRecord): Promise<void> {
    this.records.set(name.toString(), record.serialize())
  }

  async getSession (name: signal.ProtocolAddress): Promise<signal.SessionRecord | null> {
    const bytes = this.records.get(name.toString())
    return bytes === undefined ? null : signal.SessionRecord.deserialize(bytes)
  }

  async getExistingSessions (addresses: signal.ProtocolAddress[]): Promise<signal.SessionRecord[]> {
    const found: signal.SessionRecord[] = []
    for (const a of addresses) {
      const r = await this.getSession(a)
      if (r === null) throw new Error(`no session for ${a.toString()}`)
      found.push(r)
    }
    return found
  }
}

class IdentityStoreImpl extends signal.IdentityKeyStore {
  readonly known = new Map<string, signal.PublicKey>()

  constructor (private readonly identity: signal.PrivateKey, private readonly registrationId: number) {
    super()
  }

  async getIdentityKey (): Promise<signal.PrivateKey> { return this.identity }
  async getLocalRegistrationId (): Promise<number> { return this.registrationId }

  async saveIdentity (name: signal.ProtocolAddress, key: signal.PublicKey): Promise<signal.IdentityChange> {
    const previous = this.known.get(name.toString())
    this.known.set(name.toString(), key)
    return previous !== undefined && !previous.equals(key) ? signal.IdentityChange.ReplacedExisting : signal.IdentityChange.NewOrUnchanged
  }

  async isTrustedIdentity (): Promise<boolean> { return true }

  async getIdentity (name: signal.ProtocolAddress): Promise<signal.PublicKey | null> {
    return this.known.get(name.toString()) ?? null
  }
}

class PreKeyStoreImpl extends signal.PreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>()
  async savePreKey (id: number, record: signal.PreKeyRecord): Promise<void> { this.keys.set(id, record.serialize()) }
  async getPreKey (id: number): Promise<signal.PreKeyRecord> {
    const bytes = this.keys.get(id)
    if (bytes === undefined) throw new Error(`no prekey ${id}`)
    return signal.PreKeyRecord.deserialize(bytes)
  }

  async removePreKey (id: number): Promise<void> { this.keys.delete(id) }
}

class SignedPreKeyStoreImpl extends signal.SignedPreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>()
  async saveSignedPreKey (id: number, record: signal.SignedPreKeyRecord): Promise<void> { this.keys.set(id, record.serialize()) }
  async getSignedPreKey (id: number): Promise<signal.SignedPreKeyRecord> {
    const bytes = this.keys.get(id)
    if (bytes === undefined) throw new Error(`no signed prekey ${id}`)
    return signal.SignedPreKeyRecord.deserialize(bytes)
  }
}

class KyberPreKeyStoreImpl extends signal.KyberPreKeyStore {
  readonly keys = new Map<number, Uint8Array<ArrayBuffer>>()
  async saveKyberPreKey (id: number, record: signal.KyberPreKeyRecord): Promise<void> { this.keys.set(id, record.serialize()) }
  async getKyberPreKey (id: number): Promise<signal.KyberPreKeyRecord> {
    const bytes = this.keys.get(id)
    if (bytes === undefined) throw new Error(`no kyber prekey ${id}`)
    return signal.KyberPreKeyRecord.deserialize(bytes)
  }

  // A last-resort Kyber prekey stays usable; a real store would remember (signedPreKeyId, baseKey) to refuse reuse.
  async markKyberPreKeyUsed (): Promise<void> {}
}

interface SignalParty {
  readonly address: signal.ProtocolAddress
  readonly identity: signal.PrivateKey
  readonly registrationId: number
  readonly sessions: SessionStoreImpl
  readonly identities: IdentityStoreImpl
  readonly preKeys: PreKeyStoreImpl
  readonly signedPreKeys: SignedPreKeyStoreImpl
  readonly kyberPreKeys: KyberPreKeyStoreImpl
}

const SIGNED_PREKEY_ID = 1
const KYBER_PREKEY_ID = 1

async function signalParty (name: string, registrationId: number, oneTimePreKeys: number): Promise<SignalParty> {
  const identity = signal.PrivateKey.generate()
  const party: SignalParty = {
    address: signal.ProtocolAddress.new(name, 1),
    identity,
    registrationId,
    sessions: new SessionStoreImpl(),
    identities: new IdentityStoreImpl(identity, registrationId),
    preKeys: new PreKeyStoreImpl(),
    signedPreKeys: new SignedPreKeyStoreImpl(),
    kyberPreKeys: new KyberPreKeyStoreImpl()
  }
  const spk = signal.PrivateKey.generate()
  await party.signedPreKeys.saveSignedPreKey(SIGNED_PREKEY_ID, signal.SignedPreKeyRecord.new(
    SIGNED_PREKEY_ID, Date.now(), spk.getPublicKey(), spk, identity.sign(spk.getPublicKey().serialize())))
  const kyber = signal.KEMKeyPair.generate()
  await party.kyberPreKeys.saveKyberPreKey(KYBER_PREKEY_ID, signal.KyberPreKeyRecord.new(
    KYBER_PREKEY_ID, Date.now(), kyber, identity.sign(kyber.getPublicKey().serialize())))
  for (let id = 1; id <= oneTimePreKeys; id++) {
    const k = signal.PrivateKey.generate()
    await party.preKeys.savePreKey(id, signal.PreKeyRecord.new(id, k.getPublicKey(), k))
  }
  return party
}

/** The bundle a server would hand out for `of`, with one-time prekey `preKeyId`. */
async function signalBundle (of: SignalParty, preKeyId: number): Promise<signal.PreKeyBundle> {
  const spk = await of.signedPreKeys.getSignedPreKey(SIGNED_PREKEY_ID)
  const kyber = await of.kyberPreKeys.getKyberPreKey(KYBER_PREKEY_ID)
  const opk = await of.preKeys.getPreKey(preKeyId)
  return signal.PreKeyBundle.new(of.registrationId, 1, preKeyId, opk.publicKey(), SIGNED_PREKEY_ID, spk.publicKey(), spk.signature(),
    of.identity.getPublicKey(), KYBER_PREKEY_ID, kyber.publicKey(), kyber.signature())
}

async function signalEncrypt (from: SignalParty, to: SignalParty, plaintext: Uint8Array<ArrayBuffer>): Promise<signal.CiphertextMessage> {
  return await signal.signalEncrypt(plaintext, to.address, from.address, from.sessions, from.identities)
}

async function signalDecrypt (to: SignalParty, from: SignalParty, message: signal.CiphertextMessage): Promise<Uint8Array> {
  const wire = message.serialize()
  if (message.type() === signal.CiphertextMessageType.PreKey) {
    return await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(wire), from.address, to.address, to.sessions,
      to.identities, to.preKeys, to.signedPreKeys, to.kyberPreKeys)
  }
  return await signal.signalDecrypt(signal.SignalMessage.deserialize(wire), from.address, to.address, to.sessions, to.identities)
}

async function signalPair (): Promise<{ a: SignalParty, b: SignalParty }> {
  const a = await signalParty('alice', 1001, 1)
  const b = await signalParty('bob', 2002, 1)
  await signal.processPreKeyBundle(await signalBundle(b, 1), b.address, a.address, a.sessions, a.identities)
  const p0 = plaintextAt(0) as Uint8Array<ArrayBuffer>
  const p1 = plaintextAt(1) as Uint8Array<ArrayBuffer>
  if (!same(await signalDecrypt(b, a, await signalEncrypt(a, b, p0)), p0)) throw new Error('libsignal setup failed')
  if (!same(await signalDecrypt(a, b, await signalEncrypt(b, a, p1)), p1)) throw new Error('libsignal setup failed')
  return { a, b }
}

async function runLibsignal (): Promise<BenchResult> {
  const out: BenchResult = {}

  log(`libsignal: ${X3DH_SETUPS} PQXDH setups`)
  {
    const a = await signalParty('alice', 1001, 0)
    const b = await signalParty('bob', 2002, X3DH_SETUPS)
    let ok = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < X3DH_SETUPS; i++) {
      // Fresh sessions each time, as lanchat's setups are (otherwise libsignal archives old states into the record).
      a.sessions.records.clear()
      b.sessions.records.clear()
      const pt = plaintextAt(i) as Uint8Array<ArrayBuffer>
      await signal.processPreKeyBundle(await signalBundle(b, i + 1), b.address, a.address, a.sessions, a.identities)
      if (same(await signalDecrypt(b, a, await signalEncrypt(a, b, pt)), pt)) ok++
    }
    out.libsignal_x3dh_setups_per_s = rate(ok, start)
  }

  log(`libsignal: ${ONEWAY_MESSAGES} one-way messages`)
  {
    const { a, b } = await signalPair()
    let ok = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < ONEWAY_MESSAGES; i++) {
      const pt = plaintextAt(i) as Uint8Array<ArrayBuffer>
      if (same(await signalDecrypt(b, a, await signalEncrypt(a, b, pt)), pt)) ok++
    }
    out.libsignal_ratchet_oneway_msgs_per_s = rate(ok, start)
  }

  log(`libsignal: ${PINGPONG_MESSAGES} ping-pong messages`)
  {
    const { a, b } = await signalPair()
    let ok = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < PINGPONG_MESSAGES; i++) {
      const pt = plaintextAt(i) as Uint8Array<ArrayBuffer>
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a]
      if (same(await signalDecrypt(to, from, await signalEncrypt(from, to, pt)), pt)) ok++
    }
    out.libsignal_ratchet_pingpong_msgs_per_s = rate(ok, start)
  }

  log(`libsignal: ${OUT_OF_ORDER_ROUNDS} x ${OUT_OF_ORDER_MESSAGES} out-of-order messages`)
  {
    const { a, b } = await signalPair()
    let ok = 0
    const start = process.hrtime.bigint()
    for (let round = 0; round < OUT_OF_ORDER_ROUNDS; round++) {
      const sent: signal.CiphertextMessage[] = []
      for (let i = 0; i < OUT_OF_ORDER_MESSAGES; i++) sent.push(await signalEncrypt(a, b, plaintextAt(i) as Uint8Array<ArrayBuffer>))
      for (const i of shuffled(OUT_OF_ORDER_MESSAGES, 0x9e3779b9 + round)) {
        if (same(await signalDecrypt(b, a, sent[i] as signal.CiphertextMessage), plaintextAt(i))) ok++
      }
    }
    out.libsignal_ratchet_outoforder_msgs_per_s = rate(ok, start)
  }
  return out
}

// ====================================================================== run

export async function run (): Promise<BenchResult> {
  const ours = await runLanchat()
  const theirs = await runLibsignal()
  const out: BenchResult = {
    crypto_plaintext_bytes: PLAINTEXT_BYTES,
    crypto_x3dh_setups: X3DH_SETUPS,
    crypto_oneway_messages: ONEWAY_MESSAGES,
    crypto_pingpong_messages: PINGPONG_MESSAGES,
    crypto_outoforder_messages: `${OUT_OF_ORDER_ROUNDS} x ${OUT_OF_ORDER_MESSAGES}`,
    crypto_libsignal_note: 'libsignal runs PQXDH (X25519 + an ML-KEM-1024 last-resort Kyber prekey in each bundle) and the SPQR post-quantum ratchet; lanchat runs classical X3DH + Double Ratchet',
    ...ours,
    ...theirs
  }
  for (const k of ['x3dh_setups', 'ratchet_oneway_msgs', 'ratchet_pingpong_msgs', 'ratchet_outoforder_msgs']) {
    const mine = out[`${k}_per_s`]
    const base = out[`libsignal_${k}_per_s`]
    if (typeof mine === 'number' && typeof base === 'number' && base > 0) {
      out[`${k.replace(/_msgs$/, '')}_vs_libsignal`] = Math.round((mine / base) * 100) / 100
    }
  }
  for (const [k, v] of Object.entries(out)) log(`${k} = ${v}`)
  return out
}
