/**
 * Bob's side of X3DH publishing ([X3DH] §3.2): the signed prekey, its rotation
 * with a grace period for the previous ones, and one-time prekeys. All pure
 * functions over a PreKeyState value (clock and randomness injected); the
 * PreKeyStore interface is what respondToSession consumes prekeys through.
 */
import {
  DEFAULT_ONE_TIME_PREKEY_BATCH, DEFAULT_SIGNED_PREKEY_GRACE_MS, DEFAULT_SIGNED_PREKEY_ROTATION_MS, KEY_LENGTH,
  KEY_TYPE_X25519, PREKEY_STATE_VERSION, SIGNATURE_LENGTH, SPK_SIGNATURE_CONTEXT
} from './constants.js'
import { checkBytes, checkKey, concatBytes, copyBytes } from './bytes.js'
import type { Bytes } from './bytes.js'
import { InvalidInputError, SessionError } from './errors.js'
import { forgetX25519PrivateKey, generateX25519KeyPair, sign, systemClock, systemRandom, verify } from './primitives.js'
import type { Clock, IdentityKeyPair, RandomSource, X25519KeyPair } from './primitives.js'
import { PreKeyStateRecord } from './pb/x3dh.js'
import type { SignedPreKeyRecord } from './pb/x3dh.js'

export interface SignedPreKey {
  readonly id: number
  readonly keyPair: X25519KeyPair
  /** Ed25519 signature by the identity key over SPK_SIGNATURE_CONTEXT || Encode(SPK). */
  readonly signature: Bytes
  /** When it was made (ms, injected clock). */
  readonly createdAt: number
  /** When it was replaced; set on retired keys only. */
  readonly retiredAt: number | undefined
}

export interface OneTimePreKey {
  readonly id: number
  readonly keyPair: X25519KeyPair
}

/** Everything Bob keeps privately for X3DH. A value: functions below return new states. */
export interface PreKeyState {
  readonly signedPreKey: SignedPreKey
  /** Previous signed prekeys still inside their grace period, oldest first. */
  readonly retiredSignedPreKeys: readonly SignedPreKey[]
  /** Unused one-time prekeys. */
  readonly oneTimePreKeys: readonly OneTimePreKey[]
  readonly nextSignedPreKeyId: number
  readonly nextOneTimePreKeyId: number
}

/**
 * Where respondToSession finds Bob's private prekeys. A one-time prekey is
 * removed only after the initial message that used it has decrypted, so a
 * forged initial message cannot burn one; a replayed one finds it gone.
 * Implementations must make removeOneTimePreKey durable before resolving.
 */
export interface PreKeyStore {
  /** The current signed prekey or a retired one still in its grace period. */
  loadSignedPreKey: (id: number) => Promise<SignedPreKey | undefined>
  loadOneTimePreKey: (id: number) => Promise<OneTimePreKey | undefined>
  removeOneTimePreKey: (id: number) => Promise<void>
}

export interface PreKeyOptions {
  /** Default Date.now. */
  readonly clock?: Clock
  /** Default the OS CSPRNG. */
  readonly random?: RandomSource
}

export interface RotationOptions extends PreKeyOptions {
  /** Replace the signed prekey once it is this old; default one week. */
  readonly rotationIntervalMs?: number
  /** Keep a replaced signed prekey this long; default two weeks. */
  readonly gracePeriodMs?: number
}

/** Encode(PK) for an X25519 key ([X3DH] §2.2): the curve type byte, then the 32 little-endian bytes of u. */
export function encodeX25519PublicKey (publicKey: Uint8Array): Bytes {
  checkKey(publicKey, 'publicKey')
  return concatBytes(Uint8Array.of(KEY_TYPE_X25519), publicKey)
}

function signedPreKeyMessage (signedPreKey: Uint8Array): Bytes {
  return concatBytes(SPK_SIGNATURE_CONTEXT, encodeX25519PublicKey(signedPreKey))
}

/** Sig(IK, Encode(SPK)) of [X3DH] §3.2, with lanchat's context label in front. */
export function signSignedPreKey (identity: IdentityKeyPair, signedPreKey: Uint8Array): Bytes {
  return sign(identity, signedPreKeyMessage(signedPreKey))
}

export function verifySignedPreKey (identityKey: Uint8Array, signedPreKey: Uint8Array, signature: Uint8Array): boolean {
  checkKey(identityKey, 'identityKey')
  checkKey(signedPreKey, 'signedPreKey')
  checkBytes(signature, 'signature')
  return verify(identityKey, signedPreKeyMessage(signedPreKey), signature)
}

function nextId (id: number): number {
  // Ids are uint32 on the wire; 0 is never used so that "absent" stays unambiguous.
  return id >= 0xffff_ffff ? 1 : id + 1
}

function newSignedPreKey (identity: IdentityKeyPair, id: number, now: number, random: RandomSource): SignedPreKey {
  const keyPair = generateX25519KeyPair(random)
  return { id, keyPair, signature: signSignedPreKey(identity, keyPair.publicKey), createdAt: now, retiredAt: undefined }
}

function checkCount (count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new InvalidInputError('count', 'must be an integer from 0 to 10000')
}

/** A first PreKeyState: a signed prekey and `oneTimePreKeys` one-time prekeys (default 100). */
export function createPreKeyState (identity: IdentityKeyPair, options: PreKeyOptions & { readonly oneTimePreKeys?: number } = {}): PreKeyState {
  const count = options.oneTimePreKeys ?? DEFAULT_ONE_TIME_PREKEY_BATCH
  checkCount(count)
  const now = (options.clock ?? systemClock)()
  const state: PreKeyState = {
    signedPreKey: newSignedPreKey(identity, 1, now, options.random ?? systemRandom),
    retiredSignedPreKeys: [],
    oneTimePreKeys: [],
    nextSignedPreKeyId: 2,
    nextOneTimePreKeyId: 1
  }
  return generateOneTimePreKeys(state, count, options)
}

/** Adds `count` fresh one-time prekeys (to publish after the relay reports its stock is low). */
export function generateOneTimePreKeys (state: PreKeyState, count: number, options: PreKeyOptions = {}): PreKeyState {
  checkCount(count)
  const random = options.random ?? systemRandom
  const added: OneTimePreKey[] = []
  let id = state.nextOneTimePreKeyId
  for (let i = 0; i < count; i++) {
    added.push({ id, keyPair: generateX25519KeyPair(random) })
    id = nextId(id)
  }
  return { ...state, oneTimePreKeys: state.oneTimePreKeys.concat(added), nextOneTimePreKeyId: id }
}

/** The state without one-time prekey `id` (it was used). */
export function removeOneTimePreKey (state: PreKeyState, id: number): PreKeyState {
  const kept = state.oneTimePreKeys.filter(k => k.id !== id)
  return kept.length === state.oneTimePreKeys.length ? state : { ...state, oneTimePreKeys: kept }
}

export function findSignedPreKey (state: PreKeyState, id: number): SignedPreKey | undefined {
  if (state.signedPreKey.id === id) return state.signedPreKey
  return state.retiredSignedPreKeys.find(k => k.id === id)
}

export function findOneTimePreKey (state: PreKeyState, id: number): OneTimePreKey | undefined {
  return state.oneTimePreKeys.find(k => k.id === id)
}

/**
 * Signed-prekey rotation ([X3DH] §3.2), a pure function of the state and the
 * clock: when the current signed prekey is `rotationIntervalMs` old, a new one
 * replaces it and the old one is kept as retired; retired keys are dropped
 * once `gracePeriodMs` has passed since they were replaced, so initial
 * messages delayed in transit (relay mailbox) still find their key. Returns
 * the input unchanged when there is nothing to do. Call it periodically.
 */
export function rotateSignedPreKey (state: PreKeyState, identity: IdentityKeyPair, options: RotationOptions = {}): PreKeyState {
  const interval = options.rotationIntervalMs ?? DEFAULT_SIGNED_PREKEY_ROTATION_MS
  const grace = options.gracePeriodMs ?? DEFAULT_SIGNED_PREKEY_GRACE_MS
  if (!(interval > 0)) throw new InvalidInputError('rotationIntervalMs', 'must be a positive number of milliseconds')
  if (!(grace >= 0)) throw new InvalidInputError('gracePeriodMs', 'must be a non-negative number of milliseconds')
  const now = (options.clock ?? systemClock)()

  let retired = state.retiredSignedPreKeys.filter(k => now - (k.retiredAt ?? k.createdAt) < grace)
  let current = state.signedPreKey
  let nextSignedPreKeyId = state.nextSignedPreKeyId
  if (now - current.createdAt >= interval) {
    retired = retired.concat({ ...current, retiredAt: now })
    current = newSignedPreKey(identity, nextSignedPreKeyId, now, options.random ?? systemRandom)
    nextSignedPreKeyId = nextId(nextSignedPreKeyId)
  }
  if (current === state.signedPreKey && retired.length === state.retiredSignedPreKeys.length) return state
  for (const k of state.retiredSignedPreKeys) {
    if (!retired.includes(k)) forgetX25519PrivateKey(k.keyPair.publicKey)
  }
  return { ...state, signedPreKey: current, retiredSignedPreKeys: retired, nextSignedPreKeyId }
}

/**
 * An in-memory PreKeyStore over a PreKeyState (tests, and a model for the
 * LevelDB store: read the state, apply the pure function, write it back).
 */
export class InMemoryPreKeyStore implements PreKeyStore {
  state: PreKeyState

  constructor (state: PreKeyState) {
    this.state = state
  }

  async loadSignedPreKey (id: number): Promise<SignedPreKey | undefined> {
    return findSignedPreKey(this.state, id)
  }

  async loadOneTimePreKey (id: number): Promise<OneTimePreKey | undefined> {
    return findOneTimePreKey(this.state, id)
  }

  async removeOneTimePreKey (id: number): Promise<void> {
    this.state = removeOneTimePreKey(this.state, id)
  }
}

// ------------------------------------------------------------------ storage

function signedToRecord (k: SignedPreKey): SignedPreKeyRecord {
  return {
    id: k.id,
    privateKey: k.keyPair.privateKey,
    publicKey: k.keyPair.publicKey,
    signature: k.signature,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt
  }
}

function corrupt (field: string, message: string, cause?: unknown): SessionError {
  return new SessionError('PREKEY_STATE_CORRUPT', `${field}: ${message}`, field, cause === undefined ? undefined : { cause })
}

function key (value: Uint8Array, field: string): Bytes {
  if (value.byteLength !== KEY_LENGTH) throw corrupt(field, `must be ${KEY_LENGTH} bytes`)
  return value as Bytes
}

function signedFromRecord (r: SignedPreKeyRecord, field: string): SignedPreKey {
  if (r.signature.byteLength !== SIGNATURE_LENGTH) throw corrupt(`${field}.signature`, `must be ${SIGNATURE_LENGTH} bytes`)
  return {
    id: r.id,
    keyPair: { privateKey: key(r.privateKey, `${field}.privateKey`), publicKey: key(r.publicKey, `${field}.publicKey`) },
    signature: r.signature,
    createdAt: r.createdAt,
    retiredAt: r.retiredAt
  }
}

/** The state as bytes (protobuf PreKeyStateRecord), for LevelDB. It holds private keys: store it encrypted at rest. */
export function serializePreKeyState (state: PreKeyState): Bytes {
  return PreKeyStateRecord.encode({
    version: PREKEY_STATE_VERSION,
    signedPreKey: signedToRecord(state.signedPreKey),
    retiredSignedPreKeys: state.retiredSignedPreKeys.map(signedToRecord),
    oneTimePreKeys: state.oneTimePreKeys.map(k => ({ id: k.id, privateKey: k.keyPair.privateKey, publicKey: k.keyPair.publicKey })),
    nextSignedPreKeyId: state.nextSignedPreKeyId,
    nextOneTimePreKeyId: state.nextOneTimePreKeyId
  })
}

/** Parses what serializePreKeyState wrote; PREKEY_STATE_CORRUPT naming the field otherwise. */
export function deserializePreKeyState (bytes: Uint8Array): PreKeyState {
  checkBytes(bytes, 'bytes')
  let r: PreKeyStateRecord
  try {
    r = PreKeyStateRecord.decode(copyBytes(bytes))
  } catch (err) {
    throw corrupt('bytes', 'is not a PreKeyStateRecord', err)
  }
  if (r.version !== PREKEY_STATE_VERSION) throw corrupt('version', `is ${r.version}, this code reads version ${PREKEY_STATE_VERSION}`)
  if (r.signedPreKey === undefined) throw corrupt('signedPreKey', 'is missing')
  return {
    signedPreKey: signedFromRecord(r.signedPreKey, 'signedPreKey'),
    retiredSignedPreKeys: r.retiredSignedPreKeys.map((k, i) => signedFromRecord(k, `retiredSignedPreKeys[${i}]`)),
    oneTimePreKeys: r.oneTimePreKeys.map((k, i) => ({
      id: k.id,
      keyPair: { privateKey: key(k.privateKey, `oneTimePreKeys[${i}].privateKey`), publicKey: key(k.publicKey, `oneTimePreKeys[${i}].publicKey`) }
    })),
    nextSignedPreKeyId: r.nextSignedPreKeyId,
    nextOneTimePreKeyId: r.nextOneTimePreKeyId
  }
}
