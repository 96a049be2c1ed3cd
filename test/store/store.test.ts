import { describe, expect, it, afterEach } from 'vitest'
import { Level } from 'level'
import { join } from 'node:path'
import { openMemoryStore, openStore, prefixEnd, SCHEMA_VERSION, SchemaVersionError, StoreLockedError } from '../../store/index.js'
import { tempDir } from '../helpers/headless-node.js'
import type { Store } from '../../store/index.js'

const open: Store[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(s => s.close()))
})

/** The contract every store implementation keeps. */
describe.each([
  ['LevelDB', async () => openStore(await tempDir())],
  ['memory', openMemoryStore]
])('store contract (%s)', (_name, make) => {
  const fresh = async (): Promise<Store> => {
    const store = await make()
    open.push(store)
    return store
  }

  it('keeps each domain in its own sublevel', async () => {
    const store = await fresh()
    const a = store.sublevel<{ n: number }>('chat', 'json')
    const b = store.sublevel<{ n: number }>('relay', 'json')
    await a.put('k', { n: 1 })
    await b.put('k', { n: 2 })
    expect(await a.get('k')).toEqual({ n: 1 })
    expect(await b.get('k')).toEqual({ n: 2 })
    expect(await a.get('missing')).toBeUndefined()
  })

  it('stores bytes as bytes and strings as strings', async () => {
    const store = await fresh()
    const bytes = store.sublevel('node', 'bytes')
    await bytes.put('key', new Uint8Array([0, 1, 255]))
    expect([...(await bytes.get('key')) ?? []]).toEqual([0, 1, 255])
    expect(await bytes.get('key')).toBeInstanceOf(Uint8Array)
    const text = store.sublevel('account', 'utf8')
    await text.put('name', 'ünïcode')
    expect(await text.get('name')).toBe('ünïcode')
  })

  it('iterates a sublevel in key order without seeing other domains', async () => {
    const store = await fresh()
    const chat = store.sublevel<number>('chat', 'json')
    await store.sublevel<number>('groups', 'json').put('a', 0)
    for (const k of ['c', 'a', 'b']) await chat.put(k, k.charCodeAt(0))
    expect(await chat.keys().all()).toEqual(['a', 'b', 'c'])
  })

  it('commits a batch across sublevels atomically', async () => {
    const store = await fresh()
    const chat = store.sublevel<number>('chat', 'json')
    const groups = store.sublevel<number>('groups', 'json')
    await store.batch([
      { type: 'put', sublevel: chat, key: 'x', value: 1 },
      { type: 'put', sublevel: groups, key: 'y', value: 2 }
    ])
    expect(await chat.get('x')).toBe(1)
    expect(await groups.get('y')).toBe(2)
  })

  it('records the schema version', async () => {
    const store = await fresh()
    expect(await store.sublevel<number>('meta', 'json').get('schema-version')).toBe(SCHEMA_VERSION)
  })
})

describe('LevelDB store', () => {
  it('keeps data across close and reopen', async () => {
    const dir = await tempDir()
    const first = await openStore(dir)
    await first.sublevel<string>('chat', 'json').put('m1', 'hello')
    await first.close()
    const second = await openStore(dir)
    open.push(second)
    expect(await second.sublevel<string>('chat', 'json').get('m1')).toBe('hello')
  })

  it('refuses a second opening of the same directory, naming it', async () => {
    const dir = await tempDir()
    open.push(await openStore(dir))
    const err = await openStore(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreLockedError)
    expect((err as Error).message).toContain(dir)
    expect((err as StoreLockedError).code).toBe('STORE_LOCKED')
  })

  it('refuses a store written by a newer schema, naming the directory', async () => {
    const dir = await tempDir()
    const raw = new Level<string, string>(join(dir, 'db'))
    await raw.sublevel<string, number>('meta', { valueEncoding: 'json' }).put('schema-version', SCHEMA_VERSION + 1)
    await raw.close()
    const err = await openStore(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SchemaVersionError)
    expect((err as Error).message).toContain(dir)
    expect((err as Error).message).toMatch(/newer/)
    // The refused store was closed: opening it raw again works.
    const again = new Level(join(dir, 'db'))
    await again.open()
    await again.close()
  })

  it('creates the data directory private to its owner', async () => {
    const dir = join(await tempDir(), 'nested', 'data')
    open.push(await openStore(dir))
    const { stat } = await import('node:fs/promises')
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
  })
})

describe('prefixEnd', () => {
  it('bounds exactly the keys under a prefix', async () => {
    const store = await openMemoryStore()
    const kv = store.sublevel<number>('relay', 'json')
    for (const key of ['mail/bo', 'mail/bob', 'mail/bob/', 'mail/bob/1', 'mail/bob/zzz', 'mail/bob0', 'mail/bob0/1', 'mail/boc']) await kv.put(key, 1)
    expect(await kv.keys({ gte: 'mail/bob/', lt: prefixEnd('mail/bob/') }).all()).toEqual(['mail/bob/', 'mail/bob/1', 'mail/bob/zzz'])
    expect(prefixEnd('kek/')).toBe('kek0')
    expect(() => prefixEnd('')).toThrow(RangeError)
    await store.close()
  })
})
