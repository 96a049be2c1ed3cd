/**
 * /lanchat/dm/1.0.0: encrypted messages straight to the recipient's node.
 * The sender keeps one stream per recipient node open and pipelines frames
 * of envelopes on it; its first frame carries the sender's identity token
 * (a later frame only when the token changed: it is verified again).
 * The recipient answers each frame, in order, with the ids it has persisted
 * (acks) and those it refuses (rejects). A bundle request gets a stream of
 * its own. Frames are size-limited; reads time out.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { codeOf } from '../errors.js'
import { sign, transcript } from '../crypto/index.js'
import { createLogger } from '../logger.js'
import { DmFrame } from './pb/chat.js'
import type { LanchatLibp2p, PeerIdStr } from '../net/index.js'
import type { IdentityKeyPair, IdentityTokenClaims } from '../crypto/index.js'
import type { TokenVerifier } from '../services/index.js'
import type { DmEnvelope, DmReject } from './pb/chat.js'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export const DM_PROTOCOL = '/lanchat/dm/1.0.0'
/** A frame carries at most this many bytes (a batch of envelopes). */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024
/** At most this many envelopes per frame. */
export const MAX_ENVELOPES_PER_FRAME = 256
/** A frame must be answered within this. */
export const REPLY_TIMEOUT_MS = 10_000
/** The first frame of an inbound stream must arrive within this. */
const FIRST_FRAME_TIMEOUT_MS = 10_000
/** An inbound stream idle this long is closed. */
const IDLE_TIMEOUT_MS = 5 * 60_000

/** Who sends on a stream: the user its identity token names, bound to the remote node. */
export interface VerifiedSender {
  username: string
  peer: PeerIdStr
  claims: IdentityTokenClaims
}

export interface Delivery {
  acks: string[]
  rejects: DmReject[]
}

export interface InboundHandler {
  /** Persists (or refuses) each envelope before the answer is sent. */
  onEnvelopes: (sender: VerifiedSender, envelopes: DmEnvelope[]) => Promise<Delivery>
  onBundleRequest: (sender: VerifiedSender) => Promise<Uint8Array>
  /** The sender is typing to this node's user (true) or stopped (false): ephemeral, never stored */
  onTyping?: (sender: VerifiedSender, typing: boolean) => void
}

interface Outbound {
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  waiting: Array<{ resolve: (f: DmFrame) => void, reject: (e: Error) => void }>
  closed: boolean
  /** The identity token the recipient has from us on this stream */
  token: string
  /** The user the recipient's node proved it is logged in as (its first answer) */
  user?: string
}

/** Who this node's user is, to prove to senders that acks come from the recipient's own node. */
export interface DmSelf {
  networkId: string
  /** The logged-in user's identity token and key (undefined: nobody logged in) */
  user: () => { token: string, identity: IdentityKeyPair } | undefined
}

/** What the recipient's identity key signs in its first answer on a stream. */
export const RECIPIENT_LABEL = 'lanchat/dm/recipient/v1'

const EMPTY: DmFrame = { identityToken: '', envelopes: [], acks: [], rejects: [], bundleRequest: false, bundle: new Uint8Array(), proof: new Uint8Array() }

export class DmTransport {
  private readonly log = createLogger('dm')
  private readonly outbound = new Map<PeerIdStr, Promise<Outbound>>()

  constructor (
    private readonly libp2p: LanchatLibp2p,
    private readonly verifier: TokenVerifier,
    private readonly handler: InboundHandler,
    private readonly self: DmSelf
  ) {}

  private get peerId (): PeerIdStr {
    return this.libp2p.peerId.toString()
  }

  private recipientTranscript (sender: PeerIdStr, recipient: PeerIdStr): Uint8Array {
    return transcript(RECIPIENT_LABEL, this.self.networkId, sender, recipient)
  }

  async start (): Promise<void> {
    await this.libp2p.handle(DM_PROTOCOL, async (stream, connection) => {
      await this.onStream(stream, connection.remotePeer.toString())
    }, { maxInboundStreams: 32, force: true })
  }

  async stop (): Promise<void> {
    await this.libp2p.unhandle(DM_PROTOCOL)
    for (const pending of this.outbound.values()) {
      void pending.then(o => { this.closeOutbound(o, new Error('stopping')) }, () => {})
    }
    this.outbound.clear()
  }

  private async onStream (stream: Stream, remotePeer: PeerIdStr): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    // The first answer says (and proves) whose node this is: the sender counts acks only from the recipient's.
    let introduced = false
    const answer = async (frame: DmFrame): Promise<void> => {
      const me = introduced ? undefined : this.self.user()
      introduced = true
      const intro = me === undefined ? {} : { identityToken: me.token, proof: sign(me.identity, this.recipientTranscript(remotePeer, this.peerId)) as Uint8Array<ArrayBuffer> }
      await lp.write(DmFrame.encode({ ...frame, ...intro }))
    }
    try {
      const first = DmFrame.decode((await lp.read({ signal: AbortSignal.timeout(FIRST_FRAME_TIMEOUT_MS) })).subarray(), { limits: { envelopes: MAX_ENVELOPES_PER_FRAME } })
      let sender = await this.senderOf(answer, first, remotePeer)
      if (sender === undefined) {
        await stream.close()
        return
      }
      if (first.bundleRequest) {
        await lp.write(DmFrame.encode({ ...EMPTY, bundle: new Uint8Array(await this.handler.onBundleRequest(sender)) }))
        await stream.close()
        return
      }
      let token = first.identityToken
      let frame: DmFrame | undefined = first
      while (frame !== undefined) {
        if (frame.identityToken !== '' && frame.identityToken !== token) {
          // A new token must pass, and be the same user's, or the stream ends.
          const renewed = await this.senderOf(answer, frame, remotePeer, sender.username)
          if (renewed === undefined) break
          sender = renewed
          token = frame.identityToken
        }
        if (frame.typing !== undefined) this.handler.onTyping?.(sender, frame.typing)
        const delivery = frame.envelopes.length === 0 && frame.typing !== undefined ? { acks: [], rejects: [] } : await this.handler.onEnvelopes(sender, frame.envelopes)
        await answer({ ...EMPTY, acks: delivery.acks, rejects: delivery.rejects })
        frame = await this.readNext(lp)
      }
      await stream.close()
    } catch (err) {
      this.log('dm stream from %s ended: %s', remotePeer, (err as Error).message)
      stream.abort(err as Error)
    }
  }

  /**
   * Who sends on this stream, from the frame's identity token (bound to the
   * remote peer, and to `username` when given); undefined, with the frame's
   * envelopes refused, when the token does not pass.
   */
  private async senderOf (answer: (frame: DmFrame) => Promise<void>, frame: DmFrame, remotePeer: PeerIdStr, username?: string): Promise<VerifiedSender | undefined> {
    let refusal: Omit<DmReject, 'id'>
    try {
      const claims = await this.verifier.identity(frame.identityToken, remotePeer)
      if (username === undefined || claims.sub === username) return { username: claims.sub, peer: remotePeer, claims }
      refusal = { code: 'IMPERSONATION', message: `a stream of ${username} cannot carry a token of ${claims.sub}` }
    } catch (err) {
      refusal = { code: codeOf(err) ?? 'BAD_TOKEN', message: (err as Error).message }
    }
    await answer({ ...EMPTY, rejects: frame.envelopes.map(e => ({ id: e.id, ...refusal })) })
    return undefined
  }

  /** The next frame, or undefined when the sender closed the stream. */
  private async readNext (lp: LengthPrefixedStream<Stream>): Promise<DmFrame | undefined> {
    try {
      const bytes = await lp.read({ signal: AbortSignal.timeout(IDLE_TIMEOUT_MS) })
      return DmFrame.decode(bytes.subarray(), { limits: { envelopes: MAX_ENVELOPES_PER_FRAME } })
    } catch (err) {
      if ((err as { name?: string }).name === 'UnexpectedEOFError') return undefined
      throw err
    }
  }

  /** Tells the recipient's node that this user is typing (or stopped), on the DM stream; nothing is stored anywhere. */
  async typing (peer: PeerIdStr, identityToken: string, typing: boolean): Promise<void> {
    await this.send(peer, identityToken, [], typing)
  }

  /** Sends envelopes to the recipient's node and resolves with what it persisted and refused. */
  async send (peer: PeerIdStr, identityToken: string, envelopes: DmEnvelope[], typing?: boolean): Promise<Delivery> {
    let out = await this.open(peer)
    if (out.closed) {
      this.outbound.delete(peer)
      out = await this.open(peer)
    }
    const reply = new Promise<DmFrame>((resolve, reject) => { out.waiting.push({ resolve, reject }) })
    // The stream can fail (the recipient's node dies, the timer below) while the write is still pending: the reply is
    // rejected before anything awaits it, and a write that then throws never does. Unhandled, that rejection ended
    // the process (seen in npm run crash, the sender's node dying when the receiver was killed).
    reply.catch(() => {})
    const timer = setTimeout(() => { this.closeOutbound(out, new Error(`no answer from ${peer} in ${REPLY_TIMEOUT_MS} ms`)) }, REPLY_TIMEOUT_MS)
    // The recipient keeps the token of the stream's first frame: later frames carry one only when it changed.
    const token = identityToken === out.token ? '' : identityToken
    out.token = identityToken
    try {
      await out.lp.write(DmFrame.encode({ ...EMPTY, identityToken: token, envelopes, ...(typing !== undefined ? { typing } : {}) }))
      const frame = await reply
      // An ack means "stored by the recipient" only from a node that proved it is the recipient's.
      const to = envelopes[0]?.to
      if (to !== undefined && out.user !== to) {
        return { acks: [], rejects: envelopes.map(e => ({ id: e.id, code: 'NOT_HERE', message: `${peer.slice(-8)} did not prove it is ${to}'s node` })) }
      }
      return { acks: frame.acks, rejects: frame.rejects }
    } catch (err) {
      this.closeOutbound(out, err as Error)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Asks a peer's node for a prekey bundle (with a one-time prekey made for us). */
  async requestBundle (peer: PeerIdStr, identityToken: string): Promise<Uint8Array> {
    const signal = AbortSignal.timeout(REPLY_TIMEOUT_MS)
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), DM_PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: 64 * 1024 })
      await lp.write(DmFrame.encode({ ...EMPTY, identityToken, bundleRequest: true }), { signal })
      const frame = DmFrame.decode((await lp.read({ signal })).subarray())
      await stream.close({ signal })
      if (frame.bundle.length === 0) throw new Error(frame.rejects[0]?.message ?? 'the peer sent no bundle')
      return frame.bundle
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** The open stream to a peer's node, dialled once and shared by every send. */
  private async open (peer: PeerIdStr): Promise<Outbound> {
    let pending = this.outbound.get(peer)
    if (pending === undefined) {
      const dialling = this.dial(peer)
      pending = dialling
      this.outbound.set(peer, dialling)
      dialling.catch(() => { if (this.outbound.get(peer) === dialling) this.outbound.delete(peer) })
    }
    return pending
  }

  private async dial (peer: PeerIdStr): Promise<Outbound> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), DM_PROTOCOL, { signal: AbortSignal.timeout(REPLY_TIMEOUT_MS) })
    const out: Outbound = { stream, lp: lpStream(stream, { maxDataLength: MAX_FRAME_BYTES }), waiting: [], closed: false, token: '' }
    void this.readReplies(peer, out)
    return out
  }

  private async readReplies (peer: PeerIdStr, out: Outbound): Promise<void> {
    try {
      for (let first = true; !out.closed; first = false) {
        const frame = DmFrame.decode((await out.lp.read()).subarray())
        if (first) await this.recipientOf(peer, out, frame)
        const waiter = out.waiting.shift()
        if (waiter === undefined) throw new Error('an answer to no frame')
        waiter.resolve(frame)
      }
    } catch (err) {
      this.closeOutbound(out, err as Error)
      const current = this.outbound.get(peer)
      void current?.then(o => { if (o === out && this.outbound.get(peer) === current) this.outbound.delete(peer) }, () => {})
    }
  }

  /** Who the recipient's node proved it is, from its first answer (nobody when it did not prove it). */
  private async recipientOf (peer: PeerIdStr, out: Outbound, frame: DmFrame): Promise<void> {
    if (frame.identityToken === '' || frame.proof.length === 0) return
    try {
      out.user = (await this.verifier.signedBy(frame.identityToken, peer, this.recipientTranscript(this.peerId, peer), frame.proof)).sub
    } catch (err) {
      this.log('%s did not prove whose node it is: %s', peer, (err as Error).message)
    }
  }

  private closeOutbound (out: Outbound, err: Error): void {
    if (out.closed) return
    out.closed = true
    for (const w of out.waiting.splice(0)) w.reject(err)
    out.stream.abort(err)
  }
}
