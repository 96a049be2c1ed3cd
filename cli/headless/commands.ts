import { BadParamsError, optBool, optInt, optStr, str, strList } from './params.js'
import type { Params } from './params.js'
import type { LanchatNode } from '../../src/node.js'
import type { FileInfo } from '../../src/files/index.js'

export type Reply = Record<string, unknown>

/** A reply's `id` is the command's: a message's id travels as `messageId`. */
function withMessageId ({ id, ...rest }: { id: string }): Reply {
  return { messageId: id, ...rest }
}
export type Command = (node: LanchatNode, params: Params) => Reply | Promise<Reply>

/**
 * The headless commands: each maps a JSON command onto the node's API and
 * returns the reply's fields. docs/headless.md is the contract. `quit` is
 * handled by the loop itself.
 */
export const COMMANDS: Record<string, Command> = {
  status: node => ({ ...node.status() }),
  peers: node => ({ peers: node.peers() }),
  roles: node => ({ ...node.roleHolders() }),
  replication: node => ({ ...node.replicationStatus() }),
  registry: node => ({ ...node.registryView() }),
  register: async (node, p) => node.register(str(p, 'username', { max: 64 }), str(p, 'password', { max: 1024 })),
  login: async (node, p) => ({ ...await node.login(str(p, 'username', { max: 64 }), str(p, 'password', { max: 1024 })) }),
  whoami: node => ({ ...node.whoami() }),
  send: async (node, p) => withMessageId(await node.send(str(p, 'to', { max: 64 }), str(p, 'text', { max: 32_000 }))),
  history: async (node, p) => ({
    messages: p.from !== undefined
      ? await node.historyFrom(str(p, 'with', { max: 64 }), str(p, 'from', { max: 64 }), optInt(p, 'limit', 1, 1000))
      : await node.history(str(p, 'with', { max: 64 }), optInt(p, 'limit', 1, 1000), optStr(p, 'before', 64))
  }),
  // Message kinds: `with` names the conversation, `message` the message it is about (`id` is the command's).
  reply: async (node, p) => withMessageId(await node.reply(str(p, 'with', { max: 64 }), str(p, 'message', { max: 64 }), str(p, 'text', { max: 32_000 }))),
  edit: async (node, p) => withMessageId(await node.edit(str(p, 'with', { max: 64 }), str(p, 'message', { max: 64 }), str(p, 'text', { max: 32_000 }))),
  delete: async (node, p) => withMessageId(await node.deleteMessage(str(p, 'with', { max: 64 }), str(p, 'message', { max: 64 }))),
  react: async (node, p) => withMessageId(await node.react(str(p, 'with', { max: 64 }), str(p, 'message', { max: 64 }), str(p, 'emoji', { max: 64 }), optBool(p, 'remove') ?? false)),
  info: async (node, p) => ({ message: await node.messageInfo(str(p, 'with', { max: 64 }), str(p, 'message', { max: 64 })) }),
  search: async (node, p) => ({ messages: await node.search(str(p, 'query', { max: 1000 }), { ...(p.with !== undefined ? { conversation: str(p, 'with', { max: 64 }) } : {}), ...(p.limit !== undefined ? { limit: optInt(p, 'limit', 1, 1000) } : {}) }) }),
  conversations: async node => ({ conversations: await node.conversations() }),
  read: async (node, p) => node.markRead(str(p, 'with', { max: 64 })),
  users: node => ({ users: node.users() }),
  typing: async (node, p) => node.typing(str(p, 'to', { max: 64 }), optBool(p, 'typing') ?? true),
  'kacls.audit': async (node, p) => ({ ...await node.kacls.audit(optInt(p, 'limit', 1, 1000), optStr(p, 'before', 128)) }),
  'kacls.rotate': async node => ({ ...await node.kacls.rotateKek() }),
  'kacls.status': node => ({ ...node.kacls.status() }),
  'lobby.send': async (node, p) => withMessageId(await node.lobbySend(str(p, 'text', { max: 32_000 }))),
  verify: async (node, p) => node.verify(str(p, 'user', { max: 64 })),
  trust: async (node, p) => node.trust(str(p, 'user', { max: 64 })),
  // Groups (docs/groups.md): replies name the group `group`, never `id` (the command's).
  groups: async node => ({ groups: await node.groups() }),
  'group.create': async (node, p) => ({ ...await node.groupCreate(str(p, 'name', { max: 256 }), p.members === undefined ? [] : strList(p, 'members', 256)) }),
  'group.invite': async (node, p) => ({ ...await node.groupInvite(str(p, 'group', { max: 64 }), str(p, 'user', { max: 64 })) }),
  'group.kick': async (node, p) => ({ ...await node.groupKick(str(p, 'group', { max: 64 }), str(p, 'user', { max: 64 })) }),
  'group.promote': async (node, p) => ({ ...await node.groupPromote(str(p, 'group', { max: 64 }), str(p, 'user', { max: 64 })) }),
  'group.leave': async (node, p) => ({ ...await node.groupLeave(str(p, 'group', { max: 64 })) }),
  'group.send': async (node, p) => withMessageId({ ...await node.groupSend(str(p, 'group', { max: 64 }), str(p, 'text', { max: 32_000 })) }),
  'group.members': async (node, p) => ({ ...await node.groupMembers(str(p, 'group', { max: 64 })) }),
  'group.history': async (node, p) => ({ messages: await node.groupHistory(str(p, 'group', { max: 64 }), optInt(p, 'limit', 1, 1000), optStr(p, 'before', 64)) }),
  'group.sync': async (node, p) => ({ ...await node.groupSync(optStr(p, 'group', 64)) }),
  // Files (docs/files.md): replies name the file `file` (its id) and `n` (this node's number for it).
  'file.send': async (node, p) => fileReply(await node.fileSend({ ...optField('to', optStr(p, 'to', 64)), ...optField('group', optStr(p, 'group', 64)), path: str(p, 'path', { max: 4096 }) })),
  'file.accept': async (node, p) => fileReply(await node.fileAccept(fileRef(p))),
  'file.cancel': async (node, p) => fileReply(await node.fileCancel(fileRef(p))),
  files: node => ({ files: node.files().map(fileReply) })
}

/** A transfer in a reply: its id travels as `file` (a reply's `id` is the command's). */
function fileReply ({ id, ...rest }: FileInfo): Reply {
  return { file: id, ...rest }
}

function optField<K extends string> (key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : { [key]: value } as Record<K, string>
}

/** `file`: a file id (32 hex digits) or this node's number for it. */
function fileRef (p: Params): string | number {
  const value = p.file
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
  if (typeof value === 'string' && value.length <= 64) return value
  throw new BadParamsError("'file' must be a file id or a transfer's number")
}
