/**
 * MKSKIPPED ([DR] §3.2): the message keys of messages skipped over, kept to
 * decrypt them when they arrive late, bounded by count and age ([DR] §6.4).
 *
 * Representation: one entry per receiving chain, its keys packed in fixed
 * 44-byte records (counter uint32 BE || stored-at float64 BE ms || message key).
 * It is what SessionRecord stores, so a session with 2000 skipped keys parses
 * and serializes with a few memory copies instead of 2000 objects: sessions
 * are loaded from bytes for every message. Values are immutable: every
 * function returns a new list (or the same one when nothing changes).
 */
import { KEY_LENGTH } from './constants.js'
import { equalBytes } from './bytes.js'
import type { Bytes } from './bytes.js'

export const SKIPPED_RECORD_LENGTH = 4 + 8 + KEY_LENGTH

/** The skipped keys of one receiving chain, oldest first. */
export interface SkippedKeyChain {
  /** The sender's ratchet public key of that chain. */
  readonly ratchetKey: Bytes
  /** Packed 44-byte records. */
  readonly records: Bytes
}

export type SkippedKeys = readonly SkippedKeyChain[]

/** One skipped message key, unpacked (for inspection; the session keeps them packed). */
export interface SkippedMessageKey {
  readonly ratchetKey: Bytes
  readonly counter: number
  /** The KDF_CK output for that message. */
  readonly messageKey: Bytes
  /** When it was stored, by the injected clock (ms). */
  readonly createdAt: number
}

export interface FoundKey {
  readonly chain: number
  readonly record: number
  readonly messageKey: Bytes
  readonly createdAt: number
}

function viewOf (records: Uint8Array): DataView {
  return new DataView(records.buffer, records.byteOffset, records.byteLength)
}

export function countSkipped (keys: SkippedKeys): number {
  let n = 0
  for (const c of keys) n += c.records.byteLength / SKIPPED_RECORD_LENGTH
  return n
}

export function findSkipped (keys: SkippedKeys, ratchetKey: Uint8Array, counter: number): FoundKey | undefined {
  for (let c = 0; c < keys.length; c++) {
    const chain = keys[c] as SkippedKeyChain
    if (!equalBytes(chain.ratchetKey, ratchetKey)) continue
    const view = viewOf(chain.records)
    for (let offset = 0, r = 0; offset < chain.records.byteLength; offset += SKIPPED_RECORD_LENGTH, r++) {
      if (view.getUint32(offset) === counter) {
        return {
          chain: c,
          record: r,
          createdAt: view.getFloat64(offset + 4),
          messageKey: chain.records.subarray(offset + 12, offset + SKIPPED_RECORD_LENGTH)
        }
      }
    }
  }
  return undefined
}

export function removeSkipped (keys: SkippedKeys, chainIndex: number, record: number): SkippedKeys {
  const chain = keys[chainIndex] as SkippedKeyChain
  const start = record * SKIPPED_RECORD_LENGTH
  const records = new Uint8Array(chain.records.byteLength - SKIPPED_RECORD_LENGTH)
  records.set(chain.records.subarray(0, start), 0)
  records.set(chain.records.subarray(start + SKIPPED_RECORD_LENGTH), start)
  const out = keys.slice()
  if (records.byteLength === 0) out.splice(chainIndex, 1)
  else out[chainIndex] = { ratchetKey: chain.ratchetKey, records }
  return out
}

/** Drops keys stored `ttlMs` or more ago; the same list when none has expired. */
export function pruneSkipped (keys: SkippedKeys, now: number, ttlMs: number): SkippedKeys {
  let out: SkippedKeyChain[] | undefined
  for (let c = 0; c < keys.length; c++) {
    const chain = keys[c] as SkippedKeyChain
    const view = viewOf(chain.records)
    let expired = 0
    for (let offset = 0; offset < chain.records.byteLength; offset += SKIPPED_RECORD_LENGTH) {
      if (now - view.getFloat64(offset + 4) >= ttlMs) expired++
    }
    if (expired === 0) {
      out?.push(chain)
      continue
    }
    out ??= keys.slice(0, c)
    if (expired * SKIPPED_RECORD_LENGTH === chain.records.byteLength) continue
    const kept = new Uint8Array(chain.records.byteLength - expired * SKIPPED_RECORD_LENGTH)
    let at = 0
    for (let offset = 0; offset < chain.records.byteLength; offset += SKIPPED_RECORD_LENGTH) {
      if (now - view.getFloat64(offset + 4) < ttlMs) {
        kept.set(chain.records.subarray(offset, offset + SKIPPED_RECORD_LENGTH), at)
        at += SKIPPED_RECORD_LENGTH
      }
    }
    out.push({ ratchetKey: chain.ratchetKey, records: kept })
  }
  return out ?? keys
}

export interface NewSkippedKey {
  readonly ratchetKey: Bytes
  readonly counter: number
  readonly messageKey: Uint8Array
}

/** Appends keys (in order) stored at `now`; a run of the last chain's ratchet key extends that chain. */
export function appendSkipped (keys: SkippedKeys, added: readonly NewSkippedKey[], now: number): SkippedKeys {
  if (added.length === 0) return keys
  const out = keys.slice()
  let i = 0
  while (i < added.length) {
    const ratchetKey = (added[i] as NewSkippedKey).ratchetKey
    let j = i
    while (j < added.length && (added[j] as NewSkippedKey).ratchetKey === ratchetKey) j++
    const last = out[out.length - 1]
    const extend = last !== undefined && equalBytes(last.ratchetKey, ratchetKey)
    const prefix = extend ? last.records : new Uint8Array(0)
    const records = new Uint8Array(prefix.byteLength + (j - i) * SKIPPED_RECORD_LENGTH)
    records.set(prefix, 0)
    const view = viewOf(records)
    for (let k = i, offset = prefix.byteLength; k < j; k++, offset += SKIPPED_RECORD_LENGTH) {
      const key = added[k] as NewSkippedKey
      view.setUint32(offset, key.counter)
      view.setFloat64(offset + 4, now)
      records.set(key.messageKey, offset + 12)
    }
    const chain = { ratchetKey: extend ? last.ratchetKey : ratchetKey, records }
    if (extend) out[out.length - 1] = chain
    else out.push(chain)
    i = j
  }
  return out
}

/** Keeps the newest `max` keys, evicting the oldest first ([DR] §6.4). */
export function evictSkipped (keys: SkippedKeys, max: number): SkippedKeys {
  let excess = countSkipped(keys) - max
  if (excess <= 0) return keys
  const out = keys.slice()
  while (excess > 0 && out.length > 0) {
    const first = out[0] as SkippedKeyChain
    const n = first.records.byteLength / SKIPPED_RECORD_LENGTH
    if (n <= excess) {
      out.shift()
      excess -= n
    } else {
      out[0] = { ratchetKey: first.ratchetKey, records: first.records.slice(excess * SKIPPED_RECORD_LENGTH) }
      excess = 0
    }
  }
  return out
}

export function listSkipped (keys: SkippedKeys): SkippedMessageKey[] {
  const out: SkippedMessageKey[] = []
  for (const chain of keys) {
    const view = viewOf(chain.records)
    for (let offset = 0; offset < chain.records.byteLength; offset += SKIPPED_RECORD_LENGTH) {
      out.push({
        ratchetKey: chain.ratchetKey,
        counter: view.getUint32(offset),
        createdAt: view.getFloat64(offset + 4),
        messageKey: chain.records.subarray(offset + 12, offset + SKIPPED_RECORD_LENGTH)
      })
    }
  }
  return out
}
