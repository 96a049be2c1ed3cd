/**
 * The layout of the relay's groups (docs/groups.md, "The relay"). Each group
 * is a replicated doc (docs/replication.md, "relay"), `relay/group/<group>`:
 *
 *   s/<epoch, 10>/<hash>          an encoded SignedGroupState (every state accepted, forks included)
 *   l/<username>                  a pending SignedLeaveRequest
 *   h/<epoch>/<sender>/<seq>      ord (8 bytes) and an encoded GroupEnvelope: the history, once per (epoch, sender, seq)
 *
 * (`at` names the envelope after its ord: two sides of a partition that filed
 * two envelopes under one ord, each counting on from the same `next`, keep
 * both after the heal, in the same order on every node; a layout written
 * before filed by ord alone, and its index held the ord: still read.)
 *
 * materialized, along the group's chain (group-chain.ts), in the store's
 * 'relay' domain, where the relay reads it:
 *
 *   group-head/<group>                          json  HeadRecord: epoch, hash of the chain's head, message counters
 *   group-state/<group>/<epoch, 10 digits>      bytes the chain's SignedGroupState at that epoch
 *   group-leave/<group>/<username>              bytes a pending SignedLeaveRequest
 *   group-msg/<group>/<at>                      bytes an encoded GroupEnvelope; at = <ord, 16 digits>/<epoch>/<sender>/<seq> (the cursor)
 *   group-msg-id/<group>/<epoch>/<sender>/<seq> json  the at of that envelope (replay index)
 *   group-member/<username>/<group>             json  1 while the user is a member of the chain's head
 */
import { sha256, toHex } from '../../crypto/index.js'
import { openState } from '../../groups/index.js'
import { canonicalChain } from './group-chain.js'
import type { ChainLink } from './group-chain.js'
import type { GroupId } from '../../groups/index.js'
import type { Change } from '../../replication/index.js'
import type { BatchOp, KV } from '../../../store/index.js'

export const GROUP_DOCS = 'relay/group/'

export interface HeadRecord {
  epoch: number
  /** hex SHA-256 of the current state */
  hash: string
  /** Above every ord the history had (cursors are ords, never reused) */
  next: number
  /** The oldest message held (its ord; 0 when none) */
  first: number
  count: number
  bytes: number
}

export const pad = (n: number, digits: number): string => String(n).padStart(digits, '0')
export const headKey = (g: string): string => `group-head/${g}`
export const stateKey = (g: string, epoch: number): string => `group-state/${g}/${pad(epoch, 10)}`
export const leavePrefix = (g: string): string => `group-leave/${g}/`
export const msgPrefix = (g: string): string => `group-msg/${g}/`
type EnvelopeId = { epoch: number, sender: string, seq: number }
/** Where an envelope is filed in the history: its ord, then its id. */
const atOf = (ord: number, e: EnvelopeId): string => `${pad(ord, 16)}/${e.epoch}/${e.sender}/${e.seq}`
/** A history cursor: an `at` (an ord alone from a layout written before). */
export const HISTORY_CURSOR = /^\d{16}(\/\d{1,10}\/[a-z0-9._-]{1,64}\/\d{1,16})?$/
const msgIdKey = (g: string, e: EnvelopeId): string => `group-msg-id/${g}/${e.epoch}/${e.sender}/${e.seq}`
export const memberPrefix = (u: string): string => `group-member/${u}/`
export const histKey = (e: { epoch: number, sender: string, seq: number }): string => `h/${e.epoch}/${e.sender}/${e.seq}`

/** A history record: ord (uint64 BE, as two uint32) then the envelope. */
export function encodeHistory (ord: number, envelope: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + envelope.byteLength)
  const view = new DataView(out.buffer)
  view.setUint32(0, Math.floor(ord / 2 ** 32))
  view.setUint32(4, ord >>> 0)
  out.set(envelope, 8)
  return out
}

function decodeHistory (bytes: Uint8Array): { ord: number, envelope: Uint8Array } | undefined {
  if (bytes.byteLength < 9) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { ord: view.getUint32(0) * 2 ** 32 + view.getUint32(4), envelope: bytes.subarray(8) }
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
export async function materialize (group: GroupId, d: GroupDoc, changes: Change[], json: KV<unknown>, raw: KV<Uint8Array>): Promise<BatchOp[]> {
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
  for (const c of changes) {
    if (c.key.startsWith('l/')) {
      const u = c.key.slice(2)
      ops.push(c.after === undefined
        ? { type: 'del', sublevel: raw, key: `${leavePrefix(group)}${u}` }
        : { type: 'put', sublevel: raw, key: `${leavePrefix(group)}${u}`, value: c.after })
      continue
    }
    if (!c.key.startsWith('h/')) continue
    const [, epoch, sender, seq] = c.key.split('/')
    const id = { epoch: Number(epoch), sender: sender!, seq: Number(seq) }
    // Where it was filed, if it was: the index says (an ord alone in a layout written before).
    const filed = c.before === undefined ? undefined : await json.get(msgIdKey(group, id)) as string | number | undefined
    const wasKey = filed === undefined ? undefined : msgPrefix(group) + (typeof filed === 'number' ? pad(filed, 16) : filed)
    const was = wasKey === undefined ? undefined : await raw.get(wasKey)
    if (was !== undefined) {
      ops.push({ type: 'del', sublevel: raw, key: wasKey! }, { type: 'del', sublevel: json, key: msgIdKey(group, id) })
      head.count--
      head.bytes -= was.byteLength
    }
    const now = c.after === undefined ? undefined : decodeHistory(c.after)
    if (now !== undefined) {
      const at = atOf(now.ord, id)
      ops.push({ type: 'put', sublevel: raw, key: msgPrefix(group) + at, value: now.envelope }, { type: 'put', sublevel: json, key: msgIdKey(group, id), value: at })
      head.count++
      head.bytes += now.envelope.byteLength
      head.next = Math.max(head.next, now.ord + 1)
    }
  }
  if (head.epoch > 0) ops.push({ type: 'put', sublevel: json, key: headKey(group), value: head })
  return ops
}
