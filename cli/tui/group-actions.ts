/**
 * Groups in the terminal UI, pure (as the view model): the /group commands,
 * a group's state as the node tells it, what changed in it as lines of its
 * conversation, and the node's refusals as one line each.
 */
import { quoteName } from './complete.js'
import { addNotices, addNoticesTo, groupConversation, hasLeft, keepingPlace, notice, openConversation, upsertConversation } from './conversation.js'
import { groupOf } from './state.js'
import type { GroupCommand } from './commands.js'
import type { NoticeLine } from './conversation.js'
import type { Formatters } from './frame.js'
import type { Action, GroupFork, GroupInfo, GroupOp, Tone, TuiState, Update } from './state.js'

const NO_GROUP_OPEN = 'no group open: switch to one (Ctrl-N, /group open <name>) or /group create one'

/** The group a name (or the start of its id) stands for, or why there is none. */
function findGroup (state: TuiState, query: string): { ok: true, info: GroupInfo } | { ok: false, error: string } {
  const all = Object.values(state.groups)
  const q = query.toLowerCase()
  let found = all.filter(g => g.name === query)
  if (found.length === 0) found = all.filter(g => g.name.toLowerCase() === q)
  if (found.length === 0 && /^[0-9a-f]{4,32}$/.test(q)) found = all.filter(g => g.group.startsWith(q))
  const [first] = found
  if (first === undefined) {
    return { ok: false, error: all.length === 0 ? `no group ${query}: you are in none yet (/group create <name> [user ...])` : `no group ${query}: Tab completes the names of yours` }
  }
  if (found.length > 1) {
    return { ok: false, error: `${found.length} groups are called ${query}: /group open <the start of its id>: ${found.map(g => g.group.slice(0, 8)).join(', ')}` }
  }
  return { ok: true, info: first }
}

export function runGroupCommand (s: TuiState, command: GroupCommand): Update {
  const none = (st: TuiState): Update => ({ state: st, effects: [] })
  const me = s.me.username
  if (command.sub === 'create') {
    const members = command.members.filter(m => m !== me)
    const s2 = notice(s, `creating the group ${command.group}${members.length === 0 ? '' : ` with ${members.join(', ')}`}...`)
    return { state: s2, effects: [{ type: 'groupCreate', name: command.group, members }] }
  }
  if (command.sub === 'open') {
    const found = findGroup(s, command.group)
    if (!found.ok) return none(notice(s, found.error, 'error'))
    return openConversation({ ...s, focus: 'input' }, groupConversation(found.info.group))
  }
  const group = groupOf(s, s.current)
  if (group === undefined) return none(notice(s, `/group ${command.sub}: ${NO_GROUP_OPEN}`, 'error'))
  switch (command.sub) {
    case 'members':
      return { state: s, effects: [{ type: 'groupMembers', group: group.group }] }
    case 'leave':
      if (!group.member) return none(notice(s, `you are not a member of ${group.name} any more`, 'error'))
      return { state: notice(s, `leaving ${group.name}...`), effects: [{ type: 'groupLeave', group: group.group }] }
    case 'invite':
    case 'kick':
    case 'promote': {
      if (command.user === me) {
        const hint = command.sub === 'kick' ? ': /group leave to leave the group' : command.sub === 'invite' ? ': you are in it' : ''
        return none(notice(s, `that is you${hint}`, 'error'))
      }
      const doing = { invite: 'adding', kick: 'removing', promote: 'promoting' }[command.sub]
      return { state: notice(s, `${doing} ${command.user}...`), effects: [{ type: 'groupChange', op: command.sub, group: group.group, user: command.user }] }
    }
  }
}

/** Keeps the newer of two states of a group (a later epoch; the same epoch: the one told last). */
function newerGroup (old: GroupInfo | undefined, info: GroupInfo): GroupInfo {
  return old === undefined || info.epoch >= old.epoch ? info : old
}

/**
 * Records a group's state and shows it in the conversation list (by name;
 * marked when left). `moved`: the node moved the group onto another branch of
 * its chain (a fork), which may be at an earlier epoch: it is what it holds now.
 */
export function putGroup (state: TuiState, incoming: GroupInfo, moved = false): TuiState {
  const info = moved ? incoming : newerGroup(state.groups[incoming.group], incoming)
  const s: TuiState = { ...state, groups: { ...state.groups, [info.group]: info } }
  return upsertConversation(s, groupConversation(info.group), c => ({ ...c, kind: 'group', title: info.name, left: hasLeft(info) }))
}

/** 'you ...' starts a sentence as 'You ...'; usernames stay as they are. */
function cap (text: string): string {
  return text.startsWith('you ') ? 'Y' + text.slice(1) : text
}

function list (names: readonly string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`
}

/**
 * What changed in a group between two states this node was told of, as lines
 * for the group's conversation, and a status line when it concerns this user.
 */
function describeGroupChange (me: string | null, old: GroupInfo | undefined, info: GroupInfo): { lines: string[], notice?: { text: string, tone: Tone } } {
  const who = (u: string): string => u === me ? 'you' : u
  const lines: string[] = []
  let status: { text: string, tone: Tone } | undefined
  const name = info.name
  if (old === undefined || info.epoch > old.epoch) {
    const author = who(info.author)
    const epoch = ` (epoch ${info.epoch})`
    switch (info.change) {
      case 'create': {
        const others = info.members.filter(m => m !== info.author).map(who)
        lines.push(cap(`${author} created ${name}${others.length === 0 ? '' : ` with ${list(others)}`}${epoch}`))
        break
      }
      case 'invite': lines.push(cap(`${author} added ${who(info.subject)}${epoch}`)); break
      case 'kick': lines.push(cap(`${author} removed ${who(info.subject)}${epoch}`)); break
      case 'promote': lines.push(cap(`${author} made ${who(info.subject)} an admin${epoch}`)); break
      case 'leave': lines.push(cap(`${who(info.subject)} left${epoch}`)); break
    }
    const addedMe = info.member && info.author !== me && (old === undefined || !old.member) &&
      (info.change === 'create' || (info.change === 'invite' && info.subject === me))
    if (addedMe) status = { text: `${info.author} added you to the group ${name}: /group open ${quoteName(name)}`, tone: 'info' }
    if (!info.member && old?.member === true && info.change === 'kick' && info.subject === me) {
      status = { text: `${info.author} removed you from the group ${name}`, tone: 'warn' }
    }
  }
  if (info.member && info.leaving && old?.leaving !== true) lines.push(`You left ${name}: nothing sent to it from now on reaches you.`)
  for (const u of info.pendingLeaves) {
    if (old?.pendingLeaves.includes(u) !== true) lines.push(`${u} asked to leave`)
  }
  return status === undefined ? { lines } : { lines, notice: status }
}

/**
 * What a fork of a group's chain did, told by the node: its sentence as a line
 * of the group's conversation, and a status line pointing there.
 */
function describeFork (old: GroupInfo | undefined, info: GroupInfo, fork: GroupFork): { lines: NoticeLine[], notice: { text: string, tone: Tone } } {
  const name = info.name
  const lines: NoticeLine[] = [{ text: fork.notice, tone: 'warn' }]
  if (fork.kind === 'unlisted') return { lines, notice: { text: `the relay no longer lists you in ${name}: see the group`, tone: 'warn' } }
  const text = !info.member && old?.member !== false
    ? `you are not a member of ${name} any more: the other side of a network split won (see the group)`
    : `${name} forked during a network split and the other side's changes won: see the group`
  return { lines, notice: { text, tone: 'warn' } }
}

/**
 * A group:changed event: the new state, and a line in the group's
 * conversation saying what changed (with `fork`, the node's sentence about
 * the fork instead).
 */
export function onGroupChanged (state: TuiState, info: GroupInfo, now: number, fmt?: Formatters, fork?: GroupFork): TuiState {
  const old = state.groups[info.group]
  const moved = fork?.kind === 'moved'
  // Only a move onto another branch of the chain goes back to an earlier epoch (the chain that won removed this user sooner).
  if (!moved && old !== undefined && info.epoch < old.epoch) return state
  const conv = groupConversation(info.group)
  const { lines, notice: status } = fork === undefined ? describeGroupChange(state.me.username, old, info) : describeFork(old, info, fork)
  let s = keepingPlace(state, conv, now, fmt, st => addNoticesTo(putGroup(st, info, moved), conv, lines, now))
  if (status !== undefined) s = notice(s, status.text, status.tone)
  return s
}

/** The open group's members and admins, as a line or two. */
function membersLines (state: TuiState, info: GroupInfo): NoticeLine[] {
  const me = state.me.username
  const names = info.members.map(m => `${m}${info.admins.includes(m) ? ' (admin)' : ''}${m === me ? ' (you)' : ''}`)
  const lines: NoticeLine[] = [{
    text: `${info.name}: ${info.members.length} member${info.members.length === 1 ? '' : 's'}, epoch ${info.epoch}, state ${info.hash.slice(0, 8)}: ${names.join(', ')}`,
    tone: 'strong'
  }]
  if (info.pendingLeaves.length > 0) lines.push(`  asked to leave: ${info.pendingLeaves.join(', ')}`)
  if (!info.member) lines.push({ text: '  you are not a member any more', tone: 'warn' })
  else if (info.leaving) lines.push({ text: '  you asked to leave', tone: 'warn' })
  return lines
}

export function groupDone (state: TuiState, a: Extract<Action, { type: 'groupDone' }>, now: number): Update {
  const none = (st: TuiState): Update => ({ state: st, effects: [] })
  const info = a.info
  const s = putGroup(state, info)
  const conv = groupConversation(info.group)
  switch (a.op) {
    case 'create': {
      const others = info.members.filter(m => m !== state.me.username)
      const opened = openConversation(s, conv)
      const text = `Group ${info.name} created${others.length === 0 ? '' : ` with ${list(others)}`}: what you type here goes to its members. /group invite adds more.`
      return { state: notice(opened.state, text), effects: opened.effects }
    }
    case 'invite': return none(notice(s, `${a.user ?? '?'} is now a member of ${info.name} (epoch ${info.epoch})`))
    case 'kick': return none(notice(s, `${a.user ?? '?'} was removed from ${info.name} (epoch ${info.epoch})`))
    case 'promote': return none(notice(s, `${a.user ?? '?'} is now an admin of ${info.name}`))
    case 'members': {
      const lines = membersLines(s, info)
      return none(s.current === conv ? addNotices(s, lines, now) : addNoticesTo(s, conv, lines, now))
    }
  }
}

const GROUP_HINTS: Record<string, string> = {
  NOT_ADMIN: 'see /group members',
  UNAVAILABLE: 'nothing changed: try again later',
  NO_HOLDER: 'nothing changed: try again later',
  CONFLICT: 'try again'
}

/** A /group command the node refused, as one short line: what did not happen, the node's reason, what to do. */
export function groupFailureText (state: TuiState, a: Extract<Action, { type: 'groupFailed' }>): string {
  const group = a.group === undefined ? 'the group' : state.groups[a.group]?.name ?? `group ${a.group.slice(0, 8)}`
  const user = a.user ?? '?'
  const what: Record<GroupOp, string> = {
    create: `group ${a.name ?? ''} not created`,
    invite: `${user} not added`,
    kick: `${user} not removed`,
    promote: `${user} not made an admin`,
    members: `no member list for ${group}`,
    leave: `${group} not left`
  }
  let error = a.error
  let hint = a.code === undefined ? undefined : GROUP_HINTS[a.code]
  if (a.code === 'KEY_CHANGED' && a.user !== undefined) {
    error = `${a.user}'s identity key changed`
    hint = `/verify ${a.user}, then /trust ${a.user} if the numbers match`
  }
  return `${what[a.op]}: ${error}${hint === undefined ? '' : ` (${hint})`}`
}

/** Why a group message was dropped (group:status failed), for a person. */
export function failedReason (code: string | undefined): string | undefined {
  switch (code) {
    case undefined: return undefined
    case 'LEFT': return 'you left the group'
    case 'REMOVED': return 'you were removed from the group'
    case 'NOT_MEMBER': return 'not a member'
    default: return code.toLowerCase().replace(/_/g, ' ')
  }
}
