/**
 * Terminal UI render benchmark: what measuring text by grapheme cluster
 * (Intl.Segmenter + string-width, cli/tui/text.ts) costs on the render path.
 * The TUI renders a frame on every message: it wraps the whole open
 * conversation and paints the screen. Measured here: width of mixed text
 * against the old code-point table it replaced, and one full frame (render +
 * paint, 120x40) of a conversation of 200 messages, ASCII only and with
 * emoji and CJK in every other message.
 *
 * Progress goes to stderr; run() returns the figures for test/bench/run.ts.
 */
import { performance } from 'node:perf_hooks'
import { renderFrame } from '../../cli/tui/frame.js'
import { paintFrame } from '../../cli/tui/paint.js'
import { measureFor, MODERN_TERMINAL } from '../../cli/tui/text.js'
import { initialState, update } from '../../cli/tui/view-model.js'
import type { Snapshot, TuiState } from '../../cli/tui/state.js'

type BenchResult = Record<string, number | string | boolean>

const MESSAGES = 200
const FRAMES = 200
const WIDTH_CALLS = 200_000
const NOW = Date.UTC(2025, 2, 4, 14, 2)

function log (message: string): void {
  process.stderr.write(`tui.bench: ${message}\n`)
}

/** The width table the TUI used before (code points only, no clusters): the baseline. */
function oldWidth (text: string): number {
  let w = 0
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    const zero = (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x200d
    const wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff)
    w += zero ? 0 : wide ? 2 : 1
  }
  return w
}

function perCall (fn: () => void, n: number): number {
  for (let i = 0; i < Math.min(1000, n); i++) fn()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn()
  return (performance.now() - t0) * 1000 / n // µs
}

function conversation (mixed: boolean): TuiState {
  const snap: Snapshot = {
    status: { networkId: '0a1b2c3d4e5f6071', peerId: 'me', peers: 3 },
    roles: { relay: null, idp: null, kacls: null, warnings: [] },
    whoami: { username: 'bob', loggedIn: true },
    users: []
  }
  let s = initialState({ width: 120, height: 40 }, snap).state
  s = update(s, { type: 'history', conversation: '#lobby', limit: 50, messages: [] }, NOW).state
  for (let i = 0; i < MESSAGES; i++) {
    const text = mixed && i % 2 === 0
      ? `emoji \u{1F600}\u{1F44D}\u{1F3FD}\u{1F389} and 中文 한국어 日本語, message ${i}, long enough to wrap once on a 120-column terminal: lorem ipsum dolor sit amet`
      : `plain message ${i}, long enough to wrap once on a 120-column terminal: lorem ipsum dolor sit amet, consectetur adipiscing elit`
    s = update(s, { type: 'message', message: { id: `m${i}`, conversation: '#lobby', from: 'alice', to: 'bob', text, sentAt: NOW, hlc: `${NOW}.${String(i).padStart(5, '0')}`, direction: 'in' } }, NOW).state
  }
  return s
}

function frameMs (state: TuiState): number {
  const m = measureFor(MODERN_TERMINAL)
  return perCall(() => { paintFrame(renderFrame(state, NOW), m) }, FRAMES) / 1000
}

export async function run (): Promise<BenchResult> {
  const m = measureFor(MODERN_TERMINAL)
  const mixed = 'emoji \u{1F600}\u{1F44D}\u{1F3FD}\u{1F389} and 中文 한국어 日本語 in a line of chat'
  const ascii = 'a plain line of chat, ASCII only, as most of them are'
  log(`width of one ${[...mixed].length}-code-point line, ${WIDTH_CALLS} times`)
  const widthMixedUs = perCall(() => { m.width(mixed) }, WIDTH_CALLS)
  const widthMixedOldUs = perCall(() => { oldWidth(mixed) }, WIDTH_CALLS)
  const widthAsciiUs = perCall(() => { m.width(ascii) }, WIDTH_CALLS)
  log(`one frame (render + paint, 120x40) of ${MESSAGES} messages, ${FRAMES} times`)
  const frameAsciiMs = frameMs(conversation(false))
  const frameMixedMs = frameMs(conversation(true))
  const result = {
    tui_width_mixed_line_us: Number(widthMixedUs.toFixed(3)),
    tui_width_mixed_line_old_table_us: Number(widthMixedOldUs.toFixed(3)),
    tui_width_ascii_line_us: Number(widthAsciiUs.toFixed(3)),
    tui_frame_200_ascii_messages_ms: Number(frameAsciiMs.toFixed(3)),
    tui_frame_200_mixed_messages_ms: Number(frameMixedMs.toFixed(3))
  }
  log(JSON.stringify(result))
  return result
}
