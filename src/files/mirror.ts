/**
 * Copies of the relay's chunks on every node eligible for the relay role
 * (docs/files.md, "At the relay"). Which files the relay keeps is in a
 * replicated doc (relay-store.ts); the chunks travel over the file protocol,
 * each checked against the manifest by whoever stores it:
 *
 * - Copies (push): while the relay holder takes an upload, each chunk goes to
 *   every live relay-eligible node (a `copy` stream per node), and the
 *   uploader is told the chunk is stored only once one of them stored it, or
 *   at once when none is live: an acknowledged chunk survives the holder's
 *   loss, as mail does.
 * - RelayMirror (pull): every relay-eligible node looks for chunks it lacks
 *   of the files the doc names, whenever the doc changes and every
 *   copyIntervalMs, and fetches them from live relay-eligible nodes that
 *   have them (the holder first) with a `replica` hello. That is how a node
 *   that was away, or newly eligible, or a new holder after a failover,
 *   catches up. Memory: one file at a time, at most PULL_WINDOW chunks asked
 *   and not received.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { fromHex } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { hasBit, setBit } from './bitmap.js'
import { FILE_PROTOCOL, MAX_REPLY_FRAME, MAX_WANT } from './constants.js'
import { FileError } from './errors.js'
import { FileReply, FileRequest } from './pb/files.js'
import type { RelayFile, RelayFileStore } from './relay-store.js'
import type { SourceDialer, SourceLink } from './index.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { Role } from '../roles/index.js'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** What the copies need of the role registry. */
export interface MirrorPeers {
  readonly self: PeerIdStr
  eligibleRoles: () => readonly Role[]
  livePeers: () => Array<{ peerId: PeerIdStr, eligible: readonly Role[] }>
  holderOf: (role: Role) => PeerIdStr | null
}

/** Chunks sent to one node on a copy stream and not stored yet, at most: a slower node is left to catch up by pulling. */
const COPY_WINDOW = 16
/** Chunks asked of a source and not received yet, at most, when pulling. */
const PULL_WINDOW = 16
/** A pull that gets no chunk for this long is given up (and tried again later). */
const PULL_STALL_MS = 15_000
/** A file nothing could be copied of is looked at again after this, doubling up to MAX_RETRY_MS. */
const MIN_RETRY_MS = 10_000
const MAX_RETRY_MS = 5 * 60_000

/** Live nodes eligible for the relay role other than this one, the holder first. */
export function relayReplicas (peers: MirrorPeers): PeerIdStr[] {
  const holder = peers.holderOf('relay')
  const out = peers.livePeers().filter(p => p.peerId !== peers.self && p.eligible.includes('relay')).map(p => p.peerId)
  return out.sort((a, b) => Number(b === holder) - Number(a === holder))
}

/** Whether `peer` may copy the relay's chunks from this node, or send it some: both are eligible for the relay role, and it is live. */
export function isRelayReplica (peers: MirrorPeers, peer: PeerIdStr): boolean {
  return peers.eligibleRoles().includes('relay') && peers.livePeers().some(p => p.peerId === peer && p.eligible.includes('relay'))
}

interface CopyLink {
  peer: PeerIdStr
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  /** What the node held when the stream opened */
  held: Uint8Array
  /** Chunks sent, waiting for `stored` */
  waiting: Map<number, { resolve: () => void, reject: (err: Error) => void }>
  /** Writes go out in order, one after the other */
  writes: Promise<void>
  failed?: Error
}

/** One upload's copies to the live relay-eligible nodes (the holder's side of `copy` streams). */
export class Copies {
  private readonly log = createLogger('files:copies')

  /** `replicas`: nodes that take copies, reached or not */
  private constructor (private readonly links: CopyLink[], private readonly replicas: number, private readonly timeoutMs: number) {}

  /**
   * Opens a copy stream of `fileId` to every node in `peers`. A node that
   * does not know copy streams (BAD_REQUEST: an older version) is not a
   * replica of chunks; one that cannot be reached or refuses otherwise is
   * one that failed.
   */
  static async open (libp2p: LanchatLibp2p, peers: PeerIdStr[], fileId: string, timeoutMs: number): Promise<Copies> {
    const opened = await Promise.all(peers.map(async peer => Copies.link(libp2p, peer, fileId, timeoutMs)))
    const links = opened.filter((l): l is CopyLink => typeof l === 'object')
    return new Copies(links, opened.filter(l => l !== 'unsupported').length, timeoutMs)
  }

  private static async link (libp2p: LanchatLibp2p, peer: PeerIdStr, fileId: string, timeoutMs: number): Promise<CopyLink | 'unsupported' | 'failed'> {
    let stream: Stream | undefined
    try {
      stream = await libp2p.dialProtocol(peerIdFromString(peer), FILE_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) })
      const lp = lpStream(stream, { maxDataLength: MAX_REPLY_FRAME })
      await lp.write(FileRequest.encode({ copy: { file: fromHex(fileId) } }), { signal: AbortSignal.timeout(timeoutMs) })
      const first = FileReply.decode((await lp.read({ signal: AbortSignal.timeout(timeoutMs) })).subarray())
      if (first.have === undefined) {
        stream.abort(new Error('refused'))
        return first.error?.code === 'BAD_REQUEST' ? 'unsupported' : 'failed'
      }
      const link: CopyLink = { peer, stream, lp, held: first.have.bitmap, waiting: new Map(), writes: Promise.resolve() }
      void Copies.readAcks(link)
      return link
    } catch (err) {
      stream?.abort(err as Error)
      return 'failed'
    }
  }

  private static async readAcks (link: CopyLink): Promise<void> {
    try {
      for (;;) {
        const reply = FileReply.decode((await link.lp.read()).subarray())
        if (reply.stored !== undefined) {
          link.waiting.get(reply.stored)?.resolve()
          link.waiting.delete(reply.stored)
        } else {
          throw new FileError('BAD_REQUEST', `${link.peer} refused a chunk: ${reply.error?.message ?? 'an unknown frame'}`)
        }
      }
    } catch (err) {
      Copies.fail(link, err as Error)
    }
  }

  private static fail (link: CopyLink, err: Error): void {
    if (link.failed !== undefined) return
    link.failed = err
    for (const w of link.waiting.values()) w.reject(err)
    link.waiting.clear()
    link.stream.abort(err)
  }

  /** No relay-eligible node to copy to: the holder's writes are on it alone. */
  get alone (): boolean {
    return this.replicas === 0
  }

  /**
   * Sends chunk `index` (its frame, as the uploader sent it) to every node
   * and resolves once one stored it (or held it already); at once when there
   * is none. NOT_REPLICATED when there are nodes and none stored it in time.
   */
  async replicate (index: number, frame: Uint8Array): Promise<void> {
    if (this.alone) return
    // A node that held it when its stream opened has it: nothing to send (and no acknowledgement left waiting unheard).
    if (this.links.some(link => link.failed === undefined && hasBit(link.held, index))) return
    const acks: Array<Promise<void>> = []
    for (const link of this.links) {
      if (link.failed !== undefined) continue
      if (link.waiting.size >= COPY_WINDOW) {
        this.log('%s is %d chunks behind: it catches up by pulling', link.peer, link.waiting.size)
        Copies.fail(link, new Error('too far behind'))
        continue
      }
      acks.push(new Promise<void>((resolve, reject) => { link.waiting.set(index, { resolve, reject }) }))
      link.writes = link.writes.then(async () => {
        if (link.failed === undefined) await link.lp.write(frame, { signal: AbortSignal.timeout(this.timeoutMs) })
      }).catch((err: Error) => { Copies.fail(link, err) })
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error('timeout')) }, this.timeoutMs)
    })
    try {
      await Promise.race([Promise.any(acks), late])
    } catch {
      throw new FileError('NOT_REPLICATED', `no other node eligible for the relay role stored chunk ${index} within ${this.timeoutMs} ms: try again`)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Ends every copy stream (what was sent still goes out). */
  close (): void {
    for (const link of this.links) {
      if (link.failed !== undefined) continue
      void link.writes.then(async () => link.stream.close({ signal: AbortSignal.timeout(this.timeoutMs) })).catch(() => { link.stream.abort(new Error('closing')) })
    }
  }
}

export interface MirrorComponents {
  peers: MirrorPeers
  relay: RelayFileStore
  dial: SourceDialer
  clock?: () => number
}

/** Pulls the chunks this node lacks of the relay's files from the relay-eligible nodes that have them. */
export class RelayMirror {
  private readonly log = createLogger('files:mirror')
  private readonly clock: () => number
  /** Files held whole: nothing to look at until the doc changes them */
  private readonly complete = new Set<string>()
  /** Files nothing could be copied of: when to look again */
  private readonly retry = new Map<string, { at: number, delay: number }>()
  private timer?: ReturnType<typeof setInterval>
  private unwatch?: () => void
  private running?: Promise<void>
  private again = false
  private stopped = false
  /** Ends the pull under way (stop) */
  private closeLink?: () => void

  constructor (private readonly c: MirrorComponents, private readonly intervalMs: number) {
    this.clock = c.clock ?? Date.now
  }

  start (): void {
    this.stopped = false
    this.unwatch = this.c.relay.onChange(ids => {
      for (const id of ids) {
        this.complete.delete(id)
        this.retry.delete(id)
      }
      this.kick()
    })
    this.timer = setInterval(() => { this.kick() }, this.intervalMs)
    this.timer.unref?.()
    this.kick()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    this.unwatch?.()
    this.closeLink?.()
    await this.running
  }

  /** Looks for chunks to copy now (or right after the round under way). */
  kick (): void {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = (async () => {
      do {
        this.again = false
        await this.round().catch((err: unknown) => { this.log('copying the relay\'s chunks failed: %s', (err as Error).message) })
      } while (this.again && !this.stopped)
    })().finally(() => { this.running = undefined })
  }

  /** Whether every file the relay holds is here whole (for tests and status). */
  async inStep (): Promise<boolean> {
    for (const id of await this.c.relay.ids()) {
      const file = await this.c.relay.get(id)
      if (file !== undefined && missing(file) > 0) return false
    }
    return true
  }

  private async round (): Promise<void> {
    if (!this.c.peers.eligibleRoles().includes('relay')) return
    const now = this.clock()
    for (const id of await this.c.relay.ids()) {
      if (this.stopped) return
      if (this.complete.has(id) || (this.retry.get(id)?.at ?? 0) > now) continue
      const file = await this.c.relay.get(id)
      if (file === undefined) continue
      for (const peer of relayReplicas(this.c.peers)) {
        if (missing(file) === 0 || this.stopped) break
        await this.pull(peer, file)
      }
      if (missing(file) === 0) {
        this.complete.add(id)
        this.retry.delete(id)
      } else {
        const delay = Math.min(MAX_RETRY_MS, (this.retry.get(id)?.delay ?? MIN_RETRY_MS / 2) * 2)
        this.retry.set(id, { at: now + delay, delay })
      }
    }
  }

  /** Copies from `peer` what it has of `file` and this node lacks; resolves when there is nothing more to get from it. */
  private async pull (peer: PeerIdStr, file: RelayFile): Promise<void> {
    await new Promise<void>(resolve => {
      let link: SourceLink | undefined
      let have: true | Uint8Array | undefined
      const asked = new Set<number>()
      let stall: ReturnType<typeof setTimeout> | undefined
      let over = false
      const finish = (): void => {
        if (over) return
        over = true
        clearTimeout(stall)
        link?.close()
        this.closeLink = undefined
        resolve()
      }
      const watch = (): void => {
        clearTimeout(stall)
        stall = setTimeout(finish, PULL_STALL_MS)
      }
      // Asks once both the link and what the source holds are known, whichever comes last.
      const ask = (): void => {
        if (over || link === undefined || have === undefined) return
        const want: number[] = []
        for (let i = 0; i < file.count && asked.size + want.length < PULL_WINDOW && want.length < MAX_WANT; i++) {
          if (!hasBit(file.held, i) && !asked.has(i) && (have === true || hasBit(have, i))) want.push(i)
        }
        for (const i of want) asked.add(i)
        if (want.length > 0) link.want(want)
        else if (asked.size === 0) finish()
      }
      watch()
      this.closeLink = finish
      this.c.dial(peer, { file: fromHex(file.id), proof: new Uint8Array(), manifest: false, replica: true }, {
        onHave: holds => {
          have = holds
          ask()
        },
        onManifest: () => {},
        onChunk: (index, data) => {
          if (!asked.delete(index)) {
            finish()
            return
          }
          watch()
          this.c.relay.put(file.id, index, data).then(() => {
            setBit(file.held, index)
            ask()
          }, (err: unknown) => {
            this.log('%s sent chunk %d of %s that could not be kept: %s', peer, index, file.id, (err as Error).message)
            finish()
          })
        },
        onRefusal: () => { finish() },
        onClose: () => { finish() }
      }).then(opened => {
        link = opened
        if (over) opened.close()
        else ask()
      }, () => { finish() })
    })
  }
}

/** How many chunks of a file are not here. */
function missing (file: RelayFile): number {
  let n = 0
  for (let i = 0; i < file.count; i++) if (!hasBit(file.held, i)) n++
  return n
}
