import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { preSharedKey } from './pnet/index.js'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { TypedEventEmitter } from 'main-event'
import { createLogger } from '../logger.js'
import { DIAL_TIMEOUT_MS, MDNS_OWN_QUERY_INTERVAL_MS } from './constants.js'
import { AddressBudget, MAX_LEARNT_ADDRS, plausible } from './reachable.js'
import { Dialer } from './dialer.js'
import { LanSurvey } from './lan-survey.js'
import type { ForeignNetworks } from './lan-survey.js'
import type { DialState } from './dialer.js'
import { ListenError } from './errors.js'
import { loadOrCreateNodeKey } from './node-key.js'
import type { NetworkKeys } from './network-key.js'
import type { Store } from '../../store/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

export type PeerIdStr = string

export interface NetworkInit {
  keys: NetworkKeys
  /** Multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/7420 */
  listen: string[]
  /** `--peer` multiaddrs, dialled at start and redialled after loss */
  peers: string[]
  /** Discover peers with mDNS (off in tests on the host's own network) */
  mdns: boolean
}

export interface NetworkComponents {
  store: Store
}

export interface NetworkEvents {
  'peer:connected': CustomEvent<PeerIdStr>
  'peer:disconnected': CustomEvent<PeerIdStr>
  /** Nodes of other lanchat networks (another passphrase or name) heard on the LAN by mDNS: their count changed */
  'foreign': CustomEvent<ForeignNetworks>
}

export type LanchatLibp2p = Libp2p<{ identify: Identify, ping: Ping, pubsub: GossipSub }>

/**
 * The node's place on the LAN: libp2p over TCP, gated by the network's
 * pre-shared key (pnet), encrypted with noise, multiplexed with yamux, peers
 * found by mDNS under a tag derived from the network key, and gossipsub for
 * the registry, the lobby and groups.
 */
export class Network extends TypedEventEmitter<NetworkEvents> {
  private readonly init: NetworkInit
  private readonly components: NetworkComponents
  private readonly log = createLogger('net')
  private node?: LanchatLibp2p
  private dialer?: Dialer
  private key?: PrivateKey
  /** Addresses learnt from announcements: when each may be dialled next (src/net/reachable.ts) */
  private readonly budget = new AddressBudget()
  /** Other networks' mDNS answers, counted (with mDNS on) */
  private survey?: LanSurvey

  constructor (components: NetworkComponents, init: NetworkInit) {
    super()
    this.components = components
    this.init = init
  }

  /** The running libp2p node; other modules register protocols and topics on it. */
  get libp2p (): LanchatLibp2p {
    if (this.node === undefined) throw new Error('the network is not started')
    return this.node
  }

  /** The node's libp2p key: it signs this node's registry announcements. */
  get privateKey (): PrivateKey {
    if (this.key === undefined) throw new Error('the network is not started')
    return this.key
  }

  get peerId (): PeerIdStr {
    return this.libp2p.peerId.toString()
  }

  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  /** Peers with at least one open connection, sorted. */
  connectedPeers (): PeerIdStr[] {
    return this.libp2p.getPeers().map(p => p.toString()).sort()
  }

  /** The dialer's view of the peers it keeps connected to. */
  dialState (): DialState[] {
    return this.dialer?.state() ?? []
  }

  /**
   * A peer learnt of indirectly (from a registry announcement): its addresses
   * are dialled, so the network heals across subnets multicast does not
   * cross; only plausible ones, each at its own pace whoever names it
   * (src/net/reachable.ts: every 15 s at most, backing off while it fails),
   * and never kept for retries: the next announcement asks again.
   */
  learnPeer (peerId: PeerId, addrs: string[]): void {
    const node = this.node
    if (node === undefined || node.getConnections(peerId).length > 0) return
    const own = this.addresses()
    const id = peerId.toString()
    // Only addresses of that node: one naming another peer id is not its own.
    const worth = addrs.filter(a => plausible(a, own) && (!a.includes('/p2p/') || a.endsWith(`/p2p/${id}`))).slice(0, MAX_LEARNT_ADDRS)
    for (const addr of worth) {
      if (!this.budget.take(addr)) continue
      const target = addr.includes('/p2p/') ? multiaddr(addr) : multiaddr(addr).encapsulate(`/p2p/${id}`)
      node.dial(target, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).then(() => { this.budget.succeeded(addr) }, (err: Error) => {
        this.budget.failed(addr)
        this.log('dialling %s, learnt from an announcement, failed: %s', addr, err.message)
      })
    }
  }

  async start (): Promise<void> {
    const peerAddrs = this.init.peers.map(a => multiaddr(a))
    const privateKey = await loadOrCreateNodeKey(this.components.store.sublevel('node', 'bytes'))
    this.key = privateKey
    const node = await createLibp2p({
      start: false,
      privateKey,
      addresses: { listen: this.init.listen },
      transports: [tcp()],
      connectionProtector: preSharedKey({ psk: this.init.keys.psk }),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        // Every lanchat process of this machine connects from the loopback
        // address: the per-host limit on new inbound connections (5 a second)
        // refused them when they all came back at once, and it guards nothing
        // against a process that already runs here.
        allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']
      },
      peerDiscovery: this.init.mdns
        // Its own query at start; later queries are shared by the LAN (lan-survey.ts) and their answers reach it.
        ? [mdns({ serviceTag: this.init.keys.mdnsServiceTag, interval: MDNS_OWN_QUERY_INTERVAL_MS })]
        : [],
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          // A lone node still publishes (registry announcements, lobby) without an error.
          allowPublishToZeroTopicPeers: true,
          emitSelf: false,
          // gossipsub scores down peers that share an IP address beyond 10 (a defence against one host running
          // many identities on the open internet): from the 13th node on one machine, or behind one NAT, a new node
          // was scored below the gossip threshold, then graylisted, and never heard the registry (issue 16). Every
          // peer here already knows the network's key, and a passphrase holder can run many nodes anyway.
          scoreParams: { IPColocationFactorWeight: 0 },
          // A smaller mesh than gossipsub's defaults (6, 4-12), sized for a LAN where every node is connected to
          // every other: each message still reaches all in a few sub-millisecond hops, and the gossip to 6 more
          // peers (IHAVE) repairs a loss. Every node forwards each registry announcement to its mesh peers, so the
          // degree multiplies the idle traffic: at 20 nodes 40 % less (docs/hardening.md, "The scale check").
          D: 4,
          Dlo: 3,
          Dhi: 6,
          Dscore: 2
        })
      }
    })
    node.addEventListener('peer:connect', evt => {
      this.log('peer connected %p', evt.detail)
      this.safeDispatch('peer:connected', evt.detail)
    })
    node.addEventListener('peer:disconnect', evt => {
      this.log('peer disconnected %p', evt.detail)
      this.safeDispatch('peer:disconnected', evt.detail)
    })
    try {
      await node.start()
    } catch (err) {
      try { await node.stop() } catch {}
      throw new ListenError(listenErrorMessage(err, this.init.listen), { cause: err })
    }
    this.node = node
    this.dialer = new Dialer({ libp2p: node, log: this.log })
    this.dialer.start(peerAddrs)
    if (this.init.mdns) {
      this.survey = new LanSurvey({
        serviceTag: this.init.keys.mdnsServiceTag,
        lonely: () => node.getPeers().length === 0
      })
      this.survey.addEventListener('foreign', evt => { this.dispatchEvent(new CustomEvent('foreign', { detail: evt.detail })) })
      this.survey.start()
    }
  }

  /** Nodes of other lanchat networks heard on the LAN lately (none without mDNS). */
  foreign (): ForeignNetworks {
    return this.survey?.state() ?? { nodes: 0, networks: 0 }
  }

  async stop (): Promise<void> {
    this.survey?.stop()
    this.dialer?.stop()
    await this.node?.stop()
  }

  private safeDispatch (type: keyof NetworkEvents, peer: PeerId): void {
    this.dispatchEvent(new CustomEvent(type, { detail: peer.toString() }))
  }
}

function listenErrorMessage (err: unknown, listen: string[]): string {
  const text = err instanceof Error ? err.message : String(err)
  if (/EADDRINUSE/.test(text)) return `cannot listen on ${listen.join(', ')}: the port is already in use (choose another with --port or --listen)`
  if (/EADDRNOTAVAIL/.test(text)) return `cannot listen on ${listen.join(', ')}: the address is not on this machine`
  if (/EACCES/.test(text)) return `cannot listen on ${listen.join(', ')}: permission denied (ports below 1024 need root)`
  return `cannot listen on ${listen.join(', ')}: ${text}`
}
