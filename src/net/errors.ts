import { LanchatError } from '../errors.js'

import type { PnetErrorCode } from './pnet/errors.js'

/** Codes of the network layer, the private-network gate's among them. */
export type NetErrorCode = 'WEAK_PASSPHRASE' | 'LISTEN_FAILED' | PnetErrorCode

/** The passphrase is empty or too short to gate a network. */
export class WeakPassphraseError extends LanchatError<'WEAK_PASSPHRASE'> {
  constructor (message: string) {
    super('WEAK_PASSPHRASE', message)
  }
}

/** A listen address could not be bound (in use, not local, no permission). */
export class ListenError extends LanchatError<'LISTEN_FAILED'> {
  constructor (message: string, options?: ErrorOptions) {
    super('LISTEN_FAILED', message, options)
  }
}
