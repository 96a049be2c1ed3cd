import { ChatError } from './errors.js'

/** Message text is 1 to this many characters (code points). */
export const MAX_TEXT_LENGTH = 8_000

/** A message a user typed: BAD_TEXT when empty or too long. */
export function checkText (text: string): void {
  if (typeof text !== 'string' || text.trim() === '' || [...text].length > MAX_TEXT_LENGTH) {
    throw new ChatError('BAD_TEXT', `a message is 1 to ${MAX_TEXT_LENGTH} characters`)
  }
}

/** Text from a peer, cut to the limit (never refused for its length alone). */
export function clampText (text: string): string {
  return [...text].slice(0, MAX_TEXT_LENGTH).join('')
}
