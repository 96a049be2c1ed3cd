import { randomBytes, timingSafeEqual } from 'node:crypto'
import { scryptKey } from '../../kdf.js'
import { ServiceError } from '../errors.js'

/**
 * Password verifiers: scrypt (RFC 7914) with a per-user 16-byte salt.
 * N = 2^15, r = 8, p = 1: ~0.1 s and 32 MiB per guess. The password itself
 * is never stored or logged.
 */
export interface Verifier {
  salt: string
  hash: string
  N: number
  r: number
  p: number
}

const N = 2 ** 15
const R = 8
const P = 1

export async function createVerifier (password: string): Promise<Verifier> {
  const salt = randomBytes(16)
  const hash = await scryptKey(password, salt, { N, r: R, p: P })
  return { salt: salt.toString('hex'), hash: Buffer.from(hash).toString('hex'), N, r: R, p: P }
}

export async function checkPassword (password: string, v: Verifier): Promise<boolean> {
  const hash = await scryptKey(password, Buffer.from(v.salt, 'hex'), v)
  return timingSafeEqual(hash, Buffer.from(v.hash, 'hex'))
}

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 1024

export function checkPasswordStrength (password: string): void {
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH) throw new ServiceError('WEAK_PASSWORD', `a password has at least ${MIN_PASSWORD_LENGTH} characters`)
  if (length > MAX_PASSWORD_LENGTH) throw new ServiceError('BAD_PASSWORD', `a password has at most ${MAX_PASSWORD_LENGTH} characters`)
}
