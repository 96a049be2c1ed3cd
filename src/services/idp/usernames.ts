import { ServiceError } from '../errors.js'

/** Usernames: 3 to 32 of a-z 0-9 . _ -, starting with a letter; compared case-insensitively. */
const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 1024

/** The canonical (lower-case) form of a username, or BAD_USERNAME saying what is wrong. */
export function canonicalUsername (name: string): string {
  const canonical = name.normalize('NFKC').toLowerCase()
  if (!USERNAME.test(canonical)) {
    throw new ServiceError('BAD_USERNAME', 'a username is 3 to 32 characters: letters, digits, dot, dash or underscore, starting with a letter')
  }
  return canonical
}

export function checkPasswordStrength (password: string): void {
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH) throw new ServiceError('WEAK_PASSWORD', `a password has at least ${MIN_PASSWORD_LENGTH} characters`)
  if (length > MAX_PASSWORD_LENGTH) throw new ServiceError('BAD_PASSWORD', `a password has at most ${MAX_PASSWORD_LENGTH} characters`)
}
