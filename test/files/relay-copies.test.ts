import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { Network } from '../../src/net/index.js'
import { ServiceError } from '../../src/services/index.js'
import { generateIdentityKeyPair, verify } from '../../src/crypto/index.js'
import { hasBit } from '../../src/files/bitmap.js'
import { chunkHash, chunkLength, fetchProof, fileKeys, sealChunk } from '../../src/files/chunks.js'
import { FILE_PROTOCOL, MAX_REPLY_FRAME } from '../../src/files/constants.js'
import { createFileServer } from '../../src/files/index.js'
import { FileReply, FileRequest } from '../../src/files/pb/files.js'
import { libp2pSources } from '../../src/files/source.js'
import { uploadToRelay } from '../../src/files/upload.js'
import { addrOf, eventually, startMember, stopMember, testKeys } from '../replication/harness.js'
import type { FileServer } from '../../src/files/index.js'
import type { Member, MemberSpec } from '../replication/harness.js'

/**
 * Issue 17 with issue 14: chunks held at the relay are replicated like mail.
 * Nodes of the replication harness (network, registry, replication) on
 * 127.0.0.1, each with a file server; an uploader node that is eligible for
 * no role uploads to the relay holder.
 */
const KiB = 1024
const COUNT = 12
const id = new Uint8Array(16).fill(5)
const fileId = Buffer.from(id).toString('hex')
const keys = fileKeys(id, new Uint8Array(32).fill(6))
const shape = { id, size: COUNT * 16 * KiB - 100, chunkSize: 16 * KiB }
const sealed = Array.from({ length: COUNT }, (_, i) => sealChunk(keys.chunkKey, shape, i, new Uint8Array(chunkLength(shape, i)).fill(i)))
const manifest = Buffer.concat(sealed.map(chunkHash))
const uploaderKey = generateIdentityKeyPair()

interface Relay { m: Member, server: FileServer }
const relays: Relay[] = []
const others: Network[] = []

async function relayNode (spec: MemberSpec, init: { copyIntervalMs?: number } = {}): Promise<Relay> {
  const m = await startMember({ ...spec, startReplication: false })
  const server = createFileServer({
    libp2p: m.network.libp2p,
    registry: m.registry,
    replication: m.replication,
    verifier: {
      caller: async ctx => {
        if (ctx.identityToken !== 'alice-token' || ctx.proof === undefined || ctx.proofOf === undefined || !verify(uploaderKey.publicKey, ctx.proofOf, ctx.proof)) {
          throw new ServiceError('BAD_PROOF', 'not alice')
        }
        return { sub: 'alice' } as never
      }
    },
    store: m.store,
    networkId: (await testKeys()).networkId
  }, { relay: { copyTimeoutMs: 2_000, ...init } })
  await server.start()
  const r = { m, server }
  relays.push(r)
  return r
}

async function stopRelay (r: Relay): Promise<void> {
  relays.splice(relays.indexOf(r), 1)
  await r.server.stop()
  await stopMember(r.m)
}

/** A node that holds no role: the uploader, or a recipient fetching with the proof. */
async function userNode (peer: Relay): Promise<Network> {
  const n = new Network({ store: await openMemoryStore() }, { keys: await testKeys(), listen: ['/ip4/127.0.0.1/tcp/0'], peers: [addrOf(peer.m)], mdns: false })
  await n.start()
  others.push(n)
  await n.libp2p.dial(multiaddr(addrOf(peer.m)))
  return n
}

afterEach(async () => {
  await Promise.all([...relays].map(async r => stopRelay(r)))
  await Promise.all(others.splice(0).map(async n => n.stop()))
})

/** Uploads the file to `holder`, calling `stored` for each chunk acknowledged. */
async function upload (from: Network, holder: Relay, stored: (index: number) => void | Promise<void> = () => {}): Promise<void> {
  const acks: Array<Promise<void>> = []
  await uploadToRelay({ libp2p: from.libp2p, networkId: (await testKeys()).networkId, identityToken: () => 'alice-token', identity: () => uploaderKey, window: 4, timeoutMs: 10_000 }, holder.m.network.peerId.toString(), {
    id, accessKey: keys.accessKey, size: shape.size, chunkSize: shape.chunkSize, manifest, count: COUNT,
    read: async i => sealed[i]!,
    stored: i => { acks.push(Promise.resolve(stored(i))) }
  }, AbortSignal.timeout(30_000))
  await Promise.all(acks)
}

/** Which chunks a relay node holds. */
async function held (r: Relay): Promise<number[]> {
  const f = await r.server.relay.get(fileId)
  return f === undefined ? [] : Array.from({ length: COUNT }, (_, i) => i).filter(i => hasBit(f.held, i))
}

/** Every chunk, fetched from `source` with the proof as a recipient would, each checked against the manifest. */
async function fetchAll (from: Network, source: Relay): Promise<number> {
  const peer = source.m.network.peerId.toString()
  const proof = fetchProof(keys, (await testKeys()).networkId, id, from.peerId.toString(), peer)
  return new Promise((resolve, reject) => {
    const got = new Set<number>()
    void libp2pSources(from.libp2p, 5_000)(peer, { file: id, proof: proof as Uint8Array<ArrayBuffer>, manifest: false }, {
      onHave: () => {},
      onManifest: () => {},
      onChunk: (i, data) => {
        if (!Buffer.from(chunkHash(data)).equals(manifest.subarray(i * 32, i * 32 + 32))) reject(new Error(`chunk ${i} is not the manifest's`))
        got.add(i)
        if (got.size === COUNT) resolve(got.size)
      },
      onRefusal: (code, message) => { reject(new Error(`${code}: ${message}`)) },
      onClose: err => { if (got.size < COUNT) reject(err ?? new Error('closed')) }
    }).then(link => { link.want(Array.from({ length: COUNT }, (_, i) => i)) }, reject)
  })
}

describe('chunks held at the relay, replicated to the nodes eligible for the relay role', () => {
  it('acknowledges each uploaded chunk only once another relay-eligible node stored it; the file outlives the holder', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await relayNode({ name: 'b', eligible: ['relay'], peers: [addrOf(a.m)] })
    await eventually(() => a.m.registry.livePeers().some(p => p.peerId === b.m.network.peerId.toString()) && b.m.registry.livePeers().length > 0 && a.m.registry.serves('relay'), 'a serving relay with b live')
    const uploader = await userNode(a)
    // At each acknowledgement the chunk is on b's disk already.
    await upload(uploader, a, async i => { expect(await b.server.relay.chunk(fileId, i)).toBeDefined() })
    expect(await held(b)).toHaveLength(COUNT)
    // a is lost: b serves every chunk to a recipient with the proof.
    await stopRelay(a)
    const bob = await userNode(b)
    expect(await fetchAll(bob, b)).toBe(COUNT)
  })

  it('keeps a file the relay holder\'s own user sends like an upload: copied, so it outlives the holder', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await relayNode({ name: 'b', eligible: ['relay'], peers: [addrOf(a.m)] })
    await eventually(() => a.m.registry.livePeers().some(p => p.peerId === b.m.network.peerId.toString()) && b.m.registry.livePeers().length > 0 && a.m.registry.serves('relay'), 'a serving relay with b live')
    const stored: number[] = []
    await a.server.keepAtRelay({ id: fileId, uploader: 'alice', accessKey: keys.accessKey, size: shape.size, chunkSize: shape.chunkSize, manifest }, async i => sealed[i]!, i => { stored.push(i) }, AbortSignal.timeout(30_000))
    expect(stored).toHaveLength(COUNT)
    expect(await held(b)).toHaveLength(COUNT)
    await stopRelay(a)
    expect(await fetchAll(await userNode(b), b)).toBe(COUNT)
  })

  it('fails a chunk no other node could store (NOT_REPLICATED) instead of acknowledging it', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await relayNode({ name: 'b', eligible: ['relay'], peers: [addrOf(a.m)] })
    await eventually(() => a.m.registry.livePeers().some(p => p.peerId === b.m.network.peerId.toString()) && b.m.registry.livePeers().length > 0 && a.m.registry.serves('relay'), 'a serving relay with b live')
    // b's disk refuses chunks (full, say).
    const batch = b.m.store.batch.bind(b.m.store)
    b.m.store.batch = async ops => {
      if (ops.some(op => op.type === 'put' && String(op.key).startsWith('file-chunk/'))) throw new Error('disk full')
      await batch(ops)
    }
    const uploader = await userNode(a)
    const acked: number[] = []
    await expect(upload(uploader, a, i => { acked.push(i) })).rejects.toMatchObject({ code: 'NOT_REPLICATED' })
    expect(acked).toEqual([])
    expect(await held(a)).toEqual([])
  })

  it('a node eligible for the relay role that was away copies what it lacks when it comes, and drops a file removed', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    await eventually(() => a.m.registry.serves('relay'), 'a serving relay')
    const uploader = await userNode(a)
    await upload(uploader, a)
    // c comes afterwards: it gets the record with the doc, then pulls the chunks.
    const c = await relayNode({ name: 'c', eligible: ['relay'], peers: [addrOf(a.m)] })
    await eventually(async () => (await held(c)).length === COUNT, 'c holding every chunk', 20_000)
    expect(await c.server.mirror.inStep()).toBe(true)
    // The uploader cancels: the record goes from the doc, and the chunks from every node.
    const { removeFromRelay } = await import('../../src/files/upload.js')
    await removeFromRelay({ libp2p: uploader.libp2p, networkId: (await testKeys()).networkId, identityToken: () => 'alice-token', identity: () => uploaderKey, window: 4, timeoutMs: 10_000 }, a.m.network.peerId.toString(), id)
    await eventually(async () => await c.server.relay.chunk(fileId, 0) === undefined && await c.server.relay.get(fileId) === undefined, 'c dropped the file')
    expect(c.server.relay.usage()).toBe(0)
  })

  it('copies and serves copies only between live nodes eligible for the relay role', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    await eventually(() => a.m.registry.serves('relay'), 'a serving relay')
    await upload(await userNode(a), a)
    // A node with the passphrase that is not eligible: no copy without the proof, and no chunks pushed to a.
    const mallory = await relayNode({ name: 'm', eligible: [], peers: [addrOf(a.m)] })
    await eventually(() => a.m.registry.livePeers().some(p => p.peerId === mallory.m.network.peerId.toString()), 'a seeing mallory')
    for (const first of [
      FileRequest.encode({ hello: { file: id, proof: new Uint8Array(), manifest: true, replica: true } }),
      FileRequest.encode({ copy: { file: id } })
    ]) {
      const stream = await mallory.m.network.libp2p.dialProtocol(a.m.network.libp2p.peerId, FILE_PROTOCOL)
      const lp = lpStream(stream, { maxDataLength: MAX_REPLY_FRAME })
      await lp.write(first)
      expect(FileReply.decode((await lp.read()).subarray()).error?.code).toBe('FORBIDDEN')
    }
    expect(await held(mallory)).toEqual([])
  })
})
