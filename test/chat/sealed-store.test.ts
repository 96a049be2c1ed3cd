import { describe, expect, it } from 'vitest'
import { SealedStore } from '../../src/sealed-store.js'
import { openMemoryStore } from '../../store/index.js'

describe('sealed chat store', () => {
  it('round-trips values, and keeps neither plaintext nor names in the clear', async () => {
    const store = await openMemoryStore()
    const sealed = new SealedStore(store, new Uint8Array(32).fill(9))
    const key = `m/${sealed.name('conversation:bob')}/1`
    await sealed.write([sealed.put(key, { text: 'meet at the old mill' })])
    expect(await sealed.get(key)).toEqual({ text: 'meet at the old mill' })
    const raw = store.sublevel('chat', 'bytes')
    for await (const [k, v] of raw.iterator()) {
      expect(k).not.toContain('bob')
      expect(Buffer.from(v).toString('latin1')).not.toContain('old mill')
    }
  })

  it('refuses a value moved under another key, or read with another password key', async () => {
    const store = await openMemoryStore()
    const sealed = new SealedStore(store, new Uint8Array(32).fill(9))
    await sealed.write([sealed.put('a', 1)])
    const raw = store.sublevel('chat', 'bytes')
    await raw.put('b', (await raw.get('a'))!)
    await expect(sealed.get('b')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' })
    await expect(new SealedStore(store, new Uint8Array(32).fill(8)).get('a')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' })
  })

  it('iterates a prefix in order, in reverse, and within bounds', async () => {
    const sealed = new SealedStore(await openMemoryStore(), new Uint8Array(32))
    await sealed.write(['x/1', 'x/2', 'x/3', 'y/1'].map(k => sealed.put(k, k)))
    const keys = async (opts = {}): Promise<string[]> => {
      const out: string[] = []
      for await (const [k] of sealed.entries('x/', opts)) out.push(k)
      return out
    }
    expect(await keys()).toEqual(['x/1', 'x/2', 'x/3'])
    expect(await keys({ reverse: true, limit: 2 })).toEqual(['x/3', 'x/2'])
    expect(await keys({ lt: 'x/3' })).toEqual(['x/1', 'x/2'])
  })
})
