/**
 * A message to send beyond its text (a reply, edit, deletion, reaction, or a
 * file's offer), checked and kept the same way by the DM and group outboxes.
 */
import { toBase64 } from '../crypto/index.js'
import { encodeBody } from '../timeline/index.js'
import { checkText } from './text.js'
import type { AttachedFile, Body } from '../timeline/index.js'
import type { OutgoingAttachment } from './attachments.js'

/** Checks a message before anything else: a body or an attachment, not both; text where the message shows it (BAD_TEXT). */
export function checkOutgoing (text: string, body: Body | undefined, attachment: OutgoingAttachment | undefined): void {
  if (body !== undefined && attachment !== undefined) throw new TypeError('a message has a body or an attachment, not both')
  if (body === undefined || body.kind === 'reply' || body.kind === 'edit') checkText(text)
}

/** What an outbox entry keeps of it: base64 of the encoded MessageBody (none for plain text), and the file it offers. */
export function storedBody (body: Body | undefined, attachment: OutgoingAttachment | undefined): { body?: string, file?: AttachedFile } {
  const encoded = attachment?.body ?? encodeBody(body)
  return { ...(encoded !== undefined ? { body: toBase64(encoded) } : {}), ...(attachment !== undefined ? { file: attachment.file } : {}) }
}
