import { issueIdentityToken } from '../../src/crypto/index.js'
import { roleSigner } from '../../src/services/keys.js'
import type { IdentityKeyPair } from '../../src/crypto/index.js'
import type { LanchatNode } from '../../src/node.js'

export interface MintOptions {
  /** Sign with this key instead of the idp holder's role key (a forgery) */
  signer?: IdentityKeyPair
  /** Issue at this clock (an expired token: 25 h ago) */
  clock?: () => number
  /** Another network's id */
  audience?: string
  /** Issue it to another node */
  peer?: string
}

/**
 * An identity token for the user logged in on `user`, minted as the idp
 * holder `idp` would (with its real role key), or altered as `over` says.
 */
export async function mintIdentityToken (idp: LanchatNode, user: LanchatNode, over: MintOptions = {}): Promise<string> {
  return issueIdentityToken({
    issuer: idp.network.peerId,
    signer: over.signer ?? roleSigner(idp.roles.roleKey('idp')!),
    holderKey: user.user.identity().publicKey,
    username: user.user.username,
    networkId: over.audience ?? user.keys.networkId,
    peerId: over.peer ?? user.network.peerId,
    clock: over.clock
  })
}
