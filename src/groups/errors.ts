import { LanchatError } from '../errors.js'

/** Codes of a state, leave request or envelope that breaks a group rule (docs/groups.md lists them). */
export type GroupStateErrorCode =
  | 'BAD_STATE' | 'BAD_GROUP' | 'BAD_NAME' | 'TOO_MANY_MEMBERS' | 'BAD_SIGNATURE' | 'CONFLICT' | 'NOT_MEMBER' | 'NOT_ADMIN'
  | 'ALREADY_MEMBER' | 'ALREADY_ADMIN' | 'LEAVER_CANNOT_AUTHOR' | 'BAD_LEAVE_REQUEST' | 'TOO_LARGE' | 'BAD_ENVELOPE'
  | 'KEY_MISMATCH' | 'DECRYPT_FAILED' | 'BAD_PAYLOAD'

/** A state, leave request or envelope that breaks the rules; `code` says which. */
export class GroupStateError extends LanchatError<GroupStateErrorCode> {}
