import { hsalsa, salsa20 } from '@noble/ciphers/salsa.js'
import { BLOCK_LENGTH, KEY_LENGTH, MAX_BLOCKS, NONCE_LENGTH } from './constants.js'
import { KeystreamExhaustedError } from './errors.js'

/** "expand 32-byte k", Salsa20's constant for 32-byte keys ([Salsa20] §9). */
const SIGMA = Uint8Array.from('expand 32-byte k', c => c.charCodeAt(0))

/** XORed with the keystream to get the keystream itself; never written. */
const ZERO_BLOCK = new Uint8Array(BLOCK_LENGTH)

/** A 4-byte aligned Uint8Array seen as native-endian words, the form noble's hsalsa takes. */
function words (bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2)
}

/**
 * One direction of XSalsa20 as a stream: successive calls (xor, xorOwned,
 * xorAll) use successive keystream bytes, so a message cut into any chunks
 * encrypts to the same bytes as in one piece (what the `xsalsa20` package's
 * update() did).
 *
 * @noble/ciphers' xsalsa20() is stateless, so the position is kept here:
 * XSalsa20(k, n) is Salsa20 under the subkey HSalsa20(k, n[0..16]) with
 * nonce n[16..24] ([XSalsa20] §2); the subkey is derived once, whole blocks
 * are XORed by noble's salsa20() from block `block` on, and the unused end of
 * a partly used block is kept in `spare` for the next call. The state is a
 * few hundred bytes per direction, whatever passes through; buffers are
 * allocated only for output, at the size of the input.
 */
export class XSalsa20Stream {
  private readonly subkey: Uint8Array
  private readonly nonce: Uint8Array
  /** Counter of the next keystream block not yet generated. */
  private block: number
  /** The keystream of block `block - 1`; bytes before `spareOffset` are used. */
  private readonly spare = new Uint8Array(BLOCK_LENGTH)
  private spareOffset = BLOCK_LENGTH

  /**
   * @param key - the 32-byte pre-shared key
   * @param nonce - the sending side's 24-byte nonce
   * @param startBlock - keystream block to start at (XSalsa20 can seek; 0 on a connection)
   */
  constructor (key: Uint8Array, nonce: Uint8Array, startBlock = 0) {
    if (!(key instanceof Uint8Array) || key.byteLength !== KEY_LENGTH) throw new RangeError(`key: expected ${KEY_LENGTH} bytes`)
    if (!(nonce instanceof Uint8Array) || nonce.byteLength !== NONCE_LENGTH) throw new RangeError(`nonce: expected ${NONCE_LENGTH} bytes`)
    if (!Number.isSafeInteger(startBlock) || startBlock < 0 || startBlock > MAX_BLOCKS) throw new RangeError(`startBlock: expected an integer from 0 to ${MAX_BLOCKS}`)
    // Copies: noble's word views need 4-byte alignment, and the caller keeps its buffers.
    const k = key.slice()
    const subkey = new Uint32Array(8)
    hsalsa(words(SIGMA), words(k), words(nonce.slice(0, 16)), subkey)
    k.fill(0)
    this.subkey = new Uint8Array(subkey.buffer)
    this.nonce = nonce.slice(16)
    this.block = startBlock
  }

  /**
   * XORs the next `input.byteLength` keystream bytes with `input` into
   * `output` and returns it. `output` may be `input` itself (in place) or
   * must not overlap it; without one, a new buffer of exactly that length is
   * returned and `input` is left as it is.
   *
   * @throws KeystreamExhaustedError past MAX_BLOCKS blocks, before using any keystream
   */
  xor (input: Uint8Array, output?: Uint8Array): Uint8Array {
    const length = input.byteLength
    const lead = this.leadLength(length)
    if (output !== undefined) {
      if (output.byteLength !== length) throw new RangeError(`output: expected ${length} bytes, got ${output.byteLength}`)
      this.reserve(length - lead)
      this.xorBlocks(input, output, lead)
      return output
    }
    this.reserve(length - lead)
    const fresh = this.allocate(length)
    if ((length - lead) % BLOCK_LENGTH === 0 && ((input.byteOffset + lead) & 3) === 0) {
      // Whole blocks only, input aligned: noble reads the input directly.
      this.xorBlocks(input, fresh, lead)
    } else {
      fresh.set(input)
      this.xorPadded(fresh)
    }
    return fresh
  }

  /**
   * As xor(buf), for a buffer handed over by its owner, which it may
   * overwrite: in place when its whole blocks are 4-byte aligned (no
   * allocation), else into a new aligned buffer (noble would go a byte at a
   * time, a third slower). Returns the buffer that holds the result.
   */
  xorOwned (buf: Uint8Array): Uint8Array {
    if (((buf.byteOffset + this.leadLength(buf.byteLength)) & 3) !== 0) return this.xor(buf)
    this.xor(buf, buf)
    // A plain Uint8Array over the same memory: what a socket hands over is a Buffer, and what the
    // protocols decode from it (byte fields) must be plain Uint8Arrays as with any other transport.
    return Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf
  }

  /**
   * `parts` (together `length` bytes) gathered into one new buffer and
   * encrypted there: what goes out as one write.
   */
  xorAll (parts: Iterable<Uint8Array>, length: number): Uint8Array {
    this.reserve(length - this.leadLength(length))
    const fresh = this.allocate(length)
    let offset = 0
    for (const part of parts) {
      fresh.set(part, offset)
      offset += part.byteLength
    }
    if (offset !== length) throw new RangeError(`parts: expected ${length} bytes in all, got ${offset}`)
    this.xorPadded(fresh)
    return fresh
  }

  /** How many of `length` bytes the unused end of the current block covers. */
  private leadLength (length: number): number {
    return Math.min(BLOCK_LENGTH - this.spareOffset, length)
  }

  /** Throws, before anything is used, if `bytes` past the spare keystream would need blocks past MAX_BLOCKS. */
  private reserve (bytes: number): void {
    if (this.block + Math.ceil(bytes / BLOCK_LENGTH) > MAX_BLOCKS) throw new KeystreamExhaustedError()
  }

  private xorLead (input: Uint8Array, output: Uint8Array, lead: number): void {
    const spare = this.spare
    for (let i = 0, s = this.spareOffset; i < lead; i++) output[i] = (input[i] as number) ^ (spare[s + i] as number)
    this.spareOffset += lead
  }

  /** The general case: whole blocks XORed by noble from `input` to `output`, a partial last block through `spare` (two calls). */
  private xorBlocks (input: Uint8Array, output: Uint8Array, lead: number): void {
    const length = input.byteLength
    const whole = Math.floor((length - lead) / BLOCK_LENGTH) * BLOCK_LENGTH
    const tail = length - lead - whole
    this.xorLead(input, output, lead)
    if (whole > 0) {
      const from = input.subarray(lead, lead + whole)
      const to = output.subarray(lead, lead + whole)
      // noble XORs a word at a time only when input and output are both
      // 4-byte aligned, otherwise a byte at a time (a third slower here): an
      // unaligned input is first copied into an aligned output.
      if ((from.byteOffset & 3) !== 0 && (to.byteOffset & 3) === 0 && input !== output) {
        to.set(from)
        salsa20(this.subkey, this.nonce, to, to, this.block)
      } else {
        salsa20(this.subkey, this.nonce, from, to, this.block)
      }
      this.block += whole / BLOCK_LENGTH
    }
    if (tail > 0) {
      const spare = this.spare
      salsa20(this.subkey, this.nonce, ZERO_BLOCK, spare, this.block)
      this.block += 1
      for (let i = 0, o = lead + whole; i < tail; i++) output[o + i] = (input[o + i] as number) ^ (spare[i] as number)
      this.spareOffset = tail
    }
  }

  /**
   * In place, in a buffer from `allocate`: the block of room after its end
   * lets one noble call cover a partial last block too (a call's setup
   * costs as much as a few dozen blocks here, so small messages gain most);
   * that block's unused keystream is kept in `spare` and wiped from the room.
   */
  private xorPadded (buf: Uint8Array): void {
    const lead = this.leadLength(buf.byteLength)
    this.xorLead(buf, buf, lead)
    const rest = buf.byteLength - lead
    if (rest === 0) return
    const blocks = Math.ceil(rest / BLOCK_LENGTH)
    const region = new Uint8Array(buf.buffer, buf.byteOffset + lead, blocks * BLOCK_LENGTH)
    salsa20(this.subkey, this.nonce, region, region, this.block)
    this.block += blocks
    const tail = rest % BLOCK_LENGTH
    if (tail === 0) {
      this.spareOffset = BLOCK_LENGTH
    } else {
      this.spare.set(region.subarray(rest, region.byteLength), tail)
      region.fill(0, rest)
      this.spareOffset = tail
    }
  }

  /**
   * A zeroed buffer of `length` bytes placed so that the keystream's next
   * block boundary falls on a 4-byte aligned address (noble's fast path),
   * with a block of room after its end for xorPadded.
   */
  private allocate (length: number): Uint8Array {
    const shift = (4 - (this.leadLength(length) & 3)) & 3
    return new Uint8Array(shift + length + BLOCK_LENGTH).subarray(shift, shift + length)
  }
}
