/**
 * What an identity key signs: a label and the fields,
 * each length-prefixed (uint32 big-endian), so no two field lists encode the
 * same bytes and a signature for one purpose never serves another.
 */
export function transcript (label: string, ...fields: Array<string | Uint8Array>): Uint8Array {
  const enc = new TextEncoder()
  const parts = [label, ...fields].map(f => typeof f === 'string' ? enc.encode(f) : f)
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const p of parts) {
    view.setUint32(at, p.length)
    out.set(p, at + 4)
    at += 4 + p.length
  }
  return out
}

/** A number as a transcript field: uint32 big-endian. */
export function u32 (n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

/** A number as a transcript field: uint64 big-endian. */
export function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}
