import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Replication } from '../../src/replication/index.js'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'
import { MAIL_DOCS, Mailbox } from '../../src/services/relay/mailbox.js'
import { openMemoryStore } from '../../store/index.js'
import type { Store } from '../../store/index.js'

const LIMITS = { maxMessages: 1_000, maxBytes: 1 << 24, senderMaxMessages: 1_000, senderMaxBytes: 1 << 24, relayMaxBytes: 1 << 28, ttlMs: 3_600_000 }
const AT_REST = new Uint8Array(32).fill(7)
const DOC = `${MAIL_DOCS}bob`

/** One side of a partition: a relay-eligible node's store, replication and mailbox, on a clock the test moves. */
interface Side { store: Store, replication: Replication, mailbox: Mailbox, session: Session, frames: number }

async function side (clock: () => number): Promise<Side> {
  const store = await openMemoryStore()
  const replication = new Replication({ store, atRestKey: AT_REST, clock })
  const mailbox = new Mailbox(store, LIMITS, clock, replication)
  await mailbox.open()
  const session = new Session('12D3KooWotherside', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, clock)
  session.roles.add('relay')
  return { store, replication, mailbox, session, frames: 0 }
}

/** What `from` has of bob's mailbox that `to` lacks, applied on `to` as a replica applies a peer's SYNC. */
async function sync (from: Side, to: Side): Promise<void> {
  const mine = (await from.replication.open(DOC)).ydoc
  const theirs = (await to.replication.open(DOC)).ydoc
  const enc = encoding.createEncoder()
  syncProtocol.writeUpdate(enc, Y.encodeStateAsUpdate(mine, Y.encodeStateVector(theirs)))
  await to.replication.onFrame(to.session, frame({ kind: ReplicaFrame.Kind.SYNC, doc: DOC, epoch: 1, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> }), ++to.frames)
}

async function all (s: Side): Promise<Array<{ id: string, cursor: string }>> {
  const { messages } = await s.mailbox.fetch('bob', 1_000, undefined, 1 << 28)
  return messages.map(m => ({ id: m.id, cursor: m.cursor }))
}

/** A deposit on one side: `tick` ms after the one before, with an id from a small pool (the same message may reach both sides). */
const deposits = fc.array(fc.record({ side: fc.integer({ min: 0, max: 1 }), id: fc.integer({ min: 0, max: 40 }), tick: fc.constantFrom(0, 0, 0, 1) }), { minLength: 1, maxLength: 40 })

describe('a mailbox split by a partition, healed', () => {
  it('is the union of both sides on both, each message once, each side\'s order kept, with the same cursors', async () => {
    await fc.assert(fc.asyncProperty(deposits, fc.integer({ min: 0, max: 39 }), async (list, acked) => {
      let now = 1_700_000_000_000
      const clock = (): number => now
      const sides = [await side(clock), await side(clock)]
      // Mail both had before the split.
      await sides[0]!.mailbox.deposit('bob', 'alice', 'before', new Uint8Array([1]))
      await sync(sides[0]!, sides[1]!)
      const order: string[][] = [['before'], ['before']]
      for (const d of list) {
        now += d.tick
        const id = `m${d.id}`
        await sides[d.side]!.mailbox.deposit('bob', 'alice', id, new TextEncoder().encode(id))
        if (!order[d.side]!.includes(id)) order[d.side]!.push(id)
      }
      // bob fetched and acknowledged one message on one side during the split.
      const ackedId = order[0]![acked % order[0]!.length]!
      await sides[0]!.mailbox.ack('bob', [ackedId])
      // The heal: each side sends the other what it lacks.
      await sync(sides[0]!, sides[1]!)
      await sync(sides[1]!, sides[0]!)
      const [a, b] = [await all(sides[0]!), await all(sides[1]!)]
      expect(b).toEqual(a)
      const ids = a.map(m => m.id)
      // An acknowledged message is gone, unless the other side took a deposit of it of its own during the split: then
      // the concurrent writes of one key decide, the same way on both (bob may get it again; his node drops duplicates).
      const againOnOther = ackedId !== 'before' && order[1]!.includes(ackedId)
      const expected = new Set([...order[0]!, ...order[1]!].filter(id => id !== ackedId))
      expect(new Set(ids).size).toBe(ids.length)
      expect(new Set(ids.filter(id => id !== ackedId))).toEqual(expected)
      if (!againOnOther) expect(ids).not.toContain(ackedId)
      // A message deposited on one side only keeps its place among that side's others.
      for (const [i, mine] of order.entries()) {
        const only = mine.filter(id => expected.has(id) && !order[1 - i]!.includes(id))
        expect(ids.filter(id => only.includes(id))).toEqual(only)
      }
      for (const s of sides) expect(await s.mailbox.usage('bob')).toMatchObject({ count: ids.length })
      for (const s of sides) {
        await s.replication.stop()
        await s.store.close()
      }
    }), { numRuns: 60 })
  })
})
