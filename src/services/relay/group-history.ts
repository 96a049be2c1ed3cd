/**
 * A group's history as its members read it (docs/groups.md, "The relay"), and
 * the cursors that say how far a reader got.
 *
 * The history is in one order on every node holding the same doc: by `at`
 * (ord, then the envelope's id; group-layout.ts). But two sides of a
 * partition file at once, each under ords it counts itself, so after the
 * heal the other side's envelopes sit among those a reader was given on its
 * side, below its cursor as often as not. So a cursor says what its reader
 * was given in terms every node can check: the `at` it got to, and for each
 * filer (the node that filed an envelope, whose ords only go up, and whose
 * envelopes every node receives in the order they were filed) the highest
 * ord whose envelopes the node giving the cursor held:
 *
 *   <at>~<filer>[.<ord>],...      (a filer alone: every ord up to the at's)
 *
 * The reader has every envelope at or before `at` whose ord is at most its
 * filer's there. Reading on, it gets first those it lacks (at or before `at`,
 * above its filer's ord: merged in since), filer by filer from the filer
 * index, then what is after `at`. A cursor without `~` (given before filers)
 * says the reader had everything at or before `at`, as it meant then.
 */
import { GroupEnvelope } from '../../groups/index.js'
import { ServiceError } from '../errors.js'
import { byPrefix, FILER, msgPrefix, ordOf, pad } from './group-layout.js'
import { prefixEnd } from '../../../store/index.js'
import type { GroupId } from '../../groups/index.js'
import type { GroupFetchResponse } from './pb/relay.js'
import type { KV } from '../../../store/index.js'

export interface HistoryCursor {
  /** The last envelope looked at (an ord alone from a layout written before) */
  at: string
  /** Per filer, up to which ord the reader has its envelopes at or before `at`; undefined in a cursor given before filers */
  seen?: Map<string, number>
}

/** Filers named in a cursor; a cursor of a group with more names those with the highest ords (the others' envelopes at or before its `at` come again). */
export const MAX_CURSOR_FILERS = 64
/** Envelopes looked at per reply (a reader who may see few of them is answered `more` with the cursor past them). */
export const MAX_LOOKED = 5_000

const AT = /^\d{16}(\/\d{1,10}\/[a-z0-9._-]{1,64}\/\d{1,16})?$/
const ENTRY = /^([0-9a-f]{8})(?:\.(\d{1,16}))?$/

const badCursor = (): ServiceError => new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier fetch')

/** Reads a cursor a member sent; BAD_REQUEST when it is not one this relay gives. */
export function parseCursor (text: string): HistoryCursor {
  const tilde = text.indexOf('~')
  const at = tilde < 0 ? text : text.slice(0, tilde)
  if (!AT.test(at)) throw badCursor()
  if (tilde < 0) return { at }
  const seen = new Map<string, number>()
  const rest = text.slice(tilde + 1)
  const entries = rest === '' ? [] : rest.split(',')
  if (entries.length > MAX_CURSOR_FILERS) throw badCursor()
  for (const entry of entries) {
    const m = ENTRY.exec(entry)
    if (m === null || seen.has(m[1]!)) throw badCursor()
    seen.set(m[1]!, m[2] === undefined ? ordOf(at) : Number(m[2]))
  }
  return { at, seen }
}

export function formatCursor (at: string, seen: ReadonlyMap<string, number>): string {
  const x = ordOf(at)
  let named = [...seen].filter(([, ord]) => ord > 0)
  if (named.length > MAX_CURSOR_FILERS) named = named.sort((a, b) => b[1] - a[1]).slice(0, MAX_CURSOR_FILERS)
  const entries = named.sort(([a], [b]) => a < b ? -1 : 1).map(([filer, ord]) => ord >= x ? filer : `${filer}.${ord}`)
  return `${at}~${entries.join(',')}`
}

export interface HistoryRead {
  group: GroupId
  raw: KV<Uint8Array>
  json: KV<unknown>
  /** The head's filers: the highest ord of each one's envelopes held (read before the history is) */
  filers: Readonly<Record<string, number>>
  limit: number
  /** About this many bytes of envelopes and their cursors (one envelope at least) */
  budget: number
  /** Whether the reader may have the envelopes of an epoch */
  visible: (epoch: number) => Promise<boolean>
}

/**
 * The history after `after` that the reader may see: first what it lacks at
 * or before the cursor (merged in since it was given), then what is after it,
 * oldest first, within `limit` envelopes, about `budget` bytes and MAX_LOOKED
 * looked at; each with the cursor that has it, and the cursor of the last
 * looked at.
 */
export async function readHistory (r: HistoryRead, after?: HistoryCursor): Promise<GroupFetchResponse> {
  const messages: GroupFetchResponse['messages'] = []
  /** Envelope and cursor bytes in the reply (a cursor is about as long as the one before) */
  let bytes = 0
  let cursorBytes = 0
  let looked = 0
  const full = (value: Uint8Array): boolean => messages.length >= r.limit || (messages.length > 0 && bytes + value.byteLength + cursorBytes > r.budget) || looked >= MAX_LOOKED
  /** Counts an envelope looked at; keeps it when the reader may see it */
  const take = async (value: Uint8Array, cursor: () => string): Promise<void> => {
    looked++
    let epoch: number
    try {
      epoch = GroupEnvelope.decode(value).epoch
    } catch {
      return
    }
    if (!await r.visible(epoch)) return
    const text = cursor()
    messages.push({ envelope: new Uint8Array(value), cursor: text })
    cursorBytes = text.length
    bytes += value.byteLength + text.length
  }
  const prefix = msgPrefix(r.group)
  const held = Object.entries(r.filers).filter(([f, ord]) => FILER.test(f) && Number.isSafeInteger(ord))
  let seen: Map<string, number>
  if (after?.seen !== undefined) {
    seen = new Map(after.seen)
    const x = ordOf(after.at)
    for (const [filer] of held.sort(([a], [b]) => a < b ? -1 : 1)) {
      const from = seen.get(filer) ?? 0
      if (from >= x) continue
      const by = byPrefix(r.group, filer)
      for await (const key of r.json.keys({ gte: by + pad(from + 1, 16), lte: by + after.at })) {
        const at = key.slice(by.length)
        const value = await r.raw.get(prefix + at)
        // Gone since (the oldest go first when the group is over its quota): nothing to give.
        if (value === undefined) continue
        if (full(value)) return { messages, more: true, cursor: formatCursor(after.at, seen) }
        seen.set(filer, ordOf(at))
        await take(value, () => formatCursor(after.at, seen))
      }
    }
  } else {
    seen = new Map()
  }
  // The reader has now every envelope at or before the cursor that the filers' ords cover here.
  for (const [filer, ord] of held) seen.set(filer, Math.max(seen.get(filer) ?? 0, ord))
  const range = after === undefined ? { gte: prefix, lt: prefixEnd(prefix) } : { gt: prefix + after.at, lt: prefixEnd(prefix) }
  let at = after?.at
  let more = false
  for await (const [key, value] of r.raw.iterator(range)) {
    if (full(value)) {
      more = true
      break
    }
    at = key.slice(prefix.length)
    const here = at
    await take(value, () => formatCursor(here, seen))
  }
  return { messages, more, cursor: at === undefined ? '' : formatCursor(at, seen) }
}
