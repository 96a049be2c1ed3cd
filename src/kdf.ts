import { scrypt } from 'node:crypto'

/** scrypt (RFC 7914) cost parameters, kept beside what they derived so they can be raised later. */
export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** scrypt over the NFKC form of a password or passphrase, off the event loop (libuv thread pool). */
export async function scryptKey (password: string, salt: Uint8Array | string, params: ScryptParams, length = 32): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => {
      if (err != null) reject(err)
      else resolve(new Uint8Array(key))
    })
  })
}
