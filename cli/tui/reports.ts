/**
 * Command output as lines for the open conversation: /users, /roles (the
 * holders, their hosts and replicas) and /verify.
 */
import { LOCAL_TIME } from './frame.js'
import type { Formatters } from './frame.js'
import type { RolesView, Tone, TuiState, UserPresence, VerifyResult } from './state.js'

export function usersLines (state: TuiState, users: UserPresence[], fmt?: Formatters): Array<{ text: string, tone: Tone }> {
  if (users.length === 0) return [{ text: 'No one has announced themselves on the network yet.', tone: 'info' }]
  const online = users.filter(u => u.online).length
  const sorted = [...users].sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username))
  const width = Math.max(...sorted.map(u => u.username.length)) + 2
  const time = (fmt ?? LOCAL_TIME).time
  return [
    { text: `Users: ${online} online of ${users.length} known`, tone: 'strong' },
    ...sorted.map(u => ({
      text: `  ${u.username.padEnd(width)}${u.online ? 'online' : `offline, last seen ${time(u.lastSeen)}`}${u.username === state.me.username ? ' (you)' : ''}`,
      tone: 'info' as const
    }))
  ]
}

export function rolesLines (state: TuiState, roles: RolesView, fmt?: Formatters): Array<{ text: string, tone: Tone }> {
  const time = (fmt ?? LOCAL_TIME).time
  const lines: Array<{ text: string, tone: Tone }> = [{ text: 'Role holders:', tone: 'strong' }]
  for (const r of ['relay', 'idp', 'kacls'] as const) {
    const h = roles[r]
    if (h === null) {
      lines.push({ text: `  ${r}: nobody holds it`, tone: 'warn' })
      continue
    }
    const who = h.user !== undefined ? `${h.user} on ${h.hostName ?? 'an unnamed host'}` : h.hostName !== undefined ? `host ${h.hostName}${h.userHint !== undefined ? ` (says ${h.userHint} is logged in there: not confirmed by presence)` : ', nobody logged in'}` : 'an unnamed host'
    lines.push({ text: `  ${r}: ${h.peerId === state.net.peerId ? 'this node, ' : ''}${who}, ${h.pinned ? 'pinned' : 'elected'}, since ${time(h.since)}`, tone: 'info' })
    lines.push({ text: `    ${h.peerId}`, tone: 'dim' })
    lines.push(...replicaLines(h.replicas))
  }
  for (const w of roles.warnings) lines.push({ text: `  ! ${w}`, tone: 'warn' })
  return lines
}

/** A role's replicas as its holder reports them: how far behind it each is. */
function replicaLines (replicas: NonNullable<RolesView['relay']>['replicas']): Array<{ text: string, tone: Tone }> {
  if (replicas === undefined || replicas === null) return [{ text: '    replicas: not reported yet', tone: 'dim' }]
  if (replicas.length === 0) return [{ text: '    replicas: none live (its writes are on it alone)', tone: 'warn' }]
  return replicas.map(rep => {
    const state = rep.behind > 0
      ? `${rep.behind} record${rep.behind === 1 ? '' : 's'} behind (oldest sent ${rep.lagMs} ms ago)`
      : rep.synced ? 'in step' : 'syncing'
    return { text: `    replica ${rep.peerId.slice(-8)}: ${state}`, tone: rep.synced && rep.behind === 0 ? 'dim' as const : 'warn' as const }
  })
}

export function verifyLines (r: VerifyResult): Array<{ text: string, tone: Tone }> {
  const groups = r.safetyNumber.split(' ')
  const half = Math.ceil(groups.length / 2)
  const lines: Array<{ text: string, tone: Tone }> = [
    { text: `Safety number with ${r.username}: compare it with theirs, in person or on a call you trust.`, tone: 'strong' },
    { text: `  ${groups.slice(0, half).join(' ')}`, tone: 'info' },
    { text: `  ${groups.slice(half).join(' ')}`, tone: 'info' }
  ]
  if (r.keyChanged) lines.push({ text: `! ${r.username}'s identity key CHANGED. Messages to them are held. If the numbers match, /trust ${r.username}.`, tone: 'warn' })
  else if (r.verified) lines.push({ text: `${r.username} is verified.`, tone: 'info' })
  else lines.push({ text: `Not verified yet: if the numbers match, /trust ${r.username} marks ${r.username} verified.`, tone: 'info' })
  return lines
}
