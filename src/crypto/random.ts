/**
 * Randomness and time, injected where tests need determinism or testable
 * expiry; the defaults are the OS CSPRNG (through node:crypto) and the clock.
 */
import * as nodeCrypto from 'node:crypto'
import { copyBytes } from './bytes.js'
import type { Bytes } from './bytes.js'

/** Returns `length` random bytes. Injected where tests need determinism; the default is the OS CSPRNG. */
export type RandomSource = (length: number) => Uint8Array

/** Milliseconds since the Unix epoch. Injected where expiry must be testable. */
export type Clock = () => number

/**
 * Small requests (nonces, keys) are served from a pool refilled by the OS
 * CSPRNG 16 KiB at a time: one call into OpenSSL instead of one per nonce,
 * which was a measurable share of sealing a message. Every byte is used once;
 * callers get copies (randomBytes) or fresh buffers, never the pool itself.
 */
const POOL_BYTES = 16 * 1024
let pool = Buffer.alloc(0)
let poolOffset = 0
export const systemRandom: RandomSource = length => {
  if (length > 256) return nodeCrypto.randomBytes(length)
  if (poolOffset + length > pool.length) {
    pool = nodeCrypto.randomBytes(POOL_BYTES)
    poolOffset = 0
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + length))
  pool.fill(0, poolOffset, poolOffset + length)
  poolOffset += length
  return out
}
export const systemClock: Clock = () => Date.now()

export function randomBytes (length: number, random: RandomSource = systemRandom): Bytes {
  const out = random(length)
  if (!(out instanceof Uint8Array) || out.byteLength !== length) {
    throw new TypeError(`random source must return ${length} bytes`)
  }
  return copyBytes(out)
}
