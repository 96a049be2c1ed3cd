/**
 * The terminal UI: `lanchat start` without --headless. A pure view model
 * (view-model.ts, frame.ts), a controller that drives the node through its
 * public API (controller.ts), and a thin blessed view (view.ts).
 * docs/tui.md describes it for people.
 */
import { CliError } from '../errors.js'
import { TuiController } from './controller.js'
import { BlessedView } from './view.js'
import type { TuiNode } from './controller.js'
import type { ViewIo } from './view.js'
import type { Action } from './state.js'

export type { TuiNode } from './controller.js'
export { TuiController, describeError } from './controller.js'

/** Lines the node wrote to stderr while the UI ran, printed after it (at most this many). */
const MAX_CAPTURED_LINES = 100

/**
 * Keeps stderr off the screen the UI draws on: while it runs, what is written
 * to a terminal stderr (warnings, DEBUG logs) is held and printed after the UI
 * is gone. A redirected stderr (a file, a pipe) is left alone.
 */
function holdStderr (): () => string[] {
  const stderr = process.stderr
  if (stderr.isTTY !== true) return () => []
  const original = stderr.write
  let held: string[] = []
  stderr.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    if (held.length > MAX_CAPTURED_LINES * 2) held = held.slice(-MAX_CAPTURED_LINES)
    const done = typeof encoding === 'function' ? encoding : cb
    if (typeof done === 'function') process.nextTick(done as () => void)
    return true
  }) as typeof stderr.write
  return () => {
    stderr.write = original
    return held.join('').split('\n').filter(l => l !== '').slice(-MAX_CAPTURED_LINES)
  }
}

/**
 * Runs the terminal UI on `io` (the process's terminal by default) until the
 * person quits, then gives the terminal back. The caller stops the node.
 */
export interface TuiOptions {
  /** Ring the terminal bell for a new message not in sight (default true; --no-bell turns it off) */
  bell?: boolean
  /** Tell contacts when this user types to them (default true; --no-typing turns it off) */
  typing?: boolean
}

export async function runTui (node: TuiNode, io: ViewIo = { input: process.stdin, output: process.stdout }, options: TuiOptions = {}): Promise<void> {
  if (io.input.isTTY !== true || io.output.isTTY !== true) {
    throw new CliError('the terminal UI needs a terminal: use --headless to drive lanchat from a script (docs/headless.md)')
  }
  const releaseStderr = holdStderr()
  const { promise: quit, resolve } = Promise.withResolvers<void>()
  let view: BlessedView | undefined
  let controller: TuiController | undefined
  // Keys pressed while the terminal is probed are kept for the controller.
  const early: Action[] = []
  const dispatch = (action: Action): void => {
    if (controller === undefined) early.push(action)
    else controller.dispatch(action)
  }
  try {
    view = new BlessedView(io, {
      onKey: key => { dispatch({ type: 'key', key }) },
      onResize: (width, height) => { dispatch({ type: 'resize', width, height }) },
      onFocus: focused => { dispatch({ type: 'focus', focused }) }
    })
    const v = view
    const terminal = await v.probeWidths()
    controller = new TuiController(node, {
      size: { width: v.width, height: v.height },
      render: frame => { v.draw(frame) },
      onQuit: resolve,
      bell: () => { v.bell() },
      redraw: () => { v.redraw() },
      terminal,
      ...(options.bell !== undefined ? { bellEnabled: options.bell } : {}),
      ...(options.typing !== undefined ? { typingEnabled: options.typing } : {})
    })
    controller.start()
    for (const action of early.splice(0)) controller.dispatch(action)
    await quit
  } finally {
    controller?.stop()
    view?.destroy()
    const held = releaseStderr()
    if (held.length > 0) process.stderr.write(`lanchat: written while the terminal UI ran:\n${held.join('\n')}\n`)
  }
}
