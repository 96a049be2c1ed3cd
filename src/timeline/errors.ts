import { LanchatError } from '../errors.js'

export type TimelineErrorCode = 'BAD_CONVERSATION'

/** A conversation id that is not one (code BAD_CONVERSATION). */
export class TimelineError extends LanchatError<TimelineErrorCode> {}
