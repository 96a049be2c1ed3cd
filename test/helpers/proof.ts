/**
 * A service call's context as a real caller's node makes it: the identity
 * token, and the proof of the key (a signature by the user's identity key
 * over this very request from this node), for tests that call a service's
 * handlers directly.
 */
import { sign } from '../../src/crypto/index.js'
import { proofTranscript } from '../../src/services/rpc.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { CallContext } from '../../src/services/rpc.js'

export interface Caller {
  remotePeer: string
  identityToken: string
  identity?: IdentityKeyPair
}

export function callContext (networkId: string, protocol: string, method: string, body: Uint8Array, caller: Caller): CallContext {
  const proofOf = proofTranscript(networkId, protocol, method, body, caller.remotePeer)
  return {
    remotePeer: caller.remotePeer,
    identityToken: caller.identityToken,
    authorizationToken: '',
    proofOf,
    proof: caller.identity === undefined ? new Uint8Array() : sign(caller.identity, proofOf)
  }
}
