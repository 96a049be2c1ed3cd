/**
 * A file being received, on disk (docs/files.md, "Where files land"): the
 * plaintext of each verified chunk written at its place in
 * `<downloads>/.partial/<file id>.part`, never shown under the file's name
 * until it is whole and its SHA-256 is the offer's; then it is linked to the
 * first free name of the downloads directory (`name`, `name (1).ext`, ...:
 * link(2) never replaces a file) and the part is removed.
 */
import { createHash } from 'node:crypto'
import { link, mkdir, open, rm, statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { equalBytes } from '../crypto/index.js'
import { FileError } from './errors.js'
import { numberedName } from './names.js'
import type { FileHandle } from 'node:fs/promises'

/** The directory of partial files inside the downloads directory (the same file system, so a link is atomic). */
export const PARTIAL_DIR = '.partial'
/** Reads of the whole file (its SHA-256) go this much at a time. */
const VERIFY_READ = 1024 * 1024
/** A name taken this many times gives up (something else is wrong). */
const MAX_NUMBERED = 10_000

/** Whether an error is the file system saying it is full (or over quota). */
export function isDiskFull (err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/** An I/O failure as a FileError: DISK_FULL when the disk is, IO_ERROR otherwise. */
export function ioError (err: unknown, what: string): FileError {
  if (err instanceof FileError) return err
  if (isDiskFull(err)) return new FileError('DISK_FULL', `${what}: the disk is full; free some space, then accept the file again`)
  return new FileError('IO_ERROR', `${what}: ${(err as Error).message}`)
}

/** Bytes free for this process on the file system of `dir`. */
export async function freeBytes (dir: string): Promise<number> {
  const s = await statfs(dir)
  return s.bavail * s.bsize
}

export class PartFile {
  private constructor (readonly path: string, private handle: FileHandle | undefined) {}

  static pathOf (downloadsDir: string, fileId: string): string {
    return join(downloadsDir, PARTIAL_DIR, `${fileId}.part`)
  }

  /** Opens the part of a file (creating it, and the directories, when it is not there); `fresh` when it was created. */
  static async open (downloadsDir: string, fileId: string): Promise<{ part: PartFile, fresh: boolean }> {
    const path = PartFile.pathOf(downloadsDir, fileId)
    try {
      await mkdir(join(downloadsDir, PARTIAL_DIR), { recursive: true, mode: 0o700 })
      try {
        return { part: new PartFile(path, await open(path, 'r+')), fresh: false }
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOENT') throw err
        return { part: new PartFile(path, await open(path, 'w+', 0o600)), fresh: true }
      }
    } catch (err) {
      throw ioError(err, `cannot open ${path}`)
    }
  }

  private get fh (): FileHandle {
    if (this.handle === undefined) throw new FileError('IO_ERROR', `${this.path} is closed`)
    return this.handle
  }

  /** Writes `data` at `offset`, all of it. */
  async write (offset: number, data: Uint8Array): Promise<void> {
    try {
      let done = 0
      while (done < data.byteLength) {
        const { bytesWritten } = await this.fh.write(data, done, data.byteLength - done, offset + done)
        done += bytesWritten
      }
    } catch (err) {
      throw ioError(err, `cannot write ${this.path}`)
    }
  }

  /** Reads `length` bytes at `offset` (serving a chunk received here to another member). */
  async read (offset: number, length: number): Promise<Buffer> {
    return readExactly(this.fh, offset, length, this.path)
  }

  /** Makes what was written durable (before the chunks are recorded as received). */
  async sync (): Promise<void> {
    try {
      await this.fh.datasync()
    } catch (err) {
      throw ioError(err, `cannot sync ${this.path}`)
    }
  }

  async close (): Promise<void> {
    const h = this.handle
    this.handle = undefined
    await h?.close().catch(() => {})
  }

  /** Closes and deletes the part (a cancelled download). */
  async remove (): Promise<void> {
    await this.close()
    await rm(this.path, { force: true })
  }

  /** SHA-256 of the first `size` bytes, read a MiB at a time. */
  async sha256 (size: number): Promise<Uint8Array> {
    const hash = createHash('sha256')
    for (let at = 0; at < size; at += VERIFY_READ) hash.update(await this.read(at, Math.min(VERIFY_READ, size - at)))
    return hash.digest()
  }

  /**
   * The part is whole: its SHA-256 must be `sha256` (CORRUPT otherwise),
   * then it becomes `name` in `dir` (or the first `name (n)` free) and the
   * path it got is returned.
   */
  async finish (dir: string, name: string, size: number, sha256: Uint8Array): Promise<string> {
    await this.sync()
    if (!equalBytes(await this.sha256(size), sha256)) throw new FileError('CORRUPT', 'the file received is not the one offered (its SHA-256 differs)')
    await this.close()
    for (let n = 0; n < MAX_NUMBERED; n++) {
      const target = join(dir, numberedName(name, n))
      try {
        await link(this.path, target)
      } catch (err) {
        if ((err as { code?: string }).code === 'EEXIST') continue
        throw ioError(err, `cannot create ${target}`)
      }
      await unlink(this.path).catch(() => {})
      return target
    }
    throw new FileError('IO_ERROR', `${name} and ${MAX_NUMBERED} numbered names are taken in ${dir}`)
  }
}

/**
 * Reads exactly `length` bytes at `offset` of an open file, into `into` (a
 * buffer used again and again: a fresh one per chunk costs more than the
 * read) or a new buffer; FILE_CHANGED when the file is shorter.
 */
export async function readExactly (fh: FileHandle, offset: number, length: number, path: string, into?: Buffer): Promise<Buffer> {
  if (into !== undefined && into.byteLength < length) throw new RangeError(`a buffer of ${into.byteLength} bytes cannot take ${length}`)
  const buf = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length)
  let done = 0
  try {
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
  } catch (err) {
    throw ioError(err, `cannot read ${path}`)
  }
  if (done < length) throw new FileError('FILE_CHANGED', `${path} is shorter than it was (${offset + done} bytes)`)
  return buf
}

