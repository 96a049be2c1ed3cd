import { LanchatError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import type { Role } from '../roles/index.js'

/** The codes the services refuse with themselves (docs/services.md). */
export type ServiceErrorCode =
  | 'AUDIT_FAILED' | 'AUTHORIZATION_REQUIRED' | 'BAD_PASSWORD' | 'BAD_REQUEST' | 'BAD_SIGNATURE' | 'BAD_WRAPPED_KEY'
  | 'CHALLENGE_INVALID' | 'FORBIDDEN' | 'IDENTITY_KEY_REQUIRED' | 'ID_CONFLICT' | 'KEK_EXHAUSTED' | 'KEK_UNAVAILABLE'
  | 'LOGIN_REQUIRED' | 'NOT_AUTHORIZED' | 'NOT_HOLDER' | 'NO_BUNDLE' | 'QUOTA_EXCEEDED' | 'RATE_LIMITED'
  | 'TOKEN_CNF_MISMATCH' | 'TOKEN_MALFORMED' | 'TOKEN_UNKNOWN_ISSUER' | 'TOKEN_WRONG_PEER' | 'TOKEN_WRONG_SUBJECT'
  | 'TOO_LARGE' | 'UNKNOWN_KEK' | 'UNKNOWN_USER' | 'UNSUPPORTED_VERSION' | 'UNWRAP_FAILED' | 'USERNAME_TAKEN'
  | 'WEAK_PASSWORD' | 'UNKNOWN_METHOD' | 'UNKNOWN_GROUP' | 'NOT_AUTHOR' | 'GROUP_EXISTS' | 'UNKNOWN_EPOCH' | 'REMOVED'
  | 'NOT_SENDER' | 'NOT_MEMBER' | 'CONFLICT' | 'NO_HOLDER' | 'UNAVAILABLE' | 'IMPERSONATION' | 'WRONG_PASSWORD'
  | 'PROOF_REQUIRED' | 'BAD_PROOF' | 'USERNAME_CONFLICT' | 'CATCHING_UP'

/**
 * A refusal by a service, with a stable code (docs/services.md): thrown by
 * handlers, carried over the wire, and rethrown at the caller. A refusal
 * carries any lanchat code (a handler's check may fail with another module's).
 */
export class ServiceError extends LanchatError {
  readonly retryAfterMs?: number

  constructor (code: ErrorCode, message: string, retryAfterMs?: number) {
    super(code, message)
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}

/** No live node may hold the role, so there is nobody to ask. */
export class NoHolderError extends LanchatError<'NO_HOLDER'> {
  constructor (role: Role) {
    super('NO_HOLDER', `no node holds the ${role} role right now; start a node eligible for it`)
  }
}

/** The holder could not be reached, or did not answer in time. */
export class UnavailableError extends LanchatError<'UNAVAILABLE'> {
  constructor (role: Role, holder: string, cause: unknown) {
    super('UNAVAILABLE', `the ${role} holder ${holder.slice(-8)} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}
