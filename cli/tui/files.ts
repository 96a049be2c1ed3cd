/**
 * Files in the terminal UI, pure: the line under a file message (what its
 * transfer is doing: waiting for /accept, a live progress line with bytes,
 * rate and time left, `saved to ...`), the /files list, and keeping the
 * transfers up to date from the node's file events.
 */
import { formatBytes } from '../../src/files/index.js'
import type { AttachedFile, FileDoneEvent, FileFailedEvent, FileOfferEvent, FileProgressEvent, FileView, Tone, TuiState } from './state.js'

export interface FileLine {
  text: string
  tone: Tone
}

/** Seconds for people: 4 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration (seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`
  return `${Math.floor(s / 3600)} h${Math.floor(s % 3600 / 60) === 0 ? '' : ` ${Math.floor(s % 3600 / 60)} min`}`
}

/** "12.3 MB of 30.0 MB, 4.10 MB/s, 4 s left" */
export function progressText (f: Pick<FileView, 'bytes' | 'size' | 'rate' | 'eta'>): string {
  const parts = [`${formatBytes(f.bytes)} of ${formatBytes(f.size)}`]
  if (f.rate > 0) parts.push(`${formatBytes(f.rate)}/s`)
  if (f.eta !== null && f.rate > 0) parts.push(`${formatDuration(f.eta)} left`)
  return parts.join(', ')
}

function percent (f: Pick<FileView, 'bytes' | 'size'>): string {
  return `${Math.floor(f.bytes * 100 / Math.max(f.size, 1))}%`
}

/** What the transfer of a file message is doing, as the line shown under it. */
export function fileLine (f: FileView | undefined, file: AttachedFile, direction: 'in' | 'out'): FileLine {
  const arrow = '  \u21b3 '
  if (f === undefined) return { text: `${arrow}${direction === 'out' ? 'offered' : 'offered: /files to see it'}`, tone: 'dim' }
  const n = `#${f.n}`
  const line = (text: string, tone: Tone = 'info'): FileLine => ({ text: arrow + text, tone })
  switch (f.state) {
    case 'offered': return line(`${n} ${formatBytes(file.size)}: /accept ${f.n} to download it, /cancel ${f.n} to refuse it`, 'warn')
    case 'waiting': return line(`${n} waiting for a source (the sender, the relay${f.conversation.startsWith('group:') ? ', a member' : ''})...`, 'dim')
    case 'downloading': return f.bytes === 0 && f.rate === 0 ? line(`${n} connecting...`, 'dim') : line(`${n} ${progressText(f)}`)
    case 'done': return line(`${n} saved to ${f.path ?? '?'}`)
    case 'sending': {
      const relay = f.relay === 'uploading' ? ' (copying to the relay for those away)' : f.relay === 'uploaded' ? ' (the relay keeps a copy)' : ''
      return f.bytes === 0 ? line(`${n} offered, waiting to be fetched${relay}`, 'dim') : line(`${n} sending: ${progressText(f)}${relay}`)
    }
    case 'sent': return line(`${n} sent: every chunk left this node${f.relay === 'uploaded' ? ' (the relay keeps a copy)' : ''}`)
    case 'delivered': return line(`${n} delivered: ${f.conversation} has it`)
    case 'failed': return line(`${n} failed: ${f.error?.message ?? 'unknown error'}${f.direction === 'in' ? ` (/accept ${f.n} to try again)` : ''}`, 'error')
    case 'cancelled': return line(`${n} cancelled`, 'dim')
  }
}

/** The /files list, newest first. */
export function filesLines (list: readonly FileView[]): FileLine[] {
  if (list.length === 0) return [{ text: 'No files yet: /file <path> sends one to the open chat or group.', tone: 'info' }]
  const lines: FileLine[] = [{ text: `Files: ${list.length}`, tone: 'strong' }]
  for (const f of [...list].sort((a, b) => b.n - a.n)) {
    const who = f.direction === 'in' ? `from ${f.from}` : `to ${f.conversation.startsWith('group:') ? 'the group' : f.conversation}`
    const state = f.state === 'downloading' || (f.state === 'sending' && f.bytes > 0) ? `${f.state} ${percent(f)}` : f.state
    const tone: Tone = f.state === 'failed' ? 'error' : f.state === 'offered' ? 'warn' : 'info'
    lines.push({ text: `  #${f.n} ${f.direction === 'in' ? 'in ' : 'out'} ${f.name} (${formatBytes(f.size)}) ${who}: ${state}${f.state === 'offered' ? ` (/accept ${f.n})` : ''}`, tone })
  }
  return lines
}

/** A transfer as the node listed or returned it. */
export function putFile (state: TuiState, info: FileView): TuiState {
  return { ...state, files: { ...state.files, [info.id]: info } }
}

/** A transfer known only from an event (the list is on its way): what the event says. */
function sketch (e: { id: string, n: number, conversation: string, name: string }, direction: 'in' | 'out', size: number): FileView {
  return {
    id: e.id, n: e.n, direction, name: e.name, size, conversation: e.conversation, from: direction === 'in' ? e.conversation : '', messageId: '',
    state: direction === 'in' ? 'downloading' : 'sending', bytes: 0, rate: 0, eta: null, sha256: '', createdAt: 0
  }
}

export function onFileOffer (state: TuiState, o: FileOfferEvent): TuiState {
  const old = state.files[o.id]
  if (old !== undefined) return state
  return putFile(state, { ...sketch(o, 'in', o.size), from: o.from, messageId: o.messageId, state: o.autoAccept ? 'downloading' : 'offered' })
}

export function onFileProgress (state: TuiState, p: FileProgressEvent): TuiState {
  const old = state.files[p.id] ?? sketch(p, p.direction, p.size)
  const moving = old.state === 'offered' || old.state === 'waiting' ? 'downloading' : old.state
  return putFile(state, { ...old, state: moving, bytes: p.bytes, rate: p.rate, eta: p.eta })
}

export function onFileDone (state: TuiState, d: FileDoneEvent): TuiState {
  const old = state.files[d.id] ?? sketch(d, d.direction, d.size)
  return putFile(state, { ...old, state: d.direction === 'in' ? 'done' : 'delivered', bytes: d.size, rate: 0, eta: null, path: d.path })
}

export function onFileFailed (state: TuiState, f: FileFailedEvent): TuiState {
  const old = state.files[f.id] ?? sketch(f, f.direction, 0)
  return putFile(state, { ...old, state: f.code === 'CANCELLED' ? 'cancelled' : 'failed', rate: 0, eta: null, error: { code: f.code, message: f.message } })
}
