/**
 * Which chunks a node holds, as a bitmap: bit i (of byte i / 8, most
 * significant bit first) for chunk i. The wire's FileHave and the stored
 * progress of a download use the same layout.
 */

export function newBitmap (count: number): Uint8Array {
  return new Uint8Array(Math.ceil(count / 8))
}

export function setBit (bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! |= 0x80 >> (i & 7)
}

export function clearBit (bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3]! &= ~(0x80 >> (i & 7))
}

export function hasBit (bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0
}

/** How many of the first `count` bits are set. */
export function countBits (bitmap: Uint8Array, count: number): number {
  let n = 0
  for (let i = 0; i < count; i++) if (hasBit(bitmap, i)) n++
  return n
}

/** A bitmap from the wire or the store, for `count` chunks: its length checked, bits past the end cleared. */
export function checkedBitmap (bytes: Uint8Array, count: number): Uint8Array | undefined {
  if (bytes.byteLength !== Math.ceil(count / 8)) return undefined
  const out = new Uint8Array(bytes)
  for (let i = count; i < out.byteLength * 8; i++) clearBit(out, i)
  return out
}
