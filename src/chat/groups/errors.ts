import { LanchatError } from '../../errors.js'

/**
 * A group request or message refused; `code` says why (docs/groups.md and
 * docs/headless.md list them). Refusals by the relay and the KACLS keep their
 * own codes (ServiceError), and broken state rules theirs (GroupStateError).
 */
export class GroupError extends LanchatError {}
