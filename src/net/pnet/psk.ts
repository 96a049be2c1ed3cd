import { KEY_LENGTH, PSK_BASE16_CODEC, PSK_V1_HEADER } from './constants.js'
import { InvalidPskError } from './errors.js'

const HEX_KEY = new RegExp(`^[0-9a-fA-F]{${KEY_LENGTH * 2}}$`)

/**
 * A bad header line as the error shows it: quoted only when it looks like a
 * multicodec path (short, printable, starting with /), so a key written on
 * the wrong line is never echoed into a log.
 */
function showLine (line: string): string {
  if (line === '') return 'an empty line'
  return /^\/[\x20-\x7e]{0,40}$/.test(line) ? JSON.stringify(line) : `a ${line.length}-character line that is not a /path/`
}

/**
 * The 32-byte key of a v1 swarm key file:
 *
 *     /key/swarm/psk/1.0.0/
 *     /base16/
 *     <64 hex digits>
 *
 * Lines end with \n, \r\n or \r, and anything after the key line is ignored,
 * as @libp2p/pnet reads it. Unlike @libp2p/pnet, which checks only the key
 * line, the first two lines must be exactly these: an error names the line
 * that is wrong, without quoting key material.
 */
export function decodePsk (file: Uint8Array): Uint8Array {
  if (!(file instanceof Uint8Array)) throw new TypeError('psk: expected the swarm key file as a Uint8Array')
  const [header = '', codec = '', key = ''] = new TextDecoder().decode(file).split(/\r\n|\r|\n/)
  if (header !== PSK_V1_HEADER) throw new InvalidPskError(`the first line must be ${PSK_V1_HEADER}, not ${showLine(header)}`)
  if (codec !== PSK_BASE16_CODEC) throw new InvalidPskError(`the second line must be ${PSK_BASE16_CODEC} (the only encoding read here), not ${showLine(codec)}`)
  if (!HEX_KEY.test(key)) {
    throw new InvalidPskError(/^[0-9a-fA-F]*$/.test(key)
      ? `the key line has ${key.length} hex digits, not ${KEY_LENGTH * 2}`
      : 'the key line has characters that are not hex digits')
  }
  return Uint8Array.from(Buffer.from(key, 'hex'))
}
