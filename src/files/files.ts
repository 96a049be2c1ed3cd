/**
 * The user's files (docs/files.md): the API and events. Sending prepares
 * the offer (offer.ts, prepare.ts) and hands it to the chat in a message of
 * kind "file"; offers that arrive in messages are handed here by the chat,
 * checked, recorded, and accepted on their own up to autoAcceptBytes. The
 * work: incoming.ts (downloads), outgoing.ts (serving the files sent,
 * uploads to the relay), download.ts (one download's sources and chunks).
 */
import { resolve } from 'node:path'
import { TypedEventEmitter } from 'main-event'
import { toBase64 } from '../crypto/index.js'
import { GROUP_ID } from '../groups/constants.js'
import { groupConversation, groupOfConversation } from '../timeline/index.js'
import { MessageBody } from '../timeline/pb/body.js'
import { canonicalUsername } from '../usernames.js'
import { FilesContext, liveOf } from './context.js'
import { FileError } from './errors.js'
import { Incoming } from './incoming.js'
import { decodeOffer, encodeOffer, isFileId, offerText } from './offer.js'
import { Outgoing } from './outgoing.js'
import { checkSendable, prepareOffer } from './prepare.js'
import { ACTIVE_IN, FINAL, recordOf, TransferStore } from './records.js'
import type { ResolvedInit } from './context.js'
import type { FileInfo, FilesComponents, FilesEvents, SendFile, ServedFile } from './index.js'
import type { TransferRecord } from './records.js'
import type { AttachedFile } from '../timeline/index.js'

/** A file offer in a message, as the chat hands it over. */
export interface ReceivedOffer {
  /** The sender (as the channel authenticated it) */
  from: string
  /** A username (DM) or group:<id> */
  conversation: string
  messageId: string
  attachment: Uint8Array
}

export class Files extends TypedEventEmitter<FilesEvents> {
  private readonly ctx: FilesContext
  private readonly incoming: Incoming
  private readonly outgoing: Outgoing
  private ticker?: ReturnType<typeof setInterval>
  private readonly onPeer = (): void => { this.nudge() }

  constructor (components: FilesComponents, init: ResolvedInit) {
    super()
    const records = new TransferStore(components.store)
    this.ctx = new FilesContext(components, init, records, (type, detail) => { this.dispatchEvent(new CustomEvent(type, { detail })) })
    this.incoming = new Incoming(this.ctx)
    this.outgoing = new Outgoing(this.ctx)
  }

  // ---------------------------------------------------------------- lifecycle

  /** Loads the transfers, resumes downloads and uploads, and serves the user's files. */
  async start (): Promise<void> {
    const { ctx } = this
    for await (const r of ctx.records.all()) ctx.live.set(r.id, liveOf(r))
    ctx.running = true
    for (const l of ctx.live.values()) {
      const { r } = l
      if (r.direction === 'out' && r.messageId === '' && !FINAL.has(r.state)) {
        // Stopped between preparing the offer and storing its message: nothing was offered.
        await ctx.failed(l, new FileError('INTERRUPTED', 'the node stopped before the offer was sent: send the file again'))
      } else if (r.direction === 'in' && ACTIVE_IN.has(r.state)) {
        await this.incoming.start(l).catch(err => ctx.failed(l, err))
      } else if (r.direction === 'out' && r.upload === 'wanted') {
        this.outgoing.upload(l)
      }
    }
    ctx.c.server.attach({ open: async id => this.serve(id) })
    ctx.c.libp2p.addEventListener('peer:connect', this.onPeer)
    this.ticker = setInterval(() => { this.tick() }, ctx.init.progressIntervalMs)
    this.ticker.unref?.()
  }

  /** Stops every download and upload (what is on disk stays: the next start resumes). */
  async stop (): Promise<void> {
    const { ctx } = this
    ctx.running = false
    ctx.c.server.attach(undefined)
    ctx.c.libp2p.removeEventListener('peer:connect', this.onPeer)
    clearInterval(this.ticker)
    this.outgoing.stop()
    for (const l of ctx.live.values()) if (l.download !== undefined || l.part !== undefined) await this.incoming.stop(l).catch(() => {})
  }

  // ---------------------------------------------------------------- API

  /** Offers a file to a contact or a group: read and sealed once to make the offer, then sent in a message. */
  async send (req: SendFile): Promise<FileInfo> {
    const { ctx } = this
    const me = ctx.c.account.username
    let conversation: string
    if (req.group !== undefined && req.to === undefined) {
      if (!GROUP_ID.test(req.group)) throw new FileError('BAD_RECIPIENT', 'a group is named by its id (32 hex digits)')
      conversation = groupConversation(req.group)
    } else if (req.to !== undefined && req.group === undefined) {
      conversation = canonicalUsername(req.to)
      if (conversation === me) throw new FileError('BAD_RECIPIENT', 'you cannot send a file to yourself')
    } else {
      throw new FileError('BAD_RECIPIENT', 'name a contact (to) or a group, not both')
    }
    // Kept absolute: after a restart in another directory the file is still served.
    const path = resolve(req.path)
    const size = await checkSendable(path, ctx.init.maxFileBytes)
    const { offer, manifest } = await prepareOffer(path, size, ctx.init.chunkBytes)
    const n = await ctx.records.nextNumber()
    const r = recordOf(offer, n, 'out', { conversation, from: me, messageId: '', state: 'sending', createdAt: ctx.clock(), path })
    const l = liveOf(r)
    l.manifest = manifest
    await ctx.save(l, [ctx.records.putManifest(r.id, manifest), ctx.records.numberOp(n + 1)])
    ctx.live.set(r.id, l)
    this.outgoing.track(l)
    const body = MessageBody.encode({ kind: 'file', attachment: encodeOffer(offer) as Uint8Array<ArrayBuffer> })
    try {
      const { id } = await ctx.c.messenger.send(conversation, offerText(offer.name, size), body, { id: offer.fileId, name: offer.name, size })
      r.messageId = id
      await ctx.save(l)
    } catch (err) {
      ctx.live.delete(r.id)
      await ctx.records.store.write([ctx.records.store.del(`t/${r.id}`), ...ctx.records.forgetData(r.id)]).catch(() => {})
      throw err
    }
    ctx.log('offered %s (%s, %d bytes) in %s', r.id, r.name, size, conversation)
    // A recipient away: the relay is to keep the file for it.
    if (this.recipients(r).some(u => ctx.c.peers.online(u).length === 0)) await this.outgoing.wantUpload(l)
    return ctx.info(l)
  }

  /** Accepts an offer (by number or id): it downloads now. A failed download is tried again. */
  async accept (ref: string | number): Promise<FileInfo> {
    const l = this.ctx.find(ref)
    const { r } = l
    if (r.direction !== 'in') throw new FileError('NOT_OFFERED', `#${r.n} is a file you sent`)
    if (r.state === 'done') throw new FileError('ALREADY_DONE', `${r.name} is here already: ${r.path ?? ''}`)
    if (r.state === 'cancelled') throw new FileError('CANCELLED', `${r.name} was cancelled`)
    if (ACTIVE_IN.has(r.state) && l.download !== undefined) return this.ctx.info(l)
    await this.incoming.checkRoom(l)
    delete r.error
    await this.incoming.start(l)
    return this.ctx.info(l)
  }

  /** Cancels a transfer: a download stops and its part is deleted; a file sent is served no more (the relay drops it). */
  async cancel (ref: string | number): Promise<FileInfo> {
    const l = this.ctx.find(ref)
    const { r } = l
    if (r.state === 'cancelled') return this.ctx.info(l)
    if (r.state === 'done' || r.state === 'delivered') throw new FileError('ALREADY_DONE', `${r.name} was transferred already`)
    if (r.direction === 'in') await this.incoming.discard(l)
    else await this.outgoing.cancel(l)
    await this.ctx.failed(l, new FileError('CANCELLED', `${r.name} was cancelled`), this.ctx.records.forgetData(r.id))
    l.manifest = undefined
    return this.ctx.info(l)
  }

  /** Every transfer, the newest first. */
  list (): FileInfo[] {
    return [...this.ctx.live.values()].map(l => this.ctx.info(l)).sort((a, b) => b.n - a.n)
  }

  /** One transfer, by number or id. */
  get (ref: string | number): FileInfo {
    return this.ctx.info(this.ctx.find(ref))
  }

  // ---------------------------------------------------------------- what the chat and the node tell

  /**
   * An offer in a message (the chat hands it over before it stores the
   * message; once per file id: a replay changes nothing). The file as the
   * message shows it, or undefined when the offer is refused (malformed, too
   * large, an id another offer holds): the message then shows its text only.
   */
  async offered (o: ReceivedOffer): Promise<AttachedFile | undefined> {
    const { ctx } = this
    let offer
    try {
      offer = decodeOffer(o.attachment, ctx.init.maxFileBytes)
    } catch (err) {
      ctx.log('refused a file offer from %s: %s', o.from, (err as Error).message)
      return undefined
    }
    const ref: AttachedFile = { id: offer.fileId, name: offer.name, size: offer.size }
    const known = ctx.live.get(offer.fileId)
    if (known !== undefined) {
      const same = known.r.from === o.from && known.r.conversation === o.conversation && known.r.key === toBase64(offer.key)
      if (!same) ctx.log('refused an offer from %s: its file id is another file\'s', o.from)
      return same ? ref : undefined
    }
    if (o.from === ctx.c.account.username) return undefined
    const n = await ctx.records.nextNumber()
    const r = recordOf(offer, n, 'in', { conversation: o.conversation, from: o.from, messageId: o.messageId, state: 'offered', createdAt: ctx.clock() })
    const l = liveOf(r)
    await ctx.save(l, [ctx.records.numberOp(n + 1)])
    ctx.live.set(r.id, l)
    const autoAccept = offer.size <= ctx.init.autoAcceptBytes
    ctx.log('offer of %s (%s, %d bytes) from %s', r.id, r.name, r.size, o.from)
    ctx.emit('file:offer', { id: r.id, n, from: o.from, conversation: o.conversation, messageId: o.messageId, name: r.name, size: r.size, autoAccept })
    if (autoAccept && ctx.running) {
      this.accept(r.id).catch(async err => {
        if (!FINAL.has(l.r.state)) await ctx.failed(l, err).catch(() => {})
      })
    }
    return ref
  }

  /** A DM's status changed: an offer deposited at the relay (its recipient is away) means the relay should hold the file. */
  messageStatus (messageId: string, status: string): void {
    if (status !== 'sent') return
    for (const l of this.ctx.live.values()) {
      if (l.r.direction === 'out' && l.r.messageId === messageId && groupOfConversation(l.r.conversation) === undefined) void this.outgoing.wantUpload(l)
    }
  }

  /** Someone came online, a node connected: downloads look for sources now. */
  nudge (): void {
    if (this.ctx.running) this.incoming.nudge()
  }

  /** The relay role moved: downloads ask the new holder, uploads go to it. */
  relayChanged (): void {
    if (!this.ctx.running) return
    this.incoming.nudge()
    this.outgoing.relayChanged()
  }

  // ---------------------------------------------------------------- internals

  private recipients (r: TransferRecord): string[] {
    const me = this.ctx.c.account.username
    const group = groupOfConversation(r.conversation)
    if (group === undefined) return [r.conversation]
    return this.ctx.c.peers.members(group).filter(u => u !== me)
  }

  private async serve (fileId: string): Promise<ServedFile | undefined> {
    if (!isFileId(fileId)) return undefined
    const l = this.ctx.live.get(fileId)
    if (l === undefined) return undefined
    // Manifests stay on disk, not in memory from the start (a file sent to a group stays 'sent' for good): read when first asked for.
    if (l.r.state !== 'failed' && l.r.state !== 'cancelled') await this.ctx.manifest(l)
    return l.r.direction === 'out' ? this.outgoing.serve(l) : this.incoming.serve(l)
  }

  /** Progress of the transfers that moved since they were last told (at most every progressIntervalMs). */
  private tick (): void {
    for (const l of this.ctx.live.values()) {
      const m = l.meter
      if (m === undefined || m.told === m.bytes || FINAL.has(l.r.state)) continue
      m.told = m.bytes
      const { r } = l
      this.ctx.emit('file:progress', { id: r.id, n: r.n, direction: r.direction, conversation: r.conversation, name: r.name, ...m.progress() })
    }
  }
}

