/**
 * Search benchmark (issue 18): 100,000 messages in 20 conversations stored
 * through the timeline in a real LevelDB store (sealed like every node's),
 * then the sealed word index against a full scan that decrypts every message.
 * Figures: writing with the index (messages a second), a one-word and a
 * two-word query across every conversation and in one, and the scan.
 *
 * Progress goes to stderr; run() returns the figures for test/bench/run.ts.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { SealedStore } from '../../src/sealed-store.js'
import { formatHlc, Timeline, words } from '../../src/timeline/index.js'
import { openStore } from '../../store/index.js'
import type { ChatMessage } from '../../src/timeline/index.js'

type BenchResult = Record<string, number | string | boolean>

const MESSAGES = Number(process.env.SEARCH_BENCH_MESSAGES ?? 100_000)
const CONVERSATIONS = 20
const VOCABULARY = 'alpha beta gamma delta lunch noon meeting report server deploy coffee later tomorrow friday release build test crash fix network printer invoice holiday budget review'.split(' ')

function log (message: string): void {
  process.stderr.write(`search.bench: ${message}\n`)
}

export async function run (): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lanchat-search-bench-'))
  const store = await openStore(dir)
  const sealed = new SealedStore(store, new Uint8Array(randomBytes(32)))
  const timeline = new Timeline({ store: sealed })
  await timeline.start()
  const base = 1_800_000_000_000
  let seed = 1
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
  const t0 = performance.now()
  for (let start = 0; start < MESSAGES; start += 1000) {
    const byConversation = new Map<string, ChatMessage[]>()
    for (let i = start; i < Math.min(start + 1000, MESSAGES); i++) {
      const conversation = `user${i % CONVERSATIONS}`
      const text = Array.from({ length: 10 }, () => VOCABULARY[rand(VOCABULARY.length)]).join(' ') + ` ticket${i}`
      const m: ChatMessage = { id: `m${i}`, conversation, from: conversation, to: 'me', text, sentAt: base + i, hlc: formatHlc({ wall: base + i, counter: 0 }), direction: 'in', read: true }
      ;(byConversation.get(conversation) ?? byConversation.set(conversation, []).get(conversation)!).push(m)
    }
    for (const [, list] of byConversation) await timeline.commit(await timeline.addOps(list, false))
  }
  const writeMs = performance.now() - t0
  log(`stored ${MESSAGES} messages with the index in ${writeMs.toFixed(0)} ms`)
  const time = async (label: string, fn: () => Promise<number>): Promise<number> => {
    const s = performance.now()
    const n = await fn()
    const ms = performance.now() - s
    log(`${label}: ${ms.toFixed(1)} ms (${n} results)`)
    return ms
  }
  const rare = await time('one rare word (ticket77777), everywhere', async () => (await timeline.search('ticket77777')).length)
  const two = await time('two common words, everywhere, first 50', async () => (await timeline.search('lunch friday')).length)
  const one = await time('two common words in one conversation, first 50', async () => (await timeline.search('lunch friday', { conversation: 'user3' })).length)
  const scan = await time('full scan (decrypt every message) for two words', async () => {
    let n = 0
    const want = words('lunch friday')
    for await (const [, m] of sealed.entries<ChatMessage>('m/')) {
      const has = new Set(words(m.text))
      if (want.every(w => has.has(w))) n++
    }
    return n
  })
  await store.close()
  await rm(dir, { recursive: true, force: true })
  return {
    search_messages: MESSAGES,
    search_store_msgs_per_s: Math.round(MESSAGES / (writeMs / 1000)),
    search_rare_word_ms: Number(rare.toFixed(1)),
    search_two_words_all_ms: Number(two.toFixed(1)),
    search_two_words_one_conversation_ms: Number(one.toFixed(1)),
    search_full_scan_ms: Number(scan.toFixed(0))
  }
}
