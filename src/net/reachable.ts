/**
 * Which addresses a node named in a registry announcement are worth dialling,
 * and how often (issue 15: one announcement must not make every node connect
 * to whatever listens at an address it names). Only TCP addresses with a
 * concrete host: no unspecified, multicast or broadcast address, and loopback
 * only for a node that listens on loopback itself (processes of one machine).
 * Each address is dialled at most once per ADDRESS_REDIAL_MS, whichever peer
 * names it, and while its dials fail, half as often each time (up to
 * ADDRESS_REDIAL_MAX_MS): a node that is there gets connected to, one
 * that never answers costs a handful of attempts an hour.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'

/** An address named in announcements is dialled at most this often... */
export const ADDRESS_REDIAL_MS = 15_000
/** ...doubling while its dials fail, up to this. */
export const ADDRESS_REDIAL_MAX_MS = 15 * 60_000
/** At most this many addresses of one announcement are tried. */
export const MAX_LEARNT_ADDRS = 4
/** Addresses remembered for the rate limit (the oldest forgotten first). */
const MAX_REMEMBERED = 4096

const UNROUTABLE_V4 = [/^0\./, /^22[4-9]\./, /^23\d\./, /^2[4-5]\d\./]

function hostOf (ma: Multiaddr): { family: 4 | 6, host: string } | undefined {
  const parts = ma.getComponents()
  const ip = parts[0]
  if (ip === undefined || parts[1]?.name !== 'tcp' || ip.value === undefined) return undefined
  if (ip.name === 'ip4') return { family: 4, host: ip.value }
  if (ip.name === 'ip6') return { family: 6, host: ip.value.toLowerCase() }
  return undefined
}

function isLoopback (h: { family: 4 | 6, host: string }): boolean {
  return h.family === 4 ? h.host.startsWith('127.') : h.host === '::1'
}

/** Whether an address can be a node of this network to dial, for a node listening on `own`. */
export function plausible (addr: string, own: readonly string[]): boolean {
  let h
  try {
    h = hostOf(multiaddr(addr))
  } catch {
    return false
  }
  if (h === undefined) return false
  if (h.family === 4 && (UNROUTABLE_V4.some(r => r.test(h.host)) || h.host === '255.255.255.255')) return false
  if (h.family === 6 && (h.host === '::' || h.host.startsWith('ff'))) return false
  if (isLoopback(h)) {
    return own.some(o => {
      try {
        const mine = hostOf(multiaddr(o))
        return mine !== undefined && isLoopback(mine)
      } catch {
        return false
      }
    })
  }
  return true
}

interface Turn {
  /** Not dialled again before this */
  next: number
  /** Failed dials in a row */
  failures: number
}

/** When each address may be dialled next: once per ADDRESS_REDIAL_MS, backing off while dials fail. */
export class AddressBudget {
  private readonly turns = new Map<string, Turn>()

  constructor (private readonly clock: () => number = Date.now) {}

  /** Takes the address's turn: true when it may be dialled now (the caller then reports how it went). */
  take (addr: string): boolean {
    const now = this.clock()
    const turn = this.turns.get(addr) ?? { next: 0, failures: 0 }
    if (now < turn.next) return false
    this.turns.delete(addr)
    this.turns.set(addr, { next: now + this.delay(turn.failures), failures: turn.failures })
    if (this.turns.size > MAX_REMEMBERED) this.turns.delete(this.turns.keys().next().value!)
    return true
  }

  /** The dial of an address taken just now failed: its next turn comes later. */
  failed (addr: string): void {
    const turn = this.turns.get(addr)
    if (turn === undefined) return
    turn.failures++
    turn.next = this.clock() + this.delay(turn.failures)
  }

  /** The dial succeeded: back to the normal pace. */
  succeeded (addr: string): void {
    const turn = this.turns.get(addr)
    if (turn === undefined) return
    turn.failures = 0
    turn.next = this.clock() + ADDRESS_REDIAL_MS
  }

  private delay (failures: number): number {
    return Math.min(ADDRESS_REDIAL_MAX_MS, ADDRESS_REDIAL_MS * 2 ** failures)
  }
}
