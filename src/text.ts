/**
 * What counts as printable text in names, labels and ids that come from peers
 * or the keyboard and end up in logs, storage keys and other people's screens.
 */

/** C0 and C1 control characters, and DEL. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/u

/** Well-formed (no lone surrogates) and free of control characters. */
export function isPrintable (text: string): boolean {
  return text.isWellFormed() && !CONTROL_CHARS.test(text)
}
