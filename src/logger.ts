import { logger as libp2pLogger } from '@libp2p/logger'
import type { Logger } from '@libp2p/interface'

export type { Logger }

/**
 * The one logger of lanchat, namespaced per component (`lanchat:ratchet`).
 * It is libp2p's own debug logger: output goes to stderr and is enabled with
 * DEBUG=lanchat:* (or DEBUG=lanchat:*,libp2p:* for the network stack too).
 */
export function createLogger (component: string): Logger {
  return libp2pLogger(`lanchat:${component}`)
}
