/**
 * What the parts of the user's files share (files.ts, incoming.ts,
 * outgoing.ts): the components, the settings, the stored transfers and the
 * live ones, and the events the facade dispatches.
 */
import { fromBase64, fromHex, toHex } from '../crypto/index.js'
import { codeOf } from '../errors.js'
import { createLogger } from '../logger.js'
import { fileKeys } from './chunks.js'
import { FileError } from './errors.js'
import { FINAL } from './records.js'
import type { FileShape, FileKeys } from './chunks.js'
import type { FilesInit } from './constants.js'
import type { Download } from './download.js'
import type { FileInfo, FilesComponents, FilesEvents } from './index.js'
import type { Meter } from './meter.js'
import type { PartFile } from './part-file.js'
import type { TransferRecord, TransferStore } from './records.js'
import type { Logger } from '../logger.js'
import type { BatchOp } from '../../store/index.js'

export type ResolvedInit = Required<FilesInit>

/** A transfer in memory: its record and what is derived from it, and what runs for it. */
export interface Live {
  r: TransferRecord
  id: Uint8Array
  shape: FileShape
  keys: FileKeys
  root: Uint8Array
  sha256: Uint8Array
  manifest?: Uint8Array
  meter?: Meter
  /** In: the chunks on disk */
  have?: Uint8Array
  part?: PartFile
  download?: Download
  /** Served streams to tell when more chunks arrive */
  watchers: Set<() => void>
  /** In: bytes of chunks written since the bitmap was last stored (progress counts them once they are) */
  unrecorded: number
  flushTimer?: ReturnType<typeof setInterval>
  /** Out: chunks that left this node at least once */
  sent?: Uint8Array
  /** Out: the upload to the relay under way */
  uploading?: AbortController
  /** Bytes of chunks this node served to others this run (repeats included) */
  served: number
}

export function liveOf (r: TransferRecord): Live {
  const id = fromHex(r.id)
  return {
    r,
    id,
    shape: { id, size: r.size, chunkSize: r.chunkSize },
    keys: fileKeys(id, fromBase64(r.key)),
    root: fromBase64(r.root),
    sha256: fromBase64(r.sha256),
    watchers: new Set(),
    unrecorded: 0,
    served: 0
  }
}

export class FilesContext {
  readonly log: Logger = createLogger('files')
  readonly live = new Map<string, Live>()
  readonly clock: () => number
  running = false

  constructor (
    readonly c: FilesComponents,
    readonly init: ResolvedInit,
    readonly records: TransferStore,
    private readonly dispatch: <K extends keyof FilesEvents>(type: K, detail: FilesEvents[K]['detail']) => void
  ) {
    this.clock = c.clock ?? Date.now
  }

  emit<K extends keyof FilesEvents> (type: K, detail: FilesEvents[K]['detail']): void {
    this.dispatch(type, detail)
  }

  /** A transfer's manifest (a file sent, or a download a source gave it), read from the store when first needed: not every one at start. */
  async manifest (l: Live): Promise<Uint8Array | undefined> {
    l.manifest ??= await this.records.manifest(l.r.id)
    return l.manifest
  }

  async save (l: Live, more: BatchOp[] = []): Promise<void> {
    await this.records.save(l.r, more)
  }

  info (l: Live): FileInfo {
    const { r } = l
    const p = l.meter?.progress()
    const done = r.state === 'done' || r.state === 'delivered' || r.state === 'sent'
    const info: FileInfo = {
      id: r.id,
      n: r.n,
      direction: r.direction,
      name: r.name,
      size: r.size,
      conversation: r.conversation,
      from: r.from,
      messageId: r.messageId,
      state: r.state,
      bytes: p?.bytes ?? (done ? r.size : 0),
      rate: FINAL.has(r.state) ? 0 : p?.rate ?? 0,
      eta: FINAL.has(r.state) ? null : p?.eta ?? null,
      sha256: toHex(l.sha256),
      createdAt: r.createdAt
    }
    if (l.served > 0) info.served = l.served
    if (l.download !== undefined) {
      info.sources = l.download.sourceCount()
      info.badSources = l.download.badSources()
    }
    if (r.path !== undefined) info.path = r.path
    if (r.error !== undefined) info.error = r.error
    if (r.upload === 'refused') info.relay = 'refused'
    else if (r.upload === 'done') info.relay = 'uploaded'
    else if (r.upload === 'wanted') info.relay = 'uploading'
    return info
  }

  /** The transfer ends without the file: recorded failed (or cancelled), and told. */
  async failed (l: Live, err: unknown, more: BatchOp[] = []): Promise<void> {
    const code = codeOf(err) ?? 'IO_ERROR'
    const message = (err as Error).message ?? String(err)
    l.r.state = code === 'CANCELLED' ? 'cancelled' : 'failed'
    l.r.error = { code, message }
    await this.save(l, more)
    this.log('%s %s failed: %s %s', l.r.direction === 'in' ? 'download' : 'send', l.r.id, code, message)
    this.emit('file:failed', { id: l.r.id, n: l.r.n, direction: l.r.direction, conversation: l.r.conversation, name: l.r.name, code, message })
  }

  /** A transfer by id (32 hex digits) or number: UNKNOWN_FILE otherwise. */
  find (ref: string | number): Live {
    const text = String(ref).trim().replace(/^#/, '')
    const l = /^\d+$/.test(text) ? [...this.live.values()].find(x => x.r.n === Number(text)) : this.live.get(text.toLowerCase())
    if (l === undefined) throw new FileError('UNKNOWN_FILE', `no file ${text} here: \`files\` lists them`)
    return l
  }
}
