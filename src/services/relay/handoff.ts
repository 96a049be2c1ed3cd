/**
 * Mail a node took in while it held the relay role (a failover) would be
 * stranded once the role moves on: it is passed, mailbox by mailbox, to the
 * holder of now, and deleted here once that one has it (docs/services.md,
 * "handoff"). Runs when the role moves, and every minute while mail is left.
 * The holder takes handed-over mail from a node that held the role only.
 */
import { createLogger } from '../../logger.js'
import { Rerun } from '../../lock.js'
import { canonicalUsername } from '../../usernames.js'
import { ServiceError } from '../errors.js'
import { replicationOf } from '../replicated.js'
import { HANDOFF, RELAY } from './spec.js'
import type { Mailbox } from './mailbox.js'
import type { RelayComponents } from './relay.js'
import type { CallContext } from '../rpc.js'
import type { HandoffRequest, HandoffResponse } from './pb/relay.js'

/** How often a node holding mail but not the role tries to hand it over (besides when the role moves). */
const HANDOFF_INTERVAL_MS = 60_000
const MAX_HANDOFF = 100
const HANDOFF_BUDGET_BYTES = 3 * 1024 * 1024

export interface MailHandoffInit {
  clock: () => number
  /** How long mail lives from its deposit (RelayInit.mailTtlMs) */
  mailTtlMs: number
  /** The relay is started */
  running: () => boolean
}

export class MailHandoff {
  /** Hand-overs, one at a time; the role moving again during one makes it run once more */
  private readonly handoffs = new Rerun(async () => this.handOffOnce(), { go: () => this.init.running() })
  private timer?: ReturnType<typeof setInterval>
  private readonly log = createLogger('relay')

  constructor (private readonly components: RelayComponents, private readonly mailbox: Mailbox, private readonly init: MailHandoffInit) {}

  start (): void {
    this.timer = setInterval(() => { void this.handOff() }, HANDOFF_INTERVAL_MS)
    this.timer.unref?.()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Hands the mail held here to the holder of now (one run at a time). */
  async handOff (): Promise<void> {
    return this.handoffs.request()
  }

  private async handOffOnce (): Promise<void> {
    try {
      const { registry, rpc } = this.components
      // Replicated, the holder has this node's mail already (and deleting it here would delete it there too).
      if (replicationOf(this.components).networked) return
      const holder = registry.holderOf('relay')
      if (!this.init.running() || registry.serves('relay') || holder === null || holder === registry.self) return
      for (const to of await this.mailbox.recipients()) {
        for (;;) {
          const { messages } = await this.mailbox.fetch(to, MAX_HANDOFF, undefined, HANDOFF_BUDGET_BYTES)
          if (messages.length === 0) break
          const { accepted } = await rpc.call(RELAY, HANDOFF, { messages: messages.map(m => ({ to, ...m })) })
          const taken = new Set(accepted)
          const done = messages.filter(m => taken.has(`${to}/${m.id}`)).map(m => m.id)
          await this.mailbox.ack(to, done)
          this.log('handed %d messages for %s to the relay holder %s', done.length, to, holder)
          if (done.length < messages.length) break
        }
      }
    } catch (err) {
      this.log('handing mail over failed: %s', (err as Error).message)
    }
  }

  /**
   * Mail from a node that held the relay role (by this node's own election:
   * the connection authenticates it), within the life mail may have. What it
   * says of each message (sender, times) is kept within those bounds only:
   * the envelopes themselves are end to end, checked by their recipient.
   */
  async accept (req: HandoffRequest, ctx: CallContext): Promise<HandoffResponse> {
    if (!this.components.registry.heldRole('relay', ctx.remotePeer)) {
      throw new ServiceError('FORBIDDEN', 'only a node that held the relay role can hand mail over')
    }
    const accepted: string[] = []
    const now = this.init.clock()
    for (const m of req.messages) {
      try {
        const to = canonicalUsername(m.to)
        // Deposited no later than now, kept no longer than mail lives from then.
        const depositedAt = Math.min(m.depositedAt, now)
        const expiresAt = Math.min(m.expiresAt, depositedAt + this.init.mailTtlMs)
        if (expiresAt <= now) continue
        await this.mailbox.deposit(to, canonicalUsername(m.from), m.id, m.envelope, { depositedAt, expiresAt })
        accepted.push(`${to}/${m.id}`)
      } catch (err) {
        // Left with the sender: over quota, or an id another sender holds here.
        this.log('refused handed-over mail %s for %s: %s', m.id, m.to, (err as Error).message)
      }
    }
    return { accepted }
  }
}
