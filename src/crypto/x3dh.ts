/**
 * X3DH ([X3DH] = Signal, "The X3DH Key Agreement Protocol", rev. 1) with
 * curve X25519, hash SHA-256 and info X3DH_INFO (§2.1), and Ed25519 identity
 * keys used for DH through their X25519 form (RFC 7748 §4.1) instead of
 * XEdDSA (§2.2 defines Sig as XEdDSA because Signal's identity keys are
 * X25519; ours are Ed25519, so we sign natively and convert for DH).
 *
 * initiateSession is Alice (§3.3), respondToSession is Bob (§3.4); both end
 * in a Double Ratchet session (ratchet.ts) as [DR] §3.3 / rev. 1 §5.1 describes.
 */
import { KEY_TYPE_ED25519, SIGNATURE_LENGTH, X3DH_F, X3DH_INFO, X3DH_SALT } from './constants.js'
import { checkBytes, checkKey, checkUint32, checkWireKey, concatBytes, copyBytes, equalBytes, usernameBytes, wipe } from './bytes.js'
import type { Bytes } from './bytes.js'
import { BadSignatureError, InvalidInputError, MalformedMessageError, PreKeyNotFoundError, SessionError } from './errors.js'
import {
  dh, edToX25519PublicKey, forgetX25519PrivateKey, generateX25519KeyPair, hkdf, identityDhKeyPair, peerKey, systemRandom
} from './primitives.js'
import type { IdentityKeyPair, RandomSource } from './primitives.js'
import { verifySignedPreKey } from './prekeys.js'
import type { PreKeyState, PreKeyStore } from './prekeys.js'
import { decryptMessage, initInitiatorSession, initResponderSession } from './ratchet.js'
import type { RatchetOptions, SessionState } from './ratchet.js'
import { InitialMessage as InitialMessagePb, PreKeyBundle as PreKeyBundlePb } from './pb/x3dh.js'

/** A prekey bundle ([X3DH] §3.2), what Alice needs to start a session with Bob. */
export interface PreKeyBundle {
  /** IK_B, Ed25519 public key. */
  readonly identityKey: Bytes
  readonly signedPreKeyId: number
  /** SPK_B, X25519 public key. */
  readonly signedPreKey: Bytes
  /** Ed25519 signature by IK_B over SPK_SIGNATURE_CONTEXT || Encode(SPK_B). */
  readonly signedPreKeySignature: Bytes
  /** OPK_B, when Bob has one left. */
  readonly oneTimePreKey?: { readonly id: number, readonly publicKey: Bytes } | undefined
}

/** A decoded initial message ([X3DH] §3.3). */
export interface InitialMessage {
  /** IK_A, Ed25519 public key. */
  readonly identityKey: Bytes
  readonly username: string
  /** EK_A, X25519 public key. */
  readonly baseKey: Bytes
  readonly signedPreKeyId: number
  readonly oneTimePreKeyId: number | undefined
  /** Alice's first ratchet message (encoded RatchetMessage). */
  readonly message: Bytes
}

// ------------------------------------------------------------------ encodings

/** Encode(IK) for an Ed25519 identity key: KEY_TYPE_ED25519 || the 32-byte public key. */
export function encodeIdentityKey (identityKey: Uint8Array): Bytes {
  checkKey(identityKey, 'identityKey')
  return concatBytes(Uint8Array.of(KEY_TYPE_ED25519), identityKey)
}

function lengthPrefixed (bytes: Uint8Array): Bytes {
  const out = new Uint8Array(2 + bytes.byteLength)
  out[0] = bytes.byteLength >>> 8
  out[1] = bytes.byteLength & 0xff
  out.set(bytes, 2)
  return out
}

/**
 * AD = Encode(IK_A) || Encode(IK_B) ([X3DH] §3.3) || len(user_A) || user_A ||
 * len(user_B) || user_B, lengths as 2-byte big-endian counts of UTF-8 bytes
 * (§3.3 allows appending identifying information such as usernames).
 */
export function associatedData (initiatorIdentityKey: Uint8Array, responderIdentityKey: Uint8Array, initiatorUsername: string, responderUsername: string): Bytes {
  return concatBytes(
    encodeIdentityKey(initiatorIdentityKey),
    encodeIdentityKey(responderIdentityKey),
    lengthPrefixed(usernameBytes(initiatorUsername, 'initiatorUsername')),
    lengthPrefixed(usernameBytes(responderUsername, 'responderUsername'))
  )
}

/** KDF(KM) of [X3DH] §2.2: HKDF-SHA256(ikm = F || KM, salt = 32 zero bytes, info = X3DH_INFO), 32 bytes. */
export function x3dhKdf (keyMaterial: readonly Uint8Array[]): Bytes {
  const ikm = concatBytes(X3DH_F, ...keyMaterial)
  try {
    return hkdf(ikm, X3DH_SALT, X3DH_INFO, 32)
  } finally {
    wipe(ikm)
  }
}

export function encodePreKeyBundle (bundle: PreKeyBundle): Bytes {
  checkKey(bundle.identityKey, 'bundle.identityKey')
  checkKey(bundle.signedPreKey, 'bundle.signedPreKey')
  checkUint32(bundle.signedPreKeyId, 'bundle.signedPreKeyId')
  const opk = bundle.oneTimePreKey
  if (opk !== undefined) {
    checkUint32(opk.id, 'bundle.oneTimePreKey.id')
    checkKey(opk.publicKey, 'bundle.oneTimePreKey.publicKey')
  }
  return PreKeyBundlePb.encode({
    identityKey: bundle.identityKey,
    signedPreKeyId: bundle.signedPreKeyId,
    signedPreKey: bundle.signedPreKey,
    signedPreKeySignature: bundle.signedPreKeySignature,
    oneTimePreKeyId: opk?.id,
    oneTimePreKey: opk?.publicKey
  })
}

/** Decodes a bundle and checks its shape (not its signature: initiateSession verifies that first). */
export function decodePreKeyBundle (bytes: Uint8Array): PreKeyBundle {
  checkBytes(bytes, 'bytes')
  let b: PreKeyBundlePb
  try {
    b = PreKeyBundlePb.decode(copyBytes(bytes))
  } catch (err) {
    throw new MalformedMessageError('bundle', 'is not a PreKeyBundle', { cause: err })
  }
  return checkBundle({
    identityKey: b.identityKey,
    signedPreKeyId: b.signedPreKeyId,
    signedPreKey: b.signedPreKey,
    signedPreKeySignature: b.signedPreKeySignature,
    oneTimePreKey: b.oneTimePreKeyId === undefined && b.oneTimePreKey === undefined
      ? undefined
      : { id: b.oneTimePreKeyId ?? -1, publicKey: b.oneTimePreKey ?? new Uint8Array(0) }
  })
}

function checkBundle (bundle: PreKeyBundle): PreKeyBundle {
  if (typeof bundle !== 'object' || bundle === null) throw new MalformedMessageError('bundle', 'must be a PreKeyBundle')
  checkWireKey(bundle.identityKey, 'bundle.identityKey')
  checkWireKey(bundle.signedPreKey, 'bundle.signedPreKey')
  if (!(bundle.signedPreKeySignature instanceof Uint8Array) || bundle.signedPreKeySignature.byteLength !== SIGNATURE_LENGTH) {
    throw new MalformedMessageError('bundle.signedPreKeySignature', `must be ${SIGNATURE_LENGTH} bytes`)
  }
  if (!Number.isInteger(bundle.signedPreKeyId) || bundle.signedPreKeyId < 0 || bundle.signedPreKeyId > 0xffff_ffff) {
    throw new MalformedMessageError('bundle.signedPreKeyId', 'must be a uint32')
  }
  const opk = bundle.oneTimePreKey
  if (opk !== undefined) {
    if (!Number.isInteger(opk.id) || opk.id < 0 || opk.id > 0xffff_ffff) {
      throw new MalformedMessageError('bundle.oneTimePreKey.id', 'must be present with the one-time prekey, as a uint32')
    }
    checkWireKey(opk.publicKey, 'bundle.oneTimePreKey.publicKey')
  }
  return bundle
}

/** Checks the bundle's signed-prekey signature (a relay can refuse bad bundles early with this). */
export function verifyPreKeyBundle (bundle: PreKeyBundle): boolean {
  checkBundle(bundle)
  return verifySignedPreKey(bundle.identityKey, bundle.signedPreKey, bundle.signedPreKeySignature)
}

/** Bob's current bundle from his own state, with one-time prekey `oneTimePreKeyId` if given (served directly to an online peer). */
export function createPreKeyBundle (state: PreKeyState, identityKey: Uint8Array, oneTimePreKeyId?: number): PreKeyBundle {
  checkKey(identityKey, 'identityKey')
  let oneTimePreKey: PreKeyBundle['oneTimePreKey']
  if (oneTimePreKeyId !== undefined) {
    const k = state.oneTimePreKeys.find(o => o.id === oneTimePreKeyId)
    if (k === undefined) throw new InvalidInputError('oneTimePreKeyId', `one-time prekey ${oneTimePreKeyId} is not in the state`)
    oneTimePreKey = { id: k.id, publicKey: k.keyPair.publicKey }
  }
  return {
    identityKey: copyBytes(identityKey),
    signedPreKeyId: state.signedPreKey.id,
    signedPreKey: state.signedPreKey.keyPair.publicKey,
    signedPreKeySignature: state.signedPreKey.signature,
    oneTimePreKey
  }
}

/** Decodes an initial message and checks its fields. */
export function decodeInitialMessage (bytes: Uint8Array): InitialMessage {
  checkBytes(bytes, 'bytes')
  let m: InitialMessagePb
  try {
    m = InitialMessagePb.decode(copyBytes(bytes))
  } catch (err) {
    throw new MalformedMessageError('initialMessage', 'is not an InitialMessage', { cause: err })
  }
  try {
    usernameBytes(m.username, 'initialMessage.username')
  } catch (err) {
    throw new MalformedMessageError('initialMessage.username', 'must be a valid username', { cause: err })
  }
  if (m.message.byteLength === 0) throw new MalformedMessageError('initialMessage.message', 'is empty')
  return {
    identityKey: checkWireKey(m.identityKey, 'initialMessage.identityKey'),
    username: m.username,
    baseKey: checkWireKey(m.baseKey, 'initialMessage.baseKey'),
    signedPreKeyId: m.signedPreKeyId,
    oneTimePreKeyId: m.oneTimePreKeyId,
    message: m.message
  }
}

// ------------------------------------------------------------------ Alice

export interface InitiateParams {
  /** Alice's identity key IK_A. */
  readonly identity: IdentityKeyPair
  readonly username: string
  /** Bob's username, as the directory (IdP) binds it to bundle.identityKey: checking that binding is the caller's job ([X3DH] §4.1). */
  readonly peerUsername: string
  readonly bundle: PreKeyBundle | Uint8Array
  /** For EK_A and the first ratchet key; default the OS CSPRNG. */
  readonly random?: RandomSource
}

/**
 * Alice's side ([X3DH] §3.3): verifies the bundle's signature before anything
 * else is computed (BAD_SIGNATURE otherwise), then EK_A, DH1..DH4, SK, AD and
 * the initial Double Ratchet state. The session's messages are InitialMessages
 * until Bob's first reply is decrypted.
 */
export function initiateSession (params: InitiateParams): SessionState {
  const bundle = params.bundle instanceof Uint8Array ? decodePreKeyBundle(params.bundle) : checkBundle(params.bundle)
  if (!verifySignedPreKey(bundle.identityKey, bundle.signedPreKey, bundle.signedPreKeySignature)) {
    throw new BadSignatureError('bundle.signedPreKeySignature', 'the signed prekey is not signed by the bundle\'s identity key; the bundle is forged or corrupt')
  }
  const random = params.random ?? systemRandom
  const { identity } = params
  const ad = associatedData(identity.publicKey, bundle.identityKey, params.username, params.peerUsername)

  const ikA = identityDhKeyPair(identity, 'identity')
  const ikB = peerKey(edToX25519PublicKey(bundle.identityKey, 'bundle.identityKey'), 'bundle.identityKey')
  const spkB = peerKey(bundle.signedPreKey, 'bundle.signedPreKey')
  const ek = generateX25519KeyPair(random)
  const dhs = [
    dh(ikA, spkB, 'bundle.signedPreKey'),
    dh(ek, ikB, 'bundle.identityKey'),
    dh(ek, spkB, 'bundle.signedPreKey')
  ]
  const opk = bundle.oneTimePreKey
  if (opk !== undefined) dhs.push(dh(ek, peerKey(opk.publicKey, 'bundle.oneTimePreKey'), 'bundle.oneTimePreKey'))
  const sk = x3dhKdf(dhs)
  // §3.3: Alice deletes her ephemeral private key and the DH outputs.
  wipe(...dhs)
  forgetX25519PrivateKey(ek.publicKey)
  wipe(ek.privateKey)

  try {
    return initInitiatorSession({
      sharedSecret: sk,
      remoteRatchetKey: bundle.signedPreKey,
      associatedData: ad,
      remoteIdentityKey: copyBytes(bundle.identityKey),
      remoteUsername: params.peerUsername,
      pendingPreKey: {
        identityKey: copyBytes(identity.publicKey),
        username: params.username,
        baseKey: ek.publicKey,
        signedPreKeyId: bundle.signedPreKeyId,
        oneTimePreKeyId: opk?.id
      },
      random
    })
  } finally {
    wipe(sk)
  }
}

// ------------------------------------------------------------------ Bob

export interface RespondParams extends RatchetOptions {
  /** Bob's identity key IK_B. */
  readonly identity: IdentityKeyPair
  readonly username: string
  readonly store: PreKeyStore
  readonly message: Uint8Array | InitialMessage
}

export interface RespondResult {
  readonly session: SessionState
  /** Alice's first message. */
  readonly plaintext: Bytes
  /** Who Alice claims to be. The caller must check that this username owns this identity key (IdP directory or token) before trusting it ([X3DH] §4.1). */
  readonly initiator: { readonly identityKey: Bytes, readonly username: string }
}

/**
 * Bob's side ([X3DH] §3.4): loads the signed prekey and the one-time prekey the
 * message names, computes SK and AD, starts the ratchet and decrypts Alice's
 * first message. Only when that succeeds is the one-time prekey removed from
 * the store (used once, then deleted); a replay then fails with
 * ONE_TIME_PREKEY_NOT_FOUND. A message that fails leaves the store as it was.
 */
export async function respondToSession (params: RespondParams): Promise<RespondResult> {
  const msg = params.message instanceof Uint8Array ? decodeInitialMessage(params.message) : params.message
  const { identity, store } = params
  usernameBytes(params.username, 'username')
  if (equalBytes(msg.identityKey, identity.publicKey)) {
    throw new MalformedMessageError('initialMessage.identityKey', 'is our own identity key')
  }

  const spk = await store.loadSignedPreKey(msg.signedPreKeyId)
  if (spk === undefined) throw new PreKeyNotFoundError('signed', msg.signedPreKeyId)
  let opk
  if (msg.oneTimePreKeyId !== undefined) {
    opk = await store.loadOneTimePreKey(msg.oneTimePreKeyId)
    if (opk === undefined) throw new PreKeyNotFoundError('one-time', msg.oneTimePreKeyId)
  }

  const ad = associatedData(msg.identityKey, identity.publicKey, msg.username, params.username)
  const ikB = identityDhKeyPair(identity, 'identity')
  const ikA = peerKey(edToX25519PublicKey(msg.identityKey, 'initialMessage.identityKey'), 'initialMessage.identityKey')
  const ekA = peerKey(msg.baseKey, 'initialMessage.baseKey')
  const dhs = [
    dh(spk.keyPair, ikA, 'initialMessage.identityKey', 'signedPreKey'),
    dh(ikB, ekA, 'initialMessage.baseKey'),
    dh(spk.keyPair, ekA, 'initialMessage.baseKey', 'signedPreKey')
  ]
  if (opk !== undefined) dhs.push(dh(opk.keyPair, ekA, 'initialMessage.baseKey', 'oneTimePreKey'))
  const sk = x3dhKdf(dhs)
  wipe(...dhs)

  let session: SessionState
  try {
    session = initResponderSession({
      sharedSecret: sk,
      ratchetKeyPair: spk.keyPair,
      associatedData: ad,
      remoteIdentityKey: copyBytes(msg.identityKey),
      remoteUsername: msg.username,
      baseKey: copyBytes(msg.baseKey)
    })
  } finally {
    wipe(sk)
  }
  const { session: next, plaintext } = decryptMessage(session, msg.message, params)

  if (opk !== undefined) {
    await store.removeOneTimePreKey(opk.id)
    forgetX25519PrivateKey(opk.keyPair.publicKey)
  }
  return { session: next, plaintext, initiator: { identityKey: next.remoteIdentityKey, username: msg.username } }
}

/**
 * Decrypts an initial message for a session that already exists: Alice resends
 * her messages as InitialMessages until she hears from Bob. Throws
 * SESSION_MISMATCH when the message belongs to another X3DH run (then call
 * respondToSession for a new session).
 */
export function decryptInitialMessage (session: SessionState, message: Uint8Array | InitialMessage, options: RatchetOptions = {}): { session: SessionState, plaintext: Bytes } {
  const msg = message instanceof Uint8Array ? decodeInitialMessage(message) : message
  if (!isSameSession(session, msg)) {
    throw new SessionError('SESSION_MISMATCH', 'this initial message starts a different session (another base key or identity); respond to it as a new session', 'initialMessage.baseKey')
  }
  return decryptMessage(session, msg.message, options)
}

/** True when this initial message belongs to this session (same X3DH run). */
export function isSameSession (session: SessionState, message: InitialMessage): boolean {
  return equalBytes(message.baseKey, session.baseKey) && equalBytes(message.identityKey, session.remoteIdentityKey)
}
