import { AbstractMultiaddrConnection } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { XSalsa20Stream } from './cipher.js'
import { SEND_PIECE_LENGTH } from './constants.js'
import type { AbortOptions, Logger, MultiaddrConnection } from '@libp2p/interface'
import type { SendResult } from '@libp2p/utils'

export interface PnetStreamInit {
  /** The transport's connection, its nonces already exchanged. */
  maConn: MultiaddrConnection
  localNonce: Uint8Array
  remoteNonce: Uint8Array
  /** The decoded 32-byte pre-shared key. */
  psk: Uint8Array
  log: Logger
}

/**
 * The connection after the nonce exchange: what is sent is XORed with the
 * keystream of our nonce, what arrives with the keystream of the peer's.
 * Drain, pause, resume, close and reset pass through to the transport as in
 * @libp2p/pnet's BoxMessageStream; what differs is the cipher (per
 * connection, no shared WASM memory) and that a cipher error ends this
 * connection instead of escaping from an event listener.
 */
export class PnetMessageStream extends AbstractMultiaddrConnection {
  private readonly maConn: MultiaddrConnection
  private readonly inbound: XSalsa20Stream
  private readonly outbound: XSalsa20Stream

  constructor (init: PnetStreamInit) {
    super({
      log: init.log,
      remoteAddr: init.maConn.remoteAddr,
      direction: init.maConn.direction
    })
    this.maConn = init.maConn
    this.inbound = new XSalsa20Stream(init.psk, init.remoteNonce)
    this.outbound = new XSalsa20Stream(init.psk, init.localNonce)

    // What arrives is decrypted in place where it can be: the transport
    // hands each received buffer over (TCP: a new Buffer per socket read),
    // and after this listener the ciphertext is of no use to anyone.
    this.maConn.addEventListener('message', evt => {
      try {
        const data = evt.data
        if (data instanceof Uint8Array) {
          this.onData(this.inbound.xorOwned(data))
        } else {
          for (const buf of data) this.onData(this.inbound.xorOwned(buf))
        }
      } catch (err) {
        this.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
    // resume sending when the underlying connection can accept more data
    this.maConn.addEventListener('drain', () => {
      this.onMuxerDrain()
    })
    this.maConn.addEventListener('close', evt => {
      if (evt.error != null) {
        if (evt.local) {
          this.abort(evt.error)
        } else {
          this.onRemoteReset()
        }
      } else {
        this.onTransportClosed()
      }
    })
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    await this.maConn.close(options)
  }

  sendData (data: Uint8ArrayList): SendResult {
    const length = data.byteLength
    let encrypted: Uint8Array | Uint8ArrayList
    if (length <= SEND_PIECE_LENGTH) {
      encrypted = this.encrypt(data, 0, length)
    } else {
      encrypted = new Uint8ArrayList()
      for (let start = 0; start < length; start += SEND_PIECE_LENGTH) {
        encrypted.append(this.encrypt(data, start, Math.min(start + SEND_PIECE_LENGTH, length)))
      }
    }
    return {
      sentBytes: length,
      canSendMore: this.maConn.send(encrypted)
    }
  }

  sendReset (err: Error): void {
    this.maConn.abort(err)
  }

  sendPause (): void {
    this.maConn.pause()
  }

  sendResume (): void {
    this.maConn.resume()
  }

  /**
   * Bytes [start, end) of `data`, encrypted into a new buffer of that size.
   * The caller's buffers are left as they are (the layer above may still
   * hold them).
   */
  private encrypt (data: Uint8ArrayList, start: number, end: number): Uint8Array {
    const bufs = [...data.sublist(start, end)]
    return bufs.length === 1 ? this.outbound.xor(bufs[0] as Uint8Array) : this.outbound.xorAll(bufs, end - start)
  }
}
