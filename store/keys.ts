/**
 * The first key after every key that starts with `prefix`: the `lt` bound of
 * a range over the keys under it (`{ gte: prefix, lt: prefixEnd(prefix) }`).
 * Keys compare as strings, so it is the prefix with its last character
 * incremented (`mail/bob/` -> `mail/bob0`).
 */
export function prefixEnd (prefix: string): string {
  if (prefix === '') throw new RangeError('a key prefix is not empty')
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}
