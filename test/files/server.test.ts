import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { deriveNetworkKeys, Network } from '../../src/net/index.js'
import { ServiceError, proofTranscript } from '../../src/services/index.js'
import { generateIdentityKeyPair, sha256, sign, verify } from '../../src/crypto/index.js'
import { chunkHash, chunkLength, fetchProof, fileKeys, sealChunk } from '../../src/files/chunks.js'
import { FILE_PROTOCOL, MAX_CHUNKS, MAX_REQUEST_FRAME, MAX_WANT } from '../../src/files/constants.js'
import { createFileServer, FileError } from '../../src/files/index.js'
import { CHUNK_IN_REPLY, CHUNK_IN_REQUEST, chunkFrame } from '../../src/files/chunks.js'
import { FileReply, FileRequest } from '../../src/files/pb/files.js'
import { libp2pSources } from '../../src/files/source.js'
import type { FileServer, ServedFile } from '../../src/files/index.js'
import type { Stream } from '@libp2p/interface'

const KiB = 1024
const id = new Uint8Array(16).fill(9)
const keys = fileKeys(id, new Uint8Array(32).fill(4))
const shape = { id, size: 5 * 16 * KiB, chunkSize: 16 * KiB }
const sealed = Array.from({ length: 5 }, (_, i) => sealChunk(keys.chunkKey, shape, i, new Uint8Array(chunkLength(shape, i)).fill(i)))
const manifest = Buffer.concat(sealed.map(chunkHash))
const fileId = Buffer.from(id).toString('hex')
const uploaderKey = generateIdentityKeyPair()

/** A source node (FileServer over a fake provider) and a requester node, on 127.0.0.1, no mDNS. */
describe('the file protocol\'s server', () => {
  let source: Network
  let requester: Network
  let server: FileServer
  let relayRole = false
  /** More files the user's transfers serve, by id */
  const alsoServed = new Map<string, () => ServedFile>()
  let networkId: string

  beforeAll(async () => {
    const keysOfNet = await deriveNetworkKeys('file server test passphrase')
    networkId = keysOfNet.networkId
    source = new Network({ store: await openMemoryStore() }, { keys: keysOfNet, listen: ['/ip4/127.0.0.1/tcp/0'], peers: [], mdns: false })
    requester = new Network({ store: await openMemoryStore() }, { keys: keysOfNet, listen: ['/ip4/127.0.0.1/tcp/0'], peers: [], mdns: false })
    await source.start()
    await requester.start()
    server = createFileServer({
      libp2p: source.libp2p,
      // No other node is eligible for the relay role: an upload is on this node alone.
      registry: { serves: () => relayRole, self: source.peerId.toString(), eligibleRoles: () => ['relay'], livePeers: () => [], holderOf: () => null },
      // The uploader's token is "alice", its proof checked against alice's key as the real verifier does.
      verifier: {
        caller: async ctx => {
          if (ctx.identityToken !== 'alice-token') throw new ServiceError('TOKEN_MALFORMED', 'not a token')
          if (ctx.proof === undefined || ctx.proofOf === undefined || !verify(uploaderKey.publicKey, ctx.proofOf, ctx.proof)) throw new ServiceError('BAD_PROOF', 'bad proof')
          return { sub: 'alice' } as never
        }
      },
      store: await openMemoryStore(),
      networkId
    }, { helloTimeoutMs: 500, idleTimeoutMs: 2_000 })
    server.attach({
      open: async fid => fid === fileId
        ? {
            accessKey: keys.accessKey,
            count: 5,
            manifest: async () => manifest,
            holds: () => true,
            read: async (i: number) => sealed[i]!,
            close: async () => {}
          } satisfies ServedFile
        : alsoServed.get(fid)?.()
    })
    await server.start()
    await requester.libp2p.dial(multiaddr(source.addresses()[0]!))
  })

  afterAll(async () => {
    await server?.stop()
    await requester?.stop()
    await source?.stop()
  })

  async function open (): Promise<{ stream: Stream, lp: ReturnType<typeof lpStream<Stream>> }> {
    const stream = await requester.libp2p.dialProtocol(source.libp2p.peerId, FILE_PROTOCOL)
    return { stream, lp: lpStream(stream, { maxDataLength: 4 * 1024 * 1024 }) }
  }
  const proof = (): Uint8Array => fetchProof(keys, networkId, id, requester.peerId, source.peerId)
  const read = async (lp: ReturnType<typeof lpStream<Stream>>): Promise<FileReply> => FileReply.decode((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())
  /** Reads until the stream ends; the replies it got. */
  const drain = async (lp: ReturnType<typeof lpStream<Stream>>): Promise<FileReply[]> => {
    const out: FileReply[] = []
    try {
      for (;;) out.push(await read(lp))
    } catch {}
    return out
  }

  it('serves what a requester with the proof asks for, in order, after what it holds and the manifest', async () => {
    const { stream, lp } = await open()
    await lp.write(FileRequest.encode({ hello: { file: id as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: true } }))
    expect((await read(lp)).have).toMatchObject({ all: true })
    expect(Buffer.from((await read(lp)).manifest!)).toEqual(manifest)
    await lp.write(FileRequest.encode({ want: [3, 0, 4] }))
    const got = [await read(lp), await read(lp), await read(lp)].map(r => r.chunk!)
    expect(got.map(c => c.index)).toEqual([3, 0, 4])
    expect(Buffer.from(got[0]!.data)).toEqual(Buffer.from(sealed[3]!))
    await stream.close()
  })

  it('refuses a requester without the proof (FORBIDDEN), an unknown file, a hello that never comes, garbage', async () => {
    const bad = async (frame: Uint8Array | undefined, code: string): Promise<void> => {
      const { lp } = await open()
      if (frame !== undefined) await lp.write(frame)
      const replies = await drain(lp)
      expect(replies.map(r => r.error?.code)).toEqual([code])
    }
    await bad(FileRequest.encode({ hello: { file: id as Uint8Array<ArrayBuffer>, proof: new Uint8Array(64), manifest: true } }), 'FORBIDDEN')
    // A proof made for another requester opens nothing here.
    await bad(FileRequest.encode({ hello: { file: id as Uint8Array<ArrayBuffer>, proof: fetchProof(keys, networkId, id, source.peerId, source.peerId) as Uint8Array<ArrayBuffer>, manifest: false } }), 'FORBIDDEN')
    await bad(FileRequest.encode({ hello: { file: new Uint8Array(16) as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: false } }), 'UNKNOWN_FILE')
    await bad(FileRequest.encode({ hello: { file: new Uint8Array(3) as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: false } }), 'BAD_REQUEST')
    await bad(undefined, 'TIMEOUT')
    await bad(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 'BAD_REQUEST')
    await bad(FileRequest.encode({ want: [1] }), 'BAD_REQUEST')
  })

  it('ends the stream at an index past the end of the file (BAD_INDEX), or too many chunks asked at once', async () => {
    for (const [want, code] of [[[1, 2 ** 32 - 1], 'BAD_INDEX'], [Array.from({ length: MAX_WANT + 1 }, () => 0), 'BAD_REQUEST']] as const) {
      const { lp } = await open()
      await lp.write(FileRequest.encode({ hello: { file: id as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: false } }))
      await read(lp)
      await lp.write(FileRequest.encode({ want: [...want] }))
      const replies = await drain(lp)
      expect(replies.at(-1)?.error?.code).toBe(code)
    }
  })

  it('refuses a frame larger than its limit, and still serves others', async () => {
    const { stream } = await open()
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_FRAME * 2 })
    await lp.write(new Uint8Array(MAX_REQUEST_FRAME + 1)).catch(() => {})
    expect((await drain(lp)).map(r => r.error?.code)).toEqual(['BAD_REQUEST'])
    const { lp: ok } = await open()
    await ok.write(FileRequest.encode({ hello: { file: id as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: false } }))
    expect((await read(ok)).have?.all).toBe(true)
  })

  it('serves what the relay holds beside what the user\'s own copy holds (a relay that is also a recipient)', async () => {
    // The relay's store has the whole file; the user's download of it here has chunk 1 only, or has not started.
    const bothId = new Uint8Array(16).fill(11)
    const bothHex = Buffer.from(bothId).toString('hex')
    await server.relay.begin({ id: bothHex, uploader: 'alice', accessKey: keys.accessKey, size: shape.size, chunkSize: shape.chunkSize, manifest })
    for (let i = 0; i < 5; i++) await server.relay.put(bothHex, i, sealed[i]!)
    const own = (held: number[], withManifest: boolean): ServedFile => ({
      accessKey: keys.accessKey,
      count: 5,
      manifest: async () => withManifest ? manifest : undefined,
      holds: () => Uint8Array.of(held.reduce((b, i) => b | (0x80 >> i), 0)),
      read: async (i: number) => {
        if (!held.includes(i)) throw new FileError('NOT_HELD', `chunk ${i} is not here yet`)
        return sealed[i]!
      },
      watch: () => () => {},
      close: async () => {}
    })
    try {
      for (const [held, withManifest] of [[[1], true], [[], false]] as const) {
        alsoServed.set(bothHex, () => own([...held], withManifest))
        const { stream, lp } = await open()
        const helloProof = fetchProof(keys, networkId, bothId, requester.peerId, source.peerId)
        await lp.write(FileRequest.encode({ hello: { file: bothId as Uint8Array<ArrayBuffer>, proof: helloProof as Uint8Array<ArrayBuffer>, manifest: true } }))
        const have = (await read(lp)).have!
        expect(have.all || Buffer.from(have.bitmap).equals(Buffer.of(0xf8))).toBe(true)
        expect(Buffer.from((await read(lp)).manifest!)).toEqual(manifest)
        await lp.write(FileRequest.encode({ want: [0, 1, 4] }))
        const got = [await read(lp), await read(lp), await read(lp)].map(r => r.chunk!)
        expect(got.map(c => c.index)).toEqual([0, 1, 4])
        got.forEach(c => { expect(Buffer.from(c.data)).toEqual(Buffer.from(sealed[c.index]!)) })
        await stream.close()
      }
    } finally {
      alsoServed.delete(bothHex)
      await server.relay.remove(bothHex, 'alice')
    }
  })

  it('lets go of a requester that stops reading before the manifest is out', async () => {
    // The largest manifest an offer may have (2 MiB): more than a stream's window, so its write waits for the reader.
    const bigId = new Uint8Array(16).fill(12)
    const bigHex = Buffer.from(bigId).toString('hex')
    let released!: () => void
    const handlerDone = new Promise<void>(resolve => { released = resolve })
    alsoServed.set(bigHex, () => ({
      accessKey: keys.accessKey,
      count: MAX_CHUNKS,
      manifest: async () => new Uint8Array(MAX_CHUNKS * 32),
      holds: () => true,
      read: async () => { throw new FileError('NOT_HELD', 'not in this test') },
      close: async () => { released() }
    }))
    try {
      const { stream, lp } = await open()
      // A requester that reads nothing more: its window is never opened again.
      stream.pause()
      await lp.write(FileRequest.encode({ hello: { file: bigId as Uint8Array<ArrayBuffer>, proof: fetchProof(keys, networkId, bigId, requester.peerId, source.peerId) as Uint8Array<ArrayBuffer>, manifest: true } }))
      // The server gives up within its idle timeout (2 s here) and lets the file go.
      await handlerDone
      stream.abort(new Error('done'))
    } finally {
      alsoServed.delete(bigHex)
    }
  })

  it('a requester that closes a link lets go of a source that never ends its side', async () => {
    // requester plays a hostile source: it answers the hello, then neither sends nor closes.
    await requester.libp2p.handle(FILE_PROTOCOL, async stream => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(FileReply.encode({ have: { all: true, bitmap: new Uint8Array() } }))
    })
    await source.libp2p.dial(multiaddr(requester.addresses()[0]!))
    try {
      let had!: () => void
      const have = new Promise<void>(resolve => { had = resolve })
      const link = await libp2pSources(source.libp2p, 5_000)(requester.peerId.toString(), { file: id as Uint8Array<ArrayBuffer>, proof: proof() as Uint8Array<ArrayBuffer>, manifest: false }, {
        onHave: () => { had() }, onManifest: () => {}, onChunk: () => {}, onRefusal: () => {}, onClose: () => {}
      })
      await have
      const open = (): number => source.libp2p.getConnections(requester.libp2p.peerId).flatMap(c => c.streams).filter(st => st.protocol === FILE_PROTOCOL && st.direction === 'outbound').length
      expect(open()).toBe(1)
      link.close()
      await vi.waitFor(() => { expect(open()).toBe(0) }, { timeout: 5_000, interval: 50 })
    } finally {
      await requester.libp2p.unhandle(FILE_PROTOCOL)
    }
  })

  describe('uploads', () => {
    const relayId = new Uint8Array(16).fill(10)
    const upload = () => ({ file: relayId as Uint8Array<ArrayBuffer>, identityToken: 'alice-token', proof: new Uint8Array(), accessKey: keys.accessKey as Uint8Array<ArrayBuffer>, size: shape.size, chunkSize: shape.chunkSize, manifest: manifest as Uint8Array<ArrayBuffer> })
    const signed = (u: ReturnType<typeof upload>): ReturnType<typeof upload> => ({
      ...u,
      proof: sign(uploaderKey, proofTranscript(networkId, FILE_PROTOCOL, 'upload', sha256(FileRequest.encode({ upload: { ...u, proof: new Uint8Array() } })), requester.peerId)) as Uint8Array<ArrayBuffer>
    })

    it('are taken only while the node holds the relay role, from a user whose key signed them', async () => {
      relayRole = false
      let { lp } = await open()
      await lp.write(FileRequest.encode({ upload: signed(upload()) }))
      expect((await drain(lp)).map(r => r.error?.code)).toEqual(['NOT_RELAY'])
      relayRole = true
      ;({ lp } = await open())
      await lp.write(FileRequest.encode({ upload: { ...upload(), proof: new Uint8Array(64) } }))
      expect((await drain(lp)).map(r => r.error?.code)).toEqual(['BAD_PROOF'])
    })

    it('refuse a shape no offer may have, or a manifest that is not one hash a chunk (BAD_REQUEST)', async () => {
      relayRole = true
      const shapes = [{ chunkSize: 1000 }, { size: 0 }, { size: (MAX_CHUNKS + 1) * 1024 * 1024, chunkSize: 1024 * 1024 }, { manifest: manifest.subarray(32) as Uint8Array<ArrayBuffer> }]
      for (const bad of shapes) {
        const { lp } = await open()
        await lp.write(FileRequest.encode({ upload: signed({ ...upload(), ...bad }) }))
        expect((await drain(lp)).map(r => r.error?.code)).toEqual(['BAD_REQUEST'])
      }
      expect(await server.relay.get(Buffer.from(relayId).toString('hex'))).toBeUndefined()
    })

    it('store the manifest\'s chunks, and end at one that is not', async () => {
      relayRole = true
      const { lp } = await open()
      await lp.write(FileRequest.encode({ upload: signed(upload()) }))
      expect((await read(lp)).have?.all).toBe(false)
      await lp.write(FileRequest.encode({ chunk: { index: 0, data: sealed[0]! as Uint8Array<ArrayBuffer> } }))
      expect((await read(lp)).stored).toBe(0)
      await lp.write(FileRequest.encode({ chunk: { index: 1, data: sealed[2]! as Uint8Array<ArrayBuffer> } }))
      expect((await drain(lp)).map(r => r.error?.code)).toEqual(['CORRUPT'])
      expect(Buffer.from((await server.relay.chunk(Buffer.from(relayId).toString('hex'), 0))!)).toEqual(Buffer.from(sealed[0]!))
      expect(await server.relay.chunk(Buffer.from(relayId).toString('hex'), 1)).toBeUndefined()
    })
  })
})

describe('a chunk frame', () => {
  it('is the bytes of FileReply { chunk } or FileRequest { chunk }, with the chunk (whole or in pieces) not copied', () => {
    for (const [index, size] of [[0, 0], [1, 5], [300, 200], [2 ** 31, 70_000]] as const) {
      const data = new Uint8Array(size).map((_, i) => i & 0xff)
      const reply = chunkFrame(CHUNK_IN_REPLY, index, data)
      expect(FileReply.decode(reply.subarray())).toEqual(FileReply.decode(FileReply.encode({ chunk: { index, data } })))
      if (size > 0) expect([...reply].at(-1)).toBe(data)
      const tag = data.subarray(Math.max(0, size - 16))
      const request = chunkFrame(CHUNK_IN_REQUEST, index, [data.subarray(0, Math.max(0, size - 16)), tag])
      expect(FileRequest.decode(request.subarray())).toEqual(FileRequest.decode(FileRequest.encode({ chunk: { index, data } })))
      if (size > 0) expect([...request].at(-1)).toBe(tag)
    }
  })
})
