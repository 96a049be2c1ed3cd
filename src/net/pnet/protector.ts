import { InvalidParametersError } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'
import { HANDSHAKE_TIMEOUT_MS, NONCE_LENGTH } from './constants.js'
import { PnetMessageStream } from './stream.js'
import type { AbortOptions, ConnectionProtector, MultiaddrConnection } from '@libp2p/interface'

/**
 * Wraps each new transport connection: both sides send a random nonce, then
 * everything is XSalsa20-encrypted under the pre-shared key. A peer without
 * the key completes this exchange, but what follows (the noise handshake)
 * decrypts to noise and the connection fails there.
 */
export class PreSharedKeyConnectionProtector implements ConnectionProtector {
  readonly [Symbol.toStringTag] = 'lanchat:pnet'
  private readonly psk: Uint8Array
  private readonly timeout: number

  /** @param psk - the decoded 32-byte key */
  constructor (psk: Uint8Array, timeout: number = HANDSHAKE_TIMEOUT_MS) {
    this.psk = psk
    this.timeout = timeout
  }

  async protect (connection: MultiaddrConnection, options?: AbortOptions): Promise<MultiaddrConnection> {
    if (connection == null) throw new InvalidParametersError('No connection for the handshake provided')
    const log = connection.log.newScope('pnet')
    log('protecting the connection')
    const localNonce = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH))
    // As @libp2p/pnet: the timeout applies only when the caller passes no
    // options (libp2p's upgrader passes its own, bounded by its upgrade timeout).
    if (options == null) options = { signal: AbortSignal.timeout(this.timeout) }
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: NONCE_LENGTH, ...options }),
      bytes.write(localNonce, options)
    ])
    // Bytes the peer sent after its nonce go back onto the connection (unwrap) for the stream to decrypt.
    const remoteNonce = remote.subarray()
    log('exchanged nonces')
    return new PnetMessageStream({
      localNonce,
      remoteNonce,
      psk: this.psk,
      maConn: bytes.unwrap(),
      log
    })
  }
}
