/**
 * The relay's side of this user's DMs: mail deposited while this user was
 * away is fetched, received and acknowledged (so the relay deletes it), and
 * the prekeys at the relay are kept stocked so others can start sessions
 * while this user is offline. Both run at start and every MAILBOX_POLL_MS;
 * a failed prekey publication is tried again sooner (PREKEY_RETRY_MIN_MS,
 * doubling up to the poll), since nobody can start a session with this user
 * until it succeeds.
 */
import { createLogger } from '../../logger.js'
import { DmEnvelope } from '../pb/chat.js'
import { PREKEY_RETRY_MIN_MS, RETRY_LATER_CODES } from './constants.js'
import { RetryLoop } from '../../retry.js'
import type { DmRelay } from './index.js'
import type { LocalPreKeys } from './prekeys.js'
import type { Receiver } from './receiver.js'

export interface MailboxComponents {
  relay: Pick<DmRelay, 'fetch' | 'ack' | 'bundleStatus' | 'publishBundle'>
  receiver: Pick<Receiver, 'receive'>
  prekeys: Pick<LocalPreKeys, 'replenish'>
}

export interface MailboxInit {
  mailboxPollMs: number
  fetchBatch: number
}

export class Mailbox {
  private readonly log = createLogger('chat:mailbox')
  private timer?: ReturnType<typeof setInterval>
  private fetching?: Promise<void>
  /** Asked for while a check was under way: one more after it */
  private again = false
  private running = false
  /** The prekey publication: one key, retried with backoff until it succeeds */
  private readonly prekeys: RetryLoop<'prekeys'>

  constructor (private readonly c: MailboxComponents, private readonly init: MailboxInit) {
    this.prekeys = new RetryLoop(async () => await this.replenish(), { retryMinMs: PREKEY_RETRY_MIN_MS, retryMaxMs: init.mailboxPollMs })
  }

  start (): void {
    this.running = true
    this.prekeys.soon('prekeys')
    void this.fetchMail()
    this.timer = setInterval(() => { void this.fetchMail(); this.prekeys.soon('prekeys') }, this.init.mailboxPollMs)
  }

  /** Checks no more; resolves once the check under way (its relay calls aborted by the caller) is over. */
  async stop (): Promise<void> {
    this.running = false
    clearInterval(this.timer)
    await this.prekeys.stop()
    await this.fetching
  }

  /** Drains this user's mailbox at the relay: processes, then acknowledges, each batch. */
  async fetchMail (): Promise<void> {
    if (!this.running) return
    this.fetching ??= (async () => {
      try {
        let after: string | undefined
        for (let more = true; more && this.running;) {
          const reply = await this.c.relay.fetch({ limit: this.init.fetchBatch, after })
          after = reply.cursor
          more = reply.more
          const done: string[] = []
          // Each sender's mail, in order, as one batch.
          const bySender = new Map<string, Array<{ mailId: string, env: DmEnvelope }>>()
          for (const mail of reply.messages) {
            try {
              const list = bySender.get(mail.from) ?? []
              list.push({ mailId: mail.id, env: DmEnvelope.decode(mail.envelope) })
              bySender.set(mail.from, list)
            } catch {
              done.push(mail.id)
            }
          }
          for (const [from, list] of bySender) {
            const { acks, rejects } = await this.c.receiver.receive(list.map(m => m.env), undefined, from)
            // Refused mail will never decrypt: it is dropped too (the sender's
            // receipt never comes). Mail refused for now (a failure here, or
            // too far ahead of mail not yet fetched) stays for the next check.
            const handled = new Set([...acks, ...rejects.filter(r => !RETRY_LATER_CODES.has(r.code)).map(r => r.id)])
            for (const m of list) if (handled.has(m.env.id)) done.push(m.mailId)
          }
          if (done.length > 0) await this.c.relay.ack(done)
          if (reply.messages.length === 0) break
        }
      } catch (err) {
        this.log('mailbox check failed: %s', (err as Error).message)
      } finally {
        this.fetching = undefined
      }
    })()
    return this.fetching
  }

  /** Drains the mailbox now, or once more after the check under way (which may have missed the newest mail). */
  fetchSoon (): void {
    if (this.fetching === undefined) {
      void this.fetchMail()
      return
    }
    if (this.again) return
    this.again = true
    void this.fetching.then(() => {
      this.again = false
      void this.fetchMail()
    })
  }

  /** Keeps the relay stocked with this user's prekeys (one round of the retry loop). */
  private async replenish (): Promise<'done' | 'retry'> {
    try {
      await this.c.prekeys.replenish(this.c.relay)
      return 'done'
    } catch (err) {
      this.log('publishing prekeys failed: %s', (err as Error).message)
      return 'retry'
    }
  }
}
