import { DIAL_BACKOFF_MAX_MS, DIAL_BACKOFF_MIN_MS, DIAL_TIMEOUT_MS, DISCOVERED_MAX_FAILURES } from './constants.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../logger.js'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A peer the dialer keeps trying to be connected to. */
interface Target {
  /** Known once discovered, or once a `--peer` address without /p2p/ answered. */
  peerId?: PeerId
  /** Set for `--peer` targets: dialled by address, redialled forever. */
  addr?: Multiaddr
  failures: number
  lastError?: string
  timer?: ReturnType<typeof setTimeout>
  dialing: boolean
}

export interface DialerComponents {
  libp2p: Libp2p
  log: Logger
}

/** What the dialer is doing about one peer, for `status`. */
export interface DialState {
  /** The `--peer` address, or the discovered peer id */
  target: string
  connected: boolean
  /** Failed attempts in a row */
  failures: number
  lastError?: string
}

/** Exponential backoff with +-25 % jitter, so restarted nodes do not dial in lockstep. */
export function backoffDelay (failures: number, random: () => number = Math.random): number {
  const base = Math.min(DIAL_BACKOFF_MAX_MS, DIAL_BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1))
  return Math.round(base * (0.75 + random() * 0.5))
}

/**
 * Keeps this node connected to the peers it knows of. libp2p 3 does not dial
 * discovered peers by itself: this dials every peer mDNS discovers, and every
 * `--peer` address, retrying with backoff, and redials after a connection is
 * lost. A discovered peer that keeps failing is dropped until rediscovered; a
 * `--peer` address is tried for as long as the node runs.
 */
export class Dialer {
  private readonly libp2p: Libp2p
  private readonly log: Logger
  private readonly byPeer = new Map<string, Target>()
  private readonly pinned: Target[] = []
  private running = false

  constructor (components: DialerComponents) {
    this.libp2p = components.libp2p
    this.log = components.log
  }

  start (addrs: Multiaddr[]): void {
    this.running = true
    this.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    for (const addr of addrs) {
      const id = addr.getComponents().find(c => c.name === 'p2p')?.value
      const target: Target = { addr, peerId: id === undefined ? undefined : peerIdFromString(id), failures: 0, dialing: false }
      if (id !== undefined) this.byPeer.set(id, target)
      this.pinned.push(target)
      this.schedule(target, 0)
    }
  }

  stop (): void {
    this.running = false
    this.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const target of [...this.byPeer.values(), ...this.pinned]) clearTimeout(target.timer)
    this.byPeer.clear()
    this.pinned.length = 0
  }

  /** Every peer being kept connected: `--peer` addresses first, then discovered peers. */
  state (): DialState[] {
    const targets = new Set([...this.pinned, ...this.byPeer.values()])
    return [...targets].map(t => ({
      target: (t.addr ?? t.peerId)?.toString() ?? '',
      connected: this.connected(t),
      failures: t.failures,
      ...(t.lastError === undefined ? {} : { lastError: t.lastError })
    }))
  }

  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    this.discovered(evt.detail.id)
  }

  /** Keeps a peer found by mDNS or learnt from the registry connected (its addresses are in the peer store). */
  discovered (id: PeerId): void {
    if (id.equals(this.libp2p.peerId)) return
    const key = id.toString()
    let target = this.byPeer.get(key)
    if (target === undefined) {
      target = { peerId: id, failures: 0, dialing: false }
      this.byPeer.set(key, target)
    }
    this.schedule(target, 0)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const target = this.byPeer.get(evt.detail.toString())
    if (target !== undefined) this.schedule(target, backoffDelay(target.failures + 1))
  }

  private connected (target: Target): boolean {
    return target.peerId !== undefined && this.libp2p.getConnections(target.peerId).length > 0
  }

  private schedule (target: Target, delay: number): void {
    if (!this.running || target.dialing || target.timer !== undefined) return
    target.timer = setTimeout(() => {
      target.timer = undefined
      void this.attempt(target)
    }, delay)
  }

  private async attempt (target: Target): Promise<void> {
    const what = target.addr ?? target.peerId
    if (!this.running || what === undefined || this.connected(target)) {
      target.failures = 0
      return
    }
    target.dialing = true
    let failed = false
    try {
      const connection = await this.libp2p.dial(what, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      target.failures = 0
      target.lastError = undefined
      if (target.peerId === undefined) {
        target.peerId = connection.remotePeer
        this.byPeer.set(connection.remotePeer.toString(), target)
      }
      this.log('connected to %s', what.toString())
    } catch (err) {
      failed = true
      target.failures++
      target.lastError = (err as Error).message
      this.log('dial %s failed (%d in a row): %s', what.toString(), target.failures, target.lastError)
    } finally {
      target.dialing = false
    }
    if (!failed) return
    if (target.addr === undefined && target.failures >= DISCOVERED_MAX_FAILURES) {
      // A discovered peer that keeps failing is forgotten until mDNS finds it again.
      if (target.peerId !== undefined) this.byPeer.delete(target.peerId.toString())
      return
    }
    this.schedule(target, backoffDelay(target.failures))
  }
}
