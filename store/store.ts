import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { SCHEMA_VERSION } from './constants.js'
import { SchemaVersionError, StoreLockedError, StoreOpenError } from './errors.js'
import type { Domain } from './constants.js'
import type { AbstractBatchOperation, AbstractLevel, AbstractSublevel } from 'abstract-level'

type Root = AbstractLevel<string | Uint8Array, string, Uint8Array>

/** A key-value space of one domain; the full abstract-level API (iterators, batches). */
export type KV<V> = AbstractSublevel<Root, string | Uint8Array, string, V>

/**
 * One write of an atomic batch; every write names its domain's sublevel.
 * abstract-level's sublevel types are invariant in their value type, so a
 * batch mixing sublevels of several value types can only name them as
 * KV<any>: the one `any` of the code base, confined to this type.
 */
export type BatchOp =
  | { type: 'put', sublevel: KV<any>, key: string, value: unknown }
  | { type: 'del', sublevel: KV<any>, key: string }

/** How a sublevel stores its values. */
export type Codec = 'json' | 'bytes' | 'utf8'

export interface Store {
  /** The data directory, or ':memory:' */
  readonly location: string
  /** A domain's sublevel with JSON values. */
  sublevel<V>(domain: Domain, codec: 'json'): KV<V>
  /** A domain's sublevel with raw byte values. */
  sublevel(domain: Domain, codec: 'bytes'): KV<Uint8Array>
  /** A domain's sublevel with string values. */
  sublevel(domain: Domain, codec: 'utf8'): KV<string>
  /** Writes across sublevels, all or nothing. */
  batch(ops: BatchOp[]): Promise<void>
  close(): Promise<void>
}

const ENCODINGS: Record<Codec, string> = { json: 'json', bytes: 'view', utf8: 'utf8' }

/** Migrations from version n to n + 1, indexed by n. None yet. */
const MIGRATIONS: Record<number, (root: Root) => Promise<void>> = {}

class LevelStore implements Store {
  readonly location: string
  private readonly root: Root

  constructor (location: string, root: Root) {
    this.location = location
    this.root = root
  }

  async batch (ops: BatchOp[]): Promise<void> {
    await this.root.batch(ops as unknown as Array<AbstractBatchOperation<Root, string, Uint8Array>>)
  }

  sublevel<V>(domain: Domain, codec: Codec): KV<V> {
    return this.root.sublevel<string, V>(domain, { valueEncoding: ENCODINGS[codec] })
  }

  async close (): Promise<void> {
    if (this.root.status === 'open' || this.root.status === 'opening') await this.root.close()
  }
}

/**
 * Checks the schema-version record, writing it into a new store and running
 * migrations on an old one. A store from a newer lanchat is refused.
 */
async function checkSchema (location: string, root: Root): Promise<void> {
  const meta = root.sublevel<string, number>('meta', { valueEncoding: 'json' })
  let found = await meta.get('schema-version')
  if (found === undefined) {
    await meta.put('schema-version', SCHEMA_VERSION)
    return
  }
  while (found < SCHEMA_VERSION) {
    const migrate = MIGRATIONS[found]
    if (migrate === undefined) throw new SchemaVersionError(location, found, SCHEMA_VERSION)
    await migrate(root)
    found++
    await meta.put('schema-version', found)
  }
  if (found > SCHEMA_VERSION) throw new SchemaVersionError(location, found, SCHEMA_VERSION)
}

async function openRoot (location: string, root: Root): Promise<Store> {
  try {
    await checkSchema(location, root)
  } catch (err) {
    await root.close()
    throw err
  }
  return new LevelStore(location, root)
}

/**
 * Opens (creating if needed) the LevelDB store in `dir`/db. The directory is
 * created with mode 0700: it holds keys. A second process opening the same
 * directory gets a StoreLockedError naming it.
 */
export async function openStore (dir: string): Promise<Store> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new StoreOpenError(dir, { cause: err })
  }
  const root: Root = new Level<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await root.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir, { cause: err })
    throw new StoreOpenError(dir, { cause: cause ?? err })
  }
  return openRoot(dir, root)
}

/** An in-memory store with the same API, for tests and tools. */
export async function openMemoryStore (): Promise<Store> {
  const { MemoryLevel } = await import('memory-level')
  const root: Root = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' })
  await root.open()
  return openRoot(':memory:', root)
}
