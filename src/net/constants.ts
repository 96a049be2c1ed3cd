/** Default TCP port; `--port 0` picks a free one. */
export const DEFAULT_PORT = 7420

/** Default network name: nodes with the same passphrase but another name are another network. */
export const DEFAULT_NETWORK_NAME = 'lanchat'

/**
 * scrypt work factor for the passphrase -> network key step (RFC 7914):
 * N = 2^17, r = 8, p = 1 takes ~0.4 s and 128 MiB here, so a guess at a
 * captured mDNS tag or handshake costs an attacker the same.
 */
export const SCRYPT_N = 2 ** 17
export const SCRYPT_R = 8
export const SCRYPT_P = 1

/** Passphrases shorter than this are refused: the network gate is only as strong as it. */
export const MIN_PASSPHRASE_LENGTH = 8

/** Redial backoff for discovered and `--peer` peers: 1 s doubling to 30 s, with jitter. */
export const DIAL_BACKOFF_MIN_MS = 1_000
export const DIAL_BACKOFF_MAX_MS = 30_000
/** One dial attempt gives up after this long. */
export const DIAL_TIMEOUT_MS = 10_000
/** A discovered (not `--peer`) peer that failed this many dials in a row is forgotten until rediscovered. */
export const DISCOVERED_MAX_FAILURES = 6

/**
 * The LAN is asked for this network's nodes about this often, by one node (lan-survey.ts): a node that comes back
 * is found again within it. A new node asks as it starts, and every node answers: it finds them at once.
 */
export const MDNS_QUERY_INTERVAL_MS = 10_000
/** libp2p's mDNS asks on its own only this seldom (after its query at start): the shared queries above do it. */
export const MDNS_OWN_QUERY_INTERVAL_MS = 10 * 60_000
/** ...and this often while a node has no peer at all. */
export const MDNS_LONELY_QUERY_INTERVAL_MS = 2_000
/** A node of another lanchat network counts while heard within this (several query intervals). */
export const FOREIGN_WINDOW_MS = 30_000
