/**
 * The Double Ratchet's key derivations ([DR] §5.2, with libsignal's message
 * key layout) and the AEAD under one message key.
 */
import { concatBytes, wipe } from './bytes.js'
import { CHAIN_KEY_SEED, GCM_NONCE_LENGTH, KEY_LENGTH, MESSAGE_KEY_INFO, MESSAGE_KEY_MATERIAL_LENGTH, MESSAGE_KEY_SALT, MESSAGE_KEY_SEED, ROOT_KDF_INFO } from './constants.js'
import { aesGcmDecrypt, aesGcmEncrypt, hkdf, hmacSha256 } from './primitives.js'
import type { Bytes } from './bytes.js'

/**
 * KDF_RK(rk, dh_out) ([DR] §5.2): HKDF-SHA256 with rk as salt, the DH output
 * as input key material and ROOT_KDF_INFO, 64 bytes: new root key || chain key.
 */
export function kdfRootKey (rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Bytes, chainKey: Bytes } {
  const out = hkdf(dhOutput, rootKey, ROOT_KDF_INFO, 2 * KEY_LENGTH)
  return { rootKey: out.subarray(0, KEY_LENGTH), chainKey: out.subarray(KEY_LENGTH) }
}

/**
 * KDF_CK(ck) ([DR] §5.2): message key = HMAC-SHA256(ck, 0x01), next chain key =
 * HMAC-SHA256(ck, 0x02).
 */
export function kdfChainKey (chainKey: Uint8Array): { chainKey: Bytes, messageKey: Bytes } {
  return {
    chainKey: hmacSha256(chainKey, CHAIN_KEY_SEED),
    messageKey: hmacSha256(chainKey, MESSAGE_KEY_SEED)
  }
}

export interface MessageKeys {
  readonly cipherKey: Bytes
  readonly macKey: Bytes
  readonly iv: Bytes
}

/**
 * The keys of one message ([DR] §5.2 ENCRYPT, libsignal's layout): HKDF-SHA256
 * over the message key with a 32-byte zero salt and "WhisperMessageKeys", 80
 * bytes = cipher key (32) || MAC key (32) || IV (16).
 */
export function deriveMessageKeys (messageKey: Uint8Array): MessageKeys {
  const out = hkdf(messageKey, MESSAGE_KEY_SALT, MESSAGE_KEY_INFO, MESSAGE_KEY_MATERIAL_LENGTH)
  return { cipherKey: out.subarray(0, 32), macKey: out.subarray(32, 64), iv: out.subarray(64, 80) }
}

/** ENCRYPT(mk, plaintext, CONCAT(AD, header)): AES-256-GCM, key = cipher key, nonce = first 12 bytes of the IV. */
export function encryptWithMessageKey (messageKey: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, header: Uint8Array): Bytes {
  const keys = deriveMessageKeys(messageKey)
  try {
    return aesGcmEncrypt(keys.cipherKey, keys.iv.subarray(0, GCM_NONCE_LENGTH), plaintext, concatBytes(associatedData, header))
  } finally {
    wipe(keys.cipherKey, keys.macKey, keys.iv)
  }
}

export function decryptWithMessageKey (messageKey: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array, header: Uint8Array): Bytes {
  const keys = deriveMessageKeys(messageKey)
  try {
    return aesGcmDecrypt(keys.cipherKey, keys.iv.subarray(0, GCM_NONCE_LENGTH), ciphertext, concatBytes(associatedData, header))
  } finally {
    wipe(keys.cipherKey, keys.macKey, keys.iv)
  }
}
