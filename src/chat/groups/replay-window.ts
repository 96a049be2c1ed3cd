/**
 * Replay protection of group messages (docs/groups.md, "Receiving"): per
 * (group, epoch, sender), the highest seq seen and the seqs not seen among
 * the REPLAY_WINDOW below it. A seq seen before, or older than the window,
 * is a replay. `seen` and `mark` are pure functions over a window value;
 * `ReplayWindows` keeps the windows in memory and writes the changed ones a
 * moment later, many in one write.
 */
import { REPLAY_WINDOW, WINDOW_SAVE_MS } from './constants.js'
import { pad } from './context.js'
import type { Logger } from '../../logger.js'
import type { SealedStore } from '../../sealed-store.js'

export interface ReplayWindow {
  /** The highest seq seen (0: none yet) */
  readonly max: number
  /** Seqs in [max - size, max) not seen yet; anything below that range counts as seen */
  readonly missing: ReadonlySet<number>
}

export const EMPTY_WINDOW: ReplayWindow = { max: 0, missing: new Set() }

/** Whether `seq` was seen, or is too old to tell (a replay either way). */
export function seen (w: ReplayWindow, seq: number, size = REPLAY_WINDOW): boolean {
  return seq <= w.max && (seq < w.max - size || !w.missing.has(seq))
}

/** The window once `seq` (not seen: check first) is seen; `w` is left as it was. */
export function mark (w: ReplayWindow, seq: number, size = REPLAY_WINDOW): ReplayWindow {
  if (seq <= w.max) {
    if (!w.missing.has(seq)) return w
    const missing = new Set(w.missing)
    missing.delete(seq)
    return { max: w.max, missing }
  }
  const floor = seq - size
  // In order with nothing missing, the usual case: nothing to copy.
  if (seq === w.max + 1 && w.missing.size === 0) return { max: seq, missing: w.missing }
  const missing = new Set<number>()
  for (const s of w.missing) if (s >= floor) missing.add(s)
  for (let s = Math.max(w.max + 1, floor, 1); s < seq; s++) missing.add(s)
  return { max: seq, missing }
}

/** How a window is stored: r/<epoch>/<sender hash> under the group's prefix. */
interface StoredWindow {
  max: number
  missing: number[]
}

export class ReplayWindows {
  /** (group prefix, epoch, sender) -> the window and its storage key */
  private readonly windows = new Map<string, { key: string, window: ReplayWindow }>()
  private readonly dirty = new Map<string, ReplayWindow>()
  /** The one pending write of changed windows */
  private timer?: ReturnType<typeof setTimeout>

  constructor (private readonly store: SealedStore, private readonly log: Logger, private readonly saveMs = WINDOW_SAVE_MS) {}

  /** The window of `sender` in `epoch` of the group stored under `prefix` (read from the store once). */
  async load (prefix: string, epoch: number, sender: string): Promise<{ key: string, window: ReplayWindow }> {
    const id = `${prefix}${epoch}/${sender}`
    const known = this.windows.get(id)
    if (known !== undefined) return known
    const key = `${prefix}r/${pad(epoch)}/${this.store.name(sender)}`
    const stored = await this.store.get<StoredWindow>(key)
    const entry = this.windows.get(id) ?? { key, window: stored === undefined ? EMPTY_WINDOW : { max: stored.max, missing: new Set(stored.missing) } }
    this.windows.set(id, entry)
    return entry
  }

  /**
   * Keeps a window's new value, written within `saveMs`. A restart that loses
   * the last ones loses nothing that matters: a replay of those messages is
   * still recognised by its message id in the history (Timeline.record).
   */
  save (entry: { key: string, window: ReplayWindow }, window: ReplayWindow): void {
    entry.window = window
    this.dirty.set(entry.key, window)
    this.timer ??= setTimeout(() => { void this.flush() }, this.saveMs)
  }

  /** Writes the changed windows now (stop calls it). */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.dirty.size === 0) return
    const ops = [...this.dirty].map(([key, w]) => this.store.put(key, { max: w.max, missing: [...w.missing] } satisfies StoredWindow))
    this.dirty.clear()
    try {
      await this.store.write(ops)
    } catch (err) {
      this.log.error('could not save the seen seqs: %s', (err as Error).message)
    }
  }
}
