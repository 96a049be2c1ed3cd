/**
 * The layout of the relay's groups (docs/groups.md, "The relay"). Each group
 * is a replicated doc (docs/replication.md, "relay"), `relay/group/<group>`:
 *
 *   s/<epoch, 10>/<hash>          an encoded SignedGroupState (every state accepted, forks included)
 *   l/<username>                  a pending SignedLeaveRequest
 *   h/<epoch>/<sender>/<seq>      ord (8 bytes), filer (7a 04, 4 bytes), an encoded GroupEnvelope: the history, once per (epoch, sender, seq)
 *
 * (`at` names the envelope after its ord: two sides of a partition that filed
 * two envelopes under one ord, each counting on from the same `next`, keep
 * both after the heal, in the same order on every node; a layout written
 * before filed by ord alone, and its index held the ord: still read. The
 * filer is the node that filed the envelope, whose ords only go up: what a
 * cursor says its reader was given, group-history.ts. A record written
 * before filers, ord then envelope, is still read, as filed by nobody.)
 *
 * materialized, along the group's chain (group-chain.ts), in the store's
 * 'relay' domain, where the relay reads it:
 *
 *   group-head/<group>                          json  HeadRecord: epoch, hash of the chain's head, message counters (the same on every node with the same doc)
 *   group-state/<group>/<epoch, 10 digits>      bytes the chain's SignedGroupState at that epoch
 *   group-leave/<group>/<username>              bytes a pending SignedLeaveRequest
 *   group-msg/<group>/<at>                      bytes an encoded GroupEnvelope; at = <ord, 16 digits>/<epoch>/<sender>/<seq>
 *   group-msg-id/<group>/<epoch>/<sender>/<seq> json  the at of that envelope (replay index)
 *   group-msg-by/<group>/<filer>/<at>           json  1: the envelopes each filer filed, in its order
 *   group-next/<group>                          json  above every ord this node has seen of the group (it files from there: its own, never replicated)
 *   group-member/<username>/<group>             json  1 while the user is a member of the chain's head
 *   group-filer                                 json  this node's filer tag (8 hex digits, random, made once)
 */
import { fromHex, sha256, toHex } from '../../crypto/index.js'
import { openState } from '../../groups/index.js'
import { canonicalChain } from './group-chain.js'
import { ordOf } from './cursor.js'
import type { ChainLink } from './group-chain.js'
import type { GroupId } from '../../groups/index.js'
import type { Change } from '../../replication/index.js'
import { prefixEnd } from '../../../store/index.js'
import type { BatchOp, KV } from '../../../store/index.js'

export { FILER, ordOf } from './cursor.js'

export const GROUP_DOCS = 'relay/group/'

export interface HeadRecord {
  epoch: number
  /** hex SHA-256 of the current state */
  hash: string
  /** Above every ord the history holds: 1 + the highest (1 when it holds none) */
  next: number
  /** The oldest message held (its ord; 0 when none) */
  first: number
  count: number
  bytes: number
  /** The highest ord each filer's envelopes held have (absent in a layout written before filers) */
  filers?: Record<string, number>
}

export const pad = (n: number, digits: number): string => String(n).padStart(digits, '0')
export const headKey = (g: string): string => `group-head/${g}`
export const stateKey = (g: string, epoch: number): string => `group-state/${g}/${pad(epoch, 10)}`
export const leavePrefix = (g: string): string => `group-leave/${g}/`
export const msgPrefix = (g: string): string => `group-msg/${g}/`
export const byPrefix = (g: string, filer: string): string => `group-msg-by/${g}/${filer}/`
export const nextKey = (g: string): string => `group-next/${g}`
export const FILER_KEY = 'group-filer'
type EnvelopeId = { epoch: number, sender: string, seq: number }
/** Where an envelope is filed in the history: its ord, then its id. */
const atOf = (ord: number, e: EnvelopeId): string => `${pad(ord, 16)}/${e.epoch}/${e.sender}/${e.seq}`
const msgIdKey = (g: string, e: EnvelopeId): string => `group-msg-id/${g}/${e.epoch}/${e.sender}/${e.seq}`
export const memberPrefix = (u: string): string => `group-member/${u}/`
export const histKey = (e: { epoch: number, sender: string, seq: number }): string => `h/${e.epoch}/${e.sender}/${e.seq}`

/**
 * A history record: ord (uint64 BE, as two uint32), the filer as a protobuf
 * field of its own (number 15, 4 bytes: 7a 04 <filer>), then the envelope. A
 * node that reads records as they were before filers (ord, then the
 * envelope) takes the field for part of the envelope and skips it as
 * unknown; a record written before filers never has it (an encoded
 * GroupEnvelope begins with a field numbered 1 to 7).
 */
const FILER_FIELD = [0x7a, 0x04]

export function encodeHistory (ord: number, envelope: Uint8Array, filer: string): Uint8Array {
  const out = new Uint8Array(14 + envelope.byteLength)
  const view = new DataView(out.buffer)
  view.setUint32(0, Math.floor(ord / 2 ** 32))
  view.setUint32(4, ord >>> 0)
  out.set(FILER_FIELD, 8)
  out.set(fromHex(filer), 10)
  out.set(envelope, 14)
  return out
}

export function decodeHistory (bytes: Uint8Array): { ord: number, filer?: string, envelope: Uint8Array } | undefined {
  if (bytes.byteLength < 9) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const ord = view.getUint32(0) * 2 ** 32 + view.getUint32(4)
  if (ord >= 1e16) return undefined
  if (bytes[8] !== FILER_FIELD[0]) return { ord, envelope: bytes.subarray(8) }
  if (bytes.byteLength < 15 || bytes[9] !== FILER_FIELD[1]) return undefined
  const filer = toHex(bytes.subarray(10, 14))
  return filer === '00000000' ? undefined : { ord, filer, envelope: bytes.subarray(14) }
}

/** What materialize reads of a group's doc. */
interface GroupDoc {
  keys: (prefix: string) => string[]
  get: (key: string) => Uint8Array | undefined
}

/**
 * The layout writes for a group's changed records: the chain (when a state
 * came), leave requests, history and its counters; the member index follows
 * the chain's head.
 */
export async function materialize (group: GroupId, d: GroupDoc, changes: Change[], json: KV<unknown>, raw: KV<Uint8Array>, merged?: (epoch: number) => void): Promise<BatchOp[]> {
  const ops: BatchOp[] = []
  const old = await json.get(headKey(group)) as HeadRecord | undefined
  const head: HeadRecord = old === undefined ? { epoch: 0, hash: '', next: 1, first: 0, count: 0, bytes: 0 } : { ...old }
  if (changes.some(c => c.key.startsWith('s/'))) {
    const byHash = new Map<string, Uint8Array>()
    const links: ChainLink[] = []
    for (const key of d.keys('s/')) {
      const bytes = d.get(key)!
      let state: ReturnType<typeof openState>['state']
      try {
        state = openState(bytes).state
      } catch {
        continue
      }
      const hash = toHex(sha256(bytes))
      byHash.set(hash, bytes)
      links.push({ epoch: state.epoch, hash, previous: toHex(state.previous) })
    }
    const chain = canonicalChain(links)
    const top = chain.at(-1)
    const before = old === undefined || old.epoch === 0 ? undefined : await raw.get(stateKey(group, old.epoch))
    const membersBefore = new Set(before === undefined ? [] : openState(before).state.members.map(m => m.username))
    for (const link of chain) {
      if (old !== undefined && link.epoch < old.epoch) {
        const held = await raw.get(stateKey(group, link.epoch))
        if (held !== undefined && toHex(sha256(held)) === link.hash) continue
      }
      ops.push({ type: 'put', sublevel: raw, key: stateKey(group, link.epoch), value: byHash.get(link.hash)! })
    }
    for (let e = (top?.epoch ?? 0) + 1; e <= (old?.epoch ?? 0); e++) ops.push({ type: 'del', sublevel: raw, key: stateKey(group, e) })
    if (top !== undefined) {
      head.epoch = top.epoch
      head.hash = top.hash
      const after = openState(byHash.get(top.hash)!).state
      const membersAfter = new Set(after.members.map(m => m.username))
      for (const u of membersAfter) if (!membersBefore.has(u)) ops.push({ type: 'put', sublevel: json, key: `${memberPrefix(u)}${group}`, value: 1 })
      for (const u of membersBefore) if (!membersAfter.has(u)) ops.push({ type: 'del', sublevel: json, key: `${memberPrefix(u)}${group}` })
    }
  }
  const history = changes.filter(c => c.key.startsWith('h/'))
  for (const c of changes) {
    if (!c.key.startsWith('l/')) continue
    const u = c.key.slice(2)
    ops.push(c.after === undefined
      ? { type: 'del', sublevel: raw, key: `${leavePrefix(group)}${u}` }
      : { type: 'put', sublevel: raw, key: `${leavePrefix(group)}${u}`, value: c.after })
  }
  if (history.length > 0) {
    const filed = await fileHistory(group, history, head, json, raw)
    ops.push(...filed.ops)
    if (filed.below && head.epoch > 0) merged?.(head.epoch)
  }
  if (head.epoch > 0) ops.push({ type: 'put', sublevel: json, key: headKey(group), value: head })
  return ops
}

/**
 * The layout writes for changed history records, and the head's counters
 * after them: count and bytes kept in step, next and the filers' highest ords
 * read from what the layout holds then (so they are the same on every node
 * holding the same doc, whichever ords an envelope had on the way).
 * `below`: an envelope was filed below an ord this node had seen (merged in
 * from a partition's other side: under cursors it may have given).
 */
async function fileHistory (group: GroupId, changes: Change[], head: HeadRecord, json: KV<unknown>, raw: KV<Uint8Array>): Promise<{ ops: BatchOp[], below: boolean }> {
  const ops: BatchOp[] = []
  const next = head.next
  const filers = { ...head.filers }
  /** Keys of the layout this batch deletes, and the highest ord it files (overall, and per filer) */
  const gone = new Set<string>()
  let top = 0
  let low = Infinity
  const tops = new Map<string, number>()
  const again = new Set<string>()
  for (const c of changes) {
    const [, epoch, sender, seq] = c.key.split('/')
    const id = { epoch: Number(epoch), sender: sender!, seq: Number(seq) }
    // Where it was filed, if it was: the index says (an ord alone in a layout written before).
    const filed = c.before === undefined ? undefined : await json.get(msgIdKey(group, id)) as string | number | undefined
    const wasAt = filed === undefined ? undefined : typeof filed === 'number' ? pad(filed, 16) : filed
    const was = wasAt === undefined ? undefined : await raw.get(msgPrefix(group) + wasAt)
    if (was !== undefined) {
      ops.push({ type: 'del', sublevel: raw, key: msgPrefix(group) + wasAt! }, { type: 'del', sublevel: json, key: msgIdKey(group, id) })
      gone.add(msgPrefix(group) + wasAt!)
      const filer = decodeHistory(c.before!)?.filer
      if (filer !== undefined) {
        ops.push({ type: 'del', sublevel: json, key: byPrefix(group, filer) + wasAt! })
        gone.add(byPrefix(group, filer) + wasAt!)
        again.add(filer)
      }
      head.count--
      head.bytes -= was.byteLength
    }
    const now = c.after === undefined ? undefined : decodeHistory(c.after)
    if (now !== undefined) {
      const at = atOf(now.ord, id)
      ops.push({ type: 'put', sublevel: raw, key: msgPrefix(group) + at, value: now.envelope }, { type: 'put', sublevel: json, key: msgIdKey(group, id), value: at })
      gone.delete(msgPrefix(group) + at)
      if (now.filer !== undefined) {
        ops.push({ type: 'put', sublevel: json, key: byPrefix(group, now.filer) + at, value: 1 })
        gone.delete(byPrefix(group, now.filer) + at)
        tops.set(now.filer, Math.max(tops.get(now.filer) ?? 0, now.ord))
      }
      top = Math.max(top, now.ord)
      low = Math.min(low, now.ord)
      head.count++
      head.bytes += now.envelope.byteLength
    }
  }
  head.next = Math.max(top, await highest(raw, msgPrefix(group), gone)) + 1
  for (const f of again) filers[f] = await highest(json, byPrefix(group, f), gone)
  for (const [f, ord] of tops) filers[f] = Math.max(filers[f] ?? 0, ord)
  for (const [f, ord] of Object.entries(filers)) if (ord === 0) delete filers[f]
  head.filers = filers
  // This node files from above every ord it has seen, even one the doc no longer holds.
  const seen = (await json.get(nextKey(group)) as number | undefined) ?? next
  ops.push({ type: 'put', sublevel: json, key: nextKey(group), value: Math.max(seen, top + 1, head.next) })
  return { ops, below: low < seen }
}

/** The highest ord of the keys under `prefix` (each an at) but those in `gone`; 0 when none. */
async function highest<V> (kv: KV<V>, prefix: string, gone: ReadonlySet<string>): Promise<number> {
  for await (const key of kv.keys({ gte: prefix, lt: prefixEnd(prefix), reverse: true })) {
    if (!gone.has(key)) return ordOf(key.slice(prefix.length))
  }
  return 0
}
