/**
 * Which addresses a node named in a registry announcement are worth dialling,
 * and how often (issue 15: one announcement must not make every node connect
 * to whatever listens at an address it names). Only TCP addresses with a
 * concrete host: no unspecified, multicast or broadcast address, and loopback
 * only for a node that listens on loopback itself (processes of one machine).
 * Each address is dialled at most once a minute, whichever peer names it.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'

/** An address named in announcements is dialled at most this often. */
export const ADDRESS_REDIAL_MS = 60_000
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

/** Remembers when each address was last dialled, so none is dialled more than once per ADDRESS_REDIAL_MS. */
export class AddressBudget {
  private readonly last = new Map<string, number>()

  constructor (private readonly clock: () => number = Date.now) {}

  /** Takes the address's turn: true when it may be dialled now. */
  take (addr: string): boolean {
    const now = this.clock()
    const at = this.last.get(addr)
    if (at !== undefined && now - at < ADDRESS_REDIAL_MS) return false
    this.last.delete(addr)
    this.last.set(addr, now)
    if (this.last.size > MAX_REMEMBERED) this.last.delete(this.last.keys().next().value!)
    return true
  }
}
