/**
 * Prekey bundles ([X3DH] §3.2): each user's identity key, signed prekey and a
 * stock of one-time prekeys, handed out one per fetch. One JSON record per
 * user in the store's 'relay' domain:
 *
 *   bundle/<username>  BundleRecord
 *
 * so that taking a one-time prekey and deleting it is one atomic write, made
 * under the user's lock: no one-time prekey is ever handed out twice.
 */
import { encodePreKeyBundle, verifySignedPreKey } from '../../crypto/index.js'
import { ServiceError } from '../errors.js'
import { KeyedLock } from '../../lock.js'
import type { PreKeyBundle } from '../../crypto/index.js'
import type { KV, Store } from '../../../store/index.js'

const KEY_BYTES = 32
const SIGNATURE_BYTES = 64

export interface BundleRecord {
  identityKey: string
  signedPrekeyId: number
  signedPrekey: string
  signedPrekeySignature: string
  /** Oldest first; handed out in that order */
  oneTimePrekeys: Array<{ id: number, publicKey: string }>
  /**
   * The highest one-time prekey id ever stored for this identity key. Ids
   * grow (the crypto core allocates them in order), so a republished id at
   * or below it is either stored already or was handed out: never again.
   */
  highestPrekeyId: number
  updatedAt: number
}

export interface PublishInput {
  identityKey: Uint8Array
  signedPrekeyId: number
  signedPrekey: Uint8Array
  signedPrekeySignature: Uint8Array
  oneTimePrekeys: ReadonlyArray<{ id: number, publicKey: Uint8Array }>
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const bytes = (h: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(h, 'hex'))
const bundleKey = (username: string): string => `bundle/${username}`

function bad (message: string): ServiceError {
  return new ServiceError('BAD_REQUEST', message)
}

/** Checks a publication's shapes and its signed prekey's signature by the identity key (as X3DH will). */
export function checkPublication (p: PublishInput): void {
  if (p.identityKey.byteLength !== KEY_BYTES) throw bad('identityKey must be a 32-byte Ed25519 public key')
  if (p.signedPrekey.byteLength !== KEY_BYTES) throw bad('signedPrekey must be a 32-byte X25519 public key')
  if (p.signedPrekeySignature.byteLength !== SIGNATURE_BYTES) throw bad('signedPrekeySignature must be a 64-byte Ed25519 signature')
  if (p.signedPrekeyId < 1) throw bad('signedPrekeyId must be from 1 to 2^32 - 1')
  for (const [i, k] of p.oneTimePrekeys.entries()) {
    if (k.id < 1) throw bad(`oneTimePrekeys[${i}].id must be from 1 to 2^32 - 1`)
    if (k.publicKey.byteLength !== KEY_BYTES) throw bad(`oneTimePrekeys[${i}].publicKey must be a 32-byte X25519 public key`)
  }
  let valid = false
  try {
    valid = verifySignedPreKey(p.identityKey, p.signedPrekey, p.signedPrekeySignature)
  } catch {}
  if (!valid) throw new ServiceError('BAD_SIGNATURE', 'the signed prekey is not signed by the identity key of the bundle')
}

export class Bundles {
  private readonly records: KV<BundleRecord>
  private readonly maxOneTimePrekeys: number
  private readonly clock: () => number
  private readonly lock = new KeyedLock()

  constructor (store: Store, maxOneTimePrekeys: number, clock: () => number) {
    this.records = store.sublevel<BundleRecord>('relay', 'json')
    this.maxOneTimePrekeys = maxOneTimePrekeys
    this.clock = clock
  }

  async idle (): Promise<void> {
    await this.lock.idle()
  }

  /**
   * Stores `username`'s bundle (checked by checkPublication): the signed
   * prekey replaces the previous one; one-time prekeys with new ids are
   * added, lowest id first, while there is room. A new identity key starts
   * the user's bundle over.
   */
  async publish (username: string, p: PublishInput): Promise<{ stored: number, added: number }> {
    return this.lock.run(username, async () => {
      const previous = await this.records.get(bundleKey(username))
      const identityKey = hex(p.identityKey)
      const same = previous !== undefined && previous.identityKey === identityKey
      const stock = same ? [...previous.oneTimePrekeys] : []
      let highest = same ? previous.highestPrekeyId : 0
      const fresh = [...new Map([...p.oneTimePrekeys].reverse().map(k => [k.id, k])).values()]
        .filter(k => k.id > highest)
        .sort((a, b) => a.id - b.id)
      let added = 0
      for (const k of fresh) {
        if (stock.length >= this.maxOneTimePrekeys) break
        stock.push({ id: k.id, publicKey: hex(k.publicKey) })
        highest = k.id
        added++
      }
      await this.records.put(bundleKey(username), {
        identityKey,
        signedPrekeyId: p.signedPrekeyId,
        signedPrekey: hex(p.signedPrekey),
        signedPrekeySignature: hex(p.signedPrekeySignature),
        oneTimePrekeys: stock,
        highestPrekeyId: highest,
        updatedAt: this.clock()
      })
      return { stored: stock.length, added }
    })
  }

  /**
   * `username`'s bundle with their oldest one-time prekey, which is deleted
   * in the same write (no one-time prekey once they are all handed out).
   * NO_BUNDLE when the user never published one.
   */
  async take (username: string): Promise<Uint8Array<ArrayBuffer>> {
    return this.lock.run(username, async () => {
      const record = await this.records.get(bundleKey(username))
      if (record === undefined) throw new ServiceError('NO_BUNDLE', `${username} has published no prekey bundle: they must log in once before anyone can message them offline`)
      const [opk, ...rest] = record.oneTimePrekeys
      const bundle: PreKeyBundle = {
        identityKey: bytes(record.identityKey),
        signedPreKeyId: record.signedPrekeyId,
        signedPreKey: bytes(record.signedPrekey),
        signedPreKeySignature: bytes(record.signedPrekeySignature),
        oneTimePreKey: opk === undefined ? undefined : { id: opk.id, publicKey: bytes(opk.publicKey) }
      }
      const encoded = encodePreKeyBundle(bundle)
      if (opk !== undefined) await this.records.put(bundleKey(username), { ...record, oneTimePrekeys: rest })
      return encoded
    })
  }

  async status (username: string): Promise<{ published: boolean, oneTimePrekeys: number, signedPrekeyId: number }> {
    const record = await this.records.get(bundleKey(username))
    if (record === undefined) return { published: false, oneTimePrekeys: 0, signedPrekeyId: 0 }
    return { published: true, oneTimePrekeys: record.oneTimePrekeys.length, signedPrekeyId: record.signedPrekeyId }
  }

  /** The identity key `username` published a bundle under, if any. */
  async identityKey (username: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const record = await this.records.get(bundleKey(username))
    return record === undefined ? undefined : bytes(record.identityKey)
  }
}
