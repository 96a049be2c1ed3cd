import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { KV } from '../../store/index.js'
import type { PrivateKey } from '@libp2p/interface'

const NODE_KEY = 'libp2p-private-key'

/**
 * The node's libp2p Ed25519 key, created on first start and kept in the
 * store so the peer id survives restarts.
 */
export async function loadOrCreateNodeKey (kv: KV<Uint8Array>): Promise<PrivateKey> {
  const stored = await kv.get(NODE_KEY)
  if (stored !== undefined) return privateKeyFromProtobuf(stored)
  const key = await generateKeyPair('Ed25519')
  await kv.put(NODE_KEY, privateKeyToProtobuf(key))
  return key
}
