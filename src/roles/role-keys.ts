import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Role } from './election.js'
import type { KV } from '../../store/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/**
 * The Ed25519 key a node signs with while it holds a role (identity tokens
 * for idp, authorization tokens for relay, ...). One per role, created the
 * first time the node may hold it, kept in the store; its public half is in
 * every announcement, so anyone verifies what a holder signed.
 */
export async function loadOrCreateRoleKey (kv: KV<Uint8Array>, role: Role): Promise<Ed25519PrivateKey> {
  const name = `role-key/${role}`
  const stored = await kv.get(name)
  if (stored !== undefined) {
    const key = privateKeyFromProtobuf(stored)
    if (key.type !== 'Ed25519') throw new Error(`the stored ${role} key is not Ed25519`)
    return key
  }
  const key = await generateKeyPair('Ed25519')
  await kv.put(name, privateKeyToProtobuf(key))
  return key
}
