import { LanchatError } from '../errors.js'

/** The passphrase is empty or too short to gate a network. */
export class WeakPassphraseError extends LanchatError {
  constructor (message: string) {
    super('WEAK_PASSPHRASE', message)
  }
}

/** A listen address could not be bound (in use, not local, no permission). */
export class ListenError extends LanchatError {
  constructor (message: string, options?: ErrorOptions) {
    super('LISTEN_FAILED', message, options)
  }
}
