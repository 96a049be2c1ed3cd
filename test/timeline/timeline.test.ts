import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { SealedStore } from '../../src/sealed-store.js'
import { formatHlc, groupConversation, LOBBY, MAX_HLC_DRIFT_MS, parseHlc, Timeline } from '../../src/timeline/index.js'
import { openMemoryStore } from '../../store/index.js'
import type { ChatMessage } from '../../src/timeline/index.js'

const NOW = 1_800_000_000_000
const GROUP = groupConversation('ab'.repeat(16))

async function timeline (clock: () => number = () => NOW): Promise<Timeline> {
  const store = await openMemoryStore()
  const t = new Timeline({ store: new SealedStore(store, new Uint8Array(randomBytes(32))), clock })
  await t.start()
  return t
}

let n = 0
function incoming (over: Partial<ChatMessage> = {}): ChatMessage {
  n++
  return { id: `m${n}`, conversation: GROUP, from: 'bob', to: GROUP, text: `text ${n}`, sentAt: NOW, hlc: formatHlc({ wall: NOW, counter: n }), direction: 'in', read: false, ...over }
}

describe('Timeline', () => {
  it('stores a message once per conversation and id, and answers history in hlc order', async () => {
    const t = await timeline()
    const later = incoming({ hlc: formatHlc({ wall: NOW, counter: 9 }) })
    const earlier = incoming({ hlc: formatHlc({ wall: NOW - 5, counter: 0 }) })
    expect(await t.record(later, true)).toBe(true)
    expect(await t.record(earlier, true)).toBe(true)
    expect(await t.record({ ...earlier }, true)).toBe(false)
    expect((await t.history(GROUP)).map(m => m.id)).toEqual([earlier.id, later.id])
    expect(await t.conversations()).toEqual([expect.objectContaining({ conversation: GROUP, unread: 2 })])
    expect(await t.markRead(GROUP)).toEqual({ read: 2 })
  })

  it('keeps the status of outgoing messages, only ever raising it (failed from pending only)', async () => {
    const t = await timeline()
    const mine = { ...incoming(), from: 'alice', direction: 'out' as const, status: 'pending' as const }
    delete (mine as Partial<ChatMessage>).read
    await t.record(mine, false)
    expect(await t.setStatus(GROUP, [mine.id], 'sent')).toEqual([mine.id])
    expect(await t.setStatus(GROUP, [mine.id], 'failed')).toEqual([])
    expect(await t.setStatus(GROUP, [mine.id], 'pending')).toEqual([])
    expect((await t.history(GROUP))[0]?.status).toBe('sent')
    const other = { ...mine, id: 'other', hlc: formatHlc({ wall: NOW + 1, counter: 0 }) }
    await t.record(other, false)
    expect(await t.setStatus(GROUP, ['other'], 'failed')).toEqual(['other'])
    expect(await t.setStatus(GROUP, ['other'], 'sent')).toEqual([])
  })

  it.each([
    ['23 hours ahead', formatHlc({ wall: NOW + 23 * 3600_000, counter: 0 })],
    ['at 2^53 - 1', `${Number.MAX_SAFE_INTEGER}.00000`],
    ['at 2^64 - 1', '18446744073709551615.00000'],
    ['malformed', 'soon']
  ])('does not let a remote clock %s poison ordering: the message is kept, stamped when it arrived', async (_what, hlc) => {
    let now = NOW
    const t = await timeline(() => now)
    const poisoned = incoming({ hlc, sentAt: NOW + 23 * 3600_000 })
    expect(await t.record(poisoned, true)).toBe(true)
    now += 1_000
    const after = incoming({ hlc: formatHlc({ wall: now, counter: 0 }) })
    await t.record(after, true)
    const history = await t.history(GROUP)
    expect(history.map(m => m.id)).toEqual([poisoned.id, after.id])
    expect(parseHlc(history[0]!.hlc).wall).toBeLessThanOrEqual(NOW)
    expect(history[0]!.sentAt).toBeLessThanOrEqual(NOW)
    // The clock did not follow it: what this node sends next sorts before anything an hour away.
    expect(parseHlc(t.stamp()).wall).toBeLessThan(NOW + 3600_000)
  })

  it('believes a remote clock a little ahead (within the allowed drift)', async () => {
    const t = await timeline()
    const ahead = formatHlc({ wall: NOW + MAX_HLC_DRIFT_MS - 1, counter: 3 })
    await t.record(incoming({ hlc: ahead, conversation: LOBBY, to: LOBBY }), true)
    expect((await t.history(LOBBY))[0]?.hlc).toBe(ahead)
    expect(t.stamp() > ahead).toBe(true)
  })

  it('refuses a conversation id that is none', async () => {
    const t = await timeline()
    await expect(t.history('group:xyz')).rejects.toMatchObject({ code: 'BAD_CONVERSATION' })
    await expect(t.history('no such user!')).rejects.toMatchObject({ code: 'BAD_USERNAME' })
  })
})
