import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { SealedStore } from '../../src/sealed-store.js'
import { checkEmoji, decodeBody, encodeBody, formatHlc, groupConversation, MAX_REACTIONS_PER_PERSON, Timeline, words } from '../../src/timeline/index.js'
import { openMemoryStore } from '../../store/index.js'
import { sealedKeys } from '../helpers/sealed.js'
import type { ChatMessage, MessageUpdate } from '../../src/timeline/index.js'
import type { Store } from '../../store/index.js'

const NOW = 1_800_000_000_000
const GROUP = groupConversation('cd'.repeat(16))

async function timeline (store?: Store, key = new Uint8Array(randomBytes(32))): Promise<{ t: Timeline, sealed: SealedStore }> {
  const sealed = new SealedStore(store ?? await openMemoryStore(), key)
  const t = new Timeline({ store: sealed, clock: () => NOW })
  await t.start()
  return { t, sealed }
}

/** Everything the sealed store holds, opened: what someone with the disk and the password would read. */
async function plaintexts (sealed: SealedStore): Promise<string> {
  const out: string[] = []
  for await (const key of sealed.keys('')) {
    const bytes = await sealed.getBytes(key)
    out.push(`${key} ${new TextDecoder().decode(bytes)}`)
  }
  return out.join('\n')
}

let n = 0
function msg (over: Partial<ChatMessage> = {}): ChatMessage {
  n++
  return { id: `m${n}`, conversation: GROUP, from: 'bob', to: GROUP, text: `text ${n}`, sentAt: NOW + n, hlc: formatHlc({ wall: NOW, counter: n }), direction: 'in', read: false, ...over }
}
const change = (kind: string, target: string, over: Partial<ChatMessage> = {}): ChatMessage => msg({ kind, target, text: '', ...over })

describe('message kinds in the timeline', () => {
  it('applies an edit from the author, keeps the earlier text, and shows neither the edit nor a changed unread count', async () => {
    const { t } = await timeline()
    const original = msg({ text: 'lunch at noon?' })
    await t.record(original, true)
    const updates: MessageUpdate[] = []
    expect(await t.record(change('edit', original.id, { text: 'lunch at one?' }), true, updates)).toBe(true)
    const [m] = await t.history(GROUP)
    expect(m).toMatchObject({ id: original.id, text: 'lunch at one?', edited: expect.any(Number) })
    expect(m?.edits?.map(e => e.text)).toEqual(['lunch at noon?'])
    expect(updates).toEqual([expect.objectContaining({ id: original.id, change: 'edit', by: 'bob' })])
    expect((await t.history(GROUP)).length).toBe(1)
    expect((await t.conversations())[0]).toMatchObject({ unread: 1, lastText: 'lunch at one?' })
  })

  it('refuses an edit or a deletion by anyone but the author; a reaction counts from anyone', async () => {
    const { t } = await timeline()
    const original = msg({ text: 'mine' })
    await t.record(original, true)
    await t.record(change('edit', original.id, { from: 'mallory', text: 'forged' }), true)
    await t.record(change('delete', original.id, { from: 'mallory' }), true)
    await t.record(change('reaction', original.id, { from: 'carol', emoji: '👍' }), true)
    await t.record(change('reaction', original.id, { from: 'dave', emoji: '👍' }), true)
    const [m] = await t.history(GROUP)
    expect(m).toMatchObject({ text: 'mine', reactions: { '👍': ['carol', 'dave'] } })
    expect(m?.deleted).toBeUndefined()
  })

  it('keeps a change that arrives before its target and applies it when the target comes, after a restart too', async () => {
    const store = await openMemoryStore()
    const key = new Uint8Array(randomBytes(32))
    const first = await timeline(store, key)
    const original = msg({ text: 'draft' })
    await first.t.record(change('edit', original.id, { text: 'final', hlc: formatHlc({ wall: NOW + 5, counter: 0 }) }), true)
    await first.t.record(change('reaction', original.id, { from: 'carol', emoji: '🎉' }), true)
    expect(await first.t.history(GROUP)).toEqual([])
    const again = await timeline(store, key)
    await again.t.record(original, true)
    expect(original).toMatchObject({ text: 'final', reactions: { '🎉': ['carol'] } })
    expect((await again.t.history(GROUP))[0]).toMatchObject({ text: 'final', reactions: { '🎉': ['carol'] } })
  })

  it('ends the same whatever order two edits arrive in; a deletion wins over edits and reactions', async () => {
    const results: string[] = []
    for (const order of [[0, 1], [1, 0]]) {
      const { t } = await timeline()
      const original = msg({ id: 'target', text: 'v1' })
      await t.record(original, true)
      const edits = [
        change('edit', 'target', { id: 'e1', text: 'v2', hlc: formatHlc({ wall: NOW + 10, counter: 0 }) }),
        change('edit', 'target', { id: 'e2', text: 'v3', hlc: formatHlc({ wall: NOW + 20, counter: 0 }) })
      ]
      for (const i of order) await t.record({ ...edits[i]! }, true)
      const [m] = await t.history(GROUP)
      results.push(`${m?.text} ${m?.edits?.map(e => e.text).join(',')}`)
    }
    expect(results).toEqual(['v3 v1,v2', 'v3 v1,v2'])
    const { t } = await timeline()
    const original = msg({ text: 'secret' })
    await t.record(original, true)
    await t.record(change('reaction', original.id, { from: 'carol', emoji: '👍' }), true)
    await t.record(change('delete', original.id), true)
    await t.record(change('edit', original.id, { text: 'back again' }), true)
    const [m] = await t.history(GROUP)
    expect(m).toMatchObject({ deleted: true, text: '' })
    expect(m?.reactions).toBeUndefined()
    expect(m?.edits).toBeUndefined()
  })

  it('refuses an edit or a deletion from the author\'s name under another identity key (a name bound anew)', async () => {
    const { t } = await timeline()
    const original = msg({ text: 'signed by key A', fromKey: 'aa'.repeat(32) })
    await t.record(original, true)
    const forged = change('edit', original.id, { text: 'rewritten by key B', fromKey: 'bb'.repeat(32) })
    await expect(t.checkChange(forged)).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    await t.record(forged, true)
    await t.record(change('delete', original.id, { fromKey: 'bb'.repeat(32) }), true)
    expect((await t.history(GROUP))[0]).toMatchObject({ text: 'signed by key A' })
    expect((await t.history(GROUP))[0]?.deleted).toBeUndefined()
    // The key is the record's, never shown.
    expect((await t.history(GROUP))[0]?.fromKey).toBeUndefined()
    await t.record(change('edit', original.id, { text: 'edited with key A', fromKey: 'aa'.repeat(32) }), true)
    expect((await t.history(GROUP))[0]).toMatchObject({ text: 'edited with key A' })
  })

  it('keeps nothing of a change that cannot apply to its target here (an edit by someone else)', async () => {
    const { t, sealed } = await timeline()
    const original = msg({ text: 'mine' })
    await t.record(original, true)
    const forged = change('edit', original.id, { from: 'mallory', text: 'forged' })
    await expect(t.checkChange(forged)).rejects.toMatchObject({ code: 'NOT_AUTHOR' })
    // A change of a message not here yet passes: it is checked when the target comes.
    await expect(t.checkChange(change('edit', 'not-here-yet', { from: 'mallory' }))).resolves.toBeUndefined()
    expect(await t.record(forged, true)).toBe(true)
    expect(await plaintexts(sealed)).not.toContain('forged')
    // Its id is seen: a replay is recognised.
    expect(await t.record({ ...forged }, true)).toBe(false)
  })

  it('keeps no text of a deleted message at rest: not its edits, not a reply\'s quote, not its words in the index', async () => {
    const { t, sealed } = await timeline()
    const original = msg({ text: 'the zebra plan' })
    await t.record(original, true)
    const reply = msg({ kind: 'reply', replyTo: original.id, text: 'I like it', from: 'carol' })
    await t.record(reply, true)
    await t.record(change('edit', original.id, { text: 'the giraffe plan', hlc: formatHlc({ wall: NOW + 10, counter: 0 }) }), true)
    expect((await t.search('like'))[0]?.quote).toEqual({ from: 'bob', text: 'the giraffe plan' })
    const indexed = await sealedKeys(sealed, 'x/')
    await t.record(change('delete', original.id, { hlc: formatHlc({ wall: NOW + 20, counter: 0 }) }), true)
    const rest = await plaintexts(sealed)
    expect(rest).not.toMatch(/zebra|giraffe/)
    expect(await t.search('giraffe')).toEqual([])
    expect((await sealedKeys(sealed, 'x/')).length).toBe(indexed.length - words('the giraffe plan').length)
    // Wherever the reply shows, its quote says the message is gone.
    expect((await t.search('like'))[0]?.quote).toEqual({ from: 'bob', text: '', deleted: true })
    expect((await t.get(GROUP, reply.id))?.quote).toEqual({ from: 'bob', text: '', deleted: true })
  })

  it('keeps no edit text for a message that was deleted before it came (or never comes)', async () => {
    const { t, sealed } = await timeline()
    const target = msg({ text: 'the walrus plan' })
    await t.record(change('edit', target.id, { text: 'the otter plan', hlc: formatHlc({ wall: NOW + 10, counter: 0 }) }), true)
    await t.record(change('delete', target.id, { hlc: formatHlc({ wall: NOW + 20, counter: 0 }) }), true)
    await t.record(change('edit', target.id, { text: 'the beaver plan', hlc: formatHlc({ wall: NOW + 15, counter: 0 }) }), true)
    expect(await plaintexts(sealed)).not.toMatch(/otter|beaver/)
    await t.record(target, true)
    expect((await t.history(GROUP))[0]).toMatchObject({ deleted: true, text: '' })
    // Applied: the kept changes are gone too.
    expect(await sealedKeys(sealed, 'a/')).toEqual([])
  })

  it('applies a change to a target that comes after it in the same write', async () => {
    const { t } = await timeline()
    const target = msg({ text: 'before' })
    const edit = change('edit', target.id, { text: 'after', hlc: formatHlc({ wall: NOW + 10, counter: 0 }) })
    await t.commit(await t.addOps([edit, target], true))
    expect((await t.history(GROUP))[0]).toMatchObject({ id: target.id, text: 'after' })
  })

  it('takes a reaction back, the latest per person and emoji winning', async () => {
    const { t } = await timeline()
    const original = msg()
    await t.record(original, true)
    await t.record(change('reaction', original.id, { from: 'carol', emoji: '👍', hlc: formatHlc({ wall: NOW + 30, counter: 0 }) }), true)
    await t.record(change('reaction', original.id, { from: 'carol', emoji: '👍', remove: true, hlc: formatHlc({ wall: NOW + 20, counter: 0 }) }), true)
    expect((await t.history(GROUP))[0]?.reactions).toEqual({ '👍': ['carol'] })
    await t.record(change('reaction', original.id, { from: 'carol', emoji: '👍', remove: true, hlc: formatHlc({ wall: NOW + 40, counter: 0 }) }), true)
    expect((await t.history(GROUP))[0]?.reactions).toBeUndefined()
  })

  it('keeps a person\'s latest MAX_REACTIONS_PER_PERSON emoji on a message, the same ones whatever order they came in', async () => {
    const emoji = Array.from({ length: MAX_REACTIONS_PER_PERSON + 10 }, (_, i) => String.fromCodePoint(0x1F600 + i))
    const reactions = emoji.map((e, i) => ({ e, hlc: formatHlc({ wall: NOW + 100 + i, counter: 0 }) }))
    const ends: string[] = []
    for (const order of [reactions, [...reactions].reverse(), [...reactions.slice(15), ...reactions.slice(0, 15)]]) {
      const { t } = await timeline()
      const original = msg({ id: 'target' })
      await t.record(original, true)
      await t.record(change('reaction', original.id, { from: 'dave', emoji: '👍' }), true)
      for (const { e, hlc } of order) await t.record(change('reaction', original.id, { from: 'carol', emoji: e, hlc }), true)
      const shown = (await t.history(GROUP))[0]?.reactions ?? {}
      expect(Object.values(shown).filter(users => users.includes('carol')).length).toBe(MAX_REACTIONS_PER_PERSON)
      expect(shown['👍']).toEqual(['dave'])
      ends.push(Object.keys(shown).sort().join(''))
    }
    expect(new Set(ends).size).toBe(1)
    expect(ends[0]).toBe([...emoji.slice(10), '👍'].sort().join(''))
  })

  it('shows a reply with the line it quotes, as that line is now', async () => {
    const { t } = await timeline()
    const original = msg({ text: 'who brings the cake?' })
    await t.record(original, true)
    const reply = msg({ kind: 'reply', replyTo: original.id, text: 'I do', from: 'carol' })
    await t.record(reply, true)
    expect(reply.quote).toEqual({ from: 'bob', text: 'who brings the cake?' })
    await t.record(change('delete', original.id), true)
    expect((await t.history(GROUP))[1]?.quote).toEqual({ from: 'bob', text: '', deleted: true })
  })

  it('finds messages by their words across conversations or in one, not by a deleted text, and with the edit of now', async () => {
    const { t } = await timeline()
    const a = msg({ text: 'The Café opens at noon' })
    const b = msg({ conversation: 'bob', to: 'alice', text: 'noon is fine for the cafe' })
    const c = msg({ text: 'nothing here' })
    for (const m of [a, b, c]) await t.record(m, true)
    expect((await t.search('cafe NOON')).map(m => m.id)).toEqual([b.id, a.id])
    expect((await t.search('cafe', { conversation: 'bob' })).map(m => m.id)).toEqual([b.id])
    await t.record(change('delete', b.id, { conversation: 'bob' }), true)
    await t.record(change('edit', a.id, { text: 'The tea room opens at noon' }), true)
    expect(await t.search('cafe')).toEqual([])
    expect((await t.search('tea noon')).map(m => m.id)).toEqual([a.id])
    await expect(t.search('  ?! ')).rejects.toMatchObject({ code: 'BAD_QUERY' })
  })

  it('indexes history stored before the index existed', async () => {
    const store = await openMemoryStore()
    const key = new Uint8Array(randomBytes(32))
    const sealed = new SealedStore(store, key)
    const old = msg({ text: 'an archived word: zeppelin' })
    await sealed.write([sealed.put(`m/${sealed.name(`conversation:${GROUP}`)}/${old.hlc}/${old.id}`, old)])
    const { t } = await timeline(store, key)
    expect((await t.search('zeppelin')).map(m => m.id)).toEqual([old.id])
  })

  it('indexes history from before the index again at the next search when the first indexing failed', async () => {
    const store = await openMemoryStore()
    const key = new Uint8Array(randomBytes(32))
    const sealed = new SealedStore(store, key)
    const old = msg({ text: 'an archived word: dirigible' })
    await sealed.write([sealed.put(`m/${sealed.name(`conversation:${GROUP}`)}/${old.hlc}/${old.id}`, old)])
    // The store refuses the indexing's first write (a full disk, say), then recovers.
    const batch = store.batch.bind(store)
    let failures = 1
    store.batch = async ops => {
      if (failures-- > 0) throw new Error('disk full')
      await batch(ops)
    }
    const { t } = await timeline(store, key)
    await expect(t.search('dirigible')).rejects.toThrow('disk full')
    expect((await t.search('dirigible')).map(m => m.id)).toEqual([old.id])
  })

  it('records when an outgoing message reached each status', async () => {
    const { t } = await timeline()
    const mine = msg({ from: 'alice', direction: 'out', status: 'pending' })
    delete mine.read
    await t.record(mine, false)
    await t.setStatus(GROUP, [mine.id], 'sent')
    expect((await t.get(GROUP, mine.id))?.times).toEqual({ sent: NOW })
  })
})

describe('message bodies', () => {
  it('round-trips every kind, and reads a malformed or unknown body as plain text or as it came', () => {
    for (const body of [{ kind: 'reply', replyTo: 'x' }, { kind: 'edit', target: 'y' }, { kind: 'delete', target: 'z' }, { kind: 'reaction', target: 'w', emoji: '👍🏽', remove: true }]) {
      expect(decodeBody(encodeBody(body))).toEqual(body)
    }
    expect(encodeBody({ kind: 'text' })).toBeUndefined()
    expect(decodeBody(new Uint8Array([0xff, 0xff, 0xff]))).toBeUndefined()
    expect(decodeBody(encodeBody({ kind: 'edit' }))).toBeUndefined()
    expect(decodeBody(encodeBody({ kind: 'reaction', target: 'w', emoji: 'abc' }))).toBeUndefined()
    expect(decodeBody(encodeBody({ kind: 'file', attachment: new Uint8Array([1]) }))).toEqual({ kind: 'file', attachment: new Uint8Array([1]) })
  })

  it('takes one emoji as a reaction and refuses anything else', () => {
    for (const ok of ['👍', '👍🏽', '❤️', '👨‍👩‍👧', '🇫🇷']) expect(checkEmoji(ok)).toBe(ok)
    for (const bad of ['', 'a', '👍👍', 'ok', '1', ' ']) expect(() => checkEmoji(bad)).toThrow(/one emoji/)
  })
})
