/**
 * The KACLS's key-encryption keys: 32 random bytes per version, versions
 * 1, 2, 3, ... (the KEK id of a wrapped key), every one kept so older wrapped
 * keys still unwrap. At rest each is sealed (crypto's seal: AES-256-GCM with a
 * random nonce) under a key derived from NetworkKeys.atRestKey, so the data
 * directory alone does not give them away: opening them needs the network
 * passphrase too. Sealed records are self-contained, so they can be copied to
 * another node of the same network (which derives the same sealing key).
 */
import { hkdf, randomBytes, open, seal } from '../../crypto/index.js'
import { KeyedLock } from '../../lock.js'
import { ServiceError } from '../errors.js'
import { KEK_BYTES, KEK_RECORD_LABEL, KEK_SEAL_INFO, MAX_KEK_VERSION } from './constants.js'
import type { KV } from '../../../store/index.js'
import type { Logger } from '../../logger.js'

const utf8 = new TextEncoder()

/** A KEK as the store keeps it, in the `kacls` sublevel under kekStoreKey(version). */
export interface KekRecord {
  version: number
  /** ms since the epoch */
  createdAt: number
  /** base64 of nonce (12) || AES-256-GCM(sealing key, KEK, AD = KEK_RECORD_LABEL || version BE32) || tag (16) */
  sealed: string
}

/** A KEK in memory. `key` is null for a record that is on disk but does not open (another passphrase, or damage). */
export interface Kek {
  readonly version: number
  readonly createdAt: number
  readonly key: Uint8Array | null
}

export type UsableKek = Kek & { readonly key: Uint8Array }

export const KEK_PREFIX = 'kek/'
/** Zero-padded so the store's key order is version order. */
export const kekStoreKey = (version: number): string => `${KEK_PREFIX}${version.toString().padStart(10, '0')}`

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

export function sealKekRecord (sealingKey: Uint8Array, version: number, createdAt: number, kek: Uint8Array): KekRecord {
  return { version, createdAt, sealed: Buffer.from(seal(sealingKey, kek, recordAd(version))).toString('base64') }
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

export class KekRing {
  private readonly kv: KV<KekRecord>
  private readonly sealingKey: Uint8Array
  private readonly clock: () => number
  private readonly log: Logger
  private readonly onCreate: (kek: UsableKek) => Promise<void>
  private readonly keks = new Map<number, Kek>()
  private latest = 0
  /** KEK creation is serialized, so two callers never make the same version. */
  private readonly lock = new KeyedLock()

  /** `onCreate` runs once a new KEK version is persisted (the service audits it); its failure is logged, not thrown. */
  constructor (kv: KV<KekRecord>, atRestKey: Uint8Array, clock: () => number, log: Logger, onCreate: (kek: UsableKek) => Promise<void> = async () => {}) {
    this.kv = kv
    this.sealingKey = kekSealingKey(atRestKey)
    this.clock = clock
    this.log = log
    this.onCreate = onCreate
  }

  /** Reads and opens every stored KEK. One that does not open is kept as unavailable, never overwritten. */
  async load (): Promise<void> {
    for await (const [storeKey, record] of this.kv.iterator({ gte: KEK_PREFIX, lt: KEK_PREFIX.slice(0, -1) + '0' })) {
      const version = Number(storeKey.slice(KEK_PREFIX.length))
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
      this.keks.set(version, { version, createdAt: key !== null && typeof record.createdAt === 'number' ? record.createdAt : 0, key })
      this.latest = Math.max(this.latest, version)
    }
  }

  /** The newest version, 0 before the first KEK exists. */
  get currentVersion (): number {
    return this.latest
  }

  get size (): number {
    return this.keks.size
  }

  get (version: number): Kek | undefined {
    return this.keks.get(version)
  }

  /** The newest KEK, made (version 1) if there is none yet; KEK_UNAVAILABLE if it does not open. */
  async current (): Promise<UsableKek> {
    const found = this.keks.get(this.latest) ?? await this.lock.run('create', async () => this.keks.get(this.latest) ?? await this.create())
    return usable(found)
  }

  /** Makes a new version, which wraps from now on; older versions keep unwrapping. */
  async rotate (): Promise<UsableKek> {
    return usable(await this.lock.run('create', async () => this.create()))
  }

  /** Overwrites the KEKs held in memory (best effort in JS). */
  wipe (): void {
    for (const kek of this.keks.values()) kek.key?.fill(0)
    this.keks.clear()
    this.latest = 0
  }

  /** Persists a fresh KEK first, and only then uses it. */
  private async create (): Promise<UsableKek> {
    const version = this.latest + 1
    if (version > MAX_KEK_VERSION) throw new ServiceError('KEK_EXHAUSTED', 'every KEK id is used')
    const key = randomBytes(KEK_BYTES)
    const createdAt = this.clock()
    await this.kv.put(kekStoreKey(version), sealKekRecord(this.sealingKey, version, createdAt, key))
    const kek = { version, createdAt, key }
    this.keks.set(version, kek)
    this.latest = version
    this.log('made KEK version %d', version)
    await this.onCreate(kek).catch((err: unknown) => { this.log.error('after making KEK version %d: %s', version, (err as Error).message) })
    return kek
  }
}

function usable (kek: Kek): UsableKek {
  if (kek.key === null) throw new ServiceError('KEK_UNAVAILABLE', `KEK version ${kek.version} is on disk but does not open with this network's passphrase; the KACLS operator must rotate the KEK (old keys wrapped under it are lost)`)
  return kek as UsableKek
}
