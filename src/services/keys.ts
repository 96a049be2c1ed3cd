import type { IdentityKeyPair } from '../crypto/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** A role key (libp2p Ed25519: raw = seed || public) as the crypto core's key pair, to sign tokens with. */
export function roleSigner (key: Ed25519PrivateKey): IdentityKeyPair {
  return { publicKey: new Uint8Array(key.publicKey.raw), privateKey: new Uint8Array(key.raw.subarray(0, 32)) }
}
