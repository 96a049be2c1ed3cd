import { LanchatError } from '../errors.js'

export type DirectoryErrorCode = 'UNKNOWN_USER'

/** A username no one on this network is registered as (code UNKNOWN_USER). */
export class DirectoryError extends LanchatError<DirectoryErrorCode> {}
