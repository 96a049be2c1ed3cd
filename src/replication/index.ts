/**
 * Role state replicated to every live node eligible for the role, on Yjs
 * (docs/replication.md): the docs, the sync sessions, acknowledgements,
 * epochs, lockboxes for secrets.
 */
export { Replication } from './replication.js'
export type {
  DocKind, Tx, PeerView, ReplicationEvents, ReplicationComponents, ReplicationInit, ReplicationStatus, RoleReplication, ReplicaStatus, Change, Owed
} from './types.js'
export { ReplicationError } from './errors.js'
export type { ReplicationErrorCode } from './errors.js'
export { sealTo, openBox } from './lockbox.js'
export { inspectUpdate, recordKey, sealRecord } from './records.js'
export type { Refusal, StateVector } from './records.js'
export * from './constants.js'
export { packRecord, unpackRecord } from './pack.js'
