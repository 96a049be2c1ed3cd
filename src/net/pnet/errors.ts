import { LanchatError } from '../../errors.js'

export type PnetErrorCode =
  | 'INVALID_PSK'
  | 'KEYSTREAM_EXHAUSTED'

/** An error of the private-network gate; `code` says which (part of the network layer's NetErrorCode). */
export class PnetError extends LanchatError<PnetErrorCode> {
  constructor (code: PnetErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options)
  }
}

/** The pre-shared key is not a v1 swarm key file (code INVALID_PSK). */
export class InvalidPskError extends PnetError {
  constructor (message: string) {
    super('INVALID_PSK', `psk: ${message} (a swarm key file is three lines: /key/swarm/psk/1.0.0/, /base16/, then the 32-byte key as 64 hex digits)`)
  }
}

/**
 * One direction of a connection has used all the keystream it may (code
 * KEYSTREAM_EXHAUSTED, see MAX_BLOCKS): the connection is ended instead of
 * reusing keystream, and a new connection starts over with fresh nonces.
 */
export class KeystreamExhaustedError extends PnetError {
  constructor () {
    super('KEYSTREAM_EXHAUSTED', 'this connection has carried the most bytes XSalsa20 may encrypt under one nonce here (256 GiB in one direction); it is closed and a new connection will be made')
  }
}
