/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014):
 * timestamps that follow wall time when clocks agree, yet never go backwards
 * and always order a message after every message its sender had seen. The
 * message history is ordered by them, never by anyone's raw wall clock.
 */
export interface Hlc {
  /** ms since the epoch: the largest wall time seen */
  wall: number
  /** orders events within one `wall` millisecond */
  counter: number
}

/** Largest counter before it spills into the next millisecond. */
const MAX_COUNTER = 0xffff
/**
 * A remote timestamp further ahead of our clock than this is not believed (a
 * broken or hostile clock): the clock does not follow it, and a message so
 * stamped is kept with the time it arrived (Timeline). Clocks on the network
 * are assumed to agree within 2 minutes (docs/threat-model.md); this leaves room.
 */
export const MAX_HLC_DRIFT_MS = 5 * 60_000

export function compareHlc (a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter
}

/** A fixed-width, sortable string form: 13 digits of ms, 5 of counter. */
export function formatHlc (t: Hlc): string {
  return `${String(t.wall).padStart(13, '0')}.${String(t.counter).padStart(5, '0')}`
}

/** Whether a remote stamp can be believed at local time `now`: well-formed, and not beyond the drift allowed. */
export function believable (t: Hlc, now: number): boolean {
  return Number.isSafeInteger(t.wall) && t.wall >= 0 && t.wall - now <= MAX_HLC_DRIFT_MS &&
    Number.isInteger(t.counter) && t.counter >= 0 && t.counter <= MAX_COUNTER
}

export function parseHlc (s: string): Hlc {
  const [wall, counter] = s.split('.')
  return { wall: Number(wall), counter: Number(counter) }
}

export class HybridClock {
  private last: Hlc = { wall: 0, counter: 0 }

  constructor (private readonly now: () => number = Date.now) {}

  /** Timestamp for a local event (sending a message). */
  tick (): Hlc {
    const wall = this.now()
    if (wall > this.last.wall) this.last = { wall, counter: 0 }
    else this.last = this.bump(this.last)
    return { ...this.last }
  }

  /** Timestamp for receiving a message stamped `remote`: after both it and everything we had. */
  receive (remote: Hlc): Hlc {
    const wall = this.now()
    const trusted = believable(remote, wall) ? remote : { wall, counter: 0 }
    const max = Math.max(wall, this.last.wall, trusted.wall)
    let counter: number
    if (max === this.last.wall && max === trusted.wall) counter = Math.max(this.last.counter, trusted.counter) + 1
    else if (max === this.last.wall) counter = this.last.counter + 1
    else if (max === trusted.wall) counter = trusted.counter + 1
    else counter = 0
    this.last = counter > MAX_COUNTER ? { wall: max + 1, counter: 0 } : { wall: max, counter }
    return { ...this.last }
  }

  /** Moves the clock past a timestamp known from storage (after a restart). */
  observe (t: Hlc): void {
    if (compareHlc(t, this.last) > 0) this.last = { ...t }
  }

  private bump (t: Hlc): Hlc {
    return t.counter >= MAX_COUNTER ? { wall: t.wall + 1, counter: 0 } : { wall: t.wall, counter: t.counter + 1 }
  }
}
