import { LanchatError } from '../errors.js'

export type TimelineErrorCode =
  | 'BAD_CONVERSATION' | 'BAD_EMOJI' | 'UNKNOWN_MESSAGE' | 'NOT_AUTHOR' | 'DELETED' | 'BAD_QUERY' | 'NOT_SUPPORTED'

/** A conversation id that is not one, a message that is not there or not the user's to change, a bad reaction or query. */
export class TimelineError extends LanchatError<TimelineErrorCode> {}
