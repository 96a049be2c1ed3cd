/**
 * Constants of the private-network gate. The wire format is @libp2p/pnet's
 * (and go-libp2p's pnet): each side sends a random 24-byte nonce, then every
 * byte in each direction is XORed with the XSalsa20 keystream of
 * (pre-shared key, the sender's nonce).
 *
 * Specifications cited:
 * - [XSalsa20] D. J. Bernstein, "Extending the Salsa20 nonce", 2011-02-04
 *   (https://cr.yp.to/snuffle/xsalsa-20110204.pdf).
 * - [Salsa20] D. J. Bernstein, "Salsa20 specification", 2005-04-27
 *   (https://cr.yp.to/snuffle/spec.pdf).
 * - [PSK] libp2p, "Pre-shared Key Based Private Networks in libp2p", r0,
 *   2017-02-17 (https://github.com/libp2p/specs/blob/master/pnet/Private-Networks-PSK-V1.md).
 */

/** XSalsa20 key length: the decoded pre-shared key ([PSK] "Interface": exactly 256 bits). */
export const KEY_LENGTH = 32

/** XSalsa20 nonce length: what each side sends first ([PSK] "Algorithm"). */
export const NONCE_LENGTH = 24

/** Salsa20 produces its keystream in 64-byte blocks, one per counter value ([Salsa20] §10). */
export const BLOCK_LENGTH = 64

/**
 * Keystream blocks one direction of one connection may use. [PSK] counts on
 * Salsa20's 64-bit block counter, but @noble/ciphers exposes only its low 32
 * bits and refuses block 2^32 - 1, so here a direction carries at most
 * (2^32 - 1) * 64 bytes, just under 256 GiB. Past that the connection is
 * ended (KeystreamExhaustedError) rather than reusing keystream, and libp2p
 * redials with fresh nonces. A pnet peer would have gone on; nothing else
 * on the wire differs.
 */
export const MAX_BLOCKS = 2 ** 32 - 1

/** The nonce exchange gives up after this long when the caller passes no signal (@libp2p/pnet's default). */
export const HANDSHAKE_TIMEOUT_MS = 1_000

/** First line of a v1 swarm key file ([PSK] "Interface"). */
export const PSK_V1_HEADER = '/key/swarm/psk/1.0.0/'

/** Second line: the key's encoding. @libp2p/pnet reads base16 only, and so do we. */
export const PSK_BASE16_CODEC = '/base16/'

/**
 * Outgoing bytes are encrypted and handed to the socket in pieces of at most
 * this many bytes: small frames (noise's 2-byte length prefixes, yamux
 * headers) are coalesced into one write, and a large send never needs one
 * allocation as large as itself.
 */
export const SEND_PIECE_LENGTH = 64 * 1024
