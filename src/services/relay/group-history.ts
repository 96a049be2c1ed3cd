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
 * says the reader had everything at or before `at`, as it meant then. The
 * format is read and written in cursor.ts, which the members share.
 */
import { GroupEnvelope } from '../../groups/index.js'
import { ServiceError } from '../errors.js'
import { FILER, formatCursor, ordOf, readCursor } from './cursor.js'
import { byPrefix, msgPrefix, pad } from './group-layout.js'
import { prefixEnd } from '../../../store/index.js'
import type { HistoryCursor } from './cursor.js'
import type { GroupId } from '../../groups/index.js'
import type { GroupFetchResponse } from './pb/relay.js'
import type { KV } from '../../../store/index.js'

export { formatCursor, MAX_CURSOR_FILERS } from './cursor.js'
export type { HistoryCursor } from './cursor.js'

/** Envelopes looked at per reply (a reader who may see few of them is answered `more` with the cursor past them). */
export const MAX_LOOKED = 5_000

/** Reads a cursor a member sent; BAD_REQUEST when it is not one this relay gives. */
export function parseCursor (text: string): HistoryCursor {
  const cursor = readCursor(text)
  if (cursor === undefined) throw new ServiceError('BAD_REQUEST', 'after must be a cursor from an earlier fetch')
  return cursor
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
