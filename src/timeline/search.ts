/**
 * Search over the sealed history (docs/protocol.md, "At rest"): a sealed
 * index of words. Every message's words (lower case, accents and case folded)
 * are written as keys x/<keyed hash of the word>/<conversation part>/<hlc>/<id>
 * beside the message, so no plaintext word appears in any key and a query
 * reads keys only (nothing is decrypted) until it opens the hits it shows;
 * those are checked against their text, so an index entry left behind by an
 * edit never shows. A full scan decrypts every message (1.6 s for 100,000 on
 * LevelDB, `npm run bench -- search`); the index answers in milliseconds.
 * What the index gives away to someone with the disk and not the password:
 * how many messages share an (unknown) word, and when they were written.
 */
import type { SealedStore } from '../sealed-store.js'
import type { BatchOp } from '../../store/index.js'

/** Words longer than this are not indexed (nobody searches for them). */
const MAX_WORD = 48
/** Words indexed per message at most. */
const MAX_WORDS = 256
const WORD = /[\p{L}\p{N}]+/gu

/** The words of a text as the index keeps them: folded (case, accents, compatibility forms), each once. */
export function words (text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
  const out = new Set<string>()
  for (const [w] of folded.matchAll(WORD)) {
    if (w.length <= MAX_WORD) out.add(w)
    if (out.size >= MAX_WORDS) break
  }
  return [...out]
}

/** Where a message is: its conversation's key part, hlc and id (as in its m/ key). */
export interface Located {
  ck: string
  hlc: string
  id: string
}

export class SearchIndex {
  private readonly hashes = new Map<string, string>()

  constructor (private readonly store: SealedStore) {}

  /** The keyed hash a word is indexed under. */
  private hash (word: string): string {
    let h = this.hashes.get(word)
    if (h === undefined) {
      h = this.store.name(`search:${word}`)
      if (this.hashes.size > 50_000) this.hashes.clear()
      this.hashes.set(word, h)
    }
    return h
  }

  private key (word: string, at: Located): string {
    return `x/${this.hash(word)}/${at.ck}/${at.hlc}/${at.id}`
  }

  /** Writes indexing a text. */
  add (text: string, at: Located): BatchOp[] {
    return words(text).map(w => this.store.putBytes(this.key(w, at), new Uint8Array(0)))
  }

  /** Writes taking a text's words out (a deletion), keeping those of `keep` (an edit's new text). */
  remove (text: string, at: Located, keep = ''): BatchOp[] {
    const kept = new Set(words(keep))
    return words(text).filter(w => !kept.has(w)).map(w => this.store.del(this.key(w, at)))
  }

  /**
   * Messages with every word of the query (in one conversation when `ck` is
   * given), newest first: candidates from the keys alone.
   */
  async candidates (query: string[], ck?: string): Promise<Located[]> {
    let found: Map<string, Located> | undefined
    for (const word of query) {
      const prefix = `x/${this.hash(word)}/${ck === undefined ? '' : `${ck}/`}`
      const here = new Map<string, Located>()
      for await (const key of this.store.keys(prefix)) {
        const [, , c, hlc, id] = key.split('/')
        if (c === undefined || hlc === undefined || id === undefined) continue
        const k = `${c}/${hlc}/${id}`
        if (found === undefined || found.has(k)) here.set(k, { ck: c, hlc, id })
      }
      found = here
      if (found.size === 0) break
    }
    return [...(found?.values() ?? [])].sort((a, b) => a.hlc < b.hlc ? 1 : a.hlc > b.hlc ? -1 : 0)
  }
}
