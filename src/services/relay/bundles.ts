/**
 * Prekey bundles ([X3DH] §3.2): each user's identity key, signed prekey and a
 * stock of one-time prekeys, handed out one per fetch. Each user's bundle is
 * a replicated doc (docs/replication.md, "relay"), `relay/bundle/<username>`:
 *
 *   spk            { identityKey, signedPrekeyId, signedPrekey, signedPrekeySignature, updatedAt }
 *   o/<id, 10>     { id, publicKey }: a one-time prekey not handed out yet
 *   hi/<writer>    { highest }: the highest one-time prekey id a holder ever stored (the bundle's is the maximum)
 *
 * materialized as one JSON record per user in the store's 'relay' domain:
 *
 *   bundle/<username>  BundleRecord
 *
 * Taking a one-time prekey deletes it in the doc under the doc's lock, and
 * the fetch is answered once another relay-eligible node has the deletion:
 * no one-time prekey is ever handed out twice, not even by the next holder
 * after a failover. (Two sides of a partition hand out from the same stock:
 * docs/replication.md says what follows.)
 */
import { encodePreKeyBundle, verifySignedPreKey } from '../../crypto/index.js'
import { ServiceError } from '../errors.js'
import { replicationOf } from '../replicated.js'
import type { PreKeyBundle } from '../../crypto/index.js'
import type { Change, Replication } from '../../replication/index.js'
import type { BatchOp, KV, Store } from '../../../store/index.js'

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

export const BUNDLE_DOCS = 'relay/bundle/'

interface SignedPart {
  identityKey: string
  signedPrekeyId: number
  signedPrekey: string
  signedPrekeySignature: string
  updatedAt: number
}

const utf8 = new TextEncoder()
const text = new TextDecoder()
const json = (v: unknown): Uint8Array => utf8.encode(JSON.stringify(v))
const parse = <T>(b: Uint8Array): T => JSON.parse(text.decode(b)) as T
const otkKey = (id: number): string => `o/${String(id).padStart(10, '0')}`

export class Bundles {
  private readonly records: KV<BundleRecord>
  private readonly maxOneTimePrekeys: number
  private readonly clock: () => number
  private readonly replication: Replication
  /** This holder's name for its high-water mark record */
  private readonly writer: string

  constructor (store: Store, maxOneTimePrekeys: number, clock: () => number, replication?: Replication, writer = 'local') {
    this.records = store.sublevel<BundleRecord>('relay', 'json')
    this.maxOneTimePrekeys = maxOneTimePrekeys
    this.clock = clock
    this.replication = replication ?? replicationOf({ store, keys: { networkId: 'lanchat' } as never, clock })
    this.writer = writer
    this.replication.define({ prefix: BUNDLE_DOCS, role: 'relay', materialize: (doc, changes) => this.materialize(doc, changes) })
  }

  async idle (): Promise<void> {
    await this.replication.lock.idle()
  }

  /** The user's layout record, recomputed from the doc as it is now. */
  private materialize (doc: string, _changes: Change[]): BatchOp[] {
    const username = doc.slice(BUNDLE_DOCS.length)
    const d = this.replication.docs.get(doc)
    const spk = d?.get('spk')
    if (d === undefined || spk === undefined) return [{ type: 'del', sublevel: this.records, key: bundleKey(username) }]
    const signed = parse<SignedPart>(spk)
    const stock = d.keys('o/').map(k => parse<{ id: number, publicKey: string }>(d.get(k)!))
    const highest = Math.max(0, ...d.keys('hi/').map(k => parse<{ highest: number }>(d.get(k)!).highest))
    const record: BundleRecord = { ...signed, oneTimePrekeys: stock, highestPrekeyId: highest }
    return [{ type: 'put', sublevel: this.records, key: bundleKey(username), value: record }]
  }

  /**
   * Stores `username`'s bundle (checked by checkPublication): the signed
   * prekey replaces the previous one; one-time prekeys with new ids are
   * added, lowest id first, while there is room. A new identity key starts
   * the user's bundle over.
   */
  async publish (username: string, p: PublishInput): Promise<{ stored: number, added: number }> {
    return this.replication.mutate(`${BUNDLE_DOCS}${username}`, tx => {
      const previous = tx.get('spk')
      const identityKey = hex(p.identityKey)
      const same = previous !== undefined && parse<SignedPart>(previous).identityKey === identityKey
      if (!same) for (const k of [...tx.keys('o/'), ...tx.keys('hi/')]) tx.del(k)
      let stock = same ? tx.keys('o/').length : 0
      let highest = same ? Math.max(0, ...tx.keys('hi/').map(k => parse<{ highest: number }>(tx.get(k)!).highest)) : 0
      const fresh = [...new Map([...p.oneTimePrekeys].reverse().map(k => [k.id, k])).values()]
        .filter(k => k.id > highest)
        .sort((a, b) => a.id - b.id)
      let added = 0
      for (const k of fresh) {
        if (stock >= this.maxOneTimePrekeys) break
        tx.put(otkKey(k.id), json({ id: k.id, publicKey: hex(k.publicKey) }))
        stock++
        highest = k.id
        added++
      }
      tx.put('spk', json({
        identityKey,
        signedPrekeyId: p.signedPrekeyId,
        signedPrekey: hex(p.signedPrekey),
        signedPrekeySignature: hex(p.signedPrekeySignature),
        updatedAt: this.clock()
      } satisfies SignedPart))
      if (added > 0 || !same) tx.put(`hi/${this.writer}`, json({ highest }))
      return { stored: stock, added }
    }, { durable: true })
  }

  /**
   * `username`'s bundle with their oldest one-time prekey, which is deleted
   * in the same write (no one-time prekey once they are all handed out).
   * NO_BUNDLE when the user never published one.
   */
  async take (username: string): Promise<Uint8Array<ArrayBuffer>> {
    return this.replication.mutate(`${BUNDLE_DOCS}${username}`, tx => {
      const spk = tx.get('spk')
      if (spk === undefined) throw new ServiceError('NO_BUNDLE', `${username} has published no prekey bundle: they must log in once before anyone can message them offline`)
      const signed = parse<SignedPart>(spk)
      const oldest = tx.keys('o/')[0]
      const opk = oldest === undefined ? undefined : parse<{ id: number, publicKey: string }>(tx.get(oldest)!)
      const bundle: PreKeyBundle = {
        identityKey: bytes(signed.identityKey),
        signedPreKeyId: signed.signedPrekeyId,
        signedPreKey: bytes(signed.signedPrekey),
        signedPreKeySignature: bytes(signed.signedPrekeySignature),
        oneTimePreKey: opk === undefined ? undefined : { id: opk.id, publicKey: bytes(opk.publicKey) }
      }
      if (oldest !== undefined) tx.del(oldest)
      return encodePreKeyBundle(bundle)
    }, { durable: true })
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
