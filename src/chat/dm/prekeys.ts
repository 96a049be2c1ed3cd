/**
 * This user's prekeys (X3DH §3.2): the state lives sealed in the chat store;
 * a stock of one-time prekeys is published at the relay (replenished when it
 * runs low) and a separate one-time prekey is made for each peer that asks
 * directly, so no one-time prekey is ever handed out twice.
 */
import {
  createPreKeyBundle, createPreKeyState, deserializePreKeyState, encodePreKeyBundle, findOneTimePreKey, findSignedPreKey,
  generateOneTimePreKeys, removeOneTimePreKey, rotateSignedPreKey, serializePreKeyState
} from '../../crypto/index.js'
import { LOW_WATER, MAX_DIRECT_PREKEYS, RELAY_STOCK } from './constants.js'
import type { IdentityKeyPair, OneTimePreKey, PreKeyState, PreKeyStore, SignedPreKey } from '../../crypto/index.js'
import type { SealedStore } from '../../sealed-store.js'
import type { BatchOp } from '../../../store/index.js'
import type { DmRelay } from './index.js'

const KEY = 'p'

interface StoredPreKeys {
  /** base64 of serializePreKeyState */
  state: string
  /** One-time prekey ids published at the relay */
  published: number[]
  /** One-time prekey ids handed out directly (never published) */
  direct: number[]
  /** The signed prekey id the relay has */
  publishedSignedId: number
}

export class LocalPreKeys implements PreKeyStore {
  private state!: PreKeyState
  private published = new Set<number>()
  private direct: number[] = []
  private publishedSignedId = 0
  private dirty = false

  constructor (
    private readonly store: SealedStore,
    private readonly identity: IdentityKeyPair,
    private readonly clock: () => number = Date.now
  ) {}

  async load (): Promise<void> {
    const stored = await this.store.get<StoredPreKeys>(KEY)
    if (stored === undefined) {
      this.state = createPreKeyState(this.identity, { oneTimePreKeys: 0, clock: this.clock })
      this.dirty = true
      await this.store.write(this.ops())
      return
    }
    this.state = deserializePreKeyState(Buffer.from(stored.state, 'base64'))
    this.published = new Set(stored.published)
    this.direct = stored.direct
    this.publishedSignedId = stored.publishedSignedId
  }

  /** The write that persists changes made since the last one (none when nothing changed). */
  ops (): BatchOp[] {
    if (!this.dirty) return []
    this.dirty = false
    const stored: StoredPreKeys = {
      state: Buffer.from(serializePreKeyState(this.state)).toString('base64'),
      published: [...this.published],
      direct: this.direct,
      publishedSignedId: this.publishedSignedId
    }
    return [this.store.put(KEY, stored)]
  }

  async loadSignedPreKey (id: number): Promise<SignedPreKey | undefined> {
    return findSignedPreKey(this.state, id)
  }

  async loadOneTimePreKey (id: number): Promise<OneTimePreKey | undefined> {
    return findOneTimePreKey(this.state, id)
  }

  /** Used once: gone from the state; persisted with the session that used it (ops()). */
  async removeOneTimePreKey (id: number): Promise<void> {
    this.state = removeOneTimePreKey(this.state, id)
    this.published.delete(id)
    this.direct = this.direct.filter(d => d !== id)
    this.dirty = true
  }

  /** A bundle for a peer asking us directly, with a one-time prekey made just for it. */
  async directBundle (): Promise<Uint8Array> {
    this.state = generateOneTimePreKeys(this.state, 1, { clock: this.clock })
    const key = this.state.oneTimePreKeys[this.state.oneTimePreKeys.length - 1]!
    this.direct.push(key.id)
    while (this.direct.length > MAX_DIRECT_PREKEYS) {
      const old = this.direct.shift()!
      this.state = removeOneTimePreKey(this.state, old)
    }
    this.dirty = true
    await this.store.write(this.ops())
    return encodePreKeyBundle(createPreKeyBundle(this.state, this.identity.publicKey, key.id))
  }

  /**
   * Keeps the relay stocked: rotates the signed prekey when it is due, and
   * publishes it with fresh one-time prekeys when the relay has a stale
   * signed prekey or fewer than LOW_WATER one-time prekeys.
   */
  async replenish (relay: Pick<DmRelay, 'bundleStatus' | 'publishBundle'>): Promise<void> {
    const rotated = rotateSignedPreKey(this.state, this.identity, { clock: this.clock })
    if (rotated !== this.state) {
      this.state = rotated
      this.dirty = true
    }
    const status = await relay.bundleStatus()
    const signedCurrent = status.published && status.signedPrekeyId === this.state.signedPreKey.id
    if (signedCurrent && status.oneTimePrekeys >= LOW_WATER) {
      await this.store.write(this.ops())
      return
    }
    const missing = Math.max(0, RELAY_STOCK - status.oneTimePrekeys)
    const before = this.state.oneTimePreKeys.length
    this.state = generateOneTimePreKeys(this.state, missing, { clock: this.clock })
    const fresh = this.state.oneTimePreKeys.slice(before)
    for (const k of fresh) this.published.add(k.id)
    this.dirty = true
    // Persist the private halves before their public halves leave this node.
    await this.store.write(this.ops())
    const spk = this.state.signedPreKey
    await relay.publishBundle({
      identityKey: this.identity.publicKey,
      signedPrekeyId: spk.id,
      signedPrekey: spk.keyPair.publicKey,
      signedPrekeySignature: spk.signature,
      oneTimePrekeys: fresh.map(k => ({ id: k.id, publicKey: k.keyPair.publicKey }))
    })
    this.publishedSignedId = spk.id
    this.dirty = true
    await this.store.write(this.ops())
  }
}
