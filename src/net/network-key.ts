import { hkdfSync } from 'node:crypto'
import { scryptKey } from '../kdf.js'
import { DEFAULT_NETWORK_NAME, MIN_PASSPHRASE_LENGTH, SCRYPT_N, SCRYPT_P, SCRYPT_R } from './constants.js'
import { WeakPassphraseError } from './errors.js'

/** Everything derived from the network passphrase (DESIGN.md, Network gate). */
export interface NetworkKeys {
  /** Public, stable identifier of the network: 16 hex chars. JWT audience, mDNS tag. */
  readonly networkId: string
  /** The network name the keys were derived for. */
  readonly networkName: string
  /** libp2p pnet pre-shared key in the /key/swarm/psk/1.0.0/ file format. */
  readonly psk: Uint8Array
  /** mDNS service tag: only nodes of this network answer each other's queries. */
  readonly mdnsServiceTag: string
  /** 32-byte key sealing role-registry announcements. */
  readonly registryKey: Uint8Array
  /** 32-byte key sealing the lobby channel. */
  readonly lobbyKey: Uint8Array
  /**
   * 32-byte key for what a node keeps at rest that its disk alone must not
   * give away (the KACLS key-encryption keys): it needs the passphrase too.
   */
  readonly atRestKey: Uint8Array
}

const SALT_PREFIX = 'lanchat/network-key/v1:'

/** HKDF-SHA256 (RFC 5869) with an empty salt: NK is already uniformly random. */
function expand (nk: Uint8Array, label: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', nk, new Uint8Array(0), `lanchat/${label}/v1`, length))
}

/** The swarm key file format that @libp2p/pnet parses. */
export function formatSwarmKey (key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('a swarm key is 32 bytes')
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(key).toString('hex')}`)
}

/** Refuses passphrases that cannot protect a network; returns the normalized form. */
export function checkPassphrase (passphrase: string): string {
  const normalized = passphrase.normalize('NFKC')
  if (normalized.trim().length === 0) throw new WeakPassphraseError('the network passphrase is empty')
  if ([...normalized].length < MIN_PASSPHRASE_LENGTH) {
    throw new WeakPassphraseError(`the network passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long`)
  }
  return normalized
}

/**
 * passphrase (+ network name) -> scrypt -> network key NK -> HKDF -> the keys
 * of the network gate. Deterministic: every node with the same passphrase and
 * name derives the same keys. Takes ~0.4 s by design (SCRYPT_N).
 */
export async function deriveNetworkKeys (passphrase: string, networkName: string = DEFAULT_NETWORK_NAME): Promise<NetworkKeys> {
  const normalized = checkPassphrase(passphrase)
  if (networkName.length === 0 || networkName.length > 64) throw new RangeError('the network name must be 1 to 64 characters')
  const nk = await scryptKey(normalized, SALT_PREFIX + networkName, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P })
  const networkId = Buffer.from(expand(nk, 'network-id', 8)).toString('hex')
  return {
    networkId,
    networkName,
    psk: formatSwarmKey(expand(nk, 'pnet-psk', 32)),
    mdnsServiceTag: `_lanchat-${networkId.slice(0, 12)}._udp.local`,
    registryKey: expand(nk, 'registry-seal', 32),
    lobbyKey: expand(nk, 'lobby-seal', 32),
    atRestKey: expand(nk, 'at-rest', 32)
  }
}
