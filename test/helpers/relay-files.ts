/**
 * Nodes eligible for the relay role, each with a file server over the
 * replication harness's parts (network, registry, replication) in this
 * process on 127.0.0.1, a sealed file to upload, and an uploader: for the
 * tests and the bench of chunks held at the relay (issue 17 with issue 14).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { openMemoryStore } from '../../store/index.js'
import { Network } from '../../src/net/index.js'
import { ServiceError } from '../../src/services/index.js'
import { generateIdentityKeyPair, verify } from '../../src/crypto/index.js'
import { hasBit } from '../../src/files/bitmap.js'
import { chunkHash, chunkLength, fileKeys, sealChunk } from '../../src/files/chunks.js'
import { createFileServer } from '../../src/files/index.js'
import { uploadToRelay } from '../../src/files/upload.js'
import { addrOf, startMember, stopMember, testKeys } from '../replication/harness.js'
import type { FileKeys } from '../../src/files/chunks.js'
import type { FileServer, RelayFilesInit } from '../../src/files/index.js'
import type { Member, MemberSpec } from '../replication/harness.js'

export interface RelayNode { m: Member, server: FileServer }

/** A file sealed in memory: what an upload sends. */
export interface SealedFile {
  id: Uint8Array<ArrayBuffer>
  hex: string
  keys: FileKeys
  size: number
  chunkSize: number
  count: number
  chunks: Uint8Array[]
  manifest: Uint8Array
}

/** The only uploader these nodes take: "alice", whose identity key signs the uploads. */
const alice = generateIdentityKeyPair()

export function sealedFile (n: number, count: number, chunkSize: number): SealedFile {
  const id = new Uint8Array(16).fill(n)
  const keys = fileKeys(id, new Uint8Array(32).fill(n + 1))
  const shape = { id, size: count * chunkSize - 100, chunkSize }
  const chunks = Array.from({ length: count }, (_, i) => sealChunk(keys.chunkKey, shape, i, new Uint8Array(chunkLength(shape, i)).fill(i % 251)))
  return { id, hex: Buffer.from(id).toString('hex'), keys, size: shape.size, chunkSize, count, chunks, manifest: Buffer.concat(chunks.map(chunkHash)) }
}

export async function startRelayNode (spec: MemberSpec, relay: RelayFilesInit = {}): Promise<RelayNode> {
  // The file server defines its doc before the replication starts (as the node does).
  const m = await startMember({ ...spec, startReplication: false })
  const server = createFileServer({
    libp2p: m.network.libp2p,
    registry: m.registry,
    replication: m.replication,
    verifier: {
      caller: async ctx => {
        if (ctx.identityToken !== 'alice-token' || ctx.proof === undefined || ctx.proofOf === undefined || !verify(alice.publicKey, ctx.proofOf, ctx.proof)) {
          throw new ServiceError('BAD_PROOF', 'not alice')
        }
        return { sub: 'alice' } as never
      }
    },
    store: m.store,
    networkId: (await testKeys()).networkId
  }, { relay })
  await server.start()
  return { m, server }
}

export async function stopRelayNode (r: RelayNode): Promise<void> {
  await r.server.stop()
  await stopMember(r.m)
}

/** A node that holds no role (an uploader, a recipient), connected to `peer`. */
export async function startUserNode (peer: RelayNode): Promise<Network> {
  const n = new Network({ store: await openMemoryStore() }, { keys: await testKeys(), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [addrOf(peer.m)], mdns: false })
  await n.start()
  await n.libp2p.dial(multiaddr(addrOf(peer.m)))
  return n
}

/** Whether each node sees the others live and `holder` serves the relay role. */
export function relaysReady (holder: RelayNode, others: RelayNode[]): boolean {
  const live = (a: RelayNode, b: RelayNode): boolean => a.m.registry.livePeers().some(p => p.peerId === b.m.network.peerId.toString())
  return holder.m.registry.serves('relay') && others.every(o => live(holder, o) && live(o, holder))
}

/** Uploads `f` as alice to `holder`, calling `stored` for each chunk acknowledged (and waiting for what it returns). */
export async function uploadAsAlice (from: Network, holder: RelayNode, f: SealedFile, stored: (index: number) => void | Promise<void> = () => {}): Promise<void> {
  const acks: Array<Promise<void>> = []
  await uploadToRelay({ libp2p: from.libp2p, networkId: (await testKeys()).networkId, identityToken: () => 'alice-token', identity: () => alice, window: 8, timeoutMs: 10_000 }, holder.m.network.peerId.toString(), {
    id: f.id, accessKey: f.keys.accessKey, size: f.size, chunkSize: f.chunkSize, manifest: f.manifest, count: f.count,
    read: async i => f.chunks[i]!,
    stored: i => { acks.push(Promise.resolve(stored(i))) }
  }, AbortSignal.timeout(120_000))
  await Promise.all(acks)
}

/** The indexes of the chunks of `f` a relay node holds. */
export async function heldChunks (r: RelayNode, f: SealedFile): Promise<number[]> {
  const held = await r.server.relay.get(f.hex)
  return held === undefined ? [] : Array.from({ length: f.count }, (_, i) => i).filter(i => hasBit(held.held, i))
}

export { alice as uploaderKey }
