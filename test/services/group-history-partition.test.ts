import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src/crypto/index.js'
import { GroupEnvelope, signEnvelope, stateHash } from '../../src/groups/index.js'
import { GROUP_DOCS } from '../../src/services/relay/group-layout.js'
import { FakeLan } from '../groups/unit/fakes.js'
import { genesis, next, relaySide } from '../helpers/group-relay.js'
import { close, heal, send } from '../helpers/partition.js'
import type { RelayGroups } from '../../src/services/relay/groups.js'
import type { FakeUser } from '../groups/unit/fakes.js'
import type { RelaySide as Side } from '../helpers/group-relay.js'

const GROUP = 'a1'.repeat(16)
const DOC = `${GROUP_DOCS}${GROUP}`
/** When the group was made and its first messages posted; a clock behind it makes every later ord the history's `next` */
const T0 = 1_800_000_000_000
const NAMES = ['alice', 'bob', 'carol']

let lan: FakeLan
let users: FakeUser[]
/** The group's first two states (epoch 2: alice made bob an admin), signed by alice */
let states: Uint8Array[]

/** An envelope's id in the history: epoch, sender, seq. */
interface Id { epoch: number, sender: number, seq: number }
const idOf = (e: { epoch: number, sender: string, seq: number }): string => `${e.epoch}/${e.sender}/${e.seq}`

const envelopes = new Map<string, Uint8Array>()
/** The envelope with this id, signed by its sender (the same bytes whichever side it is posted on). */
function envelope (id: Id): Uint8Array {
  const sender = users[id.sender]!
  const key = idOf({ ...id, sender: sender.name })
  let bytes = envelopes.get(key)
  if (bytes === undefined) {
    const ciphertext = new Uint8Array(16 + id.seq).fill(id.epoch * 16 + id.sender)
    bytes = GroupEnvelope.encode(signEnvelope(lan.networkId, { group: GROUP, epoch: id.epoch, sender: sender.name, seq: id.seq, hlc: `${T0}.00000`, ciphertext }, sender.identity))
    envelopes.set(key, bytes)
  }
  return bytes
}

async function post (s: Side, id: Id): Promise<string> {
  await s.relay.post(lan.claims(users[id.sender]!), envelope(id))
  return idOf({ ...id, sender: users[id.sender]!.name })
}

/** A member's whole view of the history on a side after `after`, read `page` envelopes at a time. */
async function read (s: Side, as: FakeUser, page: number, after?: string): Promise<{ messages: Array<{ id: string, cursor: string }>, cursor: string }> {
  const messages: Array<{ id: string, cursor: string }> = []
  let cursor = after
  for (;;) {
    const reply = await s.relay.fetch(lan.claims(as), GROUP, cursor, page, 1 << 26)
    messages.push(...reply.messages.map(m => ({ id: idOf(GroupEnvelope.decode(m.envelope)), cursor: m.cursor })))
    cursor = reply.cursor
    if (!reply.more) return { messages, cursor: cursor ?? '' }
  }
}

/** Two sides that both hold the group and two messages posted before the split, on a clock the test moves. */
async function split (): Promise<{ sides: [Side, Side], before: string[], clock: { now: number } }> {
  const clock = { now: T0 }
  const sides: [Side, Side] = [await relaySide(lan, () => clock.now), await relaySide(lan, () => clock.now)]
  for (const bytes of states) await sides[0].relay.commit(lan.claims(users[0]!), bytes)
  const before = [await post(sides[0], { epoch: 1, sender: 0, seq: 1 }), await post(sides[0], { epoch: 2, sender: 1, seq: 1 })]
  await send(sides[0].replication, sides[1], DOC)
  return { sides, before, clock }
}

/**
 * A post on one side during the split: `tick` ms after the one before, an id from a small pool (the same envelope
 * may reach both sides: a member's outbox posts again to the holder of its side).
 */
const posts = fc.array(fc.record({
  side: fc.integer({ min: 0, max: 1 }),
  epoch: fc.integer({ min: 1, max: 2 }),
  sender: fc.integer({ min: 0, max: 2 }),
  seq: fc.integer({ min: 1, max: 6 }),
  tick: fc.constantFrom(0, 0, 0, 1)
}), { minLength: 1, maxLength: 30 })

beforeAll(async () => {
  lan = await FakeLan.create()
  users = await Promise.all(NAMES.map(async n => lan.user(n)))
  const first = genesis(lan, GROUP, users, T0)
  states = [first, next(lan, first, users[0]!, 'promote', users[1]!, T0)]
})

afterAll(async () => { await lan?.stopAll() })

/** The parts of the group's head record that describe its chain and its history. */
const counters = ({ epoch, hash, first, count, bytes }: NonNullable<Awaited<ReturnType<RelayGroups['head']>>>): object => ({ epoch, hash, first, count, bytes })

describe('a group history split by a partition, healed', () => {
  it('is the union of both sides on both, each envelope once, each side\'s order kept, with the same cursors', async () => {
    await fc.assert(fc.asyncProperty(posts, fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 7 }), async (list, behind, reader, page) => {
      const { sides, before, clock } = await split()
      // A clock behind the ords already given out (a holder of the other side whose clock is late): both sides count
      // on from the same `next`, and each ord is given out on both.
      if (behind) clock.now = T0 - 3_600_000
      const order: string[][] = [[], []]
      for (const p of list) {
        clock.now += p.tick
        const id = await post(sides[p.side]!, p)
        if (!before.includes(id) && !order[p.side]!.includes(id)) order[p.side]!.push(id)
      }
      await heal(sides[0], sides[1], DOC)

      const [a, b] = [await read(sides[0], users[reader]!, page), await read(sides[1], users[reader]!, page)]
      expect(b.messages).toEqual(a.messages)
      const ids = a.messages.map(m => m.id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(new Set(ids)).toEqual(new Set([...before, ...order[0]!, ...order[1]!]))
      // What was there before the split comes first; an envelope posted on one side only keeps its place among that side's.
      expect(ids.slice(0, before.length)).toEqual(before)
      for (const [i, mine] of order.entries()) {
        const only = mine.filter(id => !order[1 - i]!.includes(id))
        expect(ids.filter(id => only.includes(id))).toEqual(only)
      }
      const heads = [await sides[0].relay.head(GROUP), await sides[1].relay.head(GROUP)]
      expect(counters(heads[1]!)).toEqual(counters(heads[0]!))
      expect(heads[0]).toMatchObject({ epoch: 2, hash: toHex(stateHash(states[1]!)), count: ids.length })
      // What is posted after the heal is filed after all of it, on both.
      const last = await post(sides[1], { epoch: 2, sender: 2, seq: 99 })
      await send(sides[1].replication, sides[0], DOC)
      for (const s of sides) {
        const after = await read(s, users[reader]!, page, a.cursor)
        expect(after.messages.map(m => m.id)).toEqual([last])
      }
      await close(sides)
    }), { numRuns: 60 })
  })

  // An envelope posted on both sides is filed under two ords, and the doc keeps one (Yjs' rule for one key). A head
  // that counted `next` on from every ord it saw kept the losing ord's on the side that had it: the heads differed, and
  // `list` answered a different `last` on each (failed so before: (epoch 1, carol, seq 2) posted on side 1, then on side
  // 0 in the same ms, at ords …785 and …980; the doc kept …785: `next` was …786 on side 1, …981 on side 0). The head's
  // counters are read from what the layout holds.
  it('leaves the same counters on both sides when one envelope was posted on both', async () => {
    const both = fc.array(fc.record({ epoch: fc.integer({ min: 1, max: 2 }), sender: fc.integer({ min: 0, max: 2 }), seq: fc.integer({ min: 2, max: 6 }), first: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 8 })
    await fc.assert(fc.asyncProperty(both, async list => {
      const { sides } = await split()
      for (const p of list) {
        await post(sides[p.first]!, p)
        await post(sides[1 - p.first]!, p)
      }
      await heal(sides[0], sides[1], DOC)
      expect(await sides[1].relay.head(GROUP)).toEqual(await sides[0].relay.head(GROUP))
      expect(await sides[1].relay.list(lan.claims(users[0]!))).toEqual(await sides[0].relay.list(lan.claims(users[0]!)))
      await close(sides)
    }), { numRuns: 100, endOnFailure: true })
  })

  // A member's cursor is a place in the history of its side; the other side's envelopes are filed by their own ords,
  // below it as often as not (failed so before, reading on skipped them: with the clock behind, side 0 takes (1, bob, 1)
  // at ord N, side 1 takes (1, alice, 2) at ord N; carol reads side 0, cursor N/1/bob/1; after the heal (1, alice, 2)
  // is filed at N/1/alice/2, before her cursor). The cursor says, per filer, what its reader was given; reading on gives
  // what it lacks below it first. Bounded: nothing of its own side comes again but an envelope also posted on the other.
  it('loses nothing for a member who read on one side during the split and reads on from its cursor after the heal', async () => {
    await fc.assert(fc.asyncProperty(posts, fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 1 }), async (list, behind, readAt, later) => {
      const { sides, before, clock } = await split()
      if (behind) clock.now = T0 - 3_600_000
      const all = new Set(before)
      let read0: Awaited<ReturnType<typeof read>> | undefined
      const onSide1 = new Set<string>()
      for (const [i, p] of list.entries()) {
        clock.now += p.tick
        const id = await post(sides[p.side]!, p)
        all.add(id)
        if (p.side === 1) onSide1.add(id)
        // carol's node is on side 0 and reads its history there.
        if (i === readAt % list.length) read0 = await read(sides[0], users[2]!, 100)
      }
      await heal(sides[0], sides[1], DOC)
      // After the heal, from whichever side holds the relay role now. (An envelope seen twice is dropped by the replay window.)
      const rest = await read(sides[later]!, users[2]!, 100, read0!.cursor)
      expect(new Set([...read0!.messages, ...rest.messages].map(m => m.id))).toEqual(all)
      // What carol had comes again only when the other side filed it too (the doc may keep that side's ord of it).
      const had = new Set(read0!.messages.map(m => m.id))
      for (const m of rest.messages) if (had.has(m.id)) expect(onSide1).toContain(m.id)
      expect(new Set(rest.messages.map(m => m.id)).size).toBe(rest.messages.length)
      await close(sides)
    }), { numRuns: 60, endOnFailure: true })
  })
})
