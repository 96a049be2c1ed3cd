/**
 * Typing indicators from contacts, bounded: a contact's typing frames become
 * events only when what they say changes, or again after REPEAT_MS while it
 * stays "typing" (a node sends one every few seconds while its user types;
 * one that sends thousands a second gets no more events than that). Nothing
 * is stored; at most MAX_SENDERS contacts are remembered.
 */

/** A contact still typing is told again at most this often (the TUI's sender repeats every 3 s, and shows one for 6 s). */
export const TYPING_REPEAT_MS = 1_000
/** Contacts remembered at once; the oldest is forgotten first. */
const MAX_SENDERS = 1_000

export class TypingFilter {
  /** username -> what it last said, and when that was let through */
  private readonly last = new Map<string, { typing: boolean, at: number }>()

  constructor (private readonly clock: () => number = Date.now, private readonly repeatMs = TYPING_REPEAT_MS) {}

  /** Whether this frame from `user` is worth an event. */
  admit (user: string, typing: boolean): boolean {
    const now = this.clock()
    const last = this.last.get(user)
    if (last !== undefined && last.typing === typing && (!typing || now - last.at < this.repeatMs)) return false
    this.last.delete(user)
    this.last.set(user, { typing, at: now })
    if (this.last.size > MAX_SENDERS) this.last.delete(this.last.keys().next().value!)
    return true
  }
}
