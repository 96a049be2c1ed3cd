/**
 * A group history's cursors (docs/groups.md, "The relay"): what a reader was
 * given, in terms every node holding the group's doc can check. Pure, and
 * shared by the relay (group-history.ts reads and writes them) and the
 * members, who compare their cursor with what `groupList` says the relay
 * holds (src/chat/groups/sync.ts):
 *
 *   <at>~<filer>[.<ord>],...      (a filer alone: every ord up to the at's)
 *
 * `at` is the last envelope looked at (<ord, 16 digits>/<epoch>/<sender>/<seq>,
 * or an ord alone from a layout written before); per filer (the node that
 * filed an envelope, whose ords only go up), the highest ord whose envelopes
 * at or before `at` the reader has. A cursor without `~` (given before
 * filers) says the reader had everything at or before `at`.
 */

export interface HistoryCursor {
  /** The last envelope looked at (an ord alone from a layout written before) */
  at: string
  /** Per filer, up to which ord the reader has its envelopes at or before `at`; undefined in a cursor given before filers */
  seen?: Map<string, number>
}

/** Filers named in a cursor; a cursor of a group with more names those with the highest ords (the others' envelopes at or before its `at` come again). */
export const MAX_CURSOR_FILERS = 64
/** A filer tag; 00000000 is never made (a record without one is filed by nobody). */
export const FILER = /^[0-9a-f]{8}$/

const AT = /^\d{16}(\/\d{1,10}\/[a-z0-9._-]{1,64}\/\d{1,16})?$/
const ENTRY = /^([0-9a-f]{8})(?:\.(\d{1,16}))?$/

/** The ord of an `at` (or of the ord alone that names an envelope in a layout written before). */
export const ordOf = (at: string): number => Number(at.slice(0, 16))

/** Reads a cursor; undefined when it is not one a relay gives. */
export function readCursor (text: string): HistoryCursor | undefined {
  const tilde = text.indexOf('~')
  const at = tilde < 0 ? text : text.slice(0, tilde)
  if (!AT.test(at)) return undefined
  if (tilde < 0) return { at }
  const seen = new Map<string, number>()
  const rest = text.slice(tilde + 1)
  const entries = rest === '' ? [] : rest.split(',')
  if (entries.length > MAX_CURSOR_FILERS) return undefined
  for (const entry of entries) {
    const m = ENTRY.exec(entry)
    if (m === null || seen.has(m[1]!)) return undefined
    seen.set(m[1]!, m[2] === undefined ? ordOf(at) : Number(m[2]))
  }
  return { at, seen }
}

/** The filers a cursor names: those of `seen` with an ord, at most MAX_CURSOR_FILERS (the highest ords; ties by tag). */
export function filerEntries (at: string, seen: ReadonlyMap<string, number> | Readonly<Record<string, number>>): string {
  const x = ordOf(at)
  let named = (seen instanceof Map ? [...seen] : Object.entries(seen)).filter(([, ord]) => ord > 0)
  if (named.length > MAX_CURSOR_FILERS) named = named.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CURSOR_FILERS)
  return named.sort(([a], [b]) => a < b ? -1 : 1).map(([filer, ord]) => ord >= x ? filer : `${filer}.${ord}`).join(',')
}

export function formatCursor (at: string, seen: ReadonlyMap<string, number>): string {
  return `${at}~${filerEntries(at, seen)}`
}

/**
 * Whether a reader at `cursor` ('' before its first read) has everything a
 * relay holds whose newest envelope's ord is `last` ('' when it holds none)
 * and whose filers' highest ords are `filers` (as `groupList` gives them; ''
 * from a relay before filers, which then says only whether something is newer
 * than the cursor). A cursor that does not read is taken as covering only what
 * is not newer than it, as members compared before.
 */
export function covers (cursor: string, last: string, filers: string): boolean {
  if (last === '') return true
  if (cursor === '') return false
  const c = readCursor(cursor)
  if (c === undefined) return !(last > cursor)
  const held = readCursor(filers === '' ? last : `${last}~${filers}`)
  if (held === undefined) return !(last > cursor)
  const x = ordOf(c.at)
  if (ordOf(held.at) > x) return false
  for (const [filer, ord] of held.seen ?? []) {
    // A cursor given before filers had everything at or before its place.
    const had = c.seen === undefined ? x : c.seen.get(filer) ?? 0
    if (ord > had) return false
  }
  return true
}
