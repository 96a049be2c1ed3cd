/**
 * The chat data at rest: every value sealed with AES-256-GCM under the key
 * derived from the user's password (unlocked at login), its storage key as
 * associated data so a value cannot be moved under another key. Names that
 * would reveal who the user talks to are replaced by keyed hashes in keys.
 */
import { hmacSha256, open, seal } from './crypto/index.js'
import type { BatchOp, Domain, KV, Store } from '../store/index.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

export class SealedStore {
  private readonly kv: KV<Uint8Array>
  private readonly store: Store
  private readonly key: Uint8Array

  /** Values go to the store's `domain` sublevel ('chat' by default; group state uses 'groups'). */
  constructor (store: Store, key: Uint8Array, domain: Domain = 'chat') {
    this.store = store
    this.kv = store.sublevel(domain, 'bytes')
    this.key = key
  }

  /** An opaque, stable stand-in for a name (a username, a conversation) inside storage keys. */
  name (label: string): string {
    return Buffer.from(hmacSha256(this.key, enc.encode(`lanchat/chat/name/v1:${label}`)).subarray(0, 12)).toString('hex')
  }

  private ad (key: string): Uint8Array {
    return enc.encode(`lanchat/chat/v1:${key}`)
  }

  async getBytes (key: string): Promise<Uint8Array | undefined> {
    const sealed = await this.kv.get(key)
    return sealed === undefined ? undefined : open(this.key, sealed, this.ad(key))
  }

  async get<T> (key: string): Promise<T | undefined> {
    const bytes = await this.getBytes(key)
    return bytes === undefined ? undefined : JSON.parse(dec.decode(bytes)) as T
  }

  /** Whether each key has a value (without opening them). */
  async has (keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return []
    return (await this.kv.getMany(keys)).map(v => v !== undefined)
  }

  putBytes (key: string, value: Uint8Array): BatchOp {
    return { type: 'put', sublevel: this.kv, key, value: seal(this.key, value, this.ad(key)) }
  }

  put (key: string, value: unknown): BatchOp {
    return this.putBytes(key, enc.encode(JSON.stringify(value)))
  }

  del (key: string): BatchOp {
    return { type: 'del', sublevel: this.kv, key }
  }

  async write (ops: BatchOp[]): Promise<void> {
    if (ops.length > 0) await this.store.batch(ops)
  }

  /** Keys under `prefix`, in key order: nothing is opened. */
  async * keys (prefix: string): AsyncGenerator<string> {
    for await (const key of this.kv.keys({ gt: prefix, lt: `${prefix}\xff` })) yield key
  }

  /** Values under `prefix`, in key order (or reversed), within an optional key range. */
  async * entries<T> (prefix: string, opts: { reverse?: boolean, limit?: number, lt?: string, gt?: string } = {}): AsyncGenerator<[string, T]> {
    const range = {
      gt: opts.gt !== undefined && opts.gt > prefix ? opts.gt : prefix,
      lt: opts.lt !== undefined && opts.lt < `${prefix}\xff` ? opts.lt : `${prefix}\xff`,
      reverse: opts.reverse ?? false,
      limit: opts.limit ?? -1
    }
    for await (const [key, sealed] of this.kv.iterator(range)) {
      yield [key, JSON.parse(dec.decode(open(this.key, sealed, this.ad(key)))) as T]
    }
  }
}
