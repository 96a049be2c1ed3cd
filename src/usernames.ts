/**
 * Usernames, the one rule for every module and both front ends: 3 to 32 of
 * a-z 0-9 . _ -, starting with a letter, compared case-insensitively (NFKC,
 * lower case). A user is their identity key; the name is how people find it.
 */
import { LanchatError } from './errors.js'

/** A canonical (lower-case, checked) username. */
export type Username = string

const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/

/** A name that is not a username (code BAD_USERNAME). */
export class UsernameError extends LanchatError<'BAD_USERNAME'> {
  constructor (name: string) {
    super('BAD_USERNAME', `'${name}' is not a username: 3 to 32 letters, digits, dot, dash or underscore, starting with a letter`)
  }
}

/** The canonical (lower-case) form of a username, or BAD_USERNAME saying what is wrong. */
export function canonicalUsername (name: string): Username {
  const canonical = typeof name === 'string' ? name.normalize('NFKC').toLowerCase() : ''
  if (!USERNAME.test(canonical)) throw new UsernameError(typeof name === 'string' ? name.slice(0, 64) : String(name))
  return canonical
}

/** Whether `name` is already a canonical username. */
export function isUsername (name: string): boolean {
  return USERNAME.test(name)
}
