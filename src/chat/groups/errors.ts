import { LanchatError } from '../../errors.js'
import type { GroupStateErrorCode } from '../../groups/index.js'

/** Codes of a refused group request or group message (docs/groups.md and docs/headless.md list them). */
export type GroupErrorCode =
  | GroupStateErrorCode | 'BAD_FORK' | 'BAD_MEMBERS' | 'BAD_TEXT' | 'CANNOT_KICK_SELF' | 'FORKED' | 'KEY_CHANGED' | 'LEFT' | 'NO_KEY'
  | 'REMOVED' | 'STOPPING' | 'UNKNOWN_GROUP'

/**
 * A group request or message refused; `code` says why. Refusals by the relay
 * and the KACLS keep their own codes (ServiceError), and broken state rules
 * theirs (GroupStateError).
 */
export class GroupError extends LanchatError<GroupErrorCode> {}
