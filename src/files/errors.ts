import { LanchatError } from '../errors.js'

/**
 * Codes of a refused or failed file transfer (docs/files.md lists when each
 * comes; docs/headless.md repeats them for `file:failed`).
 */
export type FileErrorCode =
  // sending
  | 'NOT_FOUND' | 'NOT_A_FILE' | 'FILE_TOO_LARGE' | 'EMPTY_FILE' | 'BAD_RECIPIENT' | 'FILE_CHANGED' | 'IO_ERROR'
  // an offer, a transfer by id or number
  | 'BAD_OFFER' | 'UNKNOWN_FILE' | 'NOT_OFFERED' | 'ALREADY_DONE' | 'CANCELLED' | 'INTERRUPTED'
  // receiving
  | 'DISK_FULL' | 'CORRUPT' | 'NO_SOURCE'
  // at a source (the file protocol's refusals)
  | 'FORBIDDEN' | 'BAD_REQUEST' | 'BAD_INDEX' | 'NOT_HELD' | 'BUSY' | 'NOT_RELAY' | 'QUOTA_EXCEEDED' | 'NOT_REPLICATED' | 'TIMEOUT'

/** A file request refused, a transfer that failed; `code` says why, the message what to do. */
export class FileError extends LanchatError<FileErrorCode> {}
