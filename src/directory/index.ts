/**
 * Who is who (the node's, shared by DMs and groups): usernames resolved to
 * identity keys through the idp, the keys this user has accepted for each
 * contact, key changes held until acknowledged, and safety numbers.
 */
export { Directory } from './directory.js'
export type { DirectoryEntry, KnownKey, KeyCheck } from './directory.js'
export { Bindings, preferred, SYNC_INTERVAL_MS } from './bindings.js'
export type { BindingConflict, BindingsEvents, StoredBinding } from './bindings.js'
export { DirectoryError } from './errors.js'
export type { DirectoryErrorCode } from './errors.js'
