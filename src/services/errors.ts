import { LanchatError } from '../errors.js'
import type { Role } from '../roles/index.js'

/**
 * A refusal by a service, with a stable code (docs/services.md): thrown by
 * handlers, carried over the wire, and rethrown at the caller.
 */
export class ServiceError extends LanchatError {
  readonly retryAfterMs?: number

  constructor (code: string, message: string, retryAfterMs?: number) {
    super(code, message)
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}

/** No live node may hold the role, so there is nobody to ask. */
export class NoHolderError extends LanchatError {
  constructor (role: Role) {
    super('NO_HOLDER', `no node holds the ${role} role right now; start a node eligible for it`)
  }
}

/** The holder could not be reached, or did not answer in time. */
export class UnavailableError extends LanchatError {
  constructor (role: Role, holder: string, cause: unknown) {
    super('UNAVAILABLE', `the ${role} holder ${holder.slice(-8)} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}
