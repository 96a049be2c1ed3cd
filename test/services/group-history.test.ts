import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.js'
import { GroupEnvelope, signEnvelope } from '../../src/groups/index.js'
import { covers } from '../../src/services/relay/cursor.js'
import { formatCursor, MAX_LOOKED, parseCursor, readHistory } from '../../src/services/relay/group-history.js'
import { decodeHistory, encodeHistory, GROUP_DOCS, histKey, msgPrefix, pad } from '../../src/services/relay/group-layout.js'
import { RelayGroups } from '../../src/services/relay/groups.js'
import { openMemoryStore } from '../../store/index.js'
import { FakeLan } from '../groups/unit/fakes.js'
import { genesis, relaySide } from '../helpers/group-relay.js'
import { close, heal, send } from '../helpers/partition.js'
import type { FakeUser } from '../groups/unit/fakes.js'
import type { RelaySide } from '../helpers/group-relay.js'

const GROUP = 'b2'.repeat(16)
const DOC = `${GROUP_DOCS}${GROUP}`
const T0 = 1_800_000_000_000

let lan: FakeLan
let users: FakeUser[]
let first: Uint8Array

type Side = RelaySide

/** A relay-eligible node on a clock the test moves, that notes the epochs of the merges it tells of. */
const side = async (clock: () => number): Promise<Side> => relaySide(lan, clock)

/** Envelope `seq` of user `u` in epoch 1. */
function envelope (u: number, seq: number): Uint8Array {
  const sender = users[u]!
  return GroupEnvelope.encode(signEnvelope(lan.networkId, { group: GROUP, epoch: 1, sender: sender.name, seq, hlc: `${T0}.00000`, ciphertext: new Uint8Array(16).fill(seq) }, sender.identity))
}

const idOf = (bytes: Uint8Array): string => {
  const e = GroupEnvelope.decode(bytes)
  return `${e.sender}/${e.seq}`
}

async function fetch (s: Side, after?: string, limit = 500): ReturnType<RelayGroups['fetch']> {
  return s.relay.fetch(lan.claims(users[2]!), GROUP, after, limit, 1 << 26)
}

async function made (clock: { now: number }): Promise<Side> {
  const s = await side(() => clock.now)
  await s.relay.commit(lan.claims(users[0]!), first)
  return s
}

beforeAll(async () => {
  lan = await FakeLan.create()
  users = await Promise.all(['alice', 'bob', 'carol'].map(async n => lan.user(n)))
  first = genesis(lan, GROUP, users, T0)
})

afterAll(async () => { await lan?.stopAll() })

describe('a group history\'s cursors', () => {
  it('reads a cursor given before filers as it meant: everything at or before it was given', async () => {
    const clock = { now: T0 }
    const s = await made(clock)
    for (let seq = 1; seq <= 3; seq++) await s.relay.post(lan.claims(users[0]!), envelope(0, seq))
    const all = await fetch(s)
    const at = all.messages[0]!.cursor.split('~')[0]!
    expect(at).toMatch(/^\d{16}\/1\/alice\/1$/)
    expect((await fetch(s, at)).messages.map(m => idOf(m.envelope))).toEqual(['alice/2', 'alice/3'])
    // An ord alone (a layout that filed by ord alone): what is filed after that ord.
    expect((await fetch(s, all.messages[1]!.cursor.slice(0, 16))).messages.map(m => idOf(m.envelope))).toEqual(['alice/2', 'alice/3'])
    await close([s])
  })

  it('refuses a cursor it does not give, and changes nothing', async () => {
    const clock = { now: T0 }
    const s = await made(clock)
    await s.relay.post(lan.claims(users[0]!), envelope(0, 1))
    const head = await s.relay.head(GROUP)
    const at = `${pad(5, 16)}/1/alice/1`
    const many = Array.from({ length: 65 }, (_, i) => pad(i + 1, 8)).join(',')
    for (const bad of ['x', `${at}~zz`, `${at}~0000000a,0000000a`, `${at}~${many}`, '~0000000a', `${at}~0000000a.`, `${at}~0000000a.12345678901234567`, `${at}/x~`]) {
      await expect(fetch(s, bad), bad).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    }
    expect(await s.relay.head(GROUP)).toEqual(head)
    await close([s])
  })

  it('writes what it reads', () => {
    const at = `${pad(70, 16)}/1/bob/2`
    const seen = new Map([['0000000a', 70], ['0000000b', 12], ['0000000c', 99]])
    const text = formatCursor(at, seen)
    expect(text).toBe(`${at}~0000000a,0000000b.12,0000000c`)
    expect(parseCursor(text)).toEqual({ at, seen: new Map([['0000000a', 70], ['0000000b', 12], ['0000000c', 70]]) })
    expect(parseCursor(at)).toEqual({ at })
  })

  it('reads a history written before filers (ord, then the envelope) and files after it', async () => {
    const clock = { now: T0 }
    const s = await made(clock)
    const old = (ord: number, bytes: Uint8Array): Uint8Array => {
      const out = new Uint8Array(8 + bytes.byteLength)
      const view = new DataView(out.buffer)
      view.setUint32(0, Math.floor(ord / 2 ** 32))
      view.setUint32(4, ord >>> 0)
      out.set(bytes, 8)
      return out
    }
    // An hour ahead of the clock (a holder whose clock was ahead)
    const ord = (T0 + 3_600_000) * 1000
    await s.replication.mutate(DOC, tx => {
      tx.put(histKey({ epoch: 1, sender: 'bob', seq: 1 }), old(ord, envelope(1, 1)))
      tx.put(histKey({ epoch: 1, sender: 'bob', seq: 2 }), old(ord + 1, envelope(1, 2)))
    })
    expect(await s.relay.head(GROUP)).toMatchObject({ count: 2, next: ord + 2, filers: {} })
    const before = await fetch(s, undefined, 1)
    expect(before.messages.map(m => idOf(m.envelope))).toEqual(['bob/1'])
    // Posted now, with the clock behind those ords: filed after them.
    await s.relay.post(lan.claims(users[0]!), envelope(0, 1))
    const rest = await fetch(s, before.cursor)
    expect(rest.messages.map(m => idOf(m.envelope))).toEqual(['bob/2', 'alice/1'])
    expect(await s.relay.head(GROUP)).toMatchObject({ count: 3 })
    await close([s])
  })
})

describe('a group history healed after a partition', () => {
  it('gives a member that stops at any message\'s cursor, reading on, everything it had not been given', async () => {
    const step = fc.record({ side: fc.constantFrom<0 | 1>(0, 1), sender: fc.integer({ min: 0, max: 2 }), seq: fc.integer({ min: 1, max: 5 }) })
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.nat(), fc.boolean(), async (list, readAt, page, stopAt, behind) => {
      const clock = { now: T0 }
      const sides = [await made(clock), await side(() => clock.now)] as const
      await send(sides[0].replication, sides[1], DOC)
      if (behind) clock.now = T0 - 3_600_000
      const all = new Set<string>()
      let cursor: string | undefined
      const given = new Set<string>()
      /** Reads side `i` from the cursor, `page` at a time, stopping (as a member whose key is missing) after `stop` messages. */
      const readOn = async (i: 0 | 1, stop = Infinity): Promise<void> => {
        for (let n = 0; ;) {
          const reply = await fetch(sides[i], cursor, page)
          for (const m of reply.messages) {
            given.add(idOf(m.envelope))
            cursor = m.cursor
            if (++n >= stop) return
          }
          cursor = reply.cursor === '' ? cursor : reply.cursor
          if (!reply.more) return
        }
      }
      for (const [i, p] of list.entries()) {
        clock.now += 1
        await sides[p.side].relay.post(lan.claims(users[p.sender]!), envelope(p.sender, p.seq))
        all.add(`${users[p.sender]!.name}/${p.seq}`)
        if (i === readAt % list.length) await readOn(0)
      }
      await heal(sides[0], sides[1], DOC)
      await readOn(1, stopAt % (all.size + 1) + 1)
      await readOn(stopAt % 2 === 0 ? 0 : 1)
      expect(given).toEqual(all)
      await close(sides)
    }), { numRuns: 60 })
  })

  it('tells of envelopes a heal filed below what a node had seen, not of those it files itself', async () => {
    const clock = { now: T0 }
    const sides = [await made(clock), await side(() => clock.now)] as const
    await send(sides[0].replication, sides[1], DOC)
    await sides[0].relay.post(lan.claims(users[0]!), envelope(0, 1))
    await send(sides[0].replication, sides[1], DOC)
    expect(sides.map(s => s.merged)).toEqual([[], []])
    // Split: side 1 files first (lower ords), side 0 after; the heal files side 1's below what side 0 had seen.
    clock.now += 1
    await sides[1].relay.post(lan.claims(users[1]!), envelope(1, 1))
    clock.now += 1
    await sides[0].relay.post(lan.claims(users[2]!), envelope(2, 1))
    await heal(sides[0], sides[1], DOC)
    expect(sides[0].merged).toEqual([1])
    expect(sides[1].merged).toEqual([])
    await close(sides)
  })
})

describe('readHistory', () => {
  it('looks at no more than MAX_LOOKED envelopes a reply, and its cursor is past them', async () => {
    const store = await openMemoryStore()
    const raw = store.sublevel('relay', 'bytes')
    const json = store.sublevel<unknown>('relay', 'json')
    const bytes = envelope(0, 1)
    await store.batch(Array.from({ length: MAX_LOOKED + 10 }, (_, i) => ({ type: 'put' as const, sublevel: raw, key: `${msgPrefix(GROUP)}${pad(i + 1, 16)}/1/alice/${i + 1}`, value: bytes })))
    const read = { group: GROUP, raw, json, filers: {}, limit: 500, budget: 1 << 20, visible: async () => false }
    const reply = await readHistory(read)
    expect(reply).toMatchObject({ messages: [], more: true })
    expect(reply.cursor.split('~')[0]).toBe(`${pad(MAX_LOOKED, 16)}/1/alice/${MAX_LOOKED}`)
    const rest = await readHistory(read, parseCursor(reply.cursor))
    expect(rest).toMatchObject({ messages: [], more: false })
    await store.close()
  })
})

describe('a history record', () => {
  it('is read by a node that reads records as they were before filers (ord, then the envelope): the filer is a field it skips', () => {
    const bytes = envelope(1, 3)
    const record = encodeHistory(123_456, bytes, '0a1b2c3d')
    expect(GroupEnvelope.decode(record.subarray(8))).toEqual(GroupEnvelope.decode(bytes))
    expect(decodeHistory(record)).toEqual({ ord: 123_456, filer: '0a1b2c3d', envelope: bytes })
    const before = new Uint8Array([0, 0, 0, 0, 0, 1, 0xe2, 0x40, ...bytes])
    expect(decodeHistory(before)).toEqual({ ord: 123_456, envelope: bytes })
  })
})

describe('a member\'s cursor against what groupList says the relay holds (covers)', () => {
  it('covers what the relay holds when it names every filer as far and nothing newer; a relay or cursor from before filers is read as then', () => {
    const at = `${pad(70, 16)}/1/bob/2`
    const cursor = formatCursor(at, new Map([['0000000a', 70], ['0000000b', 12]]))
    expect(covers(cursor, '', '')).toBe(true)
    expect(covers('', pad(5, 16), '0000000a')).toBe(false)
    expect(covers(cursor, pad(70, 16), '0000000a,0000000b.12')).toBe(true)
    expect(covers(cursor, pad(71, 16), '0000000a,0000000b.12')).toBe(false)
    // Merged in below the cursor's place: a filer further than the cursor has it, or one it does not name.
    expect(covers(cursor, pad(70, 16), '0000000a,0000000b.13')).toBe(false)
    expect(covers(cursor, pad(70, 16), '0000000a,0000000b.12,0000000c.5')).toBe(false)
    // A relay from before filers says only how new its newest is.
    expect(covers(cursor, pad(70, 16), '')).toBe(true)
    expect(covers(cursor, pad(71, 16), '')).toBe(false)
    // A cursor given before filers had everything at or before its place.
    expect(covers(at, pad(70, 16), '0000000c.5')).toBe(true)
    expect(covers(at, pad(71, 16), '0000000c.5')).toBe(false)
  })

  it('lists the head\'s hash and filers the same on both sides after a heal: a cursor read to the end covers them, one given before the heal does not', async () => {
    const clock = { now: T0 }
    const sides = [await made(clock), await side(() => clock.now)] as const
    await send(sides[0].replication, sides[1], DOC)
    const list = async (s: Side): Promise<Awaited<ReturnType<RelayGroups['list']>>[number]> => (await s.relay.list(lan.claims(users[2]!)))[0]!
    const toEnd = async (s: Side, after?: string): Promise<string> => {
      let cursor = after
      for (;;) {
        const reply = await fetch(s, cursor, 2)
        cursor = reply.cursor === '' ? cursor : reply.cursor
        if (!reply.more) return cursor ?? ''
      }
    }
    expect(await list(sides[0])).toMatchObject({ last: '', filers: '' })
    // Split: side 1 files first, side 0 after, so after the heal side 1's envelopes sit below side 0's.
    clock.now += 1
    await sides[1].relay.post(lan.claims(users[1]!), envelope(1, 1))
    clock.now += 1
    await sides[0].relay.post(lan.claims(users[0]!), envelope(0, 1))
    await sides[0].relay.post(lan.claims(users[0]!), envelope(0, 2))
    const before = await toEnd(sides[0])
    const held = await list(sides[0])
    expect(covers(before, held.last, held.filers)).toBe(true)
    expect(toHex(held.hash)).toBe((await sides[0].relay.head(GROUP))!.hash)
    await heal(sides[0], sides[1], DOC)
    const healed = await list(sides[0])
    expect(await list(sides[1])).toEqual(healed)
    // The newest is where it was: only the filers show what was merged in below.
    expect(healed.last).toBe(held.last)
    expect(covers(before, healed.last, healed.filers)).toBe(false)
    const after = await toEnd(sides[0], before)
    expect(covers(after, healed.last, healed.filers)).toBe(true)
    await close(sides)
  })
})
