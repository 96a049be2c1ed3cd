/**
 * A record of a JSON header and raw bytes (a mail's envelope, a relay file's
 * manifest): the header's length (uint32 big-endian), the header as JSON,
 * the bytes. Services store such records in their docs.
 */
const utf8 = new TextEncoder()
const text = new TextDecoder()

export function packRecord (header: unknown, body: Uint8Array): Uint8Array {
  const json = utf8.encode(JSON.stringify(header))
  const out = new Uint8Array(4 + json.byteLength + body.byteLength)
  new DataView(out.buffer).setUint32(0, json.byteLength)
  out.set(json, 4)
  out.set(body, 4 + json.byteLength)
  return out
}

/** The header (not checked: the caller checks its fields) and the bytes; undefined when the record does not parse. */
export function unpackRecord (bytes: Uint8Array): { header: unknown, body: Uint8Array } | undefined {
  try {
    const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)
    if (4 + n > bytes.byteLength) return undefined
    return { header: JSON.parse(text.decode(bytes.subarray(4, 4 + n))) as unknown, body: bytes.subarray(4 + n) }
  } catch {
    return undefined
  }
}
