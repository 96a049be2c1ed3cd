import { lpStream } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { testKeys, addrOf, eventually } from '../replication/harness.js'
import { chunkHash, fetchProof } from '../../src/files/chunks.js'
import { FILE_PROTOCOL, MAX_REPLY_FRAME } from '../../src/files/constants.js'
import { FileReply, FileRequest } from '../../src/files/pb/files.js'
import { libp2pSources } from '../../src/files/source.js'
import { removeFromRelay } from '../../src/files/upload.js'
import { heldChunks, relaysReady, sealedFile, startRelayNode, startUserNode, stopRelayNode, uploadAsAlice, uploaderKey } from '../helpers/relay-files.js'
import type { Network } from '../../src/net/index.js'
import type { RelayFilesInit } from '../../src/files/index.js'
import type { MemberSpec } from '../replication/harness.js'
import type { RelayNode as Relay } from '../helpers/relay-files.js'

/**
 * Issue 17 with issue 14: chunks held at the relay are replicated like mail.
 * Nodes of the replication harness (network, registry, replication) on
 * 127.0.0.1, each with a file server; an uploader node that is eligible for
 * no role uploads to the relay holder.
 */
const COUNT = 12
const file = sealedFile(5, COUNT, 16 * 1024)
const { id, hex: fileId, keys, manifest } = file
const sealed = file.chunks

const relays: Relay[] = []
const others: Network[] = []

async function relayNode (spec: MemberSpec, init: RelayFilesInit = {}): Promise<Relay> {
  const r = await startRelayNode(spec, { copyTimeoutMs: 2_000, ...init })
  relays.push(r)
  return r
}

async function stopRelay (r: Relay): Promise<void> {
  relays.splice(relays.indexOf(r), 1)
  await stopRelayNode(r)
}

async function userNode (peer: Relay): Promise<Network> {
  const n = await startUserNode(peer)
  others.push(n)
  return n
}

afterEach(async () => {
  await Promise.all([...relays].map(async r => stopRelay(r)))
  await Promise.all(others.splice(0).map(async n => n.stop()))
})

const upload = async (from: Network, holder: Relay, stored?: (index: number) => void | Promise<void>): Promise<void> => uploadAsAlice(from, holder, file, stored)
const held = async (r: Relay): Promise<number[]> => heldChunks(r, file)

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
    await eventually(() => relaysReady(a, [b]), 'a serving relay with b live')
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
    await eventually(() => relaysReady(a, [b]), 'a serving relay with b live')
    const stored: number[] = []
    await a.server.keepAtRelay({ id: fileId, uploader: 'alice', accessKey: keys.accessKey, size: file.size, chunkSize: file.chunkSize, manifest }, async i => sealed[i]!, i => { stored.push(i) }, AbortSignal.timeout(30_000))
    expect(stored).toHaveLength(COUNT)
    expect(await held(b)).toHaveLength(COUNT)
    await stopRelay(a)
    expect(await fetchAll(await userNode(b), b)).toBe(COUNT)
  })

  it('fails a chunk no other node could store (NOT_REPLICATED) instead of acknowledging it', async () => {
    const a = await relayNode({ name: 'a', pinned: ['relay'], eligible: ['relay'] })
    const b = await relayNode({ name: 'b', eligible: ['relay'], peers: [addrOf(a.m)] })
    await eventually(() => relaysReady(a, [b]), 'a serving relay with b live')
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
