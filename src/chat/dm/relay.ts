import { ACK, BUNDLE_STATUS, DEPOSIT, FETCH, FETCH_BUNDLE, PUBLISH_BUNDLE, RELAY } from '../../services/relay/spec.js'
import type { Rpc } from '../../services/index.js'
import type { DmRelay } from './index.js'

/**
 * The relay's calls over the node's Rpc, as the logged-in user (its identity
 * token read at each call, as it is renewed), aborted by `signal`.
 */
export function relayClient (rpc: Rpc, account: { identityToken: () => string }, signal: AbortSignal): DmRelay {
  const as = (): { identityToken: string, signal: AbortSignal } => ({ identityToken: account.identityToken(), signal })
  return {
    deposit: async mail => { await rpc.call(RELAY, DEPOSIT, mail, as()) },
    fetch: async query => rpc.call(RELAY, FETCH, query, as()),
    ack: async ids => { await rpc.call(RELAY, ACK, { ids }, as()) },
    fetchBundle: async username => (await rpc.call(RELAY, FETCH_BUNDLE, { username }, as())).bundle,
    bundleStatus: async () => rpc.call(RELAY, BUNDLE_STATUS, {}, as()),
    publishBundle: async bundle => { await rpc.call(RELAY, PUBLISH_BUNDLE, bundle, as()) }
  }
}
