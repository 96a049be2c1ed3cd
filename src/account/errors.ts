import { LanchatError } from '../errors.js'

export type AccountErrorCode = 'ALREADY_REGISTERED' | 'LOGIN_REQUIRED' | 'NO_LOCAL_ACCOUNT' | 'WRONG_PASSWORD'

/** A request about this node's own account refused; `code` says why. */
export class AccountError extends LanchatError<AccountErrorCode> {}
