/**
 * Errors of the store. The store knows nothing above it, so its errors have a
 * base class of their own, with a stable `code` like every lanchat error.
 */
export type StoreErrorCode = 'STORE_LOCKED' | 'SCHEMA_VERSION' | 'STORE_OPEN'

export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor (code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Another process holds the LevelDB lock on this data directory. */
export class StoreLockedError extends StoreError {
  constructor (dir: string, options?: ErrorOptions) {
    super('STORE_LOCKED', `data directory ${dir} is in use by another lanchat process; stop it or pass another --data-dir`, options)
  }
}

/** The data directory was written by an incompatible version of lanchat. */
export class SchemaVersionError extends StoreError {
  constructor (dir: string, found: number, expected: number) {
    super('SCHEMA_VERSION', found > expected
      ? `data directory ${dir} has schema version ${found}, newer than this lanchat understands (${expected}); upgrade lanchat`
      : `data directory ${dir} has schema version ${found}, and no migration to ${expected} exists`)
  }
}

/** The database could not be opened for another reason (permissions, corruption). */
export class StoreOpenError extends StoreError {
  constructor (dir: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : ''
    super('STORE_OPEN', `cannot open the data store in ${dir}${cause}`, options)
  }
}
