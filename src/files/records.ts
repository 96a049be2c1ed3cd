/**
 * The user's transfers at rest (docs/files.md, "At rest"), in the store's
 * 'files' domain, sealed under the user's data key like the chat:
 *
 *   t/<file id>     TransferRecord (JSON)
 *   m/<file id>     the manifest (bytes)
 *   b/<file id>     the chunks on disk of a download (bitmap, bytes)
 *   n               the next transfer number
 *
 * Records stay after a transfer ends (done, failed, cancelled), so `files`
 * lists them; a finished download drops its bitmap, a cancelled transfer its
 * manifest and bitmap, a failed one keeps both (accepting it again resumes).
 */
import { toBase64 } from '../crypto/index.js'
import type { Offer } from './offer.js'
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

export type Direction = 'in' | 'out'

/**
 * Where a transfer is. In: offered (waiting to be accepted), waiting (accepted,
 * no source reachable now), downloading, done, failed, cancelled. Out:
 * sending (offered, served from the file), sent (every chunk left this node at
 * least once, to a recipient or the relay), delivered (the recipient said it
 * has the file), failed, cancelled.
 */
export type TransferState = 'offered' | 'waiting' | 'downloading' | 'done' | 'sending' | 'sent' | 'delivered' | 'failed' | 'cancelled'

/** A transfer as stored (its fields are the stored format). */
export interface TransferRecord {
  /** File id, 32 hex digits */
  id: string
  /** This node's number for it (`/accept 3`) */
  n: number
  direction: Direction
  name: string
  size: number
  chunkSize: number
  /** base64: the offer's root, key and SHA-256 */
  root: string
  key: string
  sha256: string
  /** The conversation the offer came in (a username, or group:<id>) */
  conversation: string
  /** Who sent it */
  from: string
  /** The offer's message id ('' until the message is stored) */
  messageId: string
  state: TransferState
  createdAt: number
  /** Out: the file sent; in: where it landed once done */
  path?: string
  error?: { code: string, message: string }
  /** Out: the relay should hold it (a recipient was away), and whether it has it all */
  upload?: 'wanted' | 'done' | 'refused'
  /** Out: the relay holder it was uploaded to */
  uploadedTo?: string
}

/** The record of an offer sent or received: what the offer says (the id as hex, the key, root and SHA-256 as base64), and the rest. */
export function recordOf (offer: Offer, n: number, direction: Direction, rest: Pick<TransferRecord, 'conversation' | 'from' | 'messageId' | 'state' | 'createdAt' | 'path'>): TransferRecord {
  const { fileId: id, name, size, chunkSize } = offer
  return { id, n, direction, name, size, chunkSize, root: toBase64(offer.root), key: toBase64(offer.key), sha256: toBase64(offer.sha256), ...rest }
}

export const ACTIVE_IN: ReadonlySet<TransferState> = new Set(['waiting', 'downloading'])
export const FINAL: ReadonlySet<TransferState> = new Set(['done', 'delivered', 'failed', 'cancelled'])

export class TransferStore {
  constructor (readonly store: SealedStore) {}

  async * all (): AsyncGenerator<TransferRecord> {
    for await (const [, r] of this.store.entries<TransferRecord>('t/')) yield r
  }

  put (r: TransferRecord): BatchOp {
    return this.store.put(`t/${r.id}`, r)
  }

  async save (r: TransferRecord, more: BatchOp[] = []): Promise<void> {
    await this.store.write([this.put(r), ...more])
  }

  putManifest (id: string, manifest: Uint8Array): BatchOp {
    return this.store.putBytes(`m/${id}`, manifest)
  }

  async manifest (id: string): Promise<Uint8Array | undefined> {
    return this.store.getBytes(`m/${id}`)
  }

  putBitmap (id: string, bitmap: Uint8Array): BatchOp {
    return this.store.putBytes(`b/${id}`, bitmap)
  }

  async bitmap (id: string): Promise<Uint8Array | undefined> {
    return this.store.getBytes(`b/${id}`)
  }

  /** The writes that forget a transfer's manifest and bitmap (it ended). */
  forgetData (id: string): BatchOp[] {
    return [this.store.del(`m/${id}`), this.store.del(`b/${id}`)]
  }

  /** The next transfer number, and the write that moves it on. */
  async nextNumber (): Promise<number> {
    return (await this.store.get<{ n: number }>('n'))?.n ?? 1
  }

  numberOp (next: number): BatchOp {
    return this.store.put('n', { n: next })
  }
}
