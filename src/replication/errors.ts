import { LanchatError } from '../errors.js'

export type ReplicationErrorCode = 'NOT_REPLICATED' | 'REPLICA_CLOSED'

/**
 * A write the holder made but could not get another eligible node to persist
 * in time while one was live: it stays on the holder and is replicated when
 * the replica answers; the caller may retry (every replicated write is
 * idempotent at the service).
 */
export class ReplicationError extends LanchatError<ReplicationErrorCode> {}
