/**
 * lanchat's private-network gate: a libp2p connection protector with
 * @libp2p/pnet's wire format (a 24-byte nonce from each side, then XSalsa20
 * under the pre-shared key in each direction) and its API, on the XSalsa20 of
 * @noble/ciphers instead of the `xsalsa20` package. That package's WASM
 * shares one memory among all ciphers of the process: after one update
 * larger than ~640 KiB, updates alternating between two ciphers grow it
 * until `WebAssembly.Memory.grow()` throws and the node crashes, and slots
 * are never given back. Here each direction of a connection holds a few
 * hundred bytes of state, freed with the connection. docs/protocol.md.
 */
import { HANDSHAKE_TIMEOUT_MS } from './constants.js'
import { PreSharedKeyConnectionProtector } from './protector.js'
import { decodePsk } from './psk.js'
import type { ComponentLogger, ConnectionProtector } from '@libp2p/interface'

export interface ProtectorInit {
  /**
   * The swarm key file: /key/swarm/psk/1.0.0/, /base16/, 64 hex digits
   * (src/net/network-key.ts formatSwarmKey). Every peer of the network has
   * the same one.
   */
  psk: Uint8Array
  /**
   * The nonce exchange must complete within this many milliseconds when the
   * caller passes no abort signal of its own.
   *
   * @default 1000 (HANDSHAKE_TIMEOUT_MS)
   */
  timeout?: number
}

/** @libp2p/pnet's components type; the protector needs none of them. */
export interface ProtectorComponents {
  logger: ComponentLogger
}

/**
 * The `connectionProtector` of a libp2p node, as @libp2p/pnet's
 * preSharedKey(). The key file is checked here, so a bad one fails before
 * the node is created (InvalidPskError).
 */
export function preSharedKey (init: ProtectorInit): () => ConnectionProtector {
  const psk = decodePsk(init.psk)
  const timeout = init.timeout ?? HANDSHAKE_TIMEOUT_MS
  if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError('timeout: expected a positive number of milliseconds')
  return () => new PreSharedKeyConnectionProtector(psk, timeout)
}

export { decodePsk } from './psk.js'
export { PnetError, InvalidPskError, KeystreamExhaustedError } from './errors.js'
export type { PnetErrorCode } from './errors.js'
export * from './constants.js'
