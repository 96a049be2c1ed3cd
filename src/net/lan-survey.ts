/**
 * The node's mDNS socket of its own, for two things libp2p's mDNS does not do.
 *
 * Queries shared by the LAN. Every node of a network answers a query for the
 * network's service tag (derived from the network key, src/net/network-key.ts)
 * to the whole LAN, so one query lets every node see every other: with each
 * of N nodes asking every couple of seconds, as libp2p's mDNS does, a node
 * took in N x N answers per interval (issue 16's scale check: 5.5 MB a minute
 * per node idle at 10 hosts). Here a node asks only when nobody asked within
 * the interval (RFC 6762 §7.3, duplicate question suppression), at a jittered
 * time, and every couple of seconds while it has no peer at all: about one
 * query per interval for the whole LAN, N answers. libp2p's mDNS takes in the
 * answers to anyone's query and keeps only its own query at start (and
 * one every MDNS_OWN_QUERY_INTERVAL_MS).
 *
 * Other lanchat networks on this LAN, seen without joining them: a node that
 * listens to the answers learns how many nodes of other lanchat networks are
 * around (their tags are all it sees: no address is dialled, nothing is
 * joined). A node alone with "0 peers" beside several such nodes was most
 * likely started with a mistyped passphrase or another network name; the
 * node says so.
 */
import multicastDNS from 'multicast-dns'
import { TypedEventEmitter } from 'main-event'
import { createLogger } from '../logger.js'
import { FOREIGN_WINDOW_MS, MDNS_LONELY_QUERY_INTERVAL_MS, MDNS_QUERY_INTERVAL_MS } from './constants.js'
import type { MulticastDNS, QueryPacket, ResponsePacket } from 'multicast-dns'

/** What the survey saw lately. */
export interface ForeignNetworks {
  /** Nodes of other lanchat networks heard within the window */
  nodes: number
  /** How many other networks they belong to */
  networks: number
}

export interface LanSurveyEvents {
  /** The count of other networks' nodes changed */
  'foreign': CustomEvent<ForeignNetworks>
}

export interface LanSurveyInit {
  /** This network's own service tag (its answers are not counted) */
  serviceTag: string
  /** A node counts while heard within this (default FOREIGN_WINDOW_MS) */
  windowMs?: number
  /** The LAN is asked for this network's nodes about this often, by whoever's turn comes first (default MDNS_QUERY_INTERVAL_MS) */
  queryIntervalMs?: number
  /** ...and this often while this node has no peer (default MDNS_LONELY_QUERY_INTERVAL_MS) */
  lonelyQueryIntervalMs?: number
  /** Whether this node has no peer now */
  lonely?: () => boolean
  clock?: () => number
}

const TAG = /^_lanchat-[0-9a-f]{12}\._udp\.local$/
/** Other networks' nodes remembered at once: answers naming more (a flood from one host) are not counted. */
export const MAX_FOREIGN_NODES = 1_000

export class LanSurvey extends TypedEventEmitter<LanSurveyEvents> {
  private mdns?: MulticastDNS
  private timer?: ReturnType<typeof setInterval>
  private queryTimer?: ReturnType<typeof setTimeout>
  /** When a query for this network's tag was last heard on the LAN (this node's own included) */
  private lastQuery = 0
  /** Queries this node sent (tests) */
  queriesSent = 0
  /** tag -> node name -> last heard */
  private readonly heard = new Map<string, Map<string, number>>()
  private last: ForeignNetworks = { nodes: 0, networks: 0 }
  private readonly windowMs: number
  private readonly clock: () => number
  private readonly log = createLogger('net:survey')

  constructor (private readonly init: LanSurveyInit) {
    super()
    this.windowMs = init.windowMs ?? FOREIGN_WINDOW_MS
    this.clock = init.clock ?? Date.now
  }

  start (): void {
    // A socket of its own on 5353 (shared with libp2p's, reuseAddr).
    this.mdns = multicastDNS()
    this.mdns.on('response', this.onResponse)
    this.mdns.on('query', this.onQuery)
    this.mdns.on('error', (err: Error) => { this.log('mdns error: %s', err.message) })
    this.timer = setInterval(() => { this.update() }, 2_000)
    this.timer.unref?.()
    // libp2p's mDNS asked as it started.
    this.lastQuery = this.clock()
    this.scheduleQuery()
  }

  stop (): void {
    clearInterval(this.timer)
    clearTimeout(this.queryTimer)
    this.queryTimer = undefined
    this.mdns?.removeListener('response', this.onResponse)
    this.mdns?.removeListener('query', this.onQuery)
    this.mdns?.destroy()
    this.mdns = undefined
  }

  /** Takes in one mDNS query (the handler of the socket; public for tests). */
  readonly onQuery = (packet: QueryPacket): void => {
    if ((packet.questions ?? []).some(q => q.name === this.init.serviceTag && q.type === 'PTR')) this.lastQuery = this.clock()
  }

  /** Asks the LAN now, unless someone did within the interval: what the query timer does when it fires. */
  askIfDue (): boolean {
    const interval = this.interval()
    // A query heard within the last three quarters of an interval stands for this node's own (RFC 6762 §7.3).
    if (this.clock() - this.lastQuery < interval * 0.75) return false
    this.lastQuery = this.clock()
    this.queriesSent++
    this.mdns?.query({ questions: [{ name: this.init.serviceTag, type: 'PTR' }] })
    return true
  }

  private interval (): number {
    return this.init.lonely?.() === true ? (this.init.lonelyQueryIntervalMs ?? MDNS_LONELY_QUERY_INTERVAL_MS) : (this.init.queryIntervalMs ?? MDNS_QUERY_INTERVAL_MS)
  }

  private scheduleQuery (): void {
    if (this.mdns === undefined) return
    // Jittered over the interval's second half, so the nodes of a LAN do not all come due at once.
    const interval = this.interval()
    this.queryTimer = setTimeout(() => {
      this.askIfDue()
      this.scheduleQuery()
    }, interval * (0.5 + Math.random() * 0.5))
    this.queryTimer.unref?.()
  }

  /** Nodes of other networks heard lately. */
  state (): ForeignNetworks {
    return { ...this.last }
  }

  /** Takes in one mDNS answer (the handler of the socket; public for tests). */
  readonly onResponse = (packet: ResponsePacket): void => {
    for (const answer of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
      if (answer.type !== 'PTR' || typeof answer.data !== 'string' || !TAG.test(answer.name) || answer.name === this.init.serviceTag) continue
      const name = answer.data.slice(0, 128)
      let nodes = this.heard.get(answer.name)
      if (nodes?.has(name) !== true && this.remembered() >= MAX_FOREIGN_NODES) continue
      if (nodes === undefined) {
        nodes = new Map()
        this.heard.set(answer.name, nodes)
      }
      nodes.set(name, this.clock())
    }
    this.update()
  }

  private remembered (): number {
    let n = 0
    for (const seen of this.heard.values()) n += seen.size
    return n
  }

  private update (): void {
    const now = this.clock()
    let nodes = 0
    for (const [tag, seen] of this.heard) {
      for (const [name, at] of seen) if (now - at > this.windowMs) seen.delete(name)
      if (seen.size === 0) this.heard.delete(tag)
      nodes += seen.size
    }
    const next = { nodes, networks: this.heard.size }
    if (next.nodes === this.last.nodes && next.networks === this.last.networks) return
    this.last = next
    this.log('%d nodes of %d other lanchat networks on this LAN', next.nodes, next.networks)
    this.dispatchEvent(new CustomEvent('foreign', { detail: next }))
  }
}

/** What a person is told about them. */
export function foreignMessage (f: ForeignNetworks): string {
  const nodes = `${f.nodes} lanchat node${f.nodes === 1 ? '' : 's'}`
  const of = f.networks > 1 ? `of ${f.networks} other networks` : 'of another network'
  return `${nodes} ${of} ${f.nodes === 1 ? 'is' : 'are'} on this LAN: is the passphrase or the network name different?`
}
