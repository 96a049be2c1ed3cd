/**
 * A group message's encryption (docs/groups.md, "Keys" and "The envelope"):
 * per-sender message keys derived from the epoch key with HKDF, AES-256-GCM
 * with the seq in the nonce and the header as associated data, and the
 * sender's signature over the whole envelope.
 */
import { aesGcmDecrypt, aesGcmEncrypt, hkdf, transcript } from '../crypto/index.js'
import { MESSAGE_AD_LABEL, SENDER_KEY_LABEL } from './constants.js'
import { GroupStateError } from './errors.js'
import { GroupPayload } from './pb/groups.js'
import { encodeU32, encodeU64, signEnvelope } from './state.js'
import type { GroupEnvelope } from './pb/groups.js'
import type { IdentityKeyPair } from '../crypto/index.js'

/** RFC 5869 §2.2: without a salt, HashLen zero bytes. */
const ZERO_SALT = new Uint8Array(32)

export type EnvelopeHeader = Pick<GroupEnvelope, 'group' | 'epoch' | 'sender' | 'seq' | 'hlc'>

/**
 * The sender's message key for an epoch: HKDF-SHA256(ikm = epoch key, salt =
 * 32 zero bytes, info = transcript(SENDER_KEY_LABEL, group, epoch (uint32 BE),
 * sender)). Distinct senders never share a key, so their seqs never share a
 * (key, nonce).
 */
export function senderKey (epochKey: Uint8Array, group: string, epoch: number, sender: string): Uint8Array {
  return hkdf(epochKey, ZERO_SALT, transcript(SENDER_KEY_LABEL, group, encodeU32(epoch), sender), 32)
}

/** The 96-bit GCM nonce: 4 zero bytes, then the seq (uint64 BE). */
export function messageNonce (seq: number): Uint8Array {
  const nonce = new Uint8Array(12)
  nonce.set(encodeU64(seq), 4)
  return nonce
}

/** The associated data: every header field, bound to the network. */
export function messageAd (networkId: string, h: EnvelopeHeader): Uint8Array {
  return transcript(MESSAGE_AD_LABEL, networkId, h.group, encodeU32(h.epoch), h.sender, encodeU64(h.seq), h.hlc)
}

/** Encrypts and signs one message. */
export function sealGroupMessage (networkId: string, key: Uint8Array, header: EnvelopeHeader, payload: GroupPayload, identity: IdentityKeyPair): GroupEnvelope {
  const ciphertext = aesGcmEncrypt(key, messageNonce(header.seq), GroupPayload.encode(payload), messageAd(networkId, header))
  return signEnvelope(networkId, { ...header, ciphertext: ciphertext as Uint8Array<ArrayBuffer> }, identity)
}

/** Decrypts one message (its signature checked by the caller): DECRYPT_FAILED or BAD_PAYLOAD otherwise. */
export function openGroupMessage (networkId: string, key: Uint8Array, env: GroupEnvelope): GroupPayload {
  let plaintext: Uint8Array
  try {
    plaintext = aesGcmDecrypt(key, messageNonce(env.seq), env.ciphertext, messageAd(networkId, env))
  } catch {
    throw new GroupStateError('DECRYPT_FAILED', `the message ${env.sender}/${env.epoch}/${env.seq} does not decrypt under the epoch key`)
  }
  try {
    const payload = GroupPayload.decode(plaintext)
    if (!/^[0-9a-f]{32}$/.test(payload.id)) throw new Error('bad id')
    return payload
  } catch {
    throw new GroupStateError('BAD_PAYLOAD', 'the decrypted message is not a group message')
  }
}
