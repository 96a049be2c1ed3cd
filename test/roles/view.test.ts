import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { RegistryView } from '../../src/roles/view.js'
import type { RegistryRecord } from '../../src/roles/index.js'
import type { RegistryViewComponents } from '../../src/roles/view.js'
import type { Store } from '../../store/index.js'
import type { PeerId } from '@libp2p/interface'

const LEASE_MS = 12_000
const SETTLE_MS = 12_000
const REDIAL_MS = 3_000

/**
 * A fake libp2p: which peers are connected, and every dial the view starts, left pending until the test settles it
 * (a dial honours its signal as libp2p's does: aborted, it fails).
 */
class FakeLibp2p {
  readonly connected = new Set<string>()
  readonly dials: Array<{ peerId: string, succeed: () => void, fail: (err: Error) => void }> = []

  getConnections (peerId?: PeerId): never[] {
    return (peerId !== undefined && this.connected.has(peerId.toString()) ? [{}] : []) as never[]
  }

  async hangUp (): Promise<void> {}

  async dial (peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<never> {
    const id = peerId.toString()
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => { reject(err) }
      options.signal?.addEventListener('abort', () => { fail(new Error('The operation was aborted')) })
      this.dials.push({
        peerId: id,
        succeed: () => { this.connected.add(id); resolve({} as never) },
        fail
      })
    })
  }
}

const record = (peerId: string, time: number): RegistryRecord => ({
  peerId, pinned: [], eligible: ['relay'], roleKeys: {}, addrs: [], seq: 1, time, startedAt: time, held: {}, views: {}
})

describe('registry view: a node whose last connection closed', () => {
  let libp2p: FakeLibp2p
  let store: Store
  let view: RegistryView
  let peer: string
  const now = (): number => Date.now()

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    libp2p = new FakeLibp2p()
    store = await openMemoryStore()
    const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as unknown as RegistryViewComponents['log']
    view = new RegistryView({ libp2p: libp2p as unknown as RegistryViewComponents['libp2p'], store, log }, LEASE_MS, SETTLE_MS, REDIAL_MS)
    peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    view.set(record(peer, now()), now())
    libp2p.connected.add(peer)
  })

  afterEach(async () => {
    view.stopRedialling()
    vi.useRealTimers()
    await store.close()
  })

  const live = (): boolean => view.isLive(peer, view.get(peer)!.lastSeen, now())

  it('stays live while it is dialled again, and is gone once the dial fails', async () => {
    libp2p.connected.delete(peer)
    const gone = view.redial(peer, now())
    expect(libp2p.dials.map(d => d.peerId)).toEqual([peer])
    // Not connected, but being dialled: live (a disconnect alone moves no role).
    expect(live()).toBe(true)
    libp2p.dials[0]!.fail(new Error('connect ECONNREFUSED 127.0.0.1:7420'))
    expect(await gone).toBe(true)
    expect(live()).toBe(false)
  })

  it('stays live when the dial succeeds (a reset while it lives): not gone', async () => {
    libp2p.connected.delete(peer)
    const gone = view.redial(peer, now())
    libp2p.dials[0]!.succeed()
    expect(await gone).toBe(false)
    expect(live()).toBe(true)
  })

  it('is gone once a dial that hangs has lasted REDIAL_MS, not before', async () => {
    libp2p.connected.delete(peer)
    let result: boolean | undefined
    void view.redial(peer, now()).then(g => { result = g })
    await vi.advanceTimersByTimeAsync(REDIAL_MS - 100)
    expect(result).toBeUndefined()
    expect(live()).toBe(true)
    await vi.advanceTimersByTimeAsync(200)
    expect(result).toBe(true)
    expect(live()).toBe(false)
  })

  it('is not gone when it connected by another way while the dial failed (it dialled this node)', async () => {
    libp2p.connected.delete(peer)
    const gone = view.redial(peer, now())
    libp2p.connected.add(peer)
    libp2p.dials[0]!.fail(new Error('dial aborted'))
    expect(await gone).toBe(false)
    expect(live()).toBe(true)
  })

  it('dials only a node live in the view: not one whose lease is over, nor one never heard, nor one still connected', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    expect(await view.redial(stranger, now())).toBe(false)
    // Still connected: libp2p tells of a disconnect only when the last connection closed; nothing to do.
    expect(await view.redial(peer, now())).toBe(false)
    libp2p.connected.delete(peer)
    vi.advanceTimersByTime(LEASE_MS)
    expect(await view.redial(peer, now())).toBe(false)
    expect(libp2p.dials).toEqual([])
  })

  it('dials once while a dial is under way, and gives it up when the registry stops', async () => {
    libp2p.connected.delete(peer)
    const first = view.redial(peer, now())
    expect(await view.redial(peer, now())).toBe(false)
    expect(libp2p.dials).toHaveLength(1)
    view.stopRedialling()
    // Given up, not gone: a stopping node elects nothing.
    expect(await first).toBe(false)
    expect(live()).toBe(false)
  })
})
