import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { generateIdentityKeyPair, sign, toHex, transcript } from '../../src/crypto/index.js'
import { Bindings, preferred } from '../../src/directory/index.js'
import { REGISTER_LABEL } from '../../src/services/idp/spec.js'
import { openMemoryStore } from '../../store/index.js'
import type { StoredBinding } from '../../src/directory/index.js'
import type { Binding } from '../../src/services/idp/pb/idp.js'
import type { Rpc } from '../../src/services/index.js'

const NETWORK = 'bindings-test-network'

function binding (username: string, registeredAt: number, over: Partial<Binding> = {}): Binding {
  const key = generateIdentityKeyPair()
  return {
    username,
    identityKey: key.publicKey as Uint8Array<ArrayBuffer>,
    registeredAt: BigInt(registeredAt),
    signature: sign(key, transcript(REGISTER_LABEL, NETWORK, username, key.publicKey)) as Uint8Array<ArrayBuffer>,
    ...over
  }
}

/** A node's directory fed by a fake idp that answers with `pages` (one per call, in order). */
async function directory (pages: Binding[][]): Promise<Bindings> {
  const store = await openMemoryStore()
  let call = 0
  const rpc = {
    call: async () => {
      const bindings = pages[call] ?? []
      call++
      return { bindings, more: call < pages.length, cursor: `0000000000000000/cursor${call}` }
    }
  } as unknown as Rpc
  const b = new Bindings({ store, rpc, networkId: NETWORK })
  await b.start()
  return b
}

describe('the directory of bindings', () => {
  it('keeps what the idp has, signed by the key each binds, and answers keyOf', async () => {
    const alice = binding('alice', 1000)
    const b = await directory([[alice, binding('bob', 1001)]])
    expect(toHex((await b.keyOf('Alice'))!)).toBe(toHex(alice.identityKey))
    expect(await b.keyOf('carol')).toBeUndefined()
    b.stop()
  })

  it('finds a name registered just after its last sync: asks the idp again once the interval allows, not UNKNOWN', async () => {
    vi.useFakeTimers()
    try {
      const alice = binding('alice', 1000)
      const carol = binding('carol', 1002)
      const registered = [alice]
      const rpc = { call: async () => ({ bindings: [...registered], more: false, cursor: '' }) } as unknown as Rpc
      const b = new Bindings({ store: await openMemoryStore(), rpc, networkId: NETWORK })
      await b.start()
      expect(await b.keyOf('alice')).toBeDefined()
      // carol registers a moment after that sync; a relay checks her token at once (a group test saw UNKNOWN_USER).
      registered.push(carol)
      const found = b.keyOf('carol')
      await vi.advanceTimersByTimeAsync(2_000)
      expect(toHex((await found)!)).toBe(toHex(carol.identityKey))
      // A name nobody registered is still unknown, after one more ask.
      const nobody = b.keyOf('zed')
      await vi.advanceTimersByTimeAsync(2_000)
      expect(await nobody).toBeUndefined()
      b.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('ends, on stop, a lookup waiting for the next sync: no timer left, the idp not asked again', async () => {
    vi.useFakeTimers()
    try {
      let calls = 0
      const rpc = { call: async () => { calls++; return { bindings: [binding('alice', 1000)], more: false, cursor: '' } } } as unknown as Rpc
      const b = new Bindings({ store: await openMemoryStore(), rpc, networkId: NETWORK })
      await b.start()
      expect(await b.keyOf('alice')).toBeDefined()
      const before = calls
      // Within 2 s of that sync: the lookup of an unknown name waits for the next one.
      const waiting = b.keyOf('zed')
      await vi.advanceTimersByTimeAsync(0)
      expect(vi.getTimerCount()).toBeGreaterThan(0)
      b.stop()
      expect(vi.getTimerCount()).toBe(0)
      expect(await waiting).toBeUndefined()
      expect(calls).toBe(before)
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses a binding not signed by the key it binds, or malformed', async () => {
    const forged = binding('alice', 1000, { signature: sign(generateIdentityKeyPair(), new Uint8Array([1])) as Uint8Array<ArrayBuffer> })
    const b = await directory([[forged, binding('Not Canonical', 1001), binding('bob', 1002, { identityKey: new Uint8Array(31) })]])
    await b.sync()
    expect(b.known('alice')).toBeUndefined()
    expect(b.known('bob')).toBeUndefined()
    b.stop()
  })

  it('keeps one binding per name by the one rule (earlier registration, then lower key hash), and reports the other', async () => {
    const first = binding('alice', 1000)
    const later = binding('alice', 2000)
    const b = await directory([[later], [first]])
    const conflicts: string[] = []
    b.addEventListener('binding:conflict', evt => { conflicts.push(evt.detail.other.identityKey) })
    await b.sync()
    expect(b.known('alice')?.identityKey).toBe(toHex(first.identityKey))
    expect(conflicts).toEqual([toHex(later.identityKey)])
    expect(b.conflicts()).toHaveLength(1)
    b.stop()
  })

  it('comes to the same bindings whatever the order, duplicates and replays', async () => {
    const stored = (x: Binding): StoredBinding => ({ username: x.username, identityKey: toHex(x.identityKey), registeredAt: Number(x.registeredAt), signature: toHex(x.signature) })
    const pool = [binding('alice', 5), binding('alice', 5), binding('alice', 3), binding('bob', 9), binding('bob', 2)].map(stored)
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 12 }), async list => {
      const kept = new Map<string, StoredBinding>()
      for (const x of list) kept.set(x.username, kept.has(x.username) ? preferred(kept.get(x.username)!, x) : x)
      const reversed = new Map<string, StoredBinding>()
      for (const x of [...list].reverse()) reversed.set(x.username, reversed.has(x.username) ? preferred(reversed.get(x.username)!, x) : x)
      expect([...kept].sort()).toEqual([...reversed].sort())
    }), { numRuns: 200 })
  })

  it('keeps the bindings across a restart', async () => {
    const store = await openMemoryStore()
    const alice = binding('alice', 1000)
    const rpc = { call: async () => ({ bindings: [alice], more: false, cursor: '0000000000001000/alice' }) } as unknown as Rpc
    const first = new Bindings({ store, rpc, networkId: NETWORK })
    await first.start()
    await first.sync()
    first.stop()
    const offline = { call: async () => { throw new Error('no idp') } } as unknown as Rpc
    const again = new Bindings({ store, rpc: offline, networkId: NETWORK })
    await again.start()
    expect(again.known('alice')?.identityKey).toBe(toHex(alice.identityKey))
    again.stop()
  })
})
