/**
 * Defaults and limits of file transfers (docs/files.md, "Limits"). The
 * FILES_DEFAULTS are what `createFiles` uses; any can be overridden through
 * its `init`. The chunk size was chosen by measurement (docs/files.md,
 * "Chunk size"; `npm run bench -- files`).
 */

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** The protocol chunks are fetched (and uploaded to the relay) on. */
export const FILE_PROTOCOL = '/lanchat/file/1.0.0'

/** A file id: 16 random bytes (32 hex digits). */
export const FILE_ID_BYTES = 16
/** The per-file key: 32 random bytes. */
export const FILE_KEY_BYTES = 32
/** SHA-256 of each sealed chunk, in the manifest. */
export const CHUNK_HASH_BYTES = 32
/** AES-256-GCM tag appended to each sealed chunk. */
export const CHUNK_TAG_BYTES = 16

/** The smallest and largest chunk an offer may name (plaintext bytes; powers of two). */
export const MIN_CHUNK_BYTES = 16 * KiB
export const MAX_CHUNK_BYTES = 1 * MiB
/** An offer names at most this many chunks: its manifest is at most 2 MiB. */
export const MAX_CHUNKS = 65_536
/** Hence the largest file an offer can describe: 64 GiB. */
export const MAX_OFFER_BYTES = MAX_CHUNKS * MAX_CHUNK_BYTES
/** A file name in an offer: at most this many bytes of UTF-8 (what file systems allow). */
export const MAX_NAME_BYTES = 255

/** A request frame (a hello, a want list) is at most this big; an upload's first frame carries the manifest. */
export const MAX_REQUEST_FRAME = 2 * MiB + 64 * KiB
/** A reply frame (a chunk, a manifest) is at most this big. */
export const MAX_REPLY_FRAME = 2 * MiB + 64 * KiB
/** Chunk indexes in one `want` frame, and outstanding on one stream at a source. */
export const MAX_WANT = 64
/** Streams of the file protocol one node may have open to this one. */
export const MAX_INBOUND_STREAMS = 32
/** Streams served at once by this node, from every peer together (then BUSY). */
export const MAX_SERVED_STREAMS = 64

export interface FilesInit {
  /** Where received files land (default: DATA_DIR/downloads, set by the node). */
  downloadsDir?: string
  /** Offers up to this size (bytes) are downloaded on their own; bigger ones wait for `accept` (default 25 MB). */
  autoAcceptBytes?: number
  /** The largest file sent or accepted (default 64 GiB: the most an offer can describe). */
  maxFileBytes?: number
  /** Chunk size for files up to `chunkBytes` x 16,384 chunks; bigger files get bigger chunks, up to 1 MiB (default 256 KiB). */
  chunkBytes?: number
  /** Bytes asked of one source and not yet received (default 2 MiB; a libp2p stream buffers at most 4 MiB). */
  sourceWindowBytes?: number
  /** Bytes asked of all sources together and not yet received (default 8 MiB). */
  windowBytes?: number
  /** Sources a download uses at once (default 8). */
  maxSources?: number
  /** A source with requests outstanding and no chunk for this long is dropped (default 15 s). */
  stallMs?: number
  /** A source that failed is tried again after this long, doubling (default 1 s)... */
  retryMinMs?: number
  /** ...up to this long (default 15 s). */
  retryMaxMs?: number
  /** Progress events come at most this often per transfer (default 250 ms: about 4 a second). */
  progressIntervalMs?: number
  /** Received chunks are made durable and recorded at most this often (default 500 ms). */
  flushIntervalMs?: number
  /** A source stream's first frame must come within this (default 10 s)... */
  helloTimeoutMs?: number
  /** ...and a served stream with no request for this long is closed (default 60 s). */
  idleTimeoutMs?: number
}

export const FILES_DEFAULTS: Required<Omit<FilesInit, 'downloadsDir'>> = {
  autoAcceptBytes: 25 * 1000 * 1000,
  maxFileBytes: MAX_OFFER_BYTES,
  chunkBytes: 256 * KiB,
  sourceWindowBytes: 2 * MiB,
  windowBytes: 8 * MiB,
  maxSources: 8,
  stallMs: 15_000,
  retryMinMs: 1_000,
  retryMaxMs: 15_000,
  progressIntervalMs: 250,
  flushIntervalMs: 500,
  helloTimeoutMs: 10_000,
  idleTimeoutMs: 60_000
}

/** Files a chunk size is chosen for keep at most this many chunks (their manifest 512 KiB), growing the chunk first. */
export const TARGET_CHUNKS = 16_384

export interface RelayFilesInit {
  /** Sealed chunks the relay holds for everyone together (default 4 GiB). */
  maxBytes?: number
  /** ...for one uploader (default 1 GiB)... */
  userMaxBytes?: number
  /** ...for one file (default 1 GiB). */
  fileMaxBytes?: number
  /** Chunks are kept this long after the upload starts, then deleted (default 7 days, like mail). */
  ttlMs?: number
  /** Expired files are pruned this often (default 10 minutes). */
  pruneIntervalMs?: number
  /** A relay-eligible node looks this often for chunks of the relay's files it lacks, besides when the files change (default 10 s). */
  copyIntervalMs?: number
  /** A chunk uploaded to the relay holder is acknowledged once a live relay-eligible node stored it, or fails after this (default 5 s). */
  copyTimeoutMs?: number
}

export const RELAY_FILES_DEFAULTS: Required<RelayFilesInit> = {
  maxBytes: 4 * GiB,
  userMaxBytes: 1 * GiB,
  fileMaxBytes: 1 * GiB,
  ttlMs: 7 * 24 * 3600_000,
  pruneIntervalMs: 10 * 60_000,
  copyIntervalMs: 10_000,
  copyTimeoutMs: 5_000
}
