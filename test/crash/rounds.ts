/**
 * One crash-safety round: alice sends a burst of N messages to bob (all the
 * `send` commands written at once), and one process (the sender, the
 * receiver or the relay holder) is SIGKILLed at a random point of it, then
 * restarted on its data directory after a random pause. The round then waits
 * for every message alice's node acknowledged (its `send` reply: the message
 * is stored) to be in bob's history, and counts:
 * - acked: `send` replies received (what the user was told is safe),
 * - delivered: acked messages in bob's history (lost = acked - delivered),
 * - duplicated: a message twice in bob's history or in his `message` events,
 * - reordered: bob's history (hybrid-logical-clock order) not in send order,
 * - arrival inversions: `message` events out of send order (allowed: direct
 *   and relayed copies race; docs/headless.md says events come in arrival order).
 * Random choices come from the caller's seeded PRNG.
 */
import type { CrashCluster, Member } from './cluster.js'
import type { HeadlessNode, Line } from '../helpers/headless-node.js'

/** receiver+relay: bob is killed, then the relay holder while alice drains the burst into its mailbox. */
export type Target = 'sender' | 'receiver' | 'relay' | 'receiver+relay'
/** One kill a round, in turn (npm test's bounded suite) */
export const TARGETS: Target[] = ['sender', 'receiver', 'relay']
/** What `npm run crash` cycles through */
export const ALL_TARGETS: Target[] = [...TARGETS, 'receiver+relay']
const MEMBER: Record<Target, Member> = { sender: 'alice', receiver: 'bob', relay: 'relay', 'receiver+relay': 'bob' }

export interface RoundOptions {
  round: number
  messages: number
  target: Target
  rng: () => number
  /** How long to wait for the acked messages after the restart */
  convergeTimeoutMs: number
  log?: (line: string) => void
}

export interface RoundResult {
  round: number
  target: Target
  /** When the kill came: after this many of the burst were acked (sender) or received (others) */
  killAfter: number
  downMs: number
  acked: number
  delivered: number
  lost: number
  duplicated: number
  reordered: number
  arrivalInversions: number
  /** Sent but not acked (the sender died first) that arrived anyway */
  unackedDelivered: number
  /** In bob's history without a `message` event: stored just before bob was killed, its event line not yet written */
  unannounced: number
  /** From the restarted node's login (or its start, for the relay) to the last acked message in bob's history */
  convergeMs: number
  converged: boolean
}

/** mulberry32: a small seeded PRNG, so a round's kill points can be replayed from the printed seed. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls until `check` holds or the time is up; whether it held. */
async function poll (check: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    if (check()) return true
    if (Date.now() > deadline) return false
    await sleep(everyMs)
  }
}

/** The `message` events of this round's texts, over every incarnation of bob. */
function arrivals (bobs: HeadlessNode[], marks: number[], prefix: string): Line[] {
  return bobs.flatMap((b, i) => b.lines.slice(marks[i] ?? 0)).filter(l => l.event === 'message' && typeof l.text === 'string' && l.text.startsWith(prefix))
}

/** bob's history with alice, newest pages first until the round's start (texts of earlier rounds). */
async function roundHistory (bob: HeadlessNode, prefix: string): Promise<Line[]> {
  const out: Line[] = []
  let before: string | undefined
  for (;;) {
    const { messages } = await bob.call('history', { with: 'alice', limit: 1000, ...(before === undefined ? {} : { before }) }, 60_000) as { messages: Line[] }
    out.unshift(...messages.filter(m => (m.text as string).startsWith(prefix)))
    if (messages.length < 1000 || messages.some(m => !(m.text as string).startsWith(prefix))) return out
    before = messages[0]!.hlc as string
  }
}

const indexOf = (text: unknown, prefix: string): number => Number((text as string).slice(prefix.length))

export async function crashRound (cluster: CrashCluster, opts: RoundOptions): Promise<RoundResult> {
  const { round, messages, target, rng } = opts
  const log = opts.log ?? (() => {})
  const prefix = `r${round}-`
  const alice = cluster.node('alice')
  const bobs = [cluster.node('bob')]
  const marks = [bobs[0]!.mark()]
  const aliceMark = alice.mark()
  const killAfter = Math.floor(rng() * messages)
  const downMs = Math.floor(rng() * 2_000)

  // The burst: every send command in one write.
  let burst = ''
  for (let i = 0; i < messages; i++) burst += JSON.stringify({ id: `${prefix}${i}`, cmd: 'send', to: 'bob', text: `${prefix}${i}` }) + '\n'
  alice.writeRaw(burst)
  const replies = (): Line[] => alice.lines.slice(aliceMark).filter(l => typeof l.id === 'string' && l.id.startsWith(prefix) && 'ok' in l)

  const killed = MEMBER[target]
  const reached = target === 'sender'
    ? await poll(() => replies().length >= killAfter, 60_000, 1)
    : await poll(() => arrivals(bobs, marks, prefix).length >= killAfter, 60_000, 1)
  if (!reached) log(`round ${round}: kill point ${killAfter} not reached in 60 s; killing anyway`)
  await cluster.kill(killed)
  const killedAt = Date.now()
  log(`round ${round}: killed ${killed} (pid ${cluster.pid(killed)}) after ${killAfter} of ${messages}; down for ${downMs} ms`)

  if (target === 'receiver+relay') {
    // With bob gone alice drains into the relay's mailbox; its holder dies in the middle of that.
    await sleep(500 + Math.floor(rng() * 2_500))
    await cluster.kill('relay')
    log(`round ${round}: killed relay (pid ${cluster.pid('relay')}) while alice drains into it`)
  }
  if (target !== 'sender') await poll(() => replies().length >= messages, 60_000)
  await sleep(Math.max(0, downMs - (Date.now() - killedAt)))
  if (target === 'receiver+relay') await cluster.restart('relay')
  const restarted = await cluster.restart(killed)
  const upAt = Date.now()
  if (killed === 'bob') {
    bobs.push(restarted)
    marks.push(0)
  }
  const acked = new Set(replies().filter(l => l.ok === true).map(l => l.messageId as string))
  const ackedTexts = new Set(replies().filter(l => l.ok === true).map(l => l.id as string))
  // Arrived: a `message` event, or (every 2 s) in bob's history. A message bob stored just before a SIGKILL
  // may never be announced: its event line was not written yet, and after the restart it is no longer new.
  let converged = false
  let lastHistory = 0
  for (const deadline = Date.now() + opts.convergeTimeoutMs; Date.now() <= deadline;) {
    const got = new Set(arrivals(bobs, marks, prefix).map(l => l.id as string))
    let missing = [...acked].filter(id => !got.has(id))
    if (missing.length > 0 && Date.now() - lastHistory > 2_000) {
      lastHistory = Date.now()
      const stored = new Set((await roundHistory(bobs.at(-1)!, prefix)).map(m => m.id as string))
      missing = missing.filter(id => !stored.has(id))
    }
    if (missing.length === 0) {
      converged = true
      break
    }
    await sleep(50)
  }
  const convergeMs = Date.now() - upAt

  const events = arrivals(bobs, marks, prefix)
  const history = await roundHistory(bobs.at(-1)!, prefix)
  const historyIds = new Set(history.map(m => m.id as string))
  const eventIds = new Set(events.map(l => l.id as string))
  const texts = history.map(m => indexOf(m.text, prefix))
  let reordered = 0
  for (let i = 1; i < texts.length; i++) if (texts[i]! < texts[i - 1]!) reordered++
  let arrivalInversions = 0
  const order = events.map(l => indexOf(l.text, prefix))
  for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) arrivalInversions++
  const delivered = [...acked].filter(id => historyIds.has(id)).length
  const unackedDelivered = history.filter(m => !ackedTexts.has(m.text as string)).length
  const unannounced = history.filter(m => !eventIds.has(m.id as string)).length
  return {
    round,
    target,
    killAfter,
    downMs,
    acked: acked.size,
    delivered,
    lost: acked.size - delivered,
    duplicated: (history.length - new Set(history.map(m => m.text)).size) + (events.length - eventIds.size),
    reordered,
    arrivalInversions,
    unackedDelivered,
    unannounced,
    convergeMs,
    converged
  }
}

export interface Totals {
  rounds: number
  acked: number
  delivered: number
  lost: number
  duplicated: number
  reordered: number
  arrivalInversions: number
  unannounced: number
  unconverged: number
}

export function totals (results: RoundResult[]): Totals {
  const sum = (f: (r: RoundResult) => number): number => results.reduce((s, r) => s + f(r), 0)
  return {
    rounds: results.length,
    acked: sum(r => r.acked),
    delivered: sum(r => r.delivered),
    lost: sum(r => r.lost),
    duplicated: sum(r => r.duplicated),
    reordered: sum(r => r.reordered),
    arrivalInversions: sum(r => r.arrivalInversions),
    unannounced: sum(r => r.unannounced),
    unconverged: results.filter(r => !r.converged).length
  }
}

export function formatRound (r: RoundResult): string {
  return `round ${r.round} kill ${r.target.padEnd(14)} after ${String(r.killAfter).padStart(5)} down ${String(r.downMs).padStart(4)} ms: ` +
    `acked ${r.acked} delivered ${r.delivered} lost ${r.lost} duplicated ${r.duplicated} reordered ${r.reordered} ` +
    `(arrival inversions ${r.arrivalInversions}, unacked delivered ${r.unackedDelivered}, unannounced ${r.unannounced}) converged ${r.converged ? `in ${r.convergeMs} ms` : `NOT in ${r.convergeMs} ms`}`
}
