import { LanchatError } from '../errors.js'

/** Codes of a refused chat request, or of a direct message a peer refused (docs/headless.md lists them). */
export type ChatErrorCode =
  | 'BAD_RECIPIENT' | 'BAD_TEXT' | 'BUNDLE_KEY_MISMATCH' | 'DUPLICATE_MESSAGE' | 'IMPERSONATION' | 'KEY_CHANGED' | 'NO_SESSION'
  | 'STOPPING' | 'BAD_ID' | 'NOT_HERE' | 'DUPLICATE' | 'LOOKUP_FAILED'

/** A chat request refused; `code` says why. */
export class ChatError extends LanchatError<ChatErrorCode> {}
