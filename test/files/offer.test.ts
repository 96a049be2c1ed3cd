import { describe, expect, it } from 'vitest'
import { decodeOffer, encodeOffer, formatBytes, offerText } from '../../src/files/offer.js'
import { FileOffer } from '../../src/files/pb/files.js'
import { numberedName, sanitizeName } from '../../src/files/names.js'
import type { Offer } from '../../src/files/offer.js'

const good: Offer = {
  id: new Uint8Array(16).fill(1),
  fileId: '01'.repeat(16),
  name: 'report.pdf',
  size: 1_000_000,
  chunkSize: 256 * 1024,
  root: new Uint8Array(32).fill(2),
  key: new Uint8Array(32).fill(3),
  sha256: new Uint8Array(32).fill(4)
}
const encode = (o: Partial<FileOffer>): Uint8Array => FileOffer.encode({ ...FileOffer.decode(encodeOffer(good)), ...o })
const refused = (bytes: Uint8Array, code = 'BAD_OFFER'): void => {
  expect(() => decodeOffer(bytes, 2 ** 40)).toThrow(expect.objectContaining({ code }))
}

describe('the file offer', () => {
  it('round-trips', () => {
    expect(decodeOffer(encodeOffer(good), 2 ** 40)).toEqual(good)
  })

  it('refuses ids, keys and hashes of the wrong length', () => {
    refused(encode({ id: new Uint8Array(15) }))
    refused(encode({ key: new Uint8Array(16) }))
    refused(encode({ root: new Uint8Array(0) }))
    refused(encode({ sha256: new Uint8Array(33) }))
  })

  it('refuses a chunk size out of range or no power of two, an empty file, too many chunks, garbage', () => {
    refused(encode({ chunkSize: 1000 }))
    refused(encode({ chunkSize: 8 * 1024 }))
    refused(encode({ chunkSize: 4 * 1024 * 1024 }))
    refused(encode({ size: 0 }))
    refused(encode({ size: 65_537 * 1024 * 1024, chunkSize: 1024 * 1024 }))
    refused(new Uint8Array([0xff, 0xff, 0xff]))
  })

  it('refuses a file larger than this node takes', () => {
    expect(() => decodeOffer(encodeOffer(good), 999_999)).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }))
  })

  it('sanitizes the name it carries', () => {
    expect(decodeOffer(encode({ name: '../../etc/passwd' }), 2 ** 40).name).toBe('.._.._etc_passwd')
    expect(decodeOffer(encode({ name: '..' }), 2 ** 40).name).toBe('file')
  })

  it('reads as a line for nodes that do not know files', () => {
    expect(offerText('report.pdf', 2_100_000)).toBe('\u{1F4CE} report.pdf (2.10 MB)')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1_073_741_824)).toBe('1.07 GB')
  })
})

describe('file names', () => {
  it('keep no path separators, no dot names, no control or bidi characters', () => {
    expect(sanitizeName('a/b\\c.txt')).toBe('a_b_c.txt')
    expect(sanitizeName('.')).toBe('file')
    expect(sanitizeName('...')).toBe('file')
    expect(sanitizeName('')).toBe('file')
    expect(sanitizeName('  notes.txt  ')).toBe('notes.txt')
    expect(sanitizeName('bad\u0000na\u001bme\u007f\u0085.txt')).toBe('badname.txt')
    expect(sanitizeName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe')
    expect(sanitizeName('\uD800lone.txt')).toBe('\uFFFDlone.txt')
  })

  it('are at most 255 bytes of UTF-8, the extension kept', () => {
    const long = sanitizeName('é'.repeat(300) + '.tar')
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(255)
    expect(long.endsWith('.tar')).toBe(true)
  })

  it('are numbered before the extension when taken', () => {
    expect(numberedName('report.pdf', 0)).toBe('report.pdf')
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf')
    expect(numberedName('archive.tar.gz', 2)).toBe('archive (2).tar.gz')
    expect(numberedName('README', 3)).toBe('README (3)')
    expect(numberedName('.bashrc', 1)).toBe('.bashrc (1)')
  })
})
