/**
 * Schema version of the data directory. Bump it when a change to a record's
 * layout needs a migration, and add that migration to MIGRATIONS in store.ts.
 */
export const SCHEMA_VERSION = 1

/**
 * Every sublevel of the store, one per domain. Each module owns its domain;
 * listing them here keeps two modules from sharing a prefix by accident.
 */
export const DOMAINS = [
  'meta', // schema version and other store bookkeeping
  'node', // this node's libp2p key and settings
  'peers', // addresses of peers seen, for redialling after a restart
  'registry', // the role registry view, and who held each role when
  'directory', // every username's binding to an identity key, as the idp holders gave them
  'idp', // accounts (only on a node that has held the idp role)
  'kacls', // key-encryption keys and audit log (kacls holders)
  'relay', // mailboxes, prekey bundles, group states and history, uploaded file chunks (relay holders)
  'replica', // role state as replicated docs (Yjs updates) and their epochs, on every node eligible for the role
  'account', // the logged-in user's keys, tokens and settings
  'chat', // sessions, conversations, messages, outbox
  'groups', // group states and epoch keys held as a member
  'files' // the user's file transfers: offers, manifests, what a download has (docs/files.md)
] as const

export type Domain = typeof DOMAINS[number]
