/**
 * Bounded least-recently-used caches of parsed keys.
 *
 * Sessions live as bytes (a LevelDB value) and are parsed for every message.
 * Turning a raw X25519 or Ed25519 private key into a node:crypto KeyObject
 * costs a scalar multiplication (OpenSSL derives the public key on import,
 * ~40 µs, as much as the DH itself), and converting an Ed25519 public key to
 * X25519 with @noble/curves costs ~150 µs. Both are pure functions of their
 * input, so we keep the results, indexed by the public key and, for private
 * keys, checked against the private bytes before use.
 *
 * Forward secrecy: the ratchet evicts its old ratchet private key from the
 * cache when it replaces it, so the cache never holds a key that the session
 * state itself has deleted (beyond eviction order for abandoned sessions).
 */
export class LruCache<V> {
  readonly #max: number
  readonly #map = new Map<string, V>()

  constructor (max: number) {
    this.#max = max
  }

  get (key: string): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      // Move to the most-recent end.
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set (key: string, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next()
      if (oldest.done !== true) this.#map.delete(oldest.value)
    }
  }

  delete (key: string): void {
    this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }
}
