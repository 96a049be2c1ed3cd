/**
 * File names from offers, made safe to create in the downloads directory
 * (docs/files.md, "Where files land"): no path separators, no `.` or `..`,
 * no control or bidirectional-override characters, at most 255 bytes; and
 * the name a finished file gets there without overwriting anything
 * (`name (1).ext`, `name (2).ext`, ...).
 */
import { extname } from 'node:path'
import { MAX_NAME_BYTES } from './constants.js'

/** C0 and C1 controls, DEL, and the bidirectional overrides and isolates that make a name read as another. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/gu
const SEPARATORS = /[/\\]/g
/** What a name becomes when nothing of it is left. */
export const FALLBACK_NAME = 'file'

/** Cuts `text` to at most `max` bytes of UTF-8, never inside a code point. */
function cutBytes (text: string, max: number): string {
  const enc = new TextEncoder()
  if (enc.encode(text).byteLength <= max) return text
  let out = ''
  let bytes = 0
  for (const ch of text) {
    const n = enc.encode(ch).byteLength
    if (bytes + n > max) break
    out += ch
    bytes += n
  }
  return out
}

/**
 * A name safe to create in one directory: separators become `_`, unsafe
 * characters go, surrounding blanks go, a name of dots only gets the
 * fallback, and the result is at most `maxBytes` of UTF-8 (the extension
 * kept when the rest must be shortened).
 */
export function sanitizeName (raw: string, maxBytes = MAX_NAME_BYTES): string {
  let name = raw.toWellFormed().replace(UNSAFE, '').replace(SEPARATORS, '_').trim()
  if (/^\.*$/.test(name)) name = FALLBACK_NAME
  if (new TextEncoder().encode(name).byteLength > maxBytes) {
    const ext = extname(name)
    const keep = ext.length > 0 && ext.length < 32 ? ext : ''
    name = cutBytes(name.slice(0, name.length - keep.length), maxBytes - new TextEncoder().encode(keep).byteLength).trimEnd() + keep
  }
  return name
}

/** The n-th alternative to `name`: `report (n).pdf`, or `archive (n).tar.gz` (n = 0: the name itself). */
export function numberedName (name: string, n: number, maxBytes = MAX_NAME_BYTES): string {
  if (n === 0) return name
  const double = /\.tar\.(gz|bz2|xz|zst)$/i.exec(name)
  const ext = double !== null ? double[0] : extname(name)
  const stem = ext.length > 0 && ext.length < name.length ? name.slice(0, name.length - ext.length) : name
  const suffix = ` (${n})${stem === name ? '' : ext}`
  return cutBytes(stem, maxBytes - new TextEncoder().encode(suffix).byteLength) + suffix
}
