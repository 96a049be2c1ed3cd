/**
 * The KACLS's key-encryption keys: 32 random bytes each, under a random
 * 32-bit id (the KEK id of a wrapped key), every one kept so older wrapped
 * keys still unwrap. Ids are random so that two holders on the two sides of a
 * partition never make the same one (docs/replication.md, "kacls"); should
 * they ever (2^-32 per pair), both KEKs are kept, under (id, creator), and
 * unwrap tries each: the AEAD tag tells which. The KEK new wraps use is the
 * newest (createdAt, then id, then creator), the same on every node.
 *
 * At rest each KEK this node holds is sealed (crypto's seal: AES-256-GCM with
 * a random nonce) under a key derived from NetworkKeys.atRestKey, so the data
 * directory alone does not give them away. They reach the other kacls-eligible
 * nodes in lockboxes sealed to each node's kacls role key (kek-doc.ts).
 */
import { randomInt } from 'node:crypto'
import { hkdf, randomBytes, open, seal } from '../../crypto/index.js'
import { KeyedLock } from '../../lock.js'
import { ServiceError } from '../errors.js'
import { KEK_BYTES, KEK_RECORD_LABEL, KEK_SEAL_INFO, MAX_KEK_VERSION } from './constants.js'
import { prefixEnd } from '../../../store/index.js'
import type { KV } from '../../../store/index.js'
import type { Logger } from '../../logger.js'

const utf8 = new TextEncoder()

/** A KEK as the store keeps it, in the `kacls` sublevel under kekStoreKey(version, creator). */
export interface KekRecord {
  version: number
  /** ms since the epoch */
  createdAt: number
  /** base64 of nonce (12) || AES-256-GCM(sealing key, KEK, AD = KEK_RECORD_LABEL || version BE32) || tag (16) */
  sealed: string
  /** The node that made it ('' for KEKs of a build before replication) */
  creator?: string
}

/** A KEK in memory. `key` is null for a record that is on disk but does not open (another passphrase, or damage). */
export interface Kek {
  readonly version: number
  readonly createdAt: number
  readonly creator: string
  readonly key: Uint8Array | null
}

export type UsableKek = Kek & { readonly key: Uint8Array }

export const KEK_PREFIX = 'kek/'
/** Zero-padded so the store's key order is id order. */
export const kekStoreKey = (version: number, creator = ''): string => `${KEK_PREFIX}${version.toString().padStart(10, '0')}${creator === '' ? '' : `/${creator}`}`

/** The key sealing KEKs at rest: HKDF-SHA256(atRestKey, salt = empty, info = KEK_SEAL_INFO, 32). */
export function kekSealingKey (atRestKey: Uint8Array): Uint8Array {
  return hkdf(atRestKey, new Uint8Array(0), utf8.encode(KEK_SEAL_INFO), 32)
}

/** AD of a sealed KEK: the label and its version, so a record moved to another version's slot does not open. */
function recordAd (version: number): Uint8Array {
  const label = utf8.encode(KEK_RECORD_LABEL)
  const ad = new Uint8Array(label.byteLength + 4)
  ad.set(label, 0)
  new DataView(ad.buffer).setUint32(label.byteLength, version)
  return ad
}

export function sealKekRecord (sealingKey: Uint8Array, version: number, createdAt: number, kek: Uint8Array, creator = ''): KekRecord {
  return { version, createdAt, sealed: Buffer.from(seal(sealingKey, kek, recordAd(version))).toString('base64'), ...(creator === '' ? {} : { creator }) }
}

/** Opens a stored record; throws (DECRYPT_FAILED, or a TypeError for a record of the wrong shape) when it does not. */
export function openKekRecord (sealingKey: Uint8Array, record: KekRecord): Uint8Array {
  if (typeof record !== 'object' || record === null || !Number.isInteger(record.version) || typeof record.sealed !== 'string') {
    throw new TypeError('not a KEK record')
  }
  const kek = open(sealingKey, Buffer.from(record.sealed, 'base64'), recordAd(record.version))
  if (kek.byteLength !== KEK_BYTES) throw new TypeError(`a KEK is ${KEK_BYTES} bytes`)
  return kek
}

/** Newer first: createdAt, then id, then creator (the same order on every node). */
const newer = (a: Kek, b: Kek): number => b.createdAt - a.createdAt || b.version - a.version || (a.creator < b.creator ? 1 : a.creator > b.creator ? -1 : 0)

export class KekRing {
  private readonly kv: KV<KekRecord>
  private readonly sealingKey: Uint8Array
  private readonly clock: () => number
  private readonly log: Logger
  private readonly onCreate: (kek: UsableKek) => Promise<void>
  /** id -> the KEKs with that id (one, but for a collision) */
  private readonly keks = new Map<number, Kek[]>()
  private newest?: Kek
  /** KEK creation is serialized, so two callers never make two versions at once. */
  private readonly lock = new KeyedLock()
  /** Makes a new KEK known to the other eligible nodes (and this one's store); set by the service */
  publish: (kek: UsableKek) => Promise<void>
  /** This node's peer id: the creator of the KEKs it makes */
  creator = ''

  /** `onCreate` runs once a new KEK version is persisted (the service audits it); its failure is logged, not thrown. */
  constructor (kv: KV<KekRecord>, atRestKey: Uint8Array, clock: () => number, log: Logger, onCreate: (kek: UsableKek) => Promise<void> = async () => {}) {
    this.kv = kv
    this.sealingKey = kekSealingKey(atRestKey)
    this.clock = clock
    this.log = log
    this.onCreate = onCreate
    this.publish = async kek => { await this.kv.put(kekStoreKey(kek.version, kek.creator), this.record(kek)) }
  }

  /** Reads and opens every stored KEK. One that does not open is kept as unavailable, never overwritten. */
  async load (): Promise<void> {
    for await (const [storeKey, record] of this.kv.iterator({ gte: KEK_PREFIX, lt: prefixEnd(KEK_PREFIX) })) {
      const [idText, creator = ''] = storeKey.slice(KEK_PREFIX.length).split('/')
      const version = Number(idText)
      if (!Number.isInteger(version) || version < 1 || version > MAX_KEK_VERSION) {
        this.log.error('ignoring a KEK record under a malformed key %s', storeKey)
        continue
      }
      let key: Uint8Array | null = null
      try {
        if (typeof record !== 'object' || record === null || record.version !== version) throw new TypeError(`the record under ${storeKey} is not KEK version ${version}`)
        key = openKekRecord(this.sealingKey, record)
      } catch (err) {
        this.log.error('KEK version %d does not open (another network passphrase, or damage): %s', version, (err as Error).message)
      }
      this.remember({ version, createdAt: key !== null && typeof record.createdAt === 'number' ? record.createdAt : 0, creator, key })
    }
  }

  /** Takes a KEK into the ring (one made here, or opened from a lockbox); false when it was known. */
  remember (kek: Kek): boolean {
    const list = this.keks.get(kek.version) ?? []
    if (list.some(k => k.creator === kek.creator && k.key !== null)) return false
    this.keks.set(kek.version, [...list.filter(k => k.creator !== kek.creator), kek])
    if (kek.key !== null && (this.newest === undefined || newer(kek, this.newest) < 0)) this.newest = kek
    return true
  }

  /** The record that keeps a KEK at rest here. */
  record (kek: UsableKek): KekRecord {
    return sealKekRecord(this.sealingKey, kek.version, kek.createdAt, kek.key, kek.creator)
  }

  /** The newest version, 0 before the first KEK exists. */
  get currentVersion (): number {
    return this.newest?.version ?? 0
  }

  /** KEKs held. */
  get size (): number {
    let n = 0
    for (const list of this.keks.values()) n += list.length
    return n
  }

  /** The first KEK with this id (status; a wrapped key's id may have several, see candidates). */
  get (version: number): Kek | undefined {
    return this.keks.get(version)?.[0]
  }

  /** Every KEK with this id. */
  candidates (version: number): Kek[] {
    return this.keks.get(version) ?? []
  }

  /** Every KEK held, that this node can use. */
  usable (): UsableKek[] {
    return [...this.keks.values()].flat().filter((k): k is UsableKek => k.key !== null)
  }

  /**
   * The newest KEK this node can open, made if there is none: none exists
   * yet, or none was sealed to this node (every node that could seal one to
   * it is gone). New keys are then wrapped under the new one; what older
   * versions wrapped answers KEK_UNAVAILABLE on unwrap here until a node
   * holding them seals them to this one.
   */
  async current (): Promise<UsableKek> {
    const found = this.newest ?? await this.lock.run('create', async () => this.newest ?? await this.create())
    return usable(found)
  }

  /** Makes a new version, which wraps from now on; older versions keep unwrapping. */
  async rotate (): Promise<UsableKek> {
    return usable(await this.lock.run('create', async () => this.create()))
  }

  /** Overwrites the KEKs held in memory (best effort in JS). */
  wipe (): void {
    for (const list of this.keks.values()) for (const kek of list) kek.key?.fill(0)
    this.keks.clear()
    this.newest = undefined
  }

  /** A random id no KEK here has. */
  private newId (): number {
    if (this.keks.size >= MAX_KEK_VERSION - 1) throw new ServiceError('KEK_EXHAUSTED', 'every KEK id is used')
    for (;;) {
      const id = randomInt(1, MAX_KEK_VERSION)
      if (!this.keks.has(id)) return id
    }
  }

  /** Persists a fresh KEK (here and, durably, at another eligible node) first, and only then uses it. */
  private async create (): Promise<UsableKek> {
    const kek: UsableKek = { version: this.newId(), createdAt: this.clock(), creator: this.creator, key: randomBytes(KEK_BYTES) }
    await this.publish(kek)
    this.remember(kek)
    this.log('made KEK version %d', kek.version)
    await this.onCreate(kek).catch((err: unknown) => { this.log.error('after making KEK version %d: %s', kek.version, (err as Error).message) })
    return kek
  }
}

function usable (kek: Kek): UsableKek {
  if (kek.key === null) throw new ServiceError('KEK_UNAVAILABLE', `KEK version ${kek.version} is on disk but does not open with this network's passphrase; the KACLS operator must rotate the KEK (old keys wrapped under it are lost)`)
  return kek as UsableKek
}
