/**
 * The one error base class of lanchat. Protocol and validation errors are
 * subclasses with a stable `code` that callers (and the headless API) switch
 * on. Each module types its codes as a union (its errors.ts); `ErrorCode` is
 * all of them, so `isCode(err, 'NOT_MEMBR')` does not compile (libsignal's
 * ErrorCode + `is(err, code)` is the model).
 */
import type { AccountErrorCode } from './account/errors.js'
import type { ChatErrorCode } from './chat/errors.js'
import type { GroupErrorCode } from './chat/groups/errors.js'
import type { CryptoErrorCode } from './crypto/errors.js'
import type { DirectoryErrorCode } from './directory/errors.js'
import type { FileErrorCode } from './files/errors.js'
import type { GroupStateErrorCode } from './groups/errors.js'
import type { NetErrorCode } from './net/errors.js'
import type { ReplicationErrorCode } from './replication/errors.js'
import type { ServiceErrorCode } from './services/errors.js'
import type { TimelineErrorCode } from './timeline/errors.js'
import type { StoreErrorCode } from '../store/index.js'

/** Every code a lanchat error can carry (docs/headless.md lists what each means). */
export type ErrorCode =
  | AccountErrorCode | ChatErrorCode | GroupErrorCode | CryptoErrorCode | DirectoryErrorCode | FileErrorCode | GroupStateErrorCode | NetErrorCode
  | ReplicationErrorCode | ServiceErrorCode | TimelineErrorCode | StoreErrorCode | 'BAD_USERNAME' | 'BAD_PARAMS' | 'INTERNAL'

export class LanchatError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C

  constructor (code: C, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/**
 * The code of an error (a lanchat error, a store error, a refusal a peer
 * sent), or undefined for an error without one.
 */
export function codeOf (err: unknown): ErrorCode | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code as ErrorCode : undefined
}

/** Whether `err` carries `code`. */
export function isCode (err: unknown, code: ErrorCode): boolean {
  return codeOf(err) === code
}
