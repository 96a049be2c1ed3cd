/**
 * A lockbox: a secret sealed to one node's role key, so that only that node
 * opens it (docs/replication.md, "Secrets"). The role key is the Ed25519 key
 * the node announces for the role (src/roles/role-keys.ts); the box uses its
 * X25519 form: an ephemeral X25519 key, ECDH with the recipient, HKDF-SHA256
 * (salt = ephemeral public || recipient public), AES-256-GCM with the
 * caller's associated data. Box = ephemeral public (32) || nonce (12) ||
 * ciphertext || tag (16).
 */
import { concatBytes, edToX25519PrivateKey, edToX25519PublicKey, generateX25519KeyPair, hkdf, open, seal, x25519, x25519PublicKey } from '../crypto/index.js'

const INFO = new TextEncoder().encode('lanchat/replica/lockbox/v1')

/** Seals `secret` to the node whose role key (Ed25519 public) is `recipient`. */
export function sealTo (recipient: Uint8Array, secret: Uint8Array, ad: Uint8Array): Uint8Array {
  const to = edToX25519PublicKey(recipient, 'recipient')
  const eph = generateX25519KeyPair()
  const key = hkdf(x25519(eph.privateKey, to), concatBytes(eph.publicKey, to), INFO, 32)
  return concatBytes(eph.publicKey, seal(key, secret, ad))
}

/** Opens a box sealed to this node's role key (`seed`: the Ed25519 seed); throws when it does not open. */
export function openBox (seed: Uint8Array, box: Uint8Array, ad: Uint8Array): Uint8Array {
  if (box.byteLength < 32 + 28) throw new RangeError('a lockbox is at least 60 bytes')
  const mine = edToX25519PrivateKey(seed)
  const eph = box.subarray(0, 32)
  const key = hkdf(x25519(mine, eph), concatBytes(eph, x25519PublicKey(mine)), INFO, 32)
  return open(key, box.subarray(32), ad)
}
