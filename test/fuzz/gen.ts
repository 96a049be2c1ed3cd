/**
 * Structure-aware inputs from the schemas: fast-check arbitraries that build
 * any message of the schema with edge values (wellFormed), and mutations of
 * valid messages field by field (mutated): a field set to an edge value of its
 * type (0, -1, 2^32, 2^53, 2^64-1, max-length and over-length strings, invalid
 * UTF-8, lone surrogates), to the wrong wire type, repeated thousands of times,
 * dropped, or mutated inside when it carries an encoded message; plus bit
 * flips, truncations, spliced garbage, unknown fields, and raw garbage.
 * Everything is raw protobuf bytes written here (not by protons), so the
 * encoder's own checks never stop a malformed input.
 */
import fc from 'fast-check'
import { isScalar, NESTED } from './schema.js'
import type { Field, Schema } from './schema.js'

// ---------------------------------------------------------------- the wire

const WT_VARINT = 0
const WT_I64 = 1
const WT_LEN = 2
const WT_I32 = 5

export function varint (value: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value))
  const out: number[] = []
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v !== 0n) byte |= 0x80
    out.push(byte)
  } while (v !== 0n)
  return Uint8Array.from(out)
}

export function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const tag = (field: number, wt: number): Uint8Array => varint((BigInt(field) << 3n) | BigInt(wt))
const lenField = (field: number, value: Uint8Array): Uint8Array => concat([tag(field, WT_LEN), varint(value.length), value])
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A decoded field as it was on the wire. */
export interface RawField {
  number: number
  wt: number
  /** The value's bytes: the varint, the 4 or 8 bytes, or the length-delimited payload */
  value: Uint8Array
}

/** Splits a message into its fields; undefined when it is not well-framed. */
export function parseFields (bytes: Uint8Array): RawField[] | undefined {
  const out: RawField[] = []
  let at = 0
  const readVarint = (): bigint | undefined => {
    let v = 0n
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) return undefined
      const b = bytes[at++]!
      v |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return v
    }
    return undefined
  }
  while (at < bytes.length) {
    const key = readVarint()
    if (key === undefined) return undefined
    const number = Number(key >> 3n)
    const wt = Number(key & 7n)
    const start = at
    if (wt === WT_VARINT) {
      if (readVarint() === undefined) return undefined
      out.push({ number, wt, value: bytes.subarray(start, at) })
    } else if (wt === WT_I64 || wt === WT_I32) {
      const n = wt === WT_I64 ? 8 : 4
      if (at + n > bytes.length) return undefined
      at += n
      out.push({ number, wt, value: bytes.subarray(start, at) })
    } else if (wt === WT_LEN) {
      const len = readVarint()
      if (len === undefined || at + Number(len) > bytes.length) return undefined
      out.push({ number, wt, value: bytes.subarray(at, at + Number(len)) })
      at += Number(len)
    } else {
      return undefined
    }
  }
  return out
}

export function encodeFields (fields: RawField[]): Uint8Array {
  return concat(fields.map(f => f.wt === WT_LEN ? lenField(f.number, f.value) : concat([tag(f.number, f.wt), f.value])))
}

// ---------------------------------------------------------------- edge values

export const EDGE_INTS: bigint[] = [
  0n, 1n, 127n, 128n, 255n, 65535n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
  2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n /* -1 */, 2n ** 64n - 2n /* -2 */
]
/** Lengths at and just past the limits the code states (usernames, ids, names, texts, resources). */
const EDGE_LENGTHS = [0, 1, 2, 3, 31, 32, 33, 64, 65, 128, 129, 256, 257, 512, 513, 1024, 1025, 8000, 8001, 32000, 65536]

/** Byte strings no valid UTF-8 decoder accepts: a lone surrogate (CESU), a cut sequence, overlong forms, 0xFF. */
export const BAD_UTF8: Uint8Array[] = [
  Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xed, 0xbf, 0xbf), Uint8Array.of(0xc3), Uint8Array.of(0xe2, 0x82),
  Uint8Array.of(0xc0, 0xaf), Uint8Array.of(0xe0, 0x80, 0xaf), Uint8Array.of(0xff), Uint8Array.of(0xfe, 0xff), Uint8Array.of(0xf4, 0x90, 0x80, 0x80)
]

/** Strings a handler may treat specially. */
export const ODD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '../../etc/passwd', '/', '%s%n',
  '\u202eevil', '\ud800', '\udfff', 'a\ud800b', '🙂', 'Ａｌｉｃｅ', 'ALICE', 'ǅ', 'ﬀ', 'e\u0301', '\n', '\r\n', '\t', '"', '\\', '{}', 'null',
  'NaN', '-1', '1e308', '0x10', 'group/', 'share/', 'group/x/epoch/1', '\u2028', '\ufeff', '9'.repeat(20), '9999999999999.99999'
]

/** A string of `len` characters from one of a few alphabets, made here so large ones are cheap. */
function stringOf (len: number, kind: number): string {
  const unit = ['a', 'é', '中', '🙂', '\u0000', 'A', '\ud800'][kind % 7]!
  return unit.repeat(Math.max(0, Math.ceil(len / unit.length))).slice(0, len)
}

/** Values of a field's own type, biased to edges, plus the realistic ones given. */
function scalarArb (type: string, hints: string[]): fc.Arbitrary<{ wt: number, value: Uint8Array }> {
  const asVarint = (a: fc.Arbitrary<bigint>): fc.Arbitrary<{ wt: number, value: Uint8Array }> => a.map(v => ({ wt: WT_VARINT, value: varint(v) }))
  const len = (a: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ wt: number, value: Uint8Array }> => a.map(value => ({ wt: WT_LEN, value }))
  switch (type) {
    case 'bool':
      return asVarint(fc.constantFrom(0n, 1n, 2n, 255n, 2n ** 64n - 1n))
    case 'uint32': case 'uint64': case 'int32': case 'int64': case 'sint32': case 'sint64':
      return asVarint(fc.oneof(fc.constantFrom(...EDGE_INTS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 1000n }), fc.constant(BigInt(Date.now()))))
    case 'fixed32': case 'float':
      return fc.uint8Array({ minLength: 4, maxLength: 4 }).map(value => ({ wt: WT_I32, value }))
    case 'fixed64': case 'double':
      return fc.uint8Array({ minLength: 8, maxLength: 8 }).map(value => ({ wt: WT_I64, value }))
    case 'string':
      return len(fc.oneof(
        { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(utf8) },
        { weight: 2, arbitrary: fc.constantFrom(...ODD_STRINGS, ...hints).map(utf8) },
        { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...EDGE_LENGTHS), fc.nat(6)).map(([n, k]) => utf8(stringOf(n, k))) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...hints, 'x'), fc.constantFrom(...BAD_UTF8), fc.boolean()).map(([h, bad, front]) => front ? concat([bad, utf8(h)]) : concat([utf8(h), bad])) }
      ))
    default: // bytes
      return len(fc.oneof(
        { weight: 3, arbitrary: fc.uint8Array({ maxLength: 80 }) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, 16, 31, 32, 33, 63, 64, 65, 255, 4096, 65537).chain(n => fc.constantFrom(new Uint8Array(n), new Uint8Array(n).fill(0xff))) },
        { weight: 1, arbitrary: fc.constantFrom(...BAD_UTF8) }
      ))
  }
}

// ---------------------------------------------------------------- well-formed messages

/** How many copies of a value of `size` bytes a repeated field gets: `n`, but at most about 1 MiB in all. */
function manyOf (size: number, n: number): number {
  return Math.max(1, Math.min(n, Math.floor((1024 * 1024) / Math.max(1, size + 4))))
}

/** Realistic values for string fields by name (usernames, ids, methods), so checks past the first are reached. */
export type Hints = Record<string, string[]>

export interface GenContext {
  schema: Schema
  hints: Hints
}

function fieldHints (ctx: GenContext, field: Field): string[] {
  return ctx.hints[field.name] ?? ctx.hints['*'] ?? []
}

function valueArb (ctx: GenContext, field: Field, depth: number): fc.Arbitrary<{ wt: number, value: Uint8Array }> {
  if (isScalar(field.type)) return scalarArb(field.type, fieldHints(ctx, field))
  if (depth <= 0) return fc.constant({ wt: WT_LEN, value: new Uint8Array() })
  return wellFormed(ctx, field.type, depth - 1).map(value => ({ wt: WT_LEN, value }))
}

/** Any message of the type, every field of its own type (edge values), repeated fields short or very long. */
export function wellFormed (ctx: GenContext, type: string, depth = 3): fc.Arbitrary<Uint8Array> {
  const fields = ctx.schema.get(type)
  if (fields === undefined) throw new Error(`no message ${type} in the schema`)
  if (fields.length === 0) return fc.constant(new Uint8Array())
  const parts = fields.map(field => {
    const one = valueArb(ctx, field, depth)
    if (field.repeated) {
      return fc.oneof(
        { weight: 6, arbitrary: fc.array(one, { maxLength: 4 }) },
        // Many entries: past the decoder's limits (256 envelopes, 500 ids, ...).
        { weight: 1, arbitrary: fc.tuple(one, fc.constantFrom(257, 501, 1001, 5000)).map(([v, n]) => Array.from({ length: manyOf(v.value.length, n) }, () => v)) }
      ).map(vs => vs.map(v => ({ number: field.number, ...v })))
    }
    return fc.option(one, { freq: 4 }).map(v => v === null ? [] : [{ number: field.number, ...v }])
  })
  return fc.tuple(...parts).map(lists => encodeFields(lists.flat()))
}

// ---------------------------------------------------------------- mutations of valid messages

type Op = 'edge' | 'wrongType' | 'drop' | 'repeat' | 'inner' | 'bitflip' | 'truncate' | 'splice' | 'unknown' | 'duplicate'

interface Mutation {
  op: Op
  /** Which field / offset / bit (taken modulo what exists) */
  pick: number
  extra: number
  value: { wt: number, value: Uint8Array }
  garbage: Uint8Array
}

const mutationArb: fc.Arbitrary<Omit<Mutation, 'value'>> = fc.record({
  op: fc.constantFrom<Op>('edge', 'edge', 'edge', 'wrongType', 'drop', 'repeat', 'inner', 'inner', 'bitflip', 'truncate', 'splice', 'unknown', 'duplicate'),
  pick: fc.nat(),
  extra: fc.nat(),
  garbage: fc.uint8Array({ minLength: 1, maxLength: 16 })
})

/** A value for the picked field, of its type or not (decided by the mutation). */
function anyValueArb (ctx: GenContext, type: string): fc.Arbitrary<Array<{ field: Field, value: { wt: number, value: Uint8Array } }>> {
  const fields = ctx.schema.get(type) ?? []
  if (fields.length === 0) return fc.constant([])
  return fc.tuple(...fields.map(f => valueArb(ctx, f, 1).map(value => ({ field: f, value }))))
}

function applyMutation (ctx: GenContext, type: string, bytes: Uint8Array, m: Mutation, depth: number): Uint8Array {
  const fields = ctx.schema.get(type) ?? []
  const raw = parseFields(bytes)
  switch (m.op) {
    case 'bitflip': {
      if (bytes.length === 0) return m.garbage
      const out = Uint8Array.from(bytes)
      for (let i = 0; i <= m.extra % 8; i++) {
        const bit = (m.pick + i * 7919) % (out.length * 8)
        out[bit >> 3]! ^= 1 << (bit & 7)
      }
      return out
    }
    case 'truncate':
      return bytes.subarray(0, bytes.length === 0 ? 0 : m.pick % bytes.length)
    case 'splice': {
      const at = bytes.length === 0 ? 0 : m.pick % bytes.length
      return concat([bytes.subarray(0, at), m.garbage, bytes.subarray(at)])
    }
    case 'unknown': {
      const number = [15, 16, 99, 2047, 2 ** 29 - 1, 0][m.extra % 6]!
      const wt = [0, 1, 2, 5, 3, 4, 6, 7][m.pick % 8]!
      return concat([bytes, tag(number, wt), wt === WT_LEN ? concat([varint(m.garbage.length), m.garbage]) : m.garbage])
    }
    default:
  }
  if (raw === undefined || fields.length === 0) return concat([bytes, m.garbage])
  const field = fields[m.pick % fields.length]!
  const others = raw.filter(f => f.number !== field.number)
  const mine = raw.filter(f => f.number === field.number)
  switch (m.op) {
    case 'edge':
      return encodeFields([...others, { number: field.number, ...m.value }])
    case 'wrongType': {
      const wts = [WT_VARINT, WT_I64, WT_LEN, WT_I32].filter(w => w !== (isScalar(field.type) ? m.value.wt : WT_LEN))
      const wt = wts[m.extra % wts.length]!
      const value = wt === WT_VARINT ? varint(EDGE_INTS[m.extra % EDGE_INTS.length]!) : wt === WT_LEN ? m.garbage : new Uint8Array(wt === WT_I64 ? 8 : 4).fill(m.garbage[0] ?? 0)
      return encodeFields([...others, { number: field.number, wt, value }])
    }
    case 'drop':
      return encodeFields(others)
    case 'repeat': {
      const n = [2, 3, 64, 257, 1001, 3000][m.extra % 6]!
      const one = mine[0] ?? { number: field.number, ...m.value }
      return encodeFields([...others, ...Array.from({ length: manyOf(one.value.length, n) }, () => one)])
    }
    case 'duplicate':
      // The same field twice with different values: last-one-wins for scalars, merged for messages.
      return encodeFields([...raw, { number: field.number, ...m.value }])
    case 'inner': {
      const target = mine[m.extra % Math.max(1, mine.length)]
      const innerType = isScalar(field.type) ? NESTED[type]?.[field.name] : field.type
      if (target === undefined || target.wt !== WT_LEN || innerType === undefined || depth <= 0) {
        return encodeFields([...others, { number: field.number, ...m.value }])
      }
      const choices = innerType.split('|')
      const inner = choices[m.pick % choices.length]!
      const mutated = applyMutation(ctx, inner, target.value, { ...m, op: (['edge', 'edge', 'drop', 'wrongType', 'repeat', 'bitflip', 'truncate', 'inner'] as Op[])[m.extra % 8]!, pick: Math.floor(m.pick / 3) }, depth - 1)
      return encodeFields(raw.map(f => f === target ? { ...f, value: mutated } : f))
    }
    default:
      return bytes
  }
}

/** A valid message of `type` mutated one to three times, field by field (structure-aware). */
export function mutated (ctx: GenContext, type: string, seed: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(seed, fc.array(fc.tuple(mutationArb, anyValueArb(ctx, type)), { minLength: 1, maxLength: 3 })).map(([bytes, ms]) => {
    let out = bytes
    for (const [m, values] of ms) {
      const fields = ctx.schema.get(type) ?? []
      const value = values.length === 0 ? { wt: WT_LEN, value: m.garbage } : values[m.pick % values.length]!.value
      out = applyMutation(ctx, type, out, { ...m, value }, 3)
      if (fields.length === 0) break
    }
    return out
  })
}

/** Raw bytes with no structure at all. */
export const garbage: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ minLength: 64, maxLength: 4096 }),
  fc.constantFrom(new Uint8Array(), Uint8Array.of(0), Uint8Array.of(0xff), new Uint8Array(1024).fill(0xff), new Uint8Array(1024).fill(0x80))
)

/** A typed input: how it was made, for the report. */
export interface Input {
  kind: 'wellFormed' | 'mutated' | 'garbage' | 'truncated' | 'oversize'
  bytes: Uint8Array
}

export interface InputMix {
  ctx: GenContext
  type: string
  /** Valid messages of the type (captured from real traffic, or built with real keys) */
  seeds: fc.Arbitrary<Uint8Array>
  /** The size past which the receiver must refuse (frame or message limit) */
  limit: number
}

/** The mix every target gets: mostly mutated valid messages, then well-formed random ones, garbage, truncations and oversize ones. */
export function inputs (mix: InputMix): fc.Arbitrary<Input> {
  const { ctx, type, seeds, limit } = mix
  return fc.oneof(
    { weight: 12, arbitrary: mutated(ctx, type, seeds).map(bytes => ({ kind: 'mutated' as const, bytes })) },
    { weight: 5, arbitrary: wellFormed(ctx, type).map(bytes => ({ kind: 'wellFormed' as const, bytes })) },
    { weight: 2, arbitrary: garbage.map(bytes => ({ kind: 'garbage' as const, bytes })) },
    { weight: 2, arbitrary: fc.tuple(seeds, fc.nat()).map(([b, n]) => ({ kind: 'truncated' as const, bytes: b.subarray(0, b.length === 0 ? 0 : n % b.length) })) },
    { weight: 1, arbitrary: fc.tuple(seeds, fc.constantFrom(limit - 1, limit, limit + 1, limit * 2)).map(([b, n]) => ({ kind: 'oversize' as const, bytes: concat([b, lenField(15, new Uint8Array(Math.max(0, n - b.length - 8)))]) })) }
  )
}

/** `count` inputs from a seeded run of the arbitrary, in chunks (so a long run never holds them all). */
export function * sample<T> (arb: fc.Arbitrary<T>, count: number, seed: number, chunk = 250): Generator<T> {
  for (let done = 0, i = 0; done < count; i++) {
    const n = Math.min(chunk, count - done)
    for (const v of fc.sample(arb, { seed: seed + i, numRuns: n })) yield v
    done += n
  }
}
