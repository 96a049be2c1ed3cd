/**
 * Each contact's Double Ratchet sessions (the active one first, then older
 * ones whose messages may still arrive), kept in memory and persisted sealed
 * with the message that advanced them.
 */
import { deserializeSession, serializeSession } from '../../crypto/index.js'
import { createLogger } from '../../logger.js'
import { MAX_SESSIONS } from './constants.js'
import type { SessionState } from '../../crypto/index.js'
import type { SealedStore } from '../../sealed-store.js'
import type { BatchOp } from '../../../store/index.js'

export class SessionBook {
  private readonly sessions = new Map<string, SessionState[]>()
  /** Contacts whose active session was checked against the directory's key since start */
  private readonly checked = new Set<string>()
  /** Contact -> storage key (a keyed hash: worth computing once) */
  private readonly keys = new Map<string, string>()
  private readonly log = createLogger('chat:sessions')

  constructor (private readonly store: SealedStore) {}

  private key (peer: string): string {
    let key = this.keys.get(peer)
    if (key === undefined) {
      key = `s/${this.store.name(peer)}`
      this.keys.set(peer, key)
    }
    return key
  }

  async load (peer: string): Promise<SessionState[]> {
    const cached = this.sessions.get(peer)
    if (cached !== undefined) return cached
    const stored = await this.store.get<{ sessions: string[] }>(this.key(peer))
    const sessions: SessionState[] = []
    for (const s of stored?.sessions ?? []) {
      try {
        sessions.push(deserializeSession(Buffer.from(s, 'base64')))
      } catch (err) {
        this.log.error('dropping an unreadable session with %s: %s', peer, (err as Error).message)
      }
    }
    this.sessions.set(peer, sessions)
    return sessions
  }

  /** The sessions in memory, when the contact's active one is known good to send with. */
  ready (peer: string): SessionState[] | undefined {
    const sessions = this.sessions.get(peer)
    return this.checked.has(peer) && sessions !== undefined && sessions.length > 0 ? sessions : undefined
  }

  markChecked (peer: string): void {
    this.checked.add(peer)
  }

  /** Replaces the contact's sessions in memory; the returned write persists them. */
  set (peer: string, sessions: SessionState[]): BatchOp {
    const kept = sessions.slice(0, MAX_SESSIONS)
    this.sessions.set(peer, kept)
    if (kept.length === 0) this.checked.delete(peer)
    return this.store.put(this.key(peer), { sessions: kept.map(s => Buffer.from(serializeSession(s)).toString('base64')) })
  }

  /** Puts back what was in memory before a write that failed. */
  restore (peer: string, sessions: SessionState[]): void {
    this.sessions.set(peer, sessions)
  }
}
