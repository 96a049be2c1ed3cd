import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../cli/tui/commands.js'
import { completionAt } from '../../cli/tui/complete.js'
import { fileLine, filesLines, formatDuration, progressText } from '../../cli/tui/files.js'
import { renderFrame } from '../../cli/tui/frame.js'
import { completePaths, resolvePath } from '../../cli/tui/paths.js'
import { charKey } from '../../cli/tui/keys.js'
import { initialState, update } from '../../cli/tui/view-model.js'
import type { Formatters } from '../../cli/tui/frame.js'
import type { Action, FileView, Snapshot, TuiState } from '../../cli/tui/state.js'

const NOW = Date.UTC(2025, 2, 4, 14, 2)
const FMT: Formatters = { time: () => '14:02', day: () => '2025-03-04' }
const snap: Snapshot = {
  status: { networkId: '0a1b2c3d4e5f6071', peerId: 'me', peers: 1 },
  roles: { relay: null, idp: null, kacls: null, warnings: [] },
  whoami: { username: 'alice', loggedIn: true },
  users: [{ username: 'bob', online: true, peers: ['p-b'], lastSeen: NOW }]
}
const view = (over: Partial<FileView>): FileView => ({
  id: 'f'.repeat(32), n: 3, direction: 'in', name: 'report.pdf', size: 30_000_000, conversation: 'bob', from: 'bob', messageId: 'm1',
  state: 'offered', bytes: 0, rate: 0, eta: null, sha256: '', createdAt: NOW, ...over
})

function apply (s: TuiState, ...actions: Action[]): { state: TuiState, effects: ReturnType<typeof update>['effects'] } {
  let state = s
  let effects: ReturnType<typeof update>['effects'] = []
  for (const a of actions) ({ state, effects } = update(state, a, NOW, { format: FMT }))
  return { state, effects }
}
const typed = (s: TuiState, text: string): TuiState => [...text].reduce((st, ch) => update(st, { type: 'key', key: charKey(ch) }, NOW).state, s)
const enter = (s: TuiState): ReturnType<typeof update> => update(s, { type: 'key', key: { name: 'enter', full: 'enter' } as never }, NOW)
/** /dm bob: a name this UI has not met yet is looked up first, then the chat opens. */
const openDm = (s: TuiState, user: string): TuiState => {
  const asked = enter(typed(s, `/dm ${user}`))
  expect(asked.effects).toEqual([{ type: 'checkUser', user }])
  return update(asked.state, { type: 'userChecked', user, username: user }, NOW).state
}
const screen = (s: TuiState): string => renderFrame(s, NOW, FMT).messages.lines.map(l => l.text).join('\n')

describe('TUI file commands', () => {
  it('parses /file with the rest of the line as the path (spaces kept), or one quoted path', () => {
    expect(parseCommand('/file ~/my report.pdf')).toEqual({ ok: true, value: { name: 'file', path: '~/my report.pdf' } })
    expect(parseCommand('/file "a b.txt"')).toEqual({ ok: true, value: { name: 'file', path: 'a b.txt' } })
    expect(parseCommand('/file')).toMatchObject({ ok: false })
    expect(parseCommand('/accept 3')).toEqual({ ok: true, value: { name: 'accept', n: 3 } })
    expect(parseCommand('/cancel #12')).toEqual({ ok: true, value: { name: 'cancel', n: 12 } })
    expect(parseCommand('/accept zero')).toMatchObject({ ok: false, error: expect.stringContaining('/files') })
    expect(parseCommand('/files')).toEqual({ ok: true, value: { name: 'files' } })
  })

  it('completes paths after /file with Tab, directories with a slash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lanchat-tui-paths-'))
    await mkdir(join(dir, 'docs'))
    await writeFile(join(dir, 'doc.txt'), 'x')
    await writeFile(join(dir, '.hidden'), 'x')
    expect(completePaths('do', dir)).toEqual(['doc.txt', 'docs/'])
    expect(completePaths('', dir)).toEqual(['doc.txt', 'docs/'])
    expect(completePaths('.h', dir)).toEqual(['.hidden'])
    expect(completePaths(`${dir}/docs/`, dir)).toEqual([])
    expect(completePaths('~/', dir, dir)).toEqual(['~/doc.txt', '~/docs/'])
    expect(completePaths('nowhere/x', dir)).toEqual([])
    expect(resolvePath('~/a.txt', '/cwd', '/home/me')).toBe('/home/me/a.txt')
    expect(resolvePath('b.txt', '/cwd', '/home/me')).toBe('/cwd/b.txt')
    const c = completionAt('/file do', 8, { users: [], paths: p => completePaths(p, dir) })
    expect(c?.options).toEqual(['doc.txt', 'docs/'])
  })

  it('sends /file to the open chat, refuses it in the lobby', () => {
    let s = initialState({ width: 100, height: 30 }, snap).state
    const lobby = enter(typed(s, '/file x.bin'))
    expect(lobby.effects).toEqual([])
    expect(lobby.state.notice?.tone).toBe('error')
    s = openDm(s, 'bob')
    const r = enter(typed(s, '/file ~/x.bin'))
    expect(r.effects).toEqual([{ type: 'fileSend', conversation: 'bob', path: '~/x.bin' }])
    expect(enter(typed(r.state, '/accept 3')).effects).toEqual([{ type: 'fileAccept', n: 3 }])
    expect(enter(typed(r.state, '/files')).effects).toEqual([{ type: 'files', show: true }])
  })
})

describe('TUI file lines', () => {
  it('tells each state of a transfer under its message', () => {
    const file = { id: 'f'.repeat(32), name: 'report.pdf', size: 30_000_000 }
    expect(fileLine(view({}), file, 'in').text).toContain('/accept 3')
    expect(fileLine(view({ state: 'downloading', bytes: 12_300_000, rate: 4_100_000, eta: 5 }), file, 'in').text).toContain('12.3 MB of 30.0 MB, 4.10 MB/s, 5 s left')
    expect(fileLine(view({ state: 'done', path: '/home/bob/downloads/report.pdf' }), file, 'in').text).toContain('saved to /home/bob/downloads/report.pdf')
    expect(fileLine(view({ state: 'failed', error: { code: 'DISK_FULL', message: 'the disk is full' } }), file, 'in')).toMatchObject({ tone: 'error' })
    expect(fileLine(view({ direction: 'out', state: 'sending', bytes: 1_000_000, rate: 1_000_000, eta: 29 }), file, 'out').text).toContain('sending: 1.00 MB of 30.0 MB')
    expect(fileLine(view({ direction: 'out', state: 'delivered' }), file, 'out').text).toContain('delivered: bob has it')
    expect(progressText({ bytes: 0, size: 10, rate: 0, eta: null })).toBe('0 B of 10 B')
    expect(formatDuration(3725)).toBe('1 h 2 min')
    expect(formatDuration(125)).toBe('2 min 5 s')
    expect(filesLines([view({}), view({ n: 4, direction: 'out', state: 'sending', bytes: 15_000_000, conversation: 'carol' })]).map(l => l.text)).toEqual([
      'Files: 2',
      '  #4 out report.pdf (30.0 MB) to carol: sending 50%',
      '  #3 in  report.pdf (30.0 MB) from bob: offered (/accept 3)'
    ])
  })

  it('shows an offer, its live progress and where it was saved, under the message', () => {
    let s = openDm(initialState({ width: 100, height: 30 }, snap).state, 'bob')
    const id = 'a'.repeat(32)
    const offer = { id, n: 1, from: 'bob', conversation: 'bob', messageId: 'm1', name: 'big.iso', size: 60_000_000, autoAccept: false }
    s = apply(s,
      { type: 'fileOffer', offer },
      { type: 'message', message: { id: 'm1', conversation: 'bob', from: 'bob', to: 'alice', text: '\u{1F4CE} big.iso (60.0 MB)', sentAt: NOW, hlc: `${NOW}.00001`, direction: 'in', file: { id, name: 'big.iso', size: 60_000_000 } } }
    ).state
    expect(s.notice?.text).toContain('/accept 1')
    expect(screen(s)).toMatch(/big\.iso \(60\.0 MB\)\n.*#1 60\.0 MB: \/accept 1 to download it/)
    s = apply(s, { type: 'fileProgress', progress: { id, n: 1, direction: 'in', conversation: 'bob', name: 'big.iso', bytes: 6_000_000, size: 60_000_000, rate: 3_000_000, eta: 18, resumedFrom: 0 } }).state
    expect(screen(s)).toContain('#1 6.00 MB of 60.0 MB, 3.00 MB/s, 18 s left')
    s = apply(s, { type: 'fileDone', done: { id, n: 1, direction: 'in', conversation: 'bob', name: 'big.iso', size: 60_000_000, path: '/dl/big.iso', sha256: '' } }).state
    expect(screen(s)).toContain('#1 saved to /dl/big.iso')
    expect(s.notice?.text).toBe('saved big.iso to /dl/big.iso')
  })

  it('shows a file this user sent at once, with its transfer', () => {
    let s = openDm(initialState({ width: 100, height: 30 }, snap).state, 'bob')
    s = apply(s, { type: 'fileInfo', op: 'send', info: view({ direction: 'out', state: 'sending', from: 'alice', messageId: 'm9', name: 'x.bin', size: 1000 }) }).state
    expect(screen(s)).toMatch(/alice: \u{1F4CE} x\.bin \(1\.00 kB\) \(pending\)\n.*#3 offered, waiting to be fetched/u)
  })
})
