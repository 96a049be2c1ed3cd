/**
 * Message kinds (docs/protocol.md, "Message kinds"): what a message is
 * beyond its text, carried encoded as a MessageBody in the payload of a
 * direct or group message. Replies are messages with a quoted target; edits,
 * deletions and reactions are changes to a target that history applies and
 * never shows as messages of their own. The payload's text stays the text
 * (of the message, the reply, the edit) or, for a deletion or a reaction, a
 * short line a node that does not know the kind shows instead.
 */
import { MessageBody } from './pb/body.js'
import { TimelineError } from './errors.js'

/** Kinds that change a target instead of adding a message to history. */
export type ChangeKind = 'edit' | 'delete' | 'reaction'

/** What a message says beyond its text, decoded and checked. */
export interface Body {
  kind: string
  /** reply: the message answered */
  replyTo?: string
  /** edit, delete, reaction: the message changed */
  target?: string
  /** reaction: one emoji */
  emoji?: string
  /** reaction: taken back */
  remove?: boolean
  /** file and kinds to come: opaque here */
  attachment?: Uint8Array
}

/** A reaction is one grapheme cluster of at most this many bytes (body.proto). */
export const MAX_EMOJI_BYTES = 32
/** A message id a body names is at most this long (the ids a sender may choose, chat's MAX_ID_LENGTH). */
const MAX_REF_LENGTH = 64

const CHANGES: ReadonlySet<string> = new Set<ChangeKind>(['edit', 'delete', 'reaction'])

/** Whether a kind changes a target (edit, delete, reaction) rather than being a message. */
export function isChange (kind: string | undefined): kind is ChangeKind {
  return kind !== undefined && CHANGES.has(kind)
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** One emoji (a single grapheme cluster, no letters or digits, at most MAX_EMOJI_BYTES), or BAD_EMOJI. */
export function checkEmoji (emoji: string): string {
  const clusters = typeof emoji === 'string' ? [...segmenter.segment(emoji)] : []
  const bytes = Buffer.byteLength(typeof emoji === 'string' ? emoji : '')
  if (clusters.length !== 1 || bytes > MAX_EMOJI_BYTES || /[\p{L}\p{N}\s]/u.test(emoji) || !/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(emoji)) {
    throw new TimelineError('BAD_EMOJI', 'a reaction is one emoji, such as 👍')
  }
  return emoji
}

/** The encoded body of a message that is not plain text (undefined for plain text). */
export function encodeBody (body: Body | undefined): Uint8Array | undefined {
  if (body === undefined || body.kind === 'text' || body.kind === '') return undefined
  return MessageBody.encode({
    kind: body.kind,
    ...(body.replyTo !== undefined ? { replyTo: body.replyTo } : {}),
    ...(body.target !== undefined ? { target: body.target } : {}),
    ...(body.emoji !== undefined ? { emoji: body.emoji } : {}),
    ...(body.remove === true ? { remove: true } : {}),
    ...(body.attachment !== undefined ? { attachment: new Uint8Array(body.attachment) } : {})
  })
}

/**
 * A body from a peer, checked. Undefined for plain text, and for a body that
 * cannot be read or names what it is about wrongly: the message then shows
 * as its payload text, like a kind this node does not know.
 */
export function decodeBody (bytes: Uint8Array | undefined): Body | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined
  let b: MessageBody
  try {
    b = MessageBody.decode(bytes)
  } catch {
    return undefined
  }
  const ref = (id: string | undefined): boolean => id !== undefined && id.length > 0 && id.length <= MAX_REF_LENGTH
  switch (b.kind) {
    case '':
    case 'text':
      return undefined
    case 'reply':
      return ref(b.replyTo) ? { kind: 'reply', replyTo: b.replyTo } : undefined
    case 'edit':
    case 'delete':
      return ref(b.target) ? { kind: b.kind, target: b.target } : undefined
    case 'reaction':
      try {
        if (!ref(b.target) || b.emoji === undefined) return undefined
        return { kind: 'reaction', target: b.target, emoji: checkEmoji(b.emoji), ...(b.remove === true ? { remove: true } : {}) }
      } catch {
        return undefined
      }
    default:
      // A kind of a newer node (a file offer, ...): kept as it came, shown as its payload text.
      return { kind: b.kind.slice(0, 32), ...(b.attachment !== undefined ? { attachment: b.attachment } : {}) }
  }
}

/** The line a node that does not know a change shows in its place (the payload text of a deletion or reaction). */
export function fallbackText (body: Body): string {
  if (body.kind === 'delete') return 'deleted a message'
  if (body.kind === 'reaction') return body.remove === true ? `took back ${body.emoji ?? ''} on a message` : `reacted ${body.emoji ?? ''} to a message`
  return ''
}

/** The fields a message of this body has in the timeline (kind, and what it refers to). */
export function bodyFields (body: Body | undefined): { kind?: string, replyTo?: string, target?: string, emoji?: string, remove?: boolean } {
  if (body === undefined) return {}
  return {
    kind: body.kind,
    ...(body.replyTo !== undefined ? { replyTo: body.replyTo } : {}),
    ...(body.target !== undefined ? { target: body.target } : {}),
    ...(body.emoji !== undefined ? { emoji: body.emoji } : {}),
    ...(body.remove === true ? { remove: true } : {})
  }
}
