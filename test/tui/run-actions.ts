import { update } from '../../cli/tui/view-model.js'
import type { Formatters } from '../../cli/tui/frame.js'
import type { Action, Effect, TuiState } from '../../cli/tui/state.js'

/** What a run of actions came to: the state after the last, and every effect on the way. */
export interface Run { state: TuiState, effects: Effect[] }

/** Runs actions through the view model one after the other, at `now`, with `format` for times and days. */
export function runActions (state: TuiState, actions: Action[], now: number, format: Formatters): Run {
  const effects: Effect[] = []
  for (const a of actions) {
    const r = update(state, a, now, { format })
    state = r.state
    effects.push(...r.effects)
  }
  return { state, effects }
}
