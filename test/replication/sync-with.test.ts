import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { Replicas } from '../../src/replication/replicas.js'
import { replicationOver } from './harness.js'
import type { ReplicationComponents } from '../../src/replication/types.js'

describe("a holder's catch-up with a replica", () => {
  it('stops trying a replica once it is no longer live (a node that died, live only while it was dialled again)', async () => {
    const store = await openMemoryStore()
    const r = await replicationOver(store, new Uint8Array(32))
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    // The registry counts the peer live until a dial to it has failed (docs/roles.md, "When a node is gone").
    let live = true
    let dials = 0
    const libp2p = {
      dialProtocol: async () => {
        dials++
        live = false
        throw new Error('connection refused')
      }
    } as unknown as NonNullable<ReplicationComponents['libp2p']>
    const peers = {
      self: 'this node',
      eligibleRoles: () => ['relay' as const],
      livePeers: () => live ? [{ peerId: peer, eligible: ['relay' as const] }] : [],
      serves: () => true,
      holderOf: () => 'this node',
      addEventListener: () => {},
      removeEventListener: () => {}
    }
    const replicas = new Replicas(r, { libp2p, peers }, () => Date.now())
    let pauses = 0
    await replicas.syncWith(peer, 'relay', () => true, async () => { pauses++ })
    // One failed dial, then it is not a replica any more: no more tries (there were 50, 100 ms apart: 5 s).
    expect({ dials, pauses }).toEqual({ dials: 1, pauses: 1 })
    await r.stop()
    await store.close()
  })
})
