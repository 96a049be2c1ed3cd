/**
 * Files in messages (docs/files.md): a message of kind "file" carries the
 * offer, encoded by the files module, in its MessageBody's `attachment`. The
 * DM and group pipelines only carry it: going out as the body the files
 * module made, coming in handed to the files module (before the message is
 * stored, so an offer is never stored without its transfer being known), and
 * the file it names kept with the message for history.
 */
import { bodyFields, decodeBody } from '../timeline/index.js'
import type { AttachedFile, ChatMessage } from '../timeline/index.js'

/** What the chat hands a received file offer to (the user's files). */
export interface Attachments {
  /**
   * Checks and records the offer, once per file; the file as the message
   * shows it, or undefined when the offer is refused (the message is then
   * stored with its text only).
   */
  offered: (offer: { from: string, conversation: string, messageId: string, attachment: Uint8Array }) => Promise<AttachedFile | undefined>
}

/** A message to send with a file: the encoded MessageBody and the file it names. */
export interface OutgoingAttachment {
  body: Uint8Array
  file: AttachedFile
}

/**
 * What a received payload's body makes of the message, the same for a direct
 * and a group one: its kind and what it refers to, and for a file message
 * the file, once the offer is handed over to someone who takes it. Throws
 * when the offer could not be recorded (the store failed): the message is
 * then not stored either, and comes again.
 */
export async function receivedBody (to: Attachments | undefined, bytes: Uint8Array | undefined, offer: { from: string, conversation: string, messageId: string }): Promise<Partial<ChatMessage>> {
  const body = decodeBody(bytes)
  const attachment = body?.kind === 'file' ? body.attachment : undefined
  const file = attachment === undefined || attachment.byteLength === 0 || to === undefined ? undefined : await to.offered({ ...offer, attachment })
  return { ...bodyFields(body), ...(file !== undefined ? { file } : {}) }
}
